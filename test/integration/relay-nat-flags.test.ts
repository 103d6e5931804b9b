/**
 * `pierce NAT`, `NAT-wait`, `port latching` and `no port latching` on real packets, against a daemon on loopback.
 * What rtpengine 10.5 did with the same requests (offer from A, answer from B, PCMU, no ICE):
 * - `pierce NAT` in an offer: about once a second (its 1 s timer, so the first one within a second of the offer)
 *   our RTP port and our RTCP port on A's side each send one 12-byte packet 80 7f ff ff 00000000 00000000 (RTP
 *   header, payload type 127, seq 65535, timestamp 0, SSRC 0) to A's SDP RTP and RTCP ports, before A sent
 *   anything. In an answer, the same towards B. The other party gets none. Each stream stops once learning
 *   confirms its endpoint: with `endpoint-learning: immediate` right after A's first packet (RTCP only after an
 *   RTCP packet); with delayed learning on the first packet that arrives 3 s or more after the last offer or
 *   answer (one packet 2.5 s after the answer does not stop it, one packet 5 s after does; packets on 0 s and
 *   1.2 s after a wait of 2.5 s do; the window restarts on the answer even when A's SDP came with the offer).
 * - `NAT-wait` in an answer: A's packets are counted but not sent to B until B has sent one; then they flow. In
 *   an offer, the same for packets towards A. The other direction is not held.
 * - `port latching` in a re-offer in which A moved to a new port: B keeps the port it had; without it (and with
 *   `no port latching`, which only matters with ICE) B gets a new port.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twoPartyCall } from '../helpers/call.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const PIERCE = '807fffff0000000000000000';

async function pair(): Promise<[RtpPeer, RtpPeer]> {
  for (;;) {
    const rtp = await RtpPeer.open();
    try {
      return [rtp, await RtpPeer.open('127.0.0.1', rtp.port + 1)];
    } catch {
      rtp.close();
    }
  }
}

async function setUp(
  callId: string,
  a: RtpPeer,
  b: RtpPeer,
  offer: Record<string, string | string[]>,
  answer: Record<string, string | string[]> = {},
) {
  const c = await twoPartyCall(live.ng, callId, { alice: a, bob: b, offer, answer });
  return { toB: c.toBob, toA: c.toAlice };
}

test('pierce NAT sends one empty RTP header a second from our RTP and RTCP ports to the SDP sender only', async () => {
  const [a, a2] = await pair();
  const [b, b2] = await pair();
  try {
    const { toA } = await setUp('pierce-1', a, b, { flags: ['pierce NAT'] });
    await sleep(2300);
    assert.ok(a.received.length >= 2 && a.received.length <= 3, `about one a second: ${a.received.length}`);
    assert.ok(a.received.every((r) => r.data.toString('hex') === PIERCE && r.port === toA));
    assert.ok(a2.received.length >= 2 && a2.received.every((r) => r.data.toString('hex') === PIERCE));
    assert.equal(a2.received[0]?.port, toA + 1, 'from our RTCP port');
    assert.equal(b.received.length + b2.received.length, 0, 'the other party gets none');
  } finally {
    for (const p of [a, a2, b, b2]) p.close();
  }
});

test('pierce NAT stops once the endpoint is confirmed (immediate learning: the first packet)', async () => {
  const [a, a2] = await pair();
  const b = await RtpPeer.open();
  try {
    const { toA } = await setUp('pierce-2', a, b, {
      flags: ['pierce NAT'],
      'endpoint-learning': 'immediate',
    });
    await a.waitFor(1, 1500);
    assert.equal(a.received.length, 1);
    await a.send(rtpPacket(1), toA);
    await sleep(50);
    a.received.length = 0;
    a2.received.length = 0;
    await sleep(1200);
    assert.equal(a.received.length, 0, 'RTP stream confirmed: no more probes');
    assert.ok(a2.received.length >= 1, 'the RTCP stream, not confirmed, keeps probing');
  } finally {
    for (const p of [a, a2, b]) p.close();
  }
});

test('pierce NAT with delayed learning goes on after a packet within 3 s of the answer', async () => {
  const [a, a2] = await pair();
  const b = await RtpPeer.open();
  try {
    const { toA } = await setUp('pierce-3', a, b, { flags: ['pierce NAT'] });
    await a.send(rtpPacket(1), toA);
    await sleep(50);
    a.received.length = 0;
    await sleep(1200);
    assert.ok(a.received.length >= 1, 'still probing: not confirmed yet');
  } finally {
    for (const p of [a, a2, b]) p.close();
  }
});

test('NAT-wait in the answer holds packets to the answerer until it has sent one', async () => {
  const a = await RtpPeer.open();
  const b = await RtpPeer.open();
  try {
    const { toA, toB } = await setUp('natwait-1', a, b, {}, { flags: ['NAT-wait'] });
    await a.send(rtpPacket(1), toA);
    await a.send(rtpPacket(2), toA);
    await sleep(200);
    assert.equal(b.received.length, 0, 'held');
    await b.send(rtpPacket(1), toB);
    await a.waitFor(1);
    assert.equal(a.received.length, 1, 'the other direction is not held');
    await a.send(rtpPacket(3), toA);
    await b.waitFor(1);
    assert.equal(b.received.length, 1);
    assert.equal(b.received[0]?.data.readUInt16BE(2), 3, 'only what came after');
    const q = await live.ng.request({ command: 'query', 'call-id': 'natwait-1' });
    const tags = q.tags as Record<string, { medias: { streams: { stats: { packets: number } }[] }[] }>;
    assert.equal(tags.A?.medias[0]?.streams[0]?.stats.packets, 3, 'held packets are counted as received');
  } finally {
    a.close();
    b.close();
  }
});

test('without NAT-wait packets reach a party that has sent nothing yet', async () => {
  const a = await RtpPeer.open();
  const b = await RtpPeer.open();
  try {
    const { toA } = await setUp('natwait-2', a, b, {});
    await a.send(rtpPacket(1), toA);
    await b.waitFor(1);
    assert.equal(b.received.length, 1);
  } finally {
    a.close();
    b.close();
  }
});

async function reofferFromNewPort(callId: string, flags: string[]) {
  const a = await RtpPeer.open();
  const a3 = await RtpPeer.open();
  const b = await RtpPeer.open();
  try {
    const { toA, toB } = await setUp(callId, a, b, {});
    const o2 = await live.ng.request({
      command: 'offer',
      'call-id': callId,
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(a3.port),
      flags,
    });
    const toB2 = mediaPort(str(o2.sdp));
    await live.ng.request({
      command: 'answer',
      'call-id': callId,
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(b.port, 'bob'),
    });
    await b.send(rtpPacket(7), toB2);
    await a3.waitFor(1);
    return { toA, toB, toB2, relayed: a3.received.length };
  } finally {
    for (const p of [a, a3, b]) p.close();
  }
}

test('port latching keeps our port towards B when A re-offers from a new port', async () => {
  const r = await reofferFromNewPort('latch-1', ['port latching']);
  assert.equal(r.toB2, r.toB);
  assert.equal(r.relayed, 1, 'media goes to the new port');
});

test('without port latching, and with no port latching, B gets a new port when A moves', async () => {
  for (const [id, flags] of [
    ['latch-2', []],
    ['latch-3', ['no port latching']],
  ] as const) {
    const r = await reofferFromNewPort(id, [...flags]);
    assert.notEqual(r.toB2, r.toB, id);
    assert.equal(r.relayed, 1, id);
  }
});
