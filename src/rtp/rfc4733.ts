/**
 * RFC 4733 telephone-event payloads: reading the 4-byte event block of a relayed packet, and building the packets
 * of an injected event. Pure functions over Buffers.
 *
 * Event block: event (8 bits) | E (1) R (1) volume (6) | duration (16, in timestamp units).
 */

export interface DtmfEventBlock {
  event: number;
  end: boolean;
  /** -dBm0, 0..63. */
  volume: number;
  /** In RTP timestamp units. */
  duration: number;
}

export const RTP_HEADER = 12;

/** The offset of an RTP packet's payload (after CSRCs and a header extension), or -1 when malformed. */
export function payloadOffset(pkt: Buffer): number {
  if (pkt.length < RTP_HEADER || pkt[0]! >> 6 !== 2) return -1;
  let off = RTP_HEADER + (pkt[0]! & 0x0f) * 4;
  if (pkt[0]! & 0x10) {
    if (pkt.length < off + 4) return -1;
    off += 4 + pkt.readUInt16BE(off + 2) * 4;
  }
  return off <= pkt.length ? off : -1;
}

/** The event block of a telephone-event packet, or null when it is too short. */
export function readEventBlock(pkt: Buffer): DtmfEventBlock | null {
  const off = payloadOffset(pkt);
  if (off < 0 || pkt.length < off + 4) return null;
  const b = pkt[off + 1]!;
  return { event: pkt[off]!, end: (b & 0x80) !== 0, volume: b & 0x3f, duration: pkt.readUInt16BE(off + 2) };
}

/** `code` / `digit` of `play DTMF`: 0-15 as a number or a numeric string, or one of 0-9 * # A-D. */
export function dtmfCode(v: string | number): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && v >= 0 && v <= 15 ? v : null;
  if (/^\d+$/.test(v)) {
    const n = Number.parseInt(v, 10);
    // rtpengine reads a numeric string as a number, so "12" is event 12 (C), not the digits 1 and 2
    return n <= 15 ? n : null;
  }
  if (v.length !== 1) return null;
  const i = '*#ABCD'.indexOf(v);
  return i >= 0 ? 10 + i : null;
}

export interface EventPacketFields {
  payloadType: number;
  marker: boolean;
  seq: number;
  timestamp: number;
  ssrc: number;
  block: DtmfEventBlock;
}

/** One telephone-event packet (no CSRC, no extension). */
export function buildEventPacket(f: EventPacketFields): Buffer {
  const b = Buffer.alloc(RTP_HEADER + 4);
  b[0] = 0x80;
  b[1] = (f.marker ? 0x80 : 0) | (f.payloadType & 0x7f);
  b.writeUInt16BE(f.seq & 0xffff, 2);
  b.writeUInt32BE(f.timestamp >>> 0, 4);
  b.writeUInt32BE(f.ssrc >>> 0, 8);
  b[12] = f.block.event;
  b[13] = (f.block.end ? 0x80 : 0) | (f.block.volume & 0x3f);
  b.writeUInt16BE(Math.min(f.block.duration, 0xffff), 14);
  return b;
}

export interface EventPlan {
  /** Durations (timestamp units) of the packets in sending order; the last three are the end packets. */
  durations: number[];
  /** How many of them are end packets (always the last three). */
  endPackets: 3;
}

/**
 * The packets of one event of `durationMs`, one per `frameMs`: as rtpengine 10.5 sends them, the progress
 * packets count whole frames up to the duration rounded up, and the three end packets carry one frame more.
 */
export function planEvent(durationMs: number, clockRate: number, frameMs = 20): EventPlan {
  const frame = (clockRate * frameMs) / 1000;
  const frames = Math.max(1, Math.ceil(durationMs / frameMs));
  const durations: number[] = [];
  for (let k = 1; k <= frames; k++) durations.push(k * frame);
  const end = (frames + 1) * frame;
  durations.push(end, end, end);
  return { durations, endPackets: 3 };
}
