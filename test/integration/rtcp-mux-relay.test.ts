/**
 * rtcp-mux on the relay, against a daemon on loopback. What rtpengine 10.5 did with the same requests (probed
 * with offers from A and answers from B, RTCP = a 28-byte packet with second byte 200):
 * - mux on neither side: RTCP sent to our RTP port is relayed like RTP (to the peer's RTP port, from our RTP
 *   port); RTCP to our RTCP port goes to the peer's RTCP port from our RTCP port.
 * - mux on both sides: RTCP to either of our ports reaches the peer's RTP port, from our RTP port.
 * - A offers mux with `rtcp-mux: [accept]` (or `[demux]`), B answers without: A gets a=rtcp-mux in the answer.
 *   A's RTCP on our RTP port goes to B's RTCP port (B's RTP port + 1), from our RTCP port on B's side; B's RTCP
 *   to our RTCP port goes to A's RTP port from our RTP port on A's side; B's RTCP to our RTP port goes to A's
 *   RTP port as well. Our RTCP port on A's side is not in use (query shows local port 0; nothing relayed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mediaPort } from '../helpers/daemon.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

function sdp(port: number, mux: boolean): string {
  return [
    'v=0',
    'o=- 1 1 IN IP4 127.0.0.1',
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    ...(mux ? ['a=rtcp-mux'] : []),
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function rtcpPacket(): Buffer {
  const b = Buffer.alloc(28);
  b[0] = 0x80;
  b[1] = 200;
  b.writeUInt16BE(6, 2);
  return b;
}

interface Party {
  rtp: RtpPeer;
  rtcp: RtpPeer;
}

async function party(): Promise<Party> {
  for (;;) {
    const rtp = await RtpPeer.open();
    try {
      return { rtp, rtcp: await RtpPeer.open('127.0.0.1', rtp.port + 1) };
    } catch {
      rtp.close();
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(callId: string, aMux: boolean, bMux: boolean, rtcpMux: string[]) {
  const a = await party();
  const b = await party();
  const offer = await live.ng.request({
    command: 'offer',
    'call-id': callId,
    'from-tag': 'A',
    sdp: sdp(a.rtp.port, aMux),
    'rtcp-mux': rtcpMux,
  });
  const answer = await live.ng.request({
    command: 'answer',
    'call-id': callId,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdp(b.rtp.port, bMux),
  });
  const toB = mediaPort(str(offer.sdp));
  const toA = mediaPort(str(answer.sdp));
  // learning: each side's first RTP packet
  await a.rtp.send(rtpPacket(1), toA);
  await b.rtp.send(rtpPacket(1), toB);
  await sleep(100);
  const all = [a.rtp, a.rtcp, b.rtp, b.rtcp];
  for (const p of all) p.received.length = 0;
  const close = () => {
    for (const p of all) p.close();
  };
  return { a, b, toA, toB, answerSdp: str(answer.sdp), close };
}

/** Sends one RTCP packet and says which socket got it, from which of our ports. */
async function route(from: RtpPeer, port: number, to: RtpPeer[]): Promise<string[]> {
  await from.send(rtcpPacket(), port);
  await sleep(150);
  const got: string[] = [];
  to.forEach((p, i) => {
    for (const r of p.received) got.push(`${i}<-${r.port}`);
    p.received.length = 0;
  });
  return got;
}

test('rtcp-mux accept, answerer without mux: RTCP is demultiplexed towards the answerer and muxed back', async () => {
  const c = await call('mux-accept', true, false, ['accept']);
  try {
    assert.match(c.answerSdp, /a=rtcp-mux/, 'the offerer gets mux');
    const peers = [c.a.rtp, c.a.rtcp, c.b.rtp, c.b.rtcp];
    // 0 = A's RTP, 1 = A's RTCP, 2 = B's RTP, 3 = B's RTCP
    assert.deepEqual(await route(c.a.rtp, c.toA, peers), [`3<-${c.toB + 1}`], 'A RTCP on RTP port -> B RTCP');
    assert.deepEqual(await route(c.b.rtcp, c.toB + 1, peers), [`0<-${c.toA}`], 'B RTCP port -> A RTP port');
    assert.deepEqual(await route(c.b.rtp, c.toB, peers), [`0<-${c.toA}`], 'B RTCP on RTP port -> A RTP port');
    assert.deepEqual(await route(c.a.rtcp, c.toA + 1, peers), [], "A's own RTCP port relays nothing");
    // RTP from the muxed side still goes to B's RTP port
    await c.a.rtp.send(rtpPacket(2), c.toA);
    await c.b.rtp.waitFor(1);
    assert.equal(c.b.rtp.received[0]?.port, c.toB);
  } finally {
    c.close();
  }
});

test('rtcp-mux on both sides: RTCP to either of our ports reaches the peer on its RTP port', async () => {
  const c = await call('mux-both', true, true, []);
  try {
    const peers = [c.a.rtp, c.a.rtcp, c.b.rtp, c.b.rtcp];
    assert.deepEqual(await route(c.a.rtp, c.toA, peers), [`2<-${c.toB}`]);
    assert.deepEqual(await route(c.a.rtcp, c.toA + 1, peers), [`2<-${c.toB}`]);
    assert.deepEqual(await route(c.b.rtcp, c.toB + 1, peers), [`0<-${c.toA}`]);
  } finally {
    c.close();
  }
});

test('no rtcp-mux anywhere: RTCP on the RTP port is relayed as RTP, RTCP port to RTCP port', async () => {
  const c = await call('mux-none', false, false, []);
  try {
    const peers = [c.a.rtp, c.a.rtcp, c.b.rtp, c.b.rtcp];
    assert.deepEqual(await route(c.a.rtp, c.toA, peers), [`2<-${c.toB}`]);
    assert.deepEqual(await route(c.a.rtcp, c.toA + 1, peers), [`3<-${c.toB + 1}`]);
    assert.deepEqual(await route(c.b.rtcp, c.toB + 1, peers), [`1<-${c.toA + 1}`]);
  } finally {
    c.close();
  }
});

test('rtcp-mux demux: the answer accepts mux towards the offerer and RTCP is demultiplexed', async () => {
  const c = await call('mux-demux', true, false, ['demux']);
  try {
    assert.match(c.answerSdp, /a=rtcp-mux/);
    const peers = [c.a.rtp, c.a.rtcp, c.b.rtp, c.b.rtcp];
    assert.deepEqual(await route(c.a.rtp, c.toA, peers), [`3<-${c.toB + 1}`]);
  } finally {
    c.close();
  }
});
