/**
 * block/unblock media, silence/unsilence media and block/unblock DTMF on a real call: two RtpPeer phones, packets
 * relayed over loopback UDP, checked packet by packet (behaviour recorded from rtpengine 10.5).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgValue } from '../../src/ng/types.ts';
import { buildEventPacket } from '../../src/rtp/rfc4733.ts';
import { ulawToLinear } from '../../src/rtp/tone.ts';
import { type TwoPartyCall, twoPartyCall } from '../helpers/call.ts';
import { sdpFor } from '../helpers/daemon.ts';
import { goertzel } from '../helpers/goertzel.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

interface Call extends TwoPartyCall {
  seq: number;
}
async function setUp(callId: string, g722 = false): Promise<Call> {
  const sdp = (port: number, user: string) => {
    const s = sdpFor(port, user);
    return g722 ? s.replace('RTP/AVP 0 101', 'RTP/AVP 9 101').replace('rtpmap:0 PCMU', 'rtpmap:9 G722') : s;
  };
  const call = await twoPartyCall(live.ng, callId, {
    sdp,
    offer: { label: 'alab' },
    answer: { label: 'blab' },
  });
  return { ...call, seq: 100 };
}

/** Alice and Bob each send n audio packets (payload 0x33 / 0x44); returns what each side received. */
async function exchange(c: Call, n = 3, pt = 0): Promise<{ toBob: Buffer[]; toAlice: Buffer[] }> {
  const a0 = c.alice.received.length;
  const b0 = c.bob.received.length;
  for (let i = 0; i < n; i++) {
    const a = rtpPacket(c.seq, 0x1234, pt).fill(0x33, 12);
    const b = rtpPacket(c.seq++, 0x5678, pt).fill(0x44, 12);
    await c.alice.send(a, c.toAlice);
    await c.bob.send(b, c.toBob);
  }
  await new Promise((r) => setTimeout(r, 60));
  return {
    toBob: c.bob.received.slice(b0).map((r) => r.data),
    toAlice: c.alice.received.slice(a0).map((r) => r.data),
  };
}

async function cmd(callId: string, command: string, extra: Record<string, NgValue> = {}) {
  return live.ng.request({ command, 'call-id': callId, ...extra });
}

test('block media on the whole call stops relaying both ways, unblock media resumes it', async () => {
  const c = await setUp('mc-1');
  try {
    assert.equal((await exchange(c)).toBob.length, 3);
    assert.equal((await cmd('mc-1', 'block media')).result, 'ok');
    const blocked = await exchange(c);
    assert.deepEqual([blocked.toBob.length, blocked.toAlice.length], [0, 0]);
    assert.equal((await cmd('mc-1', 'unblock media')).result, 'ok');
    const resumed = await exchange(c);
    assert.deepEqual([resumed.toBob.length, resumed.toAlice.length], [3, 3]);
    assert.equal(resumed.toBob[0]!.readUInt16BE(2), c.seq - 3, 'sequence numbers relayed unchanged');
  } finally {
    c.close();
  }
});

test('block media for one party (from-tag, label, address) blocks only what that party sends', async () => {
  const c = await setUp('mc-2');
  try {
    await exchange(c);
    await cmd('mc-2', 'block media', { 'from-tag': 'A', flags: ['directional'] });
    let r = await exchange(c);
    assert.deepEqual([r.toBob.length, r.toAlice.length], [0, 3]);
    // a call-wide unblock leaves the party's block in place, as rtpengine does
    await cmd('mc-2', 'unblock media');
    r = await exchange(c);
    assert.deepEqual([r.toBob.length, r.toAlice.length], [0, 3]);
    await cmd('mc-2', 'unblock media', { 'from-tag': 'A' });
    await cmd('mc-2', 'block media', { label: 'blab' });
    r = await exchange(c);
    assert.deepEqual([r.toBob.length, r.toAlice.length], [3, 0]);
    await cmd('mc-2', 'unblock media', { flags: ['all'] });
    await cmd('mc-2', 'block media', { address: '127.0.0.1' });
    r = await exchange(c);
    assert.deepEqual([r.toBob.length, r.toAlice.length], [0, 3], 'the first party with that address');
    await cmd('mc-2', 'unblock media', { flags: ['all'] });
    r = await exchange(c);
    assert.deepEqual([r.toBob.length, r.toAlice.length], [3, 3]);
  } finally {
    c.close();
  }
});

test('media control commands answer rtpengine 10.5 errors for unknown parties and calls', async () => {
  const c = await setUp('mc-3');
  try {
    const cases: [Record<string, NgValue>, string][] = [
      [{ 'from-tag': 'X', flags: ['directional'] }, 'From-tag given, but no such tag exists'],
      [{ label: 'zz' }, 'No monologue matching the given label'],
      [{ address: '10.0.0.1' }, 'Failed to match address to any tag'],
    ];
    for (const [extra, reason] of cases) {
      const r = await cmd('mc-3', 'block media', extra);
      assert.deepEqual([r.result, r['error-reason']], ['error', reason]);
    }
    const unknown = await cmd('no-such-call', 'silence media');
    assert.equal(unknown.result, 'error');
    assert.equal((await cmd('mc-3', 'start forwarding')).result, 'ok');
    assert.equal((await cmd('mc-3', 'stop forwarding')).result, 'ok');
  } finally {
    c.close();
  }
});

