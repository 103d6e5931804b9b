/**
 * The relay thread (src/relay-thread/) on real loopback sockets, in an in-process daemon: once both parties'
 * endpoints are confirmed, a plain call's packets are forwarded by the relay thread and no longer reach Node's
 * handler; query and statistics still count them (as userspace); a packet the relay thread does not forward
 * (another source, a runt) reaches the stream's own handler; signalling takes the streams back and hands the new
 * endpoints over; delete stops the forwarding and frees the ports for anyone to bind.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict } from '../../src/ng/types.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { str } from '../helpers/ng-client.ts';
import {
  assertPortsFree,
  eventually,
  firstStreamFlags,
  rtpStreamsOf,
  sleep,
  useRelayThreadDaemon,
} from '../helpers/relay-thread.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

// the first packet confirms an endpoint: the handover follows at once, not 3 s later
const live = useRelayThreadDaemon({ endpointLearning: 'immediate' });

function offer(callId: string, sdp: string, flags: string[] = []): Record<string, NgDict[string]> {
  return { command: 'offer', 'call-id': callId, 'from-tag': 'tagA', sdp, flags, replace: ['origin'] };
}

/** Sets up alice -> bob, exchanges a few packets both ways (confirming both), and waits for the handover. */
async function establishedCall(callId: string, flags: string[] = []) {
  const keys = { flags, replace: ['origin'] };
  const { alice, bob, toAlice, toBob } = await twoPartyCall(live.ng, callId, {
    fromTag: 'tagA',
    toTag: 'tagB',
    offer: keys,
    answer: keys,
  });
  for (let i = 0; i < 3; i++) {
    await alice.send(rtpPacket(i, 1), toAlice);
    await bob.send(rtpPacket(i, 2), toBob);
  }
  await alice.waitFor(3);
  await bob.waitFor(3);
  const streams = rtpStreamsOf(live.daemon, callId);
  await eventually(() => [...streams.values()].every((s) => s.kernelized));
  return { alice, bob, toAlice, toBob, streams };
}

