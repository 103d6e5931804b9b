/**
 * The relay thread (src/relay-thread/) on real loopback sockets, in an in-process daemon: once both parties'
 * endpoints are confirmed, a plain call's packets are forwarded by the relay thread and no longer reach Node's
 * handler; query and statistics still count them (as userspace); a packet the relay thread does not forward
 * (another source, a runt) reaches the stream's own handler; signalling takes the streams back and hands the new
 * endpoints over; delete stops the forwarding and frees the ports for anyone to bind.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import type { PacketStream } from '../../src/call/model.ts';
import type { NgDict } from '../../src/ng/types.ts';
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
  assert.ok(started, 'the relay thread starts on Linux');
  relay = started;
  // the first packet confirms an endpoint: the handover follows at once, not 3 s later
  daemon = await testDaemon({ endpointLearning: 'immediate' }, { relayThread: relay });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await relay.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function offer(callId: string, sdp: string, flags: string[] = []): Record<string, NgDict[string]> {
  return { command: 'offer', 'call-id': callId, 'from-tag': 'tagA', sdp, flags, replace: ['origin'] };
}

/** The RTP streams of a call, keyed by the tag of the party whose packets they receive. */
function rtpStreams(callId: string): Map<string, PacketStream> {
  const out = new Map<string, PacketStream>();
  for (const entry of daemon.registry.entries()) {
    if (entry.call.callId !== callId) continue;
    for (const m of entry.call.monologues.values()) {
      const media = m.medias[0];
      if (media && m.tag !== null) out.set(m.tag, media.rtp);
    }
  }
  return out;
}

/** Sets up alice -> bob, exchanges a few packets both ways (confirming both), and waits for the handover. */
async function establishedCall(callId: string, flags: string[] = []) {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  const o = await ng.request(offer(callId, sdpFor(alice.port, 'alice'), flags));
  assert.equal(o.result, 'ok');
  const toBob = mediaPort(str(o.sdp));
  const a = await ng.request({
    ...offer(callId, sdpFor(bob.port, 'bob'), flags),
    command: 'answer',
    'to-tag': 'tagB',
  });
  assert.equal(a.result, 'ok');
  const toAlice = mediaPort(str(a.sdp));
  for (let i = 0; i < 3; i++) {
    await alice.send(rtpPacket(i, 1), toAlice);
    await bob.send(rtpPacket(i, 2), toBob);
  }
  await alice.waitFor(3);
  await bob.waitFor(3);
  const streams = rtpStreams(callId);
  const end = Date.now() + 2000;
  while (![...streams.values()].every((s) => s.kernelized) && Date.now() < end) await sleep(5);
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
    const relayed = daemon.ctx.kernel?.counters.get(fromAlice.id);
    assert.ok(
      relayed && relayed.packets >= 17,
      `the relay thread counted alice's packets (${relayed?.packets})`,
    );

    const q = await ng.request({ command: 'query', 'call-id': 'rt-1' });
    const rtp = (q.totals as NgDict).RTP as NgDict;
    assert.equal(rtp.packets, 46, 'query counts both paths');
    assert.equal(rtp.bytes, 46 * 172);
    const tagA = (q.tags as NgDict).tagA as NgDict;
    const flags = ((((tagA.medias as NgDict[])[0] as NgDict).streams as NgDict[])[0] as NgDict)
      .flags as string[];
    assert.ok(!flags.includes('kernelized'), 'userspace forwarding is not called kernelized');

    const stats = (await ng.request({ command: 'statistics' })).statistics as NgDict;
    const current = stats.currentstatistics as NgDict;
    assert.equal(current.media_kernel, 0);
    const total = stats.totalstatistics as NgDict;
    assert.equal(total.relayedpackets_kernel, 0);
    assert.ok((total.relayedpackets_user as number) >= 46, 'counted as userspace');
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'rt-1' });
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
    const end = Date.now() + 2000;
    while (fromAlice.stats.errors === before.errors && Date.now() < end) await sleep(5);
    assert.equal(fromAlice.stats.errors, before.errors + 1, 'the runt counted as an error by the handler');
    await sleep(50);
    assert.equal(bob.received.length, bobHad, 'neither the stranger nor the runt reached bob');
    // the call goes on through the relay thread
    await alice.send(rtpPacket(101, 1), toAlice);
    await bob.waitFor(bobHad + 1);
    assert.equal(bob.received.length, bobHad + 1);
    assert.equal(bob.received[bobHad]!.data.readUInt16BE(2), 101);
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'rt-2' });
    alice.close();
    bob.close();
    stranger.close();
  }
});