test('silence media replaces PCMU payloads with 0xff and G.722 with 0xfa, headers kept', async () => {
  const c = await setUp('mc-4');
  const g = await setUp('mc-5', true);
  try {
    await exchange(c);
    await cmd('mc-4', 'silence media', { 'from-tag': 'B', flags: ['directional'] });
    const r = await exchange(c);
    assert.equal(r.toAlice.length, 3);
    for (const p of r.toAlice) {
      assert.ok(
        p.subarray(12).every((b) => b === 0xff),
        'PCMU silence',
      );
      assert.equal(p.readUInt32BE(8), 0x5678, 'SSRC kept');
    }
    assert.ok(
      r.toBob[0]!.subarray(12).every((b) => b === 0x33),
      'the other direction is untouched',
    );
    await cmd('mc-4', 'unsilence media', { 'from-tag': 'B' });
    assert.ok((await exchange(c)).toAlice[0]!.subarray(12).every((b) => b === 0x44));

    await exchange(g, 1, 9);
    await cmd('mc-5', 'silence media');
    const gr = await exchange(g, 2, 9);
    assert.ok(
      gr.toBob.every((p) => p.subarray(12).every((b) => b === 0xfa)),
      'G.722 silence',
    );
  } finally {
    c.close();
    g.close();
  }
});

function eventPacket(seq: number, event: number, end: boolean): Buffer {
  return buildEventPacket({
    payloadType: 101,
    marker: false,
    seq,
    timestamp: 50_000,
    ssrc: 0x1234,
    block: { event, end, volume: 10, duration: 480 },
  });
}

test('block DTMF drops RFC 4733 packets while audio passes; zero mode relays the event unchanged as 10.5 does; unblock resumes', async () => {
  const c = await setUp('mc-6');
  try {
    await exchange(c);
    await cmd('mc-6', 'block DTMF');
    const before = c.bob.received.length;
    await c.alice.send(eventPacket(c.seq++, 5, false), c.toAlice);
    await c.alice.send(rtpPacket(c.seq++, 0x1234), c.toAlice);
    await c.alice.send(eventPacket(c.seq++, 5, true), c.toAlice);
    await c.bob.waitFor(before + 1);
    await new Promise((r) => setTimeout(r, 60));
    const got = c.bob.received.slice(before).map((x) => x.data);
    assert.deepEqual(
      got.map((p) => p[1]! & 0x7f),
      [0],
      'only the audio packet got through',
    );
    await cmd('mc-6', 'block DTMF', { 'DTMF-security': 'zero' });
    await c.alice.send(eventPacket(c.seq++, 7, true), c.toAlice);
    await c.bob.waitFor(before + 2);
    // 10.5 on a passthrough call relays the event as sent (test/unit/rtp/dtmf-security.test.ts has the recording)
    assert.equal(c.bob.received[before + 1]!.data[12], 7, 'event relayed unchanged in zero mode');
    await cmd('mc-6', 'unblock DTMF');
    await c.alice.send(eventPacket(c.seq++, 7, true), c.toAlice);
    await c.bob.waitFor(before + 3);
    assert.equal(c.bob.received[before + 2]!.data[12], 7, 'event relayed as sent');
  } finally {
    c.close();
  }
});

test('block DTMF with DTMF-security tone relays each event as PCMU frames of its own digit (10.5 ignores frequency), in sequence', async () => {
  const c = await setUp('mc-tone');
  try {
    await exchange(c, 2);
    await cmd('mc-tone', 'block DTMF', { 'DTMF-security': 'tone', frequency: 1000, volume: 6 });
    const before = c.bob.received.length;
    const firstSeq = c.seq;
    for (let k = 1; k <= 6; k++) {
      const p = buildEventPacket({
        payloadType: 101,
        marker: k === 1,
        seq: c.seq++,
        timestamp: 80_000,
        ssrc: 0x1234,
        block: { event: 9, end: k >= 4, volume: 10, duration: Math.min(k, 4) * 160 },
      });
      await c.alice.send(p, c.toAlice);
    }
    await c.bob.waitFor(before + 4);
    await new Promise((r) => setTimeout(r, 60));
    const got = c.bob.received.slice(before).map((x) => x.data);
    assert.equal(got.length, 4, 'one frame per event duration, repeated end packets dropped');
    assert.ok(
      got.every((p) => (p[1]! & 0x7f) === 0 && p.length === 172),
      'PCMU frames of 20 ms',
    );
    assert.deepEqual(
      got.map((p) => [p.readUInt16BE(2), p.readUInt32BE(4)]),
      [0, 1, 2, 3].map((i) => [firstSeq + i, 80_000 + 160 * i]),
    );
    const samples = got.flatMap((p) => [...p.subarray(12)].map(ulawToLinear));
    assert.ok(
      goertzel(samples, 852) > 50 * goertzel(samples, 1000),
      'the digit 9 (852 + 1477 Hz), not 1000 Hz',
    );
    assert.ok(goertzel(samples, 1477) > 50 * goertzel(samples, 1000));
  } finally {
    c.close();
  }
});