test('a confirmed plain call is forwarded by the relay thread: Node no longer reads it, query still counts it', async () => {
  const { alice, bob, toAlice, toBob, streams } = await establishedCall('rt-1');
  try {
    const fromAlice = streams.get('tagA')!;
    const fromBob = streams.get('tagB')!;
    assert.ok(fromAlice.kernelized && fromBob.kernelized, 'both directions handed to the relay thread');
    const nodeCounts = [fromAlice.stats.packets, fromBob.stats.packets];
    for (let i = 3; i < 23; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await alice.waitFor(23);
    await bob.waitFor(23);
    assert.equal(bob.received.length, 23, 'bob got every packet alice sent');
    assert.equal(alice.received.length, 23, 'alice got every packet bob sent');
    assert.equal(bob.received[22]!.port, toBob, 'symmetric: from the port announced to bob');
    assert.equal(bob.received[22]!.data.readUInt16BE(2), 22, 'payload unchanged');
    assert.deepEqual([fromAlice.stats.packets, fromBob.stats.packets], nodeCounts, "Node's handler saw none");
    const relayed = live.daemon.ctx.kernel?.counters.get(fromAlice.id);
    assert.ok(
      relayed && relayed.packets >= 17,
      `the relay thread counted alice's packets (${relayed?.packets})`,
    );

    const q = await live.ng.request({ command: 'query', 'call-id': 'rt-1' });
    const rtp = (q.totals as NgDict).RTP as NgDict;
    assert.equal(rtp.packets, 46, 'query counts both paths');
    assert.equal(rtp.bytes, 46 * 172);
    const flags = await firstStreamFlags(live.ng, 'rt-1', 'tagA');
    assert.ok(!flags.includes('kernelized'), 'userspace forwarding is not called kernelized');

    const stats = (await live.ng.request({ command: 'statistics' })).statistics as NgDict;
    const current = stats.currentstatistics as NgDict;
    assert.equal(current.media_kernel, 0);
    const total = stats.totalstatistics as NgDict;
    assert.equal(total.relayedpackets_kernel, 0);
    assert.ok((total.relayedpackets_user as number) >= 46, 'counted as userspace');
  } finally {
    await live.ng.request({ command: 'delete', 'call-id': 'rt-1' });
    alice.close();
    bob.close();
  }
});

test('a packet from another source, or a runt, reaches the stream handler; strict source drops the stranger', async () => {
  const { alice, bob, toAlice, streams } = await establishedCall('rt-2', ['strict-source']);
  const stranger = await RtpPeer.open();
  try {
    const fromAlice = streams.get('tagA')!;
    assert.ok(fromAlice.kernelized);
    const before = { ...fromAlice.stats };
    const bobHad = bob.received.length;
    await stranger.send(rtpPacket(100, 9), toAlice);
    await alice.send(Buffer.from([0x80, 0]), toAlice);
    await eventually(() => fromAlice.stats.errors !== before.errors);
    assert.equal(fromAlice.stats.errors, before.errors + 1, 'the runt counted as an error by the handler');
    await sleep(50);
    assert.equal(bob.received.length, bobHad, 'neither the stranger nor the runt reached bob');
    // the call goes on through the relay thread
    await alice.send(rtpPacket(101, 1), toAlice);
    await bob.waitFor(bobHad + 1);
    assert.equal(bob.received.length, bobHad + 1);
    assert.equal(bob.received[bobHad]!.data.readUInt16BE(2), 101);
  } finally {
    await live.ng.request({ command: 'delete', 'call-id': 'rt-2' });
    alice.close();
    bob.close();
    stranger.close();
  }
});

test('a re-INVITE to a new port takes the streams back, and the relay thread then sends to the new port', async () => {
  const { alice, bob, toBob } = await establishedCall('rt-3');
  const bob2 = await RtpPeer.open();
  try {
    const re = await live.ng.request({
      ...offer('rt-3', sdpFor(bob2.port, 'bob'), []),
      'from-tag': 'tagB',
      'to-tag': 'tagA',
    });
    assert.equal(re.result, 'ok');
    const toAlice2 = mediaPort(str(re.sdp));
    const ans = await live.ng.request({
      ...offer('rt-3', sdpFor(alice.port, 'alice'), []),
      command: 'answer',
      'from-tag': 'tagB',
      'to-tag': 'tagA',
    });
    assert.equal(ans.result, 'ok');
    const bobHad = bob.received.length;
    // bob's new port confirms itself, then alice's packets go there
    for (let i = 0; i < 5; i++) await bob2.send(rtpPacket(i, 3), toBob);
    await alice.waitFor(8);
    for (let i = 0; i < 10; i++) {
      await alice.send(rtpPacket(200 + i, 1), toAlice2);
      await sleep(2);
    }
    await bob2.waitFor(10);
    assert.equal(bob2.received.length, 10, "alice's packets reach bob's new port");
    assert.equal(bob.received.length, bobHad, 'and none the old one');
    const streams = rtpStreamsOf(live.daemon, 'rt-3');
    assert.ok(
      [...streams.values()].every((s) => s.kernelized),
      'handed to the relay thread again after the re-INVITE',
    );
    const relayed = live.daemon.ctx.kernel?.counters.get(streams.get('tagA')!.id);
    assert.ok(relayed && relayed.packets > 0, 'by the relay thread, with the new endpoint');
  } finally {
    await live.ng.request({ command: 'delete', 'call-id': 'rt-3' });
    alice.close();
    bob.close();
    bob2.close();
  }
});

test('delete stops the forwarding and leaves the ports free for anyone to bind', async () => {
  const { alice, bob, toAlice, toBob } = await establishedCall('rt-4');
  try {
    const del = await live.ng.request({ command: 'delete', 'call-id': 'rt-4' });
    assert.equal(del.result, 'ok');
    await sleep(50);
    const bobHad = bob.received.length;
    await alice.send(rtpPacket(300, 1), toAlice);
    await sleep(50);
    assert.equal(bob.received.length, bobHad, 'nothing forwarded after delete');
    // the relay thread closed its duplicates: the ports can be bound again
    await assertPortsFree([toAlice, toBob]);
  } finally {
    alice.close();
    bob.close();
  }
});

test('when the relay thread dies, its calls go on through Node and keep their counts; new calls work', async () => {
  const { alice, bob, toAlice, toBob, streams } = await establishedCall('rt-5');
  try {
    for (let i = 3; i < 13; i++) await alice.send(rtpPacket(i, 1), toAlice);
    await bob.waitFor(13);
    assert.equal(bob.received.length, 13);
    assert.ok(streams.get('tagA')!.kernelized);
    await live.relay.kill();
    const link = live.daemon.ctx.kernel as unknown as { lost: boolean };
    await eventually(() => link.lost, 3000);
    assert.ok(link.lost, "the daemon's link noticed the loss");
    for (let i = 13; i < 23; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await bob.waitFor(23);
    await alice.waitFor(13);
    assert.equal(bob.received.length, 23, "alice's packets still reach bob, through Node's socket now");
    assert.equal(alice.received.length, 13, "and bob's reach alice");
    const q = await live.ng.request({ command: 'query', 'call-id': 'rt-5' });
    assert.equal(
      ((q.totals as NgDict).RTP as NgDict).packets,
      23 + 13,
      'counts from before and after the loss',
    );
    const del = await live.ng.request({ command: 'delete', 'call-id': 'rt-5' });
    assert.equal(del.result, 'ok');
    await sleep(50);
    // the duplicates the dead thread held were closed: the ports are free
    await assertPortsFree([toAlice, toBob]);
    // a new call is relayed by Node alone
    const next = await establishedCall('rt-6');
    try {
      assert.ok(![...next.streams.values()].some((s) => s.kernelized), 'nothing handed over any more');
      assert.equal(next.bob.received.length, 3);
    } finally {
      await live.ng.request({ command: 'delete', 'call-id': 'rt-6' });
      next.alice.close();
      next.bob.close();
    }
  } finally {
    alice.close();
    bob.close();
  }
});
