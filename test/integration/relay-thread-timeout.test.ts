/**
 * Timeouts see the relay thread's traffic: a call whose media flows only through the relay thread (Node's
 * sockets read nothing) outlives `--timeout` while packets flow, and ends with reason `timeout` once they stop.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { twoPartyCall } from '../helpers/call.ts';
import { eventually, rtpStreamsOf, sleep, useRelayThreadDaemon } from '../helpers/relay-thread.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

const live = useRelayThreadDaemon({ endpointLearning: 'immediate', timeout: 2 }, { timeoutScanMs: 100 });

test('a call relayed by the relay thread lives while its media flows and times out when it stops', async () => {
  const { alice, bob, toAlice, toBob, close } = await twoPartyCall(live.ng, 'rtt');
  try {
    const daemon = live.daemon;
    const streams = [...rtpStreamsOf(daemon, 'rtt').values()];
    // 4 s of media, twice the timeout, every packet after the first pair through the relay thread
    for (let i = 0; i < 40; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
      await sleep(100);
    }
    assert.ok(
      streams.every((s) => s.kernelized),
      'handed to the relay thread',
    );
    assert.ok(
      streams.every((s) => s.stats.packets <= 2),
      "Node's handlers saw no more than the first packets",
    );
    assert.equal(daemon.registry.size, 1, 'still up after twice the timeout, media flowing');
    await eventually(() => daemon.registry.size === 0, 5000);
    assert.equal(daemon.registry.size, 0, 'ended once the media stopped');
    // the registry lets the call go at once; its end is counted when its actors have stopped
    await eventually(() => daemon.ctx.counters.closed.timeout === 1);
    assert.equal(daemon.ctx.counters.closed.timeout, 1, 'counted as a timeout');
  } finally {
    close();
  }
});
