/**
 * `delay-buffer` and `DTMF-delay` on a passthrough PCMU + telephone-event call, against our daemon over loopback.
 *
 * What rtpengine 10.5 does (test/tools/probe-delay-buffer.ts, 200 ms unless said; Alice sends 20 ms frames and
 * two RFC 4733 events, Bob plain audio):
 * - `delay-buffer` in an offer or an answer does nothing on a passthrough call (no codec handler), not even once
 *   a later `block DTMF` (without the key) sets one up: media arrives at once both ways.
 * - `delay-buffer` given with `block DTMF` delays every packet of the addressed party's media (from-tag A: only
 *   Alice -> Bob; from-tag B: only Bob -> Alice; no selector: both directions) by exactly that many ms (measured
 *   200-201 ms), audio and events alike, in order, sequence numbers, timestamps and marker bits unchanged (in
 *   `drop` mode the events are dropped without renumbering, as without a delay).
 * - it stays after `unblock DTMF`, after a re-INVITE and after a later `block DTMF` without the key; only a
 *   `block DTMF` with `delay-buffer: 0` takes it off.
 * - with the transcoding DTMF-security modes (`silence`, `tone`, `zero`, `random`, `DTMF`) the delay buffer
 *   makes 10.5 really transcode: the audio is re-encoded (the probe's synthetic frames came out as silence),
 *   `zero` rewrites each event to event 0. We do the delay, not that re-encoding (known difference).
 * - `DTMF-delay` delays nothing on a passthrough call, neither events nor audio, in any mode, in an offer or
 *   with `block DTMF`. Its only effect: `zero` and `DTMF` then replace each event with in-band audio of its own
 *   digit, byte for byte what `silence` does (`drop`/`off` still drop, `silence`/`tone` are unchanged).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict } from '../../src/ng/types.ts';
import { buildEventPacket } from '../../src/rtp/rfc4733.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { type RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function setUp(callId: string, offerKeys: NgDict = {}) {
  const { alice, bob, toBob, toAlice, close } = await twoPartyCall(live.ng, callId, { offer: offerKeys });
  const base = { 'call-id': callId, 'from-tag': 'A' };
  // both phones send once so their endpoints are known
  await alice.send(rtpPacket(1, 0x1111), toAlice);
  await bob.send(rtpPacket(1, 0x2222), toBob);
  await bob.waitFor(1);
  await alice.waitFor(1);
  bob.received.length = 0;
  alice.received.length = 0;
  const request = (command: string, keys: NgDict = {}) => live.ng.request({ command, ...base, ...keys });
  return { alice, bob, toBob, toAlice, request, close };
}

/** Sends `n` frames from `from` every 20 ms; returns the arrival delay (ms) of each at `to`, by sequence. */
async function measure(from: RtpPeer, to: RtpPeer, port: number, firstSeq: number, n: number, ssrc: number) {
  const sentAt = new Map<number, number>();
  const arrivedAt = new Map<number, number>();
  const order: number[] = [];
  const start = to.received.length;
  const poll = setInterval(() => {
    for (let i = start + order.length; i < to.received.length; i++) {
      const seq = to.received[i]!.data.readUInt16BE(2);
      order.push(seq);
      arrivedAt.set(seq, performance.now());
    }
  }, 1);
  for (let i = 0; i < n; i++) {
    sentAt.set(firstSeq + i, performance.now());
    await from.send(rtpPacket(firstSeq + i, ssrc), port);
    await wait(20);
  }
  await wait(350);
  clearInterval(poll);
  const delays = [...sentAt].map(([seq, t]) => (arrivedAt.has(seq) ? arrivedAt.get(seq)! - t : Number.NaN));
  return { delays, order, packets: to.received.slice(start).map((r) => r.data) };
}

const seqs = (first: number, n: number) => Array.from({ length: n }, (_, i) => first + i);

