/**
 * What the ng media control commands (block/silence media, block DTMF, play DTMF) change on the packet path.
 * The call actor keeps a StreamControl on each controlled RTP stream; `controlPacket` runs per packet inside the
 * socket handler (no mailbox) and decides: drop, relay as is, or relay rewritten (silence payload, renumbered
 * sequence, DTMF-security replacement). It also reports the DTMF events it sees.
 *
 * DTMF-security on a plain passthrough call, as rtpengine 10.5 does it on the wire (test/tools/probe-dtmf-security.ts):
 * - `drop` and `off` drop the events; nothing is renumbered, audio passes untouched;
 * - every other mode puts the stream through 10.5's G.711 transcoder: audio loses its marker bits;
 * - `zero` and `DTMF` then relay the events unchanged (their options only act where 10.5 really transcodes);
 * - `silence`, `tone` and `random` turn each event into in-band DTMF of its own digit at its own volume, one audio
 *   frame per new event duration, the repeated end packets taken out of the sequence; `frequencies`, `volume`
 *   and the randomness are not used there either;
 * - `DTMF-delay` delays nothing on a passthrough stream, but makes `zero` and `DTMF` do what `silence` does
 *   (test/tools/probe-delay-buffer.ts).
 */

import { type DtmfTriggerState, noteDigit } from './dtmf-trigger.ts';
import { type DtmfEventBlock, payloadOffset, readEventBlock } from './rfc4733.ts';
import { silenceByte } from './silence.ts';
import { amplitudeOfDb, dtmfFrequencies, encodeInto, g711Encoder, toneSamples } from './tone.ts';

/** `DTMF-security` modes (`off` lets events through although the block stays set). */
export type DtmfSecurity = 'drop' | 'silence' | 'tone' | 'zero' | 'random' | 'dtmf' | 'off';

/**
 * A `block DTMF` with the options of its mode. 10.5 ignores `frequencies`, `volumeDb` and `digit` on passthrough
 * streams (the only ones we relay); they are kept as parsed for where it transcodes.
 */
export interface DtmfBlock {
  mode: DtmfSecurity;
  /** `tone`: one frequency per event, taken in turn. */
  frequencies: readonly number[];
  /** dB below full scale (0-63) of the `tone` and `random` audio. */
  volumeDb: number;
  /** `DTMF`: the event every blocked event becomes. */
  digit: number;
  /** `DTMF-delay` ms given with the block (0 or absent: none). */
  dtmfDelayMs?: number;
}

/** rtpengine 10.5's defaults: a 400 Hz tone at -10 dB. */
export const DTMF_BLOCK_DEFAULTS: Readonly<Omit<DtmfBlock, 'mode'>> = {
  frequencies: [400],
  volumeDb: 10,
  digit: 0,
};

function blockOf(v: DtmfSecurity | DtmfBlock): DtmfBlock {
  return typeof v === 'string' ? { mode: v, ...DTMF_BLOCK_DEFAULTS } : v;
}

/** One level of switches: the whole call's, or one party's (rtpengine keeps them apart). */
export interface MediaSwitches {
  blockMedia: boolean;
  silenceMedia: boolean;
  /** null = DTMF passes. A bare mode takes DTMF_BLOCK_DEFAULTS. */
  blockDtmf: DtmfSecurity | DtmfBlock | null;
  /** A party's `block DTMF` trigger, watched on its RFC 4733 events (never on the call-wide switches). */
  trigger?: DtmfTriggerState | null;
  /**
   * `delay-buffer` ms, set only by a `block DTMF` that gives it (0 takes it off; `unblock DTMF`, other blocks
   * and re-INVITEs keep it, as 10.5 does). Delays the party's media (the whole call's: both directions).
   */
  delayMs?: number;
}

export function newSwitches(): MediaSwitches {
  return { blockMedia: false, silenceMedia: false, blockDtmf: null };
}

/** The payload types one m= line uses, from its SDP. */
export interface PayloadTypes {
  /** Encoding name (upper case) and clock rate by payload type. */
  byType: Map<number, { encoding: string; clockRate: number }>;
  /** telephone-event payload types. */
  dtmf: Set<number>;
  /** The first audio payload type of the m= line (silence replaces a DTMF packet with it). */
  primary: number | null;
}

/** A DTMF event seen on the stream, reported once, on its first end packet. */
export interface SeenDtmf {
  block: DtmfEventBlock;
  clockRate: number;
  sourceAddress: string;
}

/** Where the stream's outgoing numbering stands: relayed and injected packets share one sequence. */
export interface OutputState {
  /** Added to the sequence number of every relayed packet (injected packets push it up, dropped ones down). */
  seqOffset: number;
  /** The last packet sent on: its sequence number (after the offset), timestamp, SSRC and when (ms). */
  lastSeq: number;
  lastTimestamp: number;
  ssrc: number;
  lastAt: number;
  /** Any packet seen yet (else an injection makes up its own SSRC and numbering). */
  seen: boolean;
  /** An injected event is playing: the party's own audio is held back meanwhile, as rtpengine does. */
  injecting: boolean;
}

