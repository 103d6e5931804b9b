/**
 * The relay thread and `delayed` endpoint learning (rtpengine's default): a call is handed to the relay thread
 * as soon as both parties' first packets taught their endpoints, before the 3 s window confirms them; learning
 * goes on in the socket's handler (a party that moves during the window is followed, both ways), and the packet
 * that confirms an endpoint is handed back so that query shows it confirmed, as without the relay thread.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LEARNING_WINDOW_MS } from '../../src/rtp/endpoint-learning.ts';
import { twoPartyCall } from '../helpers/call.ts';
import {
  eventually,
  firstStreamFlags,
  rtpStreamsOf,
  sleep,
  useRelayThreadDaemon,
} from '../helpers/relay-thread.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useRelayThreadDaemon({ endpointLearning: 'delayed' });

test('handed over on the first packets, confirmed after the window by a packet handed back; a move is followed', async () => {
  const alice2 = await RtpPeer.open();
  const { alice, bob, toAlice, toBob } = await twoPartyCall(live.ng, 'rtl-1');
  try {
    const answeredAt = Date.now();
    await alice.send(rtpPacket(0, 1), toAlice);
    await bob.send(rtpPacket(0, 2), toBob);
    const streams = [...rtpStreamsOf(live.daemon, 'rtl-1').values()];
    assert.ok(
      await eventually(() => streams.every((s) => s.kernelized)),
      'handed to the relay thread on the first packets',
    );
    assert.ok(
      streams.every((s) => !s.confirmed),
      'not confirmed yet',
    );
    assert.ok(!(await firstStreamFlags(live.ng, 'rtl-1', 'A')).includes('confirmed'));

    // alice moves (a NAT rebinding) inside the window: her new source is learned, and bob's packets follow her
    await alice2.send(rtpPacket(1, 1), toAlice);
    await bob.waitFor(2);
    await sleep(30);
    const bobHad = bob.received.length;
    await bob.send(rtpPacket(1, 2), toBob);
    assert.ok(
      await eventually(() => alice2.received.length === 1),
      "bob's packet reaches alice's new source",
    );
    assert.ok(await eventually(() => streams.every((s) => s.kernelized)), 'handed over again after the move');
    for (let i = 2; i < 12; i++) {
      await alice2.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    assert.ok(await eventually(() => bob.received.length === bobHad + 10 && alice2.received.length === 11));
    const relayed = streams.map((s) => live.daemon.ctx.kernel?.counters.get(s.id)?.packets ?? 0);
    assert.ok(
      relayed.every((n) => n > 0),
      `the relay thread forwards both ways after the move (${relayed})`,
    );

    // past the window, the next packet of each party confirms its endpoint, through the socket's handler
    await sleep(Math.max(0, answeredAt + LEARNING_WINDOW_MS + 100 - Date.now()));
    await alice2.send(rtpPacket(20, 1), toAlice);
    await bob.send(rtpPacket(20, 2), toBob);
    assert.ok(await eventually(() => streams.every((s) => s.confirmed)), 'confirmed after the window');
    assert.ok((await firstStreamFlags(live.ng, 'rtl-1', 'A')).includes('confirmed'));
    assert.ok(
      await eventually(() => bob.received.length === bobHad + 11),
      'the confirming packet was relayed too',
    );
    assert.equal(alice.received.length, 1, "alice's old source got only bob's packet from before the move");
  } finally {
    await live.ng.request({ command: 'delete', 'call-id': 'rtl-1' });
    alice.close();
    alice2.close();
    bob.close();
  }
});
