/**
 * The relay thread with call threads (`--num-threads=2`, userspace forwarding): each call thread gets its own
 * link, calls of both threads are forwarded by the one relay thread once confirmed and counted in the merged
 * statistics, and a call thread that dies has its link dropped, so the relay thread stops forwarding its calls
 * and lets go of their ports.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { type TwoPartyCall, twoPartyCall } from '../helpers/call.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { loopbackSettings } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';
import { assertPortsFree, eventually, sleep } from '../helpers/relay-thread.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

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

/** Sends `n` packets each way, one pair at a time (so that the handover happens mid-stream). */
async function exchange({ alice, bob, toAlice, toBob }: TwoPartyCall, n: number) {
  const [ha, hb] = [alice.received.length, bob.received.length];
  for (let i = 0; i < n; i++) {
    await alice.send(rtpPacket(i, 1), toAlice);
    await bob.send(rtpPacket(i, 2), toBob);
    await sleep(2);
  }
  await alice.waitFor(ha + n);
  await bob.waitFor(hb + n);
}

test('calls of both call threads are relayed both ways and counted once in the merged statistics', async () => {
  const [c0, c1] = callIdsInBothThreads('rt-both');
  const calls = [await twoPartyCall(ng, c0), await twoPartyCall(ng, c1)];
  try {
    for (const call of calls) await exchange(call, 20);
    for (const { alice, bob } of calls) for (const p of [alice, bob]) assert.equal(p.received.length, 20);
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
    for (const call of calls) call.close();
  }
});

test("a call thread that dies has its link dropped: its call's ports are let go, the other thread's call relays on", async () => {
  const [c0, c1] = callIdsInBothThreads('rt-crash');
  const p0 = await twoPartyCall(ng, c0);
  const p1 = await twoPartyCall(ng, c1);
  try {
    await exchange(p0, 10);
    await exchange(p1, 10);
    const before = daemon.supervision.count;
    await daemon.threads.kill(0);
    await eventually(() => daemon.supervision.count !== before, 5000);
    assert.equal(daemon.supervision.recent().at(-1)?.path, '/call-thread-0');
    await sleep(50);
    const had = p0.bob.received.length;
    await p0.alice.send(rtpPacket(99, 1), p0.toAlice);
    await sleep(50);
    assert.equal(p0.bob.received.length, had, "the dead thread's call is not forwarded any more");
    await assertPortsFree([p0.toAlice, p0.toBob]);
    await exchange(p1, 5);
    assert.equal(p1.bob.received.length, 15, "the other thread's call goes on");
  } finally {
    for (const c of [c0, c1]) await ng.request({ command: 'delete', 'call-id': c, 'from-tag': 'A' });
    p0.close();
    p1.close();
  }
});
