import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newMedia } from '../../../src/call/model.ts';
import { learnFrom, restartLearning } from '../../../src/rtp/endpoint-learning.ts';
import { isRtcp, wireRtcpMux } from '../../../src/rtp/rtcp-demux.ts';

test('delayed learning: the first packet 3 s after the last offer/answer confirms at once', () => {
  const s = newMedia(1, 'audio', 'RTP/AVP', 'delayed').rtp;
  restartLearning(s, 10_000);
  learnFrom(s, '10.0.0.1', 4000, 'IP4', 12_500);
  assert.equal(s.confirmed, false, 'inside the window');
  learnFrom(s, '10.0.0.1', 4002, 'IP4', 13_000);
  assert.equal(s.confirmed, true);
  assert.equal(s.endpoint?.port, 4002, 'the source of the confirming packet');
});

test('delayed learning without signalling time opens the window at the first packet', () => {
  const s = newMedia(1, 'audio', 'RTP/AVP', 'delayed').rtp;
  learnFrom(s, '10.0.0.1', 4000, 'IP4', 50_000);
  learnFrom(s, '10.0.0.1', 4000, 'IP4', 52_999);
  assert.equal(s.confirmed, false);
  learnFrom(s, '10.0.0.1', 4000, 'IP4', 53_000);
  assert.equal(s.confirmed, true);
});

test('a confirmed stream keeps its window when signalling restarts learning', () => {
  const s = newMedia(1, 'audio', 'RTP/AVP', 'immediate').rtp;
  learnFrom(s, '10.0.0.1', 4000, 'IP4', 1);
  restartLearning(s, 99);
  assert.equal(s.learningSince, 0);
});

test('isRtcp follows RFC 5761: second byte 192..223 is RTCP, RTP payload types are not', () => {
  const p = (b: number) => Buffer.from([0x80, b, 0, 0]);
  assert.equal(isRtcp(p(200)), true);
  assert.equal(isRtcp(p(204)), true);
  assert.equal(isRtcp(p(0)), false);
  assert.equal(isRtcp(p(0x80 | 8)), false, 'PCMA with marker');
  assert.equal(isRtcp(p(101)), false);
});

test('wireRtcpMux: one-sided mux demuxes RTCP to the other side and muxes its RTCP back', () => {
  const a = newMedia(1, 'audio', 'RTP/AVP', 'delayed');
  const b = newMedia(1, 'audio', 'RTP/AVP', 'delayed');
  a.rtcpMux = true;
  wireRtcpMux(a, b);
  assert.equal(a.rtp.sink, b.rtp);
  assert.equal(a.rtp.rtcpSink, b.rtcp);
  assert.equal(a.rtcp.sink, null, 'the muxed side has no RTCP port in use');
  assert.equal(b.rtcp.sink, a.rtp);
  assert.equal(b.rtp.rtcpSink, undefined);
  b.rtcpMux = true;
  wireRtcpMux(a, b);
  assert.equal(a.rtp.rtcpSink, undefined, 'both muxed: nothing to demux');
  assert.equal(a.rtcp.sink, b.rtp);
  a.rtcpMux = false;
  b.rtcpMux = false;
  wireRtcpMux(a, b);
  assert.equal(a.rtcp.sink, b.rtcp);
  assert.equal(b.rtcp.sink, a.rtcp);
});
