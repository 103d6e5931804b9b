/**
 * What the relay thread and its links say to each other, and the pure helpers both sides share. A link is one
 * thread's handle on the relay thread (the thread that owns the call's sockets); each link has its own
 * MessagePort and its own counter table in shared memory, written only by the relay thread.
 */
import type { MessagePort } from 'node:worker_threads';

/** One direction of a forwarded pair: packets from `source` received on one socket leave by the other to `dest`. */
export interface LegSpec {
  /** The link's counter slot of this leg (also how the relay thread names it when handing a packet back). */
  slot: number;
  /** sockaddr_in / sockaddr_in6 of the party whose packets are forwarded. */
  source: Uint8Array;
  /** sockaddr of the other party, where they go. */
  dest: Uint8Array;
  /** Unix ms: the first packet from `source` at or after it is handed back (learning confirms with it); 0 = never. */
  confirmAtMs: number;
}

/** From a link to the relay thread. */
export type ToRelayThread =
  /** `fdA`/`fdB` are dup()s owned by the relay thread from now on: it closes them on `remove`. */
  | { op: 'add'; link: number; fdA: number; fdB: number; a: LegSpec; b: LegSpec }
  /** `slotA` names the pair (its leg a). */
  | { op: 'remove'; link: number; slotA: number };

/** From the main thread to the relay thread, on its control port. */
export type RelayControl =
  | { op: 'link'; link: number; port: MessagePort; counters: SharedArrayBuffer }
  /** The link's thread is gone: every pair it added is removed. */
  | { op: 'drop-link'; link: number }
  | { op: 'stop' };

/** From the relay thread to a link: a packet the relay thread does not forward itself. */
export interface HandedBack {
  op: 'packet';
  slot: number;
  packet: Uint8Array;
  address: string;
  port: number;
  family: 'IPv4' | 'IPv6';
}

/** From the relay thread to the main thread. */
export type RelayStatus = { op: 'ready' } | { op: 'stopped' };

/** What the main thread hands a thread so that it can open its link (structured-clonable, port transferable). */
export interface RelayLinkData {
  link: number;
  port: MessagePort;
  counters: SharedArrayBuffer;
  /** The relay thread's eventfd: a write wakes it to read its ports. */
  wakeFd: number;
}

/** Float64 per slot: packets, bytes, last packet (Unix ms). */
export const COUNTER_FIELDS = 3;
/** Slots per link: a leg per local port at most, and a port range holds at most 65,536 ports. */
export const SLOTS_PER_LINK = 65_536;

export function counterBuffer(): SharedArrayBuffer {
  return new SharedArrayBuffer(SLOTS_PER_LINK * COUNTER_FIELDS * Float64Array.BYTES_PER_ELEMENT);
}

/**
 * Whether a received sockaddr (its first `length` bytes) is `expected`: family, port and address; an IPv6
 * address's scope id too, not its flow label.
 */
export function sameSockaddr(received: Uint8Array, length: number, expected: Uint8Array): boolean {
  if (length !== expected.length) return false;
  for (let i = 0; i < 4; i++) if (received[i] !== expected[i]) return false;
  const from = length === 16 ? 4 : 8;
  const to = length === 16 ? 8 : 28;
  for (let i = from; i < to; i++) if (received[i] !== expected[i]) return false;
  return true;
}
