/**
 * The relay thread on IPv6 (sockaddr_in6 sources and destinations): a call between two parties on ::1, through a
 * daemon whose only interface is ::1, is handed to the relay thread and relayed both ways by it, from the ports
 * announced to each party.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict } from '../../src/ng/types.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { str } from '../helpers/ng-client.ts';
import { eventually, rtpStreamsOf, useRelayThreadDaemon } from '../helpers/relay-thread.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useRelayThreadDaemon({
  interfaces: [{ name: 'default', address: '::1', advertised: null, family: 'IP6' }],
  endpointLearning: 'immediate',
});

function sdp6(port: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP6 ::1',
    's=-',
    'c=IN IP6 ::1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=sendrecv',
    '',
  ].join('\r\n');
}

test('an IPv6 call is handed to the relay thread and relayed both ways by it', async () => {
  const call = await twoPartyCall(live.ng, 'rt6', {
    alice: await RtpPeer.open('::1'),
    bob: await RtpPeer.open('::1'),
    sdp: sdp6,
  });
  const { alice, bob, toAlice, toBob } = call;
  try {
    assert.match(str(call.offer.sdp), /^c=IN IP6 ::1\r$/m);
    await alice.send(rtpPacket(0, 1), toAlice, '::1');
    await bob.send(rtpPacket(0, 2), toBob, '::1');
    const daemon = live.daemon;
    const streams = [...rtpStreamsOf(daemon, 'rt6').values()];
    await eventually(() => streams.every((s) => s.kernelized));
    assert.ok(
      streams.every((s) => s.kernelized),
      'both directions handed over',
    );
    for (let i = 1; i <= 10; i++) {
      await alice.send(rtpPacket(i, 1), toAlice, '::1');
      await bob.send(rtpPacket(i, 2), toBob, '::1');
    }
    await alice.waitFor(11);
    await bob.waitFor(11);
    assert.equal(bob.received.length, 11);
    assert.equal(alice.received.length, 11);
    assert.equal(bob.received[10]!.port, toBob, 'from the port announced to bob');
    const relayed = streams.map((s) => daemon.ctx.kernel?.counters.get(s.id)?.packets ?? 0);
    assert.ok(
      relayed.every((n) => n >= 9),
      `relayed by the relay thread (${relayed})`,
    );
    const q = await live.ng.request({ command: 'query', 'call-id': 'rt6' });
    assert.equal(((q.totals as NgDict).RTP as NgDict).packets, 22);
  } finally {
    await live.ng.request({ command: 'delete', 'call-id': 'rt6' });
    call.close();
  }
});
