import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  formatControls,
  formatStatus,
  formatStreamsReply,
  formatVersion,
  parseInfo,
  parseMediaproxy,
  sessionSdp,
} from '../../../src/mediaproxy/command.ts';

const REQUEST =
  'request cid1 10.0.0.1:5000:audio,10.0.0.1:5002:video 10.0.0.1 dom.a local dom.b remote agent info=fromtag:ft1,totag:';

test('a request line yields its call-id, every ip:port:type stream, the tags of info= and an empty totag as absent', () => {
  const cmd = parseMediaproxy(REQUEST);
  assert.ok(cmd && cmd.kind === 'request');
  assert.equal(cmd.callId, 'cid1');
  assert.deepEqual(cmd.streams, [
    { address: '10.0.0.1', port: 5000, type: 'audio' },
    { address: '10.0.0.1', port: 5002, type: 'video' },
  ]);
  assert.equal(cmd.signallingIp, '10.0.0.1');
  assert.equal(cmd.fromDomain, 'dom.a');
  assert.equal(cmd.toType, 'remote');
  assert.equal(cmd.userAgent, 'agent');
  assert.equal(cmd.fromTag, 'ft1');
  assert.equal(cmd.toTag, null);
});

test('a lookup line carries the to-tag, a stream without type parses, a trailing CR is dropped', () => {
  const cmd = parseMediaproxy('lookup c 10.0.0.2:7000 10.0.0.2 a local b remote ua info=fromtag:f,totag:t\r');
  assert.ok(cmd && cmd.kind === 'lookup');
  assert.deepEqual(cmd.streams, [{ address: '10.0.0.2', port: 7000, type: null }]);
  assert.equal(cmd.toTag, 't');
});

test('streams that are not ipv4:port are skipped, and what follows the port is the type, ; included', () => {
  const cmd = parseMediaproxy(
    'request c host:5000:audio,10.0.0.1:5002:audio;x 10.0.0.1 a local b remote ua info=fromtag:f',
  );
  assert.ok(cmd && cmd.kind === 'request');
  assert.deepEqual(cmd.streams, [{ address: '10.0.0.1', port: 5002, type: 'audio;x' }]);
  const none = parseMediaproxy('request c host:5000:audio 10.0.0.1 a local b remote ua info=fromtag:f');
  assert.ok(none && none.kind === 'request');
  assert.deepEqual(none.streams, []);
});

test('info= pairs are split on commas only, so a semicolon stays inside a value as rtpengine reads it', () => {
  const info = parseInfo('info=from:x;fromtag:ft4');
  assert.deepEqual([...(info ?? [])], [['from', 'x;fromtag:ft4']]);
  const cmd = parseMediaproxy(
    'request c 10.0.0.1:5000:audio 10.0.0.1 a local b remote ua info=from:x;fromtag:ft4',
  );
  assert.ok(cmd && cmd.kind === 'request');
  assert.equal(cmd.fromTag, null);
});

test('delete needs info= and takes its tags; the one-word commands parse exactly and case-sensitively', () => {
  assert.deepEqual(parseMediaproxy('delete cid5 info=fromtag:ft5'), {
    kind: 'delete',
    callId: 'cid5',
    fromTag: 'ft5',
    toTag: null,
  });
  assert.equal(parseMediaproxy('delete cid5'), null);
  for (const v of ['version', 'build']) assert.deepEqual(parseMediaproxy(v), { kind: 'version' });
  assert.deepEqual(parseMediaproxy('status'), { kind: 'status' });
  assert.deepEqual(parseMediaproxy('controls'), { kind: 'controls' });
  for (const v of ['quit', 'exit']) assert.deepEqual(parseMediaproxy(v), { kind: 'quit' });
});

test('lines rtpengine refuses do not parse: garbage, update, upper case, leading space, missing info or fields', () => {
  for (const line of [
    '',
    'garbage',
    'request',
    'delete',
    'VERSION',
    '  version',
    'update c 10.0.0.2:7000:audio 10.0.0.2 a local b remote ua info=fromtag:f',
    'request c 10.0.0.1:5000:audio 10.0.0.1 a local b remote ua',
    'request c 10.0.0.1:5000:audio 10.0.0.1 a local b remote info=fromtag:f',
    'request c 10.0.0.1:5000:audio 10.0.0.1 a local b remote Foo Phone 1.0 info=fromtag:f',
    'request c 10.0.0.1:5000:audio 10.0.0.1 a local b remote ua info=fromtag:f extra',
  ])
    assert.equal(parseMediaproxy(line), null, line);
});

test('replies: streams are concatenated without separator as rtpengine does, version, status and controls', () => {
  assert.equal(formatStreamsReply([{ address: '127.0.0.1', port: 30000 }]), '127.0.0.1 30000\n');
  assert.equal(
    formatStreamsReply([
      { address: '127.0.0.1', port: 30052 },
      { address: '127.0.0.1', port: 30076 },
    ]),
    '127.0.0.1 30052127.0.0.1 30076\n',
  );
  assert.match(formatVersion(), /^Version: \S+\n$/);
  assert.equal(formatStatus([]), 'proxy 0 0/0/0\n');
  assert.equal(
    formatStatus([{ callId: 'cid1', ageSeconds: 5.9 }]),
    'proxy 1 0/0/0\nsession cid1 - - - - 5\n',
  );
  assert.equal(formatControls(['127.0.0.1:49982']), '127.0.0.1:49982\nEnd.\n');
});

test('the synthetic SDP has one m= line per stream with its type, port and address', () => {
  const sdp = sessionSdp([
    { address: '10.0.0.1', port: 5000, type: 'audio' },
    { address: '10.0.0.3', port: 6000, type: 'audio;x' },
  ]);
  assert.match(sdp, /m=audio 5000 RTP\/AVP 0\r\nc=IN IP4 10\.0\.0\.1\r\n/);
  assert.match(sdp, /m=audio 6000 RTP\/AVP 0\r\nc=IN IP4 10\.0\.0\.3\r\n$/);
  assert.equal(sdp.match(/^m=/gm)?.length, 2);
});
