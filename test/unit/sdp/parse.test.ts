import assert from 'node:assert/strict';
import { test } from 'node:test';
import sdpTransform from 'sdp-transform';
import {
  parseSdp,
  SDP_ERROR_REASONS,
  SdpError,
  sdpUnusableReason,
  writeSdp,
} from '../../../src/sdp/index.ts';
import { allGoldenSdps } from './golden-cases.ts';

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

test('writeSdp(parseSdp(x)) is byte-identical for every recorded SDP, request and reply', () => {
  const sdps = allGoldenSdps().filter(({ sdp }) => sdp.startsWith('v='));
  assert.ok(sdps.length > 50);
  for (const { where, sdp } of sdps) assert.equal(writeSdp(parseSdp(sdp)), sdp, where);
});

test('writeSdp keeps mixed line endings, blank lines and a missing final newline', () => {
  const text =
    'v=0\no=- 1 2 IN IP4 192.0.2.1\r\ns=-\n\nc=IN IP4 192.0.2.1\r\nt=0 0\nm=audio 1000 RTP/AVP 0\r\na=x-custom:1';
  assert.equal(writeSdp(parseSdp(text)), text);
});

test('parseSdp agrees with sdp-transform on origin, connection and media of every recorded SDP', () => {
  for (const { where, sdp } of allGoldenSdps()) {
    if (!sdp.startsWith('v=')) continue;
    const ours = parseSdp(sdp);
    const theirs = sdpTransform.parse(sdp);
    assert.equal(ours.origin.username, theirs.origin?.username, where);
    assert.equal(ours.origin.sessionId, String(theirs.origin?.sessionId), where);
    assert.equal(ours.origin.address, theirs.origin?.address, where);
    assert.equal(ours.sessionName, theirs.name ?? '', where);
    assert.equal(ours.connection?.address, theirs.connection?.ip, where);
    assert.equal(ours.media.length, theirs.media.length, where);
    ours.media.forEach((m, i) => {
      const t = theirs.media[i];
      assert.ok(t !== undefined);
      assert.equal(m.type, t.type, where);
      assert.equal(m.port, t.port, where);
      assert.equal(m.proto, t.protocol, where);
      assert.equal(m.formats.join(' '), String(t.payloads ?? ''), where);
      assert.equal(m.connection?.address, t.connection?.ip, where);
      assert.equal(m.rtcp?.port, t.rtcp?.port, where);
      assert.equal(m.ptime, t.ptime, where);
      for (const r of t.rtp) {
        const ourMap = m.rtpmaps.get(String(r.payload));
        assert.equal(ourMap?.encoding, r.codec, where);
        assert.equal(ourMap?.clockRate, r.rate, where);
      }
    });
  }
});

test('parseSdp gives the typed views of a two-media SDP with media-level c=, hold and rtcp-mux', () => {
  const s = parseSdp(
    crlf([
      'v=0',
      'o=alice 2573 18446744073709551615 IN IP4 192.0.2.20',
      's=Talk',
      'c=IN IP4 192.0.2.20',
      't=0 0',
      'a=sendonly',
      'm=audio 7078/2 RTP/AVP 96 0',
      'a=rtpmap:96 opus/48000/2',
      'a=fmtp:96 useinbandfec=1',
      'a=ptime:20',
      'a=rtcp-mux',
      'a=rtcp:7079 IN IP4 192.0.2.21',
      'a=candidate:1 1 UDP 2130706431 192.0.2.20 7078 typ host',
      'm=video 0 RTP/AVP 31',
      'c=IN IP6 2001:db8::1',
      'a=inactive',
    ]),
  );
  assert.equal(s.origin.sessionVersion, '18446744073709551615');
  assert.equal(s.direction, 'sendonly');
  const [audio, video] = s.media;
  assert.ok(audio !== undefined && video !== undefined);
  assert.deepEqual([audio.port, audio.portCount, audio.formats], [7078, 2, ['96', '0']]);
  assert.equal(audio.direction, null);
  assert.deepEqual(audio.effectiveConnection, { addrType: 'IP4', address: '192.0.2.20' });
  assert.deepEqual(audio.rtpmaps.get('96'), { encoding: 'opus', clockRate: 48000, channels: 2 });
  assert.equal(audio.fmtps.get('96'), 'useinbandfec=1');
  assert.deepEqual(audio.rtcp, { port: 7079, addrType: 'IP4', address: '192.0.2.21' });
  assert.equal(audio.rtcpMux, true);
  assert.equal(audio.hasIce, true);
  assert.equal(audio.ptime, 20);
  assert.equal(audio.rejected, false);
  assert.equal(video.rejected, true);
  assert.equal(video.direction, 'inactive');
  assert.equal(video.hasIce, false);
  assert.deepEqual(video.effectiveConnection, { addrType: 'IP6', address: '2001:db8::1' });
});

test('parseSdp rejects what is not SDP with SdpError "Failed to parse SDP"', () => {
  const bad = [
    '',
    'hello world\r\n',
    'o=- 1 1 IN IP4 192.0.2.1\r\nv=0\r\n',
    'v=0\r\ns=-\r\n',
    'v=0\r\no=- 1 1 IN IP4\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IP4\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nc=IN IPX 192.0.2.1\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio x RTP/AVP 0\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio 70000 RTP/AVP 0\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nm=audio\r\n',
    'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\nnot a line\r\n',
  ];
  for (const text of bad) {
    assert.throws(
      () => parseSdp(text),
      (e: unknown) => e instanceof SdpError && e.reason === SDP_ERROR_REASONS.parse,
      JSON.stringify(text),
    );
  }
});

test("sdpUnusableReason gives rtpengine's reasons for no c= at all and for no m= line", () => {
  const noC = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0']));
  assert.equal(sdpUnusableReason(noC)?.reason, 'Incomplete SDP specification');
  const noM = parseSdp(crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0']));
  assert.equal(noM.media.length, 0);
  assert.equal(sdpUnusableReason(noM)?.reason, 'Error rewriting SDP');
  const mediaC = parseSdp(
    crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0', 'c=IN IP4 192.0.2.1']),
  );
  assert.equal(sdpUnusableReason(mediaC), null);
});