test('block DTMF with delay-buffer delays only the addressed party media by that many ms, in order and unchanged', async () => {
  const c = await setUp('delay-1');
  try {
    const r = await c.request('block DTMF', { 'delay-buffer': 150 });
    assert.equal(r.result, 'ok');
    const a = await measure(c.alice, c.bob, c.toAlice, 100, 8, 0x1111);
    assert.deepEqual(a.order, seqs(100, 8));
    for (const d of a.delays) assert.ok(d >= 148 && d < 230, `Alice -> Bob delayed ${d} ms, want 150`);
    // timestamps and SSRC as sent: the delay changes nothing in the packets
    for (const [i, p] of a.packets.entries()) {
      assert.equal(p.readUInt32BE(4), (100 + i) * 160);
      assert.equal(p.readUInt32BE(8), 0x1111);
    }
    const b = await measure(c.bob, c.alice, c.toBob, 200, 4, 0x2222);
    assert.deepEqual(b.order, seqs(200, 4));
    for (const d of b.delays) assert.ok(d < 60, `Bob -> Alice not delayed, took ${d} ms`);
  } finally {
    c.close();
  }
});

test('delay-buffer stays through unblock DTMF and a later block without it, and delay-buffer 0 takes it off', async () => {
  const c = await setUp('delay-2');
  try {
    await c.request('block DTMF', { 'delay-buffer': 150 });
    await c.request('unblock DTMF');
    await c.request('block DTMF');
    // events are dropped by the block, the delay keeps audio order
    const a = await measure(c.alice, c.bob, c.toAlice, 100, 4, 0x1111);
    for (const d of a.delays) assert.ok(d >= 148, `still delayed, took ${d} ms`);
    await c.request('block DTMF', { 'delay-buffer': 0 });
    const b = await measure(c.alice, c.bob, c.toAlice, 110, 4, 0x1111);
    assert.deepEqual(b.order, seqs(110, 4));
    for (const d of b.delays) assert.ok(d < 60, `delay taken off, took ${d} ms`);
  } finally {
    c.close();
  }
});

test('delay-buffer without a selector delays both directions', async () => {
  const c = await setUp('delay-3');
  try {
    await live.ng.request({ command: 'block DTMF', 'call-id': 'delay-3', 'delay-buffer': 120 });
    const a = await measure(c.alice, c.bob, c.toAlice, 100, 3, 0x1111);
    const b = await measure(c.bob, c.alice, c.toBob, 200, 3, 0x2222);
    for (const d of [...a.delays, ...b.delays]) assert.ok(d >= 118 && d < 200, `delayed ${d} ms, want 120`);
  } finally {
    c.close();
  }
});

test('delay-buffer in the offer does nothing on a passthrough call, as in rtpengine 10.5', async () => {
  const c = await setUp('delay-4', { 'delay-buffer': 150 });
  try {
    await c.request('block DTMF');
    const a = await measure(c.alice, c.bob, c.toAlice, 100, 4, 0x1111);
    assert.deepEqual(a.order, seqs(100, 4));
    for (const d of a.delays) assert.ok(d < 60, `not delayed, took ${d} ms`);
  } finally {
    c.close();
  }
});

test('packets waiting in a delay buffer are dropped when the call is deleted', async () => {
  const c = await setUp('delay-5');
  try {
    await c.request('block DTMF', { 'delay-buffer': 300 });
    for (let i = 0; i < 3; i++) await c.alice.send(rtpPacket(100 + i, 0x1111), c.toAlice);
    await wait(30);
    await live.ng.request({ command: 'delete', 'call-id': 'delay-5' });
    await wait(400);
    assert.equal(c.bob.received.length, 0);
  } finally {
    c.close();
  }
});

test('DTMF-delay delays nothing, and makes zero mode play the event in-band like silence', async () => {
  const c = await setUp('delay-6');
  try {
    await c.request('block DTMF', { 'DTMF-security': 'zero', 'DTMF-delay': 200 });
    const sent = performance.now();
    // an audio frame, then one event packet (digit 5, 160 samples in), as the phone sends them
    await c.alice.send(rtpPacket(100, 0x1111), c.toAlice);
    const ev = buildEventPacket({
      payloadType: 101,
      seq: 101,
      timestamp: 101 * 160,
      ssrc: 0x1111,
      marker: true,
      block: { event: 5, end: false, volume: 10, duration: 160 },
    });
    await c.alice.send(ev, c.toAlice);
    await c.bob.waitFor(2, 1000);
    assert.ok(performance.now() - sent < 150, 'nothing held back for the DTMF delay');
    assert.equal(c.bob.received.length, 2);
    const replaced = c.bob.received[1]!.data;
    assert.equal(replaced[1]! & 0x7f, 0, 'the event became a PCMU frame');
    assert.equal(replaced.length, 12 + 160);
  } finally {
    c.close();
  }
});
