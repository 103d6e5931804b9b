/**
 * Timeouts see the relay thread's traffic: a call whose media flows only through the relay thread (Node's
 * sockets read nothing) outlives `--timeout` while packets flow, and ends with reason `timeout` once they stop.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

let relay: RelayThread;
let daemon: Daemon;
let ng: NgClient;

before(async () => {
  const started = await RelayThread.start((e) => {
    throw e;
  });
  assert.ok(started);
  relay = started;
  daemon = await testDaemon(
    { endpointLearning: 'immediate', timeout: 2 },
    { relayThread: relay, timeoutScanMs: 100 },
  );
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await relay.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a call relayed by the relay thread lives while its media flows and times out when it stops', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const o = await ng.request({
      command: 'offer',
      'call-id': 'rtt',
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
    });
    const toBob = mediaPort(str(o.sdp));
    const a = await ng.request({
      command: 'answer',
      'call-id': 'rtt',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port, 'bob'),
    });
    const toAlice = mediaPort(str(a.sdp));
    const streams = [...daemon.registry.entries()]
      .filter((e) => e.call.callId === 'rtt')
      .flatMap((e) => [...e.call.monologues.values()].map((m) => m.medias[0]!.rtp));
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
    const end = Date.now() + 5000;
    while (daemon.registry.size > 0 && Date.now() < end) await sleep(50);
    assert.equal(daemon.registry.size, 0, 'ended once the media stopped');
    assert.equal(daemon.ctx.counters.closed.timeout, 1);
  } finally {
    alice.close();
    bob.close();
  }
});
