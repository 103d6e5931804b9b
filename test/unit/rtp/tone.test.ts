import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseMediaControl } from '../../../src/ng/media-control.ts';
import { Keys } from '../../../src/ng/request.ts';
import type { NgValue } from '../../../src/ng/types.ts';
import {
  controlPacket,
  newOutputState,
  newSwitches,
  type StreamControl,
} from '../../../src/rtp/media-control.ts';
import { payloadTypesOfSdp } from '../../../src/rtp/payload-types.ts';
import { buildEventPacket } from '../../../src/rtp/rfc4733.ts';
import {
  alawToLinear,
  amplitudeOfDb,
  dtmfFrequencies,
  linearToAlaw,
  linearToUlaw,
  toneSamples,
  ulawToLinear,
} from '../../../src/rtp/tone.ts';
import { goertzel } from '../../helpers/goertzel.ts';

test('µ-law encodes the G.711 reference points: zero, both full scales, and small values', () => {
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(linearToUlaw(-1), 0x7f);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(ulawToLinear(0xff), 0);
});

test('A-law encodes the G.711 reference points: zero, both full scales, and their decoded values', () => {
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
});

test('every G.711 code word survives decode then encode (µ-law 0x7f is the second zero)', () => {
  for (let b = 0; b < 256; b++) {
    assert.equal(linearToAlaw(alawToLinear(b)), b, `A-law ${b}`);
    if (b !== 0x7f) assert.equal(linearToUlaw(ulawToLinear(b)), b, `µ-law ${b}`);
  }
});

test('encoding is monotonic: a louder sample never gets a quieter code', () => {
  let prevU = ulawToLinear(linearToUlaw(-32768));
  let prevA = alawToLinear(linearToAlaw(-32768));
  for (let s = -32768; s <= 32767; s += 7) {
    const u = ulawToLinear(linearToUlaw(s));
    const a = alawToLinear(linearToAlaw(s));
    assert.ok(u >= prevU && a >= prevA, `at ${s}`);
    prevU = u;
    prevA = a;
  }
});

test('DTMF pairs follow the keypad grid: 0 is 941+1336, 1 is 697+1209, # is 941+1477, D is 941+1633', () => {
  assert.deepEqual(dtmfFrequencies(0), [941, 1336]);
  assert.deepEqual(dtmfFrequencies(1), [697, 1209]);
  assert.deepEqual(dtmfFrequencies(11), [941, 1477]);
  assert.deepEqual(dtmfFrequencies(15), [941, 1633]);
  assert.equal(dtmfFrequencies(16), null);
});

test('tone frames computed from their start sample join without a phase jump', () => {
  const whole = toneSamples([697, 1209], 10000, 8000, 0, 480);
  const parts = [0, 160, 320].flatMap((s) => [...toneSamples([697, 1209], 10000, 8000, s, 160)]);
  assert.deepEqual(parts, [...whole]);
});

test('a tone at -10 dB peaks near 10362 and the named frequency dominates', () => {
  const s = toneSamples([400], amplitudeOfDb(10), 8000, 0, 400);
  const peak = Math.max(...s.map(Math.abs));
  assert.ok(peak > 10300 && peak <= 10362, `peak ${peak}`);
  assert.ok(goertzel(s, 400) > 100 * goertzel(s, 1000));
});

const SDP_PCMU = 'm=audio 1 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n';
const SDP_PCMA = 'm=audio 1 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n';
const SDP_G722 = 'm=audio 1 RTP/AVP 9 101\r\na=rtpmap:101 telephone-event/8000\r\n';

function control(sdp: string): StreamControl {
  return {
    call: newSwitches(),
    party: newSwitches(),
    payloadTypes: payloadTypesOfSdp(sdp)[0]!,
    out: newOutputState(),
    lastReportedEvent: -1,
    onDtmf: null,
  };
}

function audio(pt: number, seq: number, ts: number, samples = 160): Buffer {
  const b = Buffer.alloc(12 + samples, 0xff);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq, 2);
  b.writeUInt32BE(ts, 4);
  b.writeUInt32BE(0xabc, 8);
  return b;
}

function event(seq: number, ts: number, ev: number, duration: number, end: boolean): Buffer {
  return buildEventPacket({
    payloadType: 101,
    marker: false,
    seq,
    timestamp: ts,
    ssrc: 0xabc,
    block: { event: ev, end, volume: 10, duration },
  });
}

/** Sends audio (the first marked), one event of 4 progress and 3 end packets, and audio again; returns what is relayed. */
function run(c: StreamControl, samples = 160, startTs = 8000): Buffer[] {
  const out: Buffer[] = [];
  const pt = c.payloadTypes.primary!;
  let seq = 10;
  let ts = startTs;
  const relay = (p: Buffer) => {
    const r = controlPacket(c, p, 'x', 0);
    if (r) out.push(Buffer.from(r));
  };
  for (let i = 0; i < 2; i++, ts += samples) {
    const a = audio(pt, seq++, ts, samples);
    if (i === 0) a[1]! |= 0x80;
    relay(a);
  }
  const evTs = ts;
  for (let k = 1; k <= 7; k++) relay(event(seq++, evTs, 5, Math.min(k, 5) * samples, k >= 5));
  ts += 5 * samples;
  for (let i = 0; i < 2; i++, ts += samples) relay(audio(pt, seq++, ts, samples));
  return out;
}