export interface StreamControl {
  call: MediaSwitches;
  party: MediaSwitches;
  payloadTypes: PayloadTypes;
  out: OutputState;
  /** The RTP timestamp of the last event reported (a sender repeats end packets). */
  lastReportedEvent: number;
  onDtmf: ((seen: SeenDtmf) => void) | null;
  /** Made on first use: what replacing events with audio needs to remember. */
  replacement?: ReplacementState;
  /** RTP timestamp of the last event seen starting (a trigger counts each event once). */
  lastEventStart?: number;
  /** `play DTMF` as in-band tones, when the stream has no telephone-event type (see dtmf-inject.ts). */
  inband?: InbandTone | null;
}

/** A tone written over the party's own audio frames, frame by frame, as rtpengine 10.5 does. */
export interface InbandTone {
  frequencies: readonly number[];
  peak: number;
  /** Samples of tone still to write; then `pauseSamples` of the party's audio pass untouched. */
  remaining: number;
  pauseSamples: number;
  /** Samples written so far: the phase of the next frame. */
  written: number;
  /** Called once the tone and its pause are over (the next queued digit starts then). */
  done: () => void;
}

/** The stream's audio frames, and the event being replaced by audio. */
export interface ReplacementState {
  /** Payload type and samples per frame of the last G.711 frame relayed (null: none seen yet). */
  audioType: number | null;
  frameSamples: number;
  /** RTP timestamp of the event being replaced, and the duration of its last packet replaced. */
  eventTimestamp: number;
  lastDuration: number;
}

/** 20 ms at 8 kHz: the frame size until the stream's own frames show another. */
const DEFAULT_FRAME_SAMPLES = 160;

function replacementOf(c: StreamControl): ReplacementState {
  c.replacement ??= {
    audioType: null,
    frameSamples: DEFAULT_FRAME_SAMPLES,
    eventTimestamp: -1,
    lastDuration: -1,
  };
  return c.replacement;
}

/** Payload sizes are G.711 sample counts (one byte a sample), so the frames seen give the ptime. */
function noteAudioFrame(c: StreamControl, pkt: Buffer, off: number, pt: number): void {
  const codec = c.payloadTypes.byType.get(pt);
  if (!codec || g711Encoder(codec.encoding) === null) return;
  const padding = pkt[0]! & 0x20 ? (pkt[pkt.length - 1] ?? 0) : 0;
  const samples = pkt.length - off - padding;
  if (samples <= 0) return;
  const r = replacementOf(c);
  r.audioType = pt;
  r.frameSamples = samples;
}

/**
 * The event packet as one G.711 frame of the stream's audio type carrying the event's own DTMF pair at the
 * event's volume (what 10.5's transcoder plays), or undefined when the stream has no G.711 audio type. Each new
 * event duration yields the frame that ends there, so the frames follow the stream's timestamps (the tone's
 * phase counts from the event's start); a repeated end packet yields null and is taken out of the numbering.
 */
function audioReplacement(c: StreamControl, event: DtmfEventBlock, pkt: Buffer): Buffer | null | undefined {
  const r = replacementOf(c);
  const pt = r.audioType ?? c.payloadTypes.primary;
  const codec = pt === null ? undefined : c.payloadTypes.byType.get(pt);
  const encode = codec ? g711Encoder(codec.encoding) : null;
  if (pt === null || !codec || encode === null) return undefined;
  const ts = pkt.readUInt32BE(4);
  if (ts !== r.eventTimestamp) {
    r.eventTimestamp = ts;
    r.lastDuration = -1;
  }
  if (event.duration <= r.lastDuration) {
    c.out.seqOffset--;
    return null;
  }
  r.lastDuration = event.duration;
  const n = r.frameSamples;
  const start = Math.max(0, event.duration - n);
  const frame = Buffer.alloc(12 + n);
  pkt.copy(frame, 0, 0, 12);
  frame[0] = 0x80;
  frame[1] = pt;
  frame.writeUInt32BE((ts + start) >>> 0, 4);
  // events 16 and up have no DTMF pair: their frames are silence
  const pair = dtmfFrequencies(event.event) ?? [];
  const samples = toneSamples(pair, amplitudeOfDb(event.volume), codec.clockRate, start, n);
  encodeInto(samples, encode, frame, 12);
  return frame;
}

export function newOutputState(): OutputState {
  return { seqOffset: 0, lastSeq: 0, lastTimestamp: 0, ssrc: 0, lastAt: 0, seen: false, injecting: false };
}

