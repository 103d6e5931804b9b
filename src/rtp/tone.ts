/**
 * Audio for the DTMF-security modes that replace an event with sound: sine samples (single tones and the DTMF
 * frequency pairs) and the G.711 µ-law / A-law codecs (ITU-T G.711, segment encoding as in the classic
 * reference implementation). Pure functions: no state outside their arguments.
 */

/** Low and high frequency (Hz) of RFC 4733 events 0-15: digits 0-9, then *, #, A, B, C, D. */
const DTMF_PAIRS: readonly (readonly [number, number])[] = [
  [941, 1336],
  [697, 1209],
  [697, 1336],
  [697, 1477],
  [770, 1209],
  [770, 1336],
  [770, 1477],
  [852, 1209],
  [852, 1336],
  [852, 1477],
  [941, 1209],
  [941, 1477],
  [697, 1633],
  [770, 1633],
  [852, 1633],
  [941, 1633],
];

/** The two frequencies of a DTMF event (0-15), or null for events that are no DTMF digit. */
export function dtmfFrequencies(event: number): readonly [number, number] | null {
  return DTMF_PAIRS[event] ?? null;
}

/** Peak amplitude of a level in dB below full scale (0 dB = 32767). */
export function amplitudeOfDb(db: number): number {
  return 32767 * 10 ** (-Math.abs(db) / 20);
}

/**
 * `count` samples of the sum of sines at `frequencies`, starting `startSample` samples after the tone began:
 * a frame computed from its absolute position joins the previous one without a phase jump. The components share
 * `peak` equally so their sum never clips.
 */
export function toneSamples(
  frequencies: readonly number[],
  peak: number,
  sampleRate: number,
  startSample: number,
  count: number,
): Int16Array {
  const out = new Int16Array(count);
  if (frequencies.length === 0) return out;
  const each = peak / frequencies.length;
  for (let i = 0; i < count; i++) {
    const n = startSample + i;
    let v = 0;
    for (const f of frequencies) v += Math.sin((2 * Math.PI * f * (n % sampleRate)) / sampleRate);
    out[i] = Math.max(-32768, Math.min(32767, Math.round(v * each)));
  }
  return out;
}

const ULAW_BIAS = 0x84;
const ULAW_CLIP = 32635;

export function linearToUlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.trunc(sample)));
  const sign = s < 0 ? 0x80 : 0;
  if (sign) s = -s;
  s = Math.min(s, ULAW_CLIP) + ULAW_BIAS;
  const exponent = Math.floor(Math.log2(s)) - 7;
  const mantissa = (s >> (exponent + 3)) & 0x0f;
  return ~(sign | (exponent << 4) | mantissa) & 0xff;
}

export function ulawToLinear(byte: number): number {
  const u = ~byte & 0xff;
  const t = (((u & 0x0f) << 3) + ULAW_BIAS) << ((u >> 4) & 0x07);
  return u & 0x80 ? ULAW_BIAS - t : t - ULAW_BIAS;
}

/** Upper bounds of the A-law segments, on the 13-bit magnitude. */
const ALAW_SEGMENT_END = [0x1f, 0x3f, 0x7f, 0xff, 0x1ff, 0x3ff, 0x7ff, 0xfff];

export function linearToAlaw(sample: number): number {
  let s = Math.max(-32768, Math.min(32767, Math.trunc(sample))) >> 3;
  let mask = 0xd5;
  if (s < 0) {
    mask = 0x55;
    s = -s - 1;
  }
  const segment = ALAW_SEGMENT_END.findIndex((end) => s <= end);
  if (segment < 0) return 0x7f ^ mask;
  const quant = segment < 2 ? (s >> 1) & 0x0f : (s >> segment) & 0x0f;
  return ((segment << 4) | quant) ^ mask;
}

export function alawToLinear(byte: number): number {
  const a = byte ^ 0x55;
  const segment = (a & 0x70) >> 4;
  let t = (a & 0x0f) << 4;
  if (segment === 0) t += 8;
  else t = (t + 0x108) << (segment - 1);
  return a & 0x80 ? t : -t;
}

/** The G.711 encoder of an encoding name (any case), or null for other codecs. */
export function g711Encoder(encoding: string): ((sample: number) => number) | null {
  switch (encoding.toUpperCase()) {
    case 'PCMU':
      return linearToUlaw;
    case 'PCMA':
      return linearToAlaw;
    default:
      return null;
  }
}

/** Encodes samples into a G.711 payload written at `target[offset..]`. */
export function encodeInto(
  samples: Int16Array,
  encode: (sample: number) => number,
  target: Buffer,
  offset: number,
): void {
  for (let i = 0; i < samples.length; i++) target[offset + i] = encode(samples[i]!);
}