test('a re-INVITE to a new port takes the streams back, and the relay thread then sends to the new port', async () => {
  const { alice, bob, toBob } = await establishedCall('rt-3');
  const bob2 = await RtpPeer.open();
  try {
    const re = await ng.request({
      ...offer('rt-3', sdpFor(bob2.port, 'bob'), []),
      'from-tag': 'tagB',
      'to-tag': 'tagA',
    });
    assert.equal(re.result, 'ok');
    const toAlice2 = mediaPort(str(re.sdp));
    const ans = await ng.request({
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
    const streams = rtpStreams('rt-3');
    assert.ok(
      [...streams.values()].every((s) => s.kernelized),
      'handed to the relay thread again after the re-INVITE',
    );
    const relayed = daemon.ctx.kernel?.counters.get(streams.get('tagA')!.id);
    assert.ok(relayed && relayed.packets > 0, 'by the relay thread, with the new endpoint');
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'rt-3' });
    alice.close();
    bob.close();
    bob2.close();
  }
});

test('delete stops the forwarding and leaves the ports free for anyone to bind', async () => {
  const { alice, bob, toAlice, toBob } = await establishedCall('rt-4');
  try {
    const del = await ng.request({ command: 'delete', 'call-id': 'rt-4' });
    assert.equal(del.result, 'ok');
    await sleep(50);
    const bobHad = bob.received.length;
    await alice.send(rtpPacket(300, 1), toAlice);
    await sleep(50);
    assert.equal(bob.received.length, bobHad, 'nothing forwarded after delete');
    // the relay thread closed its duplicates: the ports can be bound again
    for (const port of [toAlice, toBob]) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve());
      });
      s.close();
    }
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
    await relay.kill();
    const link = daemon.ctx.kernel as unknown as { lost: boolean };
    const end = Date.now() + 3000;
    while (!link.lost && Date.now() < end) await sleep(10);
    assert.ok(link.lost, "the daemon's link noticed the loss");
    for (let i = 13; i < 23; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await bob.waitFor(23);
    await alice.waitFor(13);
    assert.equal(bob.received.length, 23, "alice's packets still reach bob, through Node's socket now");
    assert.equal(alice.received.length, 13, "and bob's reach alice");
    const q = await ng.request({ command: 'query', 'call-id': 'rt-5' });
    assert.equal(
      ((q.totals as NgDict).RTP as NgDict).packets,
      23 + 13,
      'counts from before and after the loss',
    );
    const del = await ng.request({ command: 'delete', 'call-id': 'rt-5' });
    assert.equal(del.result, 'ok');
    await sleep(50);
    // the duplicates the dead thread held were closed: the ports are free
    for (const port of [toAlice, toBob]) {
      const s = createSocket('udp4');
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject);
        s.bind(port, '127.0.0.1', () => resolve());
      });
      s.close();
    }
    // a new call is relayed by Node alone
    const next = await establishedCall('rt-6');
    try {
      assert.ok(![...next.streams.values()].some((s) => s.kernelized), 'nothing handed over any more');
      assert.equal(next.bob.received.length, 3);
    } finally {
      await ng.request({ command: 'delete', 'call-id': 'rt-6' });
      next.alice.close();
      next.bob.close();
    }
  } finally {
    alice.close();
    bob.close();
  }
});
