import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRtpproxy, streamAnswer, streamOfSdp, syntheticSdp } from '../../../src/rtpproxy/command.ts';

test('U and L parse the call-id, address, port, tags with media numbers and i/e modifiers', () => {
  assert.deepEqual(parseRtpproxy('c1 Uie cid 10.0.0.1 5000 ft;1\n')?.command, {
    kind: 'update',
    callId: 'cid',
    address: '10.0.0.1',
    port: 5000,
    from: { tag: 'ft', media: 1 },
    to: null,
    direction: ['internal', 'external'],
    modifiers: 'ie',
  });
  const l = parseRtpproxy('c2 L cid 10.0.0.2 6000 ft;2 tt;2')?.command;
  assert.equal(l?.kind, 'lookup');
  assert.deepEqual(l?.kind === 'lookup' ? [l.from, l.to] : null, [
    { tag: 'ft', media: 2 },
    { tag: 'tt', media: 2 },
  ]);
});

test('lines that do not parse become passthrough (U/L with address and port) or an error', () => {
  assert.deepEqual(parseRtpproxy('c U cid 10.0.0.1 5000 ft')?.command, {
    kind: 'passthrough',
    address: '10.0.0.1',
    port: '5000',
  });
  assert.deepEqual(
    parseRtpproxy('c L cid 10.0.0.1 5000 ft;1')?.command.kind,
    'passthrough',
    'L needs a to-tag',
  );
  assert.deepEqual(parseRtpproxy('c X')?.command, { kind: 'error' });
  assert.deepEqual(parseRtpproxy('c D')?.command, { kind: 'error' });
  assert.equal(parseRtpproxy('   '), null);
  assert.deepEqual(parseRtpproxy('c D cid ft;1')?.command, {
    kind: 'delete',
    callId: 'cid',
    fromTag: 'ft',
    toTag: null,
  });
  assert.deepEqual(parseRtpproxy('c VF 20050322')?.command, { kind: 'capability', date: '20050322' });
});

test('the synthetic SDP has one m= line per media number and its rewrite gives back each stream', () => {
  const sdp = syntheticSdp([
    { address: '10.0.0.1', port: 5000 },
    undefined,
    { address: '10.0.0.1', port: 5004 },
  ]);
  assert.equal(sdp.match(/^m=/gm)?.length, 3);
  assert.deepEqual(streamOfSdp(sdp, 2), { address: '10.0.0.1', port: 0 });
  assert.deepEqual(streamOfSdp(sdp, 3), { address: '10.0.0.1', port: 5004 });
  assert.equal(streamOfSdp(sdp, 4), null);
  const sessionLevel = 'v=0\r\nc=IN IP4 1.2.3.4\r\nm=audio 40000 RTP/AVP 0\r\n';
  assert.deepEqual(streamOfSdp(sessionLevel, 1), { address: '1.2.3.4', port: 40000 });
  assert.equal(streamAnswer(40000, '::1'), '40000 ::1 6');
});
