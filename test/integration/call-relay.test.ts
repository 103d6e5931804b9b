/**
 * Offer, answer, RTP both ways through the userspace relay, query counters, delete and ports freed: the
 * Kamailio-shaped request sequence against a daemon on loopback, over real UDP sockets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict } from '../../src/ng/types.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

function kamailioOffer(callId: string, fromTag: string, sdp: string): Record<string, NgDict[string]> {
  // Key order as Kamailio sends it (unsorted), command last.
  return {
    supports: ['load limit'],
    sdp,
    ICE: 'remove',
    replace: ['origin', 'session-connection'],
    'transport-protocol': 'RTP/AVP',
    'call-id': callId,
    'received-from': ['IP4', '127.0.0.1'],
    'from-tag': fromTag,
    command: 'offer',
  };
}

test('a call set up through offer and answer relays RTP both ways and counts it in query', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const offer = await live.ng.request(kamailioOffer('relay-1', 'tagA', sdpFor(alice.port, 'alice')));
    assert.equal(offer.result, 'ok');
    const toBob = mediaPort(str(offer.sdp));
    const answer = await live.ng.request({
      ...kamailioOffer('relay-1', 'tagA', sdpFor(bob.port, 'bob')),
      'to-tag': 'tagB',
      command: 'answer',
    });
    assert.equal(answer.result, 'ok');
    const toAlice = mediaPort(str(answer.sdp));
    assert.notEqual(toAlice, toBob);
    assert.match(str(answer.sdp), /^c=IN IP4 127\.0\.0\.1\r$/m);

    for (let i = 0; i < 10; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await alice.waitFor(10);
    await bob.waitFor(10);
    assert.equal(bob.received.length, 10, 'bob got what alice sent');
    assert.equal(alice.received.length, 10, 'alice got what bob sent');
    // Bob's packets come from the port announced to bob (symmetric RTP), and vice versa.
    assert.equal(bob.received[0]!.port, toBob);
    assert.equal(alice.received[0]!.port, toAlice);
    assert.equal(bob.received[3]!.data.readUInt16BE(2), 3, 'payload relayed unchanged');

    const q = await live.ng.request({ command: 'query', 'call-id': 'relay-1' });
    assert.equal(q.result, 'ok');
    const totals = q.totals as NgDict;
    assert.deepEqual({ ...(totals.RTP as NgDict) }, { packets: 20, bytes: 20 * 172, errors: 0 });
    const tags = q.tags as NgDict;
    assert.deepEqual(Object.keys(tags).sort(), ['tagA', 'tagB']);

    const usage = live.daemon.registry.size;
    assert.equal(usage, 1);
    const del = await live.ng.request({ command: 'delete', 'call-id': 'relay-1', 'from-tag': 'tagA' });
    assert.equal(del.result, 'ok');
    assert.deepEqual(
      { ...((del.totals as NgDict).RTP as NgDict) },
      { packets: 20, bytes: 20 * 172, errors: 0 },
    );
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(live.daemon.registry.size, 0, 'the call is gone after delete');
    const gone = await live.ng.request({ command: 'query', 'call-id': 'relay-1' });
    assert.deepEqual({ ...gone }, { result: 'error', 'error-reason': 'Unknown call-id' });
  } finally {
    alice.close();
    bob.close();
  }
});

test('ports are released when a call is deleted, and reused by later calls', async () => {
  const before = await portsInUse();
  const offer = await live.ng.request(kamailioOffer('ports-1', 'a', sdpFor(5000)));
  assert.equal(offer.result, 'ok');
  assert.equal((await portsInUse()) - before, 2, 'one pair per party of the one m= line');
  await live.ng.request({ command: 'delete', 'call-id': 'ports-1' });
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(await portsInUse(), before);
});

async function portsInUse(): Promise<number> {
  const { ask } = await import('../../actors/runtime.ts');
  const u = await ask<import('../../actors/messages.ts').PortMsg, { used: number }>(
    live.daemon.ctx.ports,
    (reply) => ({
      kind: 'usage',
      reply,
    }),
  );
  return u.used;
}

test('a retransmitted offer (same cookie) gets the same reply and allocates nothing new', async () => {
  const msg = kamailioOffer('retrans-1', 'a', sdpFor(6000));
  const first = await live.ng.request(msg, 'cookie-retrans');
  const used = await portsInUse();
  const again = await live.ng.request(msg, 'cookie-retrans');
  assert.deepEqual(again, first);
  assert.equal(await portsInUse(), used);
  await live.ng.request({ command: 'delete', 'call-id': 'retrans-1' });
});

test('errors carry rtpengine reason strings', async () => {
  const cases: [Record<string, NgDict[string]>, string][] = [
    [
      { command: 'answer', 'call-id': 'nope', 'from-tag': 'x', 'to-tag': 'y', sdp: sdpFor(1) },
      'Unknown call-id',
    ],
    [{ command: 'answer', 'call-id': 'nope', 'from-tag': 'x', sdp: sdpFor(1) }, 'No to-tag in message'],
    [{ command: 'offer', 'call-id': 'bad-sdp', 'from-tag': 'x', sdp: 'hello world' }, 'Failed to parse SDP'],
    [{ command: 'offer', 'from-tag': 'x', sdp: sdpFor(1) }, 'No call-id in message'],
    [{ command: 'frobnicate' }, 'Unrecognized command'],
    [{ 'call-id': 'x' }, 'Dictionary contains no key "command"'],
  ];
  for (const [req, reason] of cases) {
    const r = await live.ng.request(req);
    assert.deepEqual({ ...r }, { result: 'error', 'error-reason': reason }, JSON.stringify(req));
  }
  assert.equal(live.daemon.registry.get('bad-sdp'), undefined, 'a failed first offer leaves no call behind');
});

test('delete of an unknown call is ok with a warning, and an error with the fatal flag', async () => {
  const r = await live.ng.request({ command: 'delete', 'call-id': 'unknown-del' });
  assert.deepEqual({ ...r }, { result: 'ok', warning: "Call-ID not found or tags didn't match" });
  const f = await live.ng.request({ command: 'delete', 'call-id': 'unknown-del', flags: ['fatal'] });
  assert.equal(f.result, 'error');
});