/** What a blocked event packet becomes: itself, a G.711 frame, or null (dropped). */
function dtmfReplacement(
  c: StreamControl,
  block: DtmfBlock,
  event: DtmfEventBlock,
  pkt: Buffer,
): Buffer | null {
  switch (block.mode) {
    case 'off':
    case 'drop':
      return null;
    case 'zero':
    case 'dtmf':
      // with a DTMF delay 10.5 plays the event in-band as `silence` does (and delays nothing)
      return (block.dtmfDelayMs ?? 0) > 0 ? (audioReplacement(c, event, pkt) ?? null) : pkt;
    case 'silence':
    case 'tone':
    case 'random':
      // without a G.711 audio type there is no encoder here for what 10.5 would play: the event is dropped
      return audioReplacement(c, event, pkt) ?? null;
  }
}

/** The modes that make 10.5 put a passthrough stream through its transcoder (which drops audio marker bits). */
function transcodes(mode: DtmfSecurity): boolean {
  return mode !== 'drop' && mode !== 'off';
}

function watchTrigger(party: MediaSwitches, digit: number, nowMs: number): void {
  const t = party.trigger;
  if (!t) return;
  const action = noteDigit(t, digit, nowMs, () => {
    party.blockDtmf = null;
  });
  if (action?.kind === 'on') party.blockDtmf = action.mode;
  else if (action?.kind === 'off') party.blockDtmf = null;
}

/** Writes the next frame of an in-band tone over a G.711 audio frame (other codecs pass untouched). */
function writeInband(c: StreamControl, t: InbandTone, pkt: Buffer, off: number, pt: number): void {
  const codec = c.payloadTypes.byType.get(pt);
  const encode = codec ? g711Encoder(codec.encoding) : null;
  if (!codec || encode === null) return;
  const padding = pkt[0]! & 0x20 ? (pkt[pkt.length - 1] ?? 0) : 0;
  const n = pkt.length - off - padding;
  if (n <= 0) return;
  if (t.remaining > 0) {
    encodeInto(toneSamples(t.frequencies, t.peak, codec.clockRate, t.written, n), encode, pkt, off);
    t.written += n;
    t.remaining -= n;
    return;
  }
  t.pauseSamples -= n;
  if (t.pauseSamples > 0) return;
  c.inband = null;
  t.done();
}

/**
 * Returns the packet to relay (possibly `pkt` rewritten in place, or a new buffer) or null to drop it.
 * Never throws on malformed input: what is not RTP version 2 goes through untouched.
 */
export function controlPacket(
  c: StreamControl,
  pkt: Buffer,
  sourceAddress: string,
  nowMs: number,
): Buffer | null {
  const off = payloadOffset(pkt);
  if (off < 0) return pkt;
  const pt = pkt[1]! & 0x7f;
  let out: Buffer | null = pkt;
  const blocked = c.call.blockDtmf ?? c.party.blockDtmf;
  const block = blocked === null ? null : blockOf(blocked);
  const mode = block === null ? null : block.mode;
  if (c.payloadTypes.dtmf.has(pt)) {
    const event = readEventBlock(pkt);
    const ts = pkt.readUInt32BE(4);
    if (event?.end && ts !== c.lastReportedEvent) {
      c.lastReportedEvent = ts;
      c.onDtmf?.({
        block: event,
        clockRate: c.payloadTypes.byType.get(pt)?.clockRate ?? 8000,
        sourceAddress,
      });
    }
    if (block !== null && event) out = dtmfReplacement(c, block, event, pkt);
    // the packet took the mode in force; a trigger completed by its event switches from the next one on
    if (event && ts !== c.lastEventStart) {
      c.lastEventStart = ts;
      watchTrigger(c.party, event.event, nowMs);
    }
    // rtpengine drops blocked events without renumbering the stream: so do we
    if (out === null) return null;
  } else {
    if (c.call.blockMedia || c.party.blockMedia) return null;
    noteAudioFrame(c, pkt, off, pt);
    if (c.out.injecting) {
      c.out.seqOffset--;
      return null;
    }
    if (c.inband) writeInband(c, c.inband, pkt, off, pt);
    if (mode !== null && transcodes(mode)) pkt[1] = pt;
    if (c.call.silenceMedia || c.party.silenceMedia) {
      const fill = silenceByte(c.payloadTypes.byType.get(pt)?.encoding ?? '');
      if (fill !== null) pkt.fill(fill, off);
    }
  }
  const o = c.out;
  if (o.seqOffset !== 0) out.writeUInt16BE((out.readUInt16BE(2) + o.seqOffset) & 0xffff, 2);
  o.lastSeq = out.readUInt16BE(2);
  o.lastTimestamp = out.readUInt32BE(4);
  o.ssrc = out.readUInt32BE(8);
  o.lastAt = nowMs;
  o.seen = true;
  return out;
}
