/**
 * What the ng media control commands (block/silence media, block DTMF, play DTMF) change on the packet path.
 * The call actor keeps a StreamControl on each controlled RTP stream; `controlPacket` runs per packet inside the
 * socket handler (no mailbox) and decides: drop, relay as is, or relay rewritten (silence payload, renumbered
 * sequence, DTMF-security replacement). It also reports the DTMF events it sees.
 */

import { type DtmfEventBlock, payloadOffset, readEventBlock } from './rfc4733.ts';
import { silenceByte } from './silence.ts';

/** `DTMF-security` modes that need no codec engine. */
export type DtmfSecurity = 'drop' | 'silence' | 'zero' | 'random';

/** One level of switches: the whole call's, or one party's (rtpengine keeps them apart). */
export interface MediaSwitches {
  blockMedia: boolean;
  silenceMedia: boolean;
  /** null = DTMF passes. */
  blockDtmf: DtmfSecurity | null;
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
}

export function newOutputState(): OutputState {
  return { seqOffset: 0, lastSeq: 0, lastTimestamp: 0, ssrc: 0, lastAt: 0, seen: false, injecting: false };
}

function dtmfReplacement(
  c: StreamControl,
  mode: DtmfSecurity,
  pkt: Buffer,
  off: number,
  random: () => number,
): Buffer | null {
  switch (mode) {
    case 'drop':
      return null;
    case 'zero':
      pkt[off] = 0;
      return pkt;
    case 'random':
      pkt[off] = Math.floor(random() * 16) & 0x0f;
      return pkt;
    case 'silence': {
      // the event becomes one frame of silence in the primary codec, when that codec has a silence payload
      const pt = c.payloadTypes.primary;
      const codec = pt === null ? undefined : c.payloadTypes.byType.get(pt);
      const fill = codec ? silenceByte(codec.encoding) : null;
      if (pt === null || !codec || fill === null) return null;
      const frame = Buffer.alloc(12 + (codec.clockRate * 20) / 1000, fill);
      pkt.copy(frame, 0, 0, 12);
      frame[0] = 0x80;
      frame[1] = (pkt[1]! & 0x80) | pt;
      return frame;
    }
  }
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
  random: () => number = Math.random,
): Buffer | null {
  const off = payloadOffset(pkt);
  if (off < 0) return pkt;
  const pt = pkt[1]! & 0x7f;
  let out: Buffer | null = pkt;
  if (c.payloadTypes.dtmf.has(pt)) {
    const block = readEventBlock(pkt);
    const ts = pkt.readUInt32BE(4);
    if (block?.end && ts !== c.lastReportedEvent) {
      c.lastReportedEvent = ts;
      c.onDtmf?.({
        block,
        clockRate: c.payloadTypes.byType.get(pt)?.clockRate ?? 8000,
        sourceAddress,
      });
    }
    const mode = c.call.blockDtmf ?? c.party.blockDtmf;
    if (mode !== null && block) out = dtmfReplacement(c, mode, pkt, off, random);
    // rtpengine drops blocked events without renumbering the stream: so do we
    if (out === null) return null;
  } else {
    if (c.call.blockMedia || c.party.blockMedia) return null;
    if (c.out.injecting) {
      c.out.seqOffset--;
      return null;
    }
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
