/**
 * The relay thread and `delayed` endpoint learning (rtpengine's default): a call is handed to the relay thread
 * as soon as both parties' first packets taught their endpoints, before the 3 s window confirms them; learning
 * goes on in the socket's handler (a party that moves during the window is followed, both ways), and the packet
 * that confirms an endpoint is handed back so that query shows it confirmed, as without the relay thread.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import type { PacketStream } from '../../src/call/model.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { LEARNING_WINDOW_MS } from '../../src/rtp/endpoint-learning.ts';
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
  daemon = await testDaemon({ endpointLearning: 'delayed' }, { relayThread: relay });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await relay.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function streamsOf(callId: string): PacketStream[] {
  const out: PacketStream[] = [];
  for (const entry of daemon.registry.entries())
    if (entry.call.callId === callId)
      for (const m of entry.call.monologues.values()) for (const media of m.medias) out.push(media.rtp);
  return out;
}

async function until(what: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await sleep(5);
  return what();
}

async function streamFlags(callId: string, tag: string): Promise<string[]> {
  const q = await ng.request({ command: 'query', 'call-id': callId });
  const t = (q.tags as NgDict)[tag] as NgDict;
  return ((((t.medias as NgDict[])[0] as NgDict).streams as NgDict[])[0] as NgDict).flags as string[];
}

test('handed over on the first packets, confirmed after the window by a packet handed back; a move is followed', async () => {
  const alice = await RtpPeer.open();
  const alice2 = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const o = await ng.request({
      command: 'offer',
      'call-id': 'rtl-1',
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
    });
    const toBob = mediaPort(str(o.sdp));
    const a = await ng.request({
      command: 'answer',
      'call-id': 'rtl-1',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port, 'bob'),
    });
    const toAlice = mediaPort(str(a.sdp));
    const answeredAt = Date.now();
    await alice.send(rtpPacket(0, 1), toAlice);
    await bob.send(rtpPacket(0, 2), toBob);
    const streams = streamsOf('rtl-1');
    assert.ok(
      await until(() => streams.every((s) => s.kernelized)),
      'handed to the relay thread on the first packets',
    );
    assert.ok(
      streams.every((s) => !s.confirmed),
      'not confirmed yet',
    );
    assert.ok(!(await streamFlags('rtl-1', 'A')).includes('confirmed'));

    // alice moves (a NAT rebinding) inside the window: her new source is learned, and bob's packets follow her
    await alice2.send(rtpPacket(1, 1), toAlice);
    await bob.waitFor(2);
    await sleep(30);
    const bobHad = bob.received.length;
    await bob.send(rtpPacket(1, 2), toBob);
    assert.ok(await until(() => alice2.received.length === 1), "bob's packet reaches alice's new source");
    assert.ok(await until(() => streams.every((s) => s.kernelized)), 'handed over again after the move');
    for (let i = 2; i < 12; i++) {
      await alice2.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    assert.ok(await until(() => bob.received.length === bobHad + 10 && alice2.received.length === 11));
    const relayed = streams.map((s) => daemon.ctx.kernel?.counters.get(s.id)?.packets ?? 0);
    assert.ok(
      relayed.every((n) => n > 0),
      `the relay thread forwards both ways after the move (${relayed})`,
    );

    // past the window, the next packet of each party confirms its endpoint, through the socket's handler
    await sleep(Math.max(0, answeredAt + LEARNING_WINDOW_MS + 100 - Date.now()));
    await alice2.send(rtpPacket(20, 1), toAlice);
    await bob.send(rtpPacket(20, 2), toBob);
    assert.ok(await until(() => streams.every((s) => s.confirmed)), 'confirmed after the window');
    assert.ok((await streamFlags('rtl-1', 'A')).includes('confirmed'));
    assert.ok(
      await until(() => bob.received.length === bobHad + 11),
      'the confirming packet was relayed too',
    );
    assert.equal(alice.received.length, 1, "alice's old source got only bob's packet from before the move");
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'rtl-1' });
    alice.close();
    alice2.close();
    bob.close();
  }
});
