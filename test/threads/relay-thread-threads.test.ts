/**
 * The relay thread with call threads (`--num-threads=2`, userspace forwarding): each call thread gets its own
 * link, calls of both threads are forwarded by the one relay thread once confirmed and counted in the merged
 * statistics, and a call thread that dies has its link dropped, so the relay thread stops forwarding its calls
 * and lets go of their ports.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { loopbackSettings, mediaPort, sdpFor } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const PORT_MIN = 47600 + (process.pid % 20) * 20;
let relay: RelayThread;
let daemon: ThreadedDaemon;
let ng: NgClient;

before(async () => {
  const started = await RelayThread.start((e) => {
    throw e;
  });
  assert.ok(started);
  relay = started;
  daemon = await startThreadedDaemon({
    threads: 2,
    settings: { ...loopbackSettings(PORT_MIN, PORT_MIN + 19), endpointLearning: 'immediate' },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: silentLogger,
    relayThread: relay,
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await relay.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function offer(callId: string, port: number): Record<string, NgValue> {
  return { command: 'offer', 'call-id': callId, 'from-tag': 'A', sdp: sdpFor(port, 'alice') };
}

async function setUp(
  callId: string,
  alice: RtpPeer,
  bob: RtpPeer,
): Promise<{ toAlice: number; toBob: number }> {
  const o = await ng.request(offer(callId, alice.port));
  assert.equal(o.result, 'ok', JSON.stringify(o));
  const a = await ng.request({ ...offer(callId, bob.port), command: 'answer', 'to-tag': 'B' });
  assert.equal(a.result, 'ok', JSON.stringify(a));
  return { toBob: mediaPort(str(o.sdp)), toAlice: mediaPort(str(a.sdp)) };
}

/** Sends `n` packets each way, one pair at a time (so that the handover happens mid-stream). */
async function exchange(alice: RtpPeer, bob: RtpPeer, p: { toAlice: number; toBob: number }, n: number) {
  const [ha, hb] = [alice.received.length, bob.received.length];
  for (let i = 0; i < n; i++) {
    await alice.send(rtpPacket(i, 1), p.toAlice);
    await bob.send(rtpPacket(i, 2), p.toBob);
    await sleep(2);
  }
  await alice.waitFor(ha + n);
  await bob.waitFor(hb + n);
}

test('calls of both call threads are relayed both ways and counted once in the merged statistics', async () => {
  const [c0, c1] = callIdsInBothThreads('rt-both');
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
  const [a0, b0, a1, b1] = peers as [RtpPeer, RtpPeer, RtpPeer, RtpPeer];
  try {
    const p0 = await setUp(c0, a0, b0);
    const p1 = await setUp(c1, a1, b1);
    await exchange(a0, b0, p0, 20);
    await exchange(a1, b1, p1, 20);
    for (const p of peers) assert.equal(p.received.length, 20);
    for (const c of [c0, c1]) {
      const q = await ng.request({ command: 'query', 'call-id': c });
      assert.equal(((q.totals as NgDict).RTP as NgDict).packets, 40, `${c}: every packet counted once`);
    }
    const s = (await ng.request({ command: 'statistics' })).statistics as NgDict;
    const totals = s.totalstatistics as NgDict;
    assert.equal(totals.relayedpackets_user, 80);
    assert.equal(totals.relayedpackets, 80);
    assert.equal(totals.relayedpackets_kernel, 0);
  } finally {
    for (const c of [c0, c1]) await ng.request({ command: 'delete', 'call-id': c, 'from-tag': 'A' });
    for (const p of peers) p.close();
  }
});

test("a call thread that dies has its link dropped: its call's ports are let go, the other thread's call relays on", async () => {
  const [c0, c1] = callIdsInBothThreads('rt-crash');
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
  const [a0, b0, a1, b1] = peers as [RtpPeer, RtpPeer, RtpPeer, RtpPeer];
  try {
    const p0 = await setUp(c0, a0, b0);
    const p1 = await setUp(c1, a1, b1);
    await exchange(a0, b0, p0, 10);
    await exchange(a1, b1, p1, 10);
    const before = daemon.supervision.count;
    await daemon.threads.kill(0);
    const deadline = Date.now() + 5000;
    while (daemon.supervision.count === before && Date.now() < deadline) await sleep(10);
    assert.equal(daemon.supervision.recent().at(-1)?.path, '/call-thread-0');
    await sleep(50);
    const had = b0.received.length;
    await a0.send(rtpPacket(99, 1), p0.toAlice);
    await sleep(50);
    assert.equal(b0.received.length, had, "the dead thread's call is not forwarded any more");
    for (const port of [p0.toAlice, p0.toBob]) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve());
      });
      s.close();
    }
    await exchange(a1, b1, p1, 5);
    assert.equal(b1.received.length, 15, "the other thread's call goes on");
  } finally {
    for (const c of [c0, c1]) await ng.request({ command: 'delete', 'call-id': c, 'from-tag': 'A' });
    for (const p of peers) p.close();
  }
});