function decoded(pkt: Buffer, alaw: boolean): number[] {
  return [...pkt.subarray(12)].map(alaw ? alawToLinear : ulawToLinear);
}

// What 10.5 does in each mode is recorded in test/unit/rtp/dtmf-security.test.ts; these check the pieces.

test('tone mode plays the DTMF pair of the event at the volume of the event, not its frequencies; seq and ts contiguous', () => {
  const c = control(SDP_PCMU);
  c.call.blockDtmf = { mode: 'tone', frequencies: [400], volumeDb: 3, digit: 0 };
  const out = run(c);
  assert.equal(out.length, 2 + 5 + 2, 'repeated end packets are dropped');
  assert.ok(
    out.every((p) => p[1] === 0 && p.length === 172),
    'PCMU frames, no marker bit',
  );
  const seqs = out.map((p) => p.readUInt16BE(2));
  const stamps = out.map((p) => p.readUInt32BE(4));
  for (let i = 1; i < out.length; i++) {
    assert.equal(seqs[i], (seqs[i - 1]! + 1) & 0xffff, `seq after ${i}`);
    assert.equal(stamps[i], stamps[i - 1]! + 160, `timestamp after ${i}`);
  }
  const tone = out.slice(2, 7).flatMap((p) => decoded(p, false));
  assert.ok(goertzel(tone, 770) > 50 * goertzel(tone, 400), 'the digit 5, not 400 Hz');
  assert.ok(goertzel(tone, 1336) > 50 * goertzel(tone, 400));
  const expected = toneSamples(dtmfFrequencies(5)!, amplitudeOfDb(10), 8000, 160, 160);
  assert.deepEqual(
    [...out[3]!.subarray(12)],
    [...expected].map(linearToUlaw),
    'second frame: volume 10, phase',
  );
});

test('silence and random modes play the same in-band digit, following the frame size the stream uses', () => {
  for (const mode of ['silence', 'random'] as const) {
    const c = control(SDP_PCMA);
    c.call.blockDtmf = mode;
    const out = run(c, 240);
    assert.ok(
      out.slice(2, 7).every((p) => p.length === 12 + 240 && p[1] === 8),
      mode,
    );
    const t = out.slice(2, 7).flatMap((p) => decoded(p, true));
    const [low, high] = dtmfFrequencies(5)!;
    const other = goertzel(t, 1477);
    assert.ok(goertzel(t, low) > 20 * other && goertzel(t, high) > 20 * other, mode);
  }
});

test('G.722: silence, tone and random drop the event (no encoder for the tone) without renumbering', () => {
  for (const mode of ['silence', 'tone', 'random'] as const) {
    const c = control(SDP_G722);
    c.call.blockDtmf = mode;
    const out = run(c);
    assert.deepEqual(
      out.map((p) => p.readUInt16BE(2)),
      [10, 11, 19, 20],
      mode,
    );
  }
});

test('zero and DTMF modes relay events unchanged and clear audio markers; off drops events like drop', () => {
  for (const mode of ['zero', 'dtmf'] as const) {
    const c = control(SDP_PCMU);
    c.call.blockDtmf = { mode, frequencies: [400], volumeDb: 10, digit: 11 };
    const out = run(c);
    const events = out.filter((p) => (p[1]! & 0x7f) === 101);
    assert.equal(events.length, 7, mode);
    assert.ok(
      events.every((p) => p[12] === 5),
      `${mode}: event kept`,
    );
    assert.equal(out[0]![1], 0, `${mode}: audio marker cleared`);
  }
  for (const mode of ['off', 'drop'] as const) {
    const c = control(SDP_PCMU);
    c.call.blockDtmf = mode;
    const out = run(c);
    assert.equal(out.filter((p) => (p[1]! & 0x7f) === 101).length, 0, mode);
    assert.equal(out[0]![1], 0x80, `${mode}: audio marker kept`);
  }
});

test('block DTMF reads DTMF-security, frequency lists or strings, volume in -dB and digit, with rtpengine defaults', () => {
  const parse = (d: Record<string, NgValue>) =>
    parseMediaControl('block DTMF', 'c', new Keys(d)).dtmfSecurity;
  assert.deepEqual(parse({}), { mode: 'drop', frequencies: [400], volumeDb: 10, digit: 0 });
  assert.deepEqual(
    parse({ 'dtmf-security': 'tone', frequencies: '500, 600', volume: -20 }).frequencies,
    [500, 600],
  );
  assert.equal(parse({ 'dtmf-security': 'tone', volume: -20 }).volumeDb, 20);
  assert.equal(parse({ volume: 99 }).volumeDb, 63);
  assert.deepEqual(parse({ frequency: [700, '800'] }).frequencies, [700, 800]);
  assert.deepEqual(parse({ frequency: 900 }).frequencies, [900]);
  const dtmf = parse({ 'dtmf-security': 'DTMF', digit: '#' });
  assert.deepEqual([dtmf.mode, dtmf.digit], ['dtmf', 11]);
  assert.equal(parse({ 'dtmf-security': 'bogus' }).mode, 'drop');
});
