/**
 * `pierce NAT` (as rtpengine 10.5 does it, seen on the wire): once a second, every stream of the party whose SDP
 * carried the flag sends one 12-byte packet (an RTP header: version 2, payload type 127, sequence 65535,
 * timestamp 0, SSRC 0, no payload) from its own socket to the party's endpoint, so that the party's NAT opens a
 * binding for us before it sends anything. It stops once endpoint learning has confirmed the endpoint.
 *
 * One timer for the whole process, running only while some stream pierces; streams leave the set when
 * confirmed, closed, or no longer flagged.
 */
import type { PacketStream } from '../call/model.ts';

export const PIERCE_PACKET: Buffer = Buffer.from([0x80, 0x7f, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0]);
export const PIERCE_INTERVAL_MS = 1000;

const piercing = new Set<PacketStream>();
let timer: NodeJS.Timeout | null = null;

/** Sends one probe if `s` still needs it; false when it no longer does (it then leaves the set). */
export function pierceOnce(s: PacketStream): boolean {
  const ep = s.endpoint ?? s.advertised;
  if (s.pierceNat !== true || s.confirmed || s.socket === null || ep === null || ep.port === 0) return false;
  try {
    s.socket.send(PIERCE_PACKET, ep.port, ep.address);
  } catch {
    // closed under us (call ending): the next tick drops it
    return false;
  }
  return true;
}

function tick(): void {
  for (const s of piercing) if (!pierceOnce(s)) piercing.delete(s);
  if (piercing.size === 0 && timer !== null) {
    clearInterval(timer);
    timer = null;
  }
}

/** Starts (or keeps) piercing from `s`; the first probe goes out on the next tick. */
export function startPiercing(s: PacketStream): void {
  piercing.add(s);
  if (timer === null) {
    timer = setInterval(tick, PIERCE_INTERVAL_MS);
    timer.unref();
  }
}
