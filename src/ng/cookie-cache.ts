/**
 * The ng retransmission cache. Kamailio resends a request with the same cookie when a reply is late
 * (`rtpengine_retr` times, every `rtpengine_tout_ms`), so a command must run once and every copy of the
 * request must get the same reply.
 *
 * Like rtpengine, finished replies sit in two generations that are swapped every `generationMs`
 * (default 30 s), so a reply stays 30–60 s. Swaps happen lazily when the cache is touched, against an
 * injectable clock, so there is no timer to stop. Requests still running are tracked apart from the
 * generations and never age out; a duplicate of one waits for its reply.
 *
 * Memory: nothing of a cached reply is on the JS heap (see ReplyGeneration). Its cookie and bytes are copied into
 * 256 KiB chunks outside the heap, and its place is an entry of an open-addressing index in typed arrays, also
 * outside it. Kept as strings in Maps, the cookies of 30-60 s of requests were a third of a busy call thread's heap
 * (at the setup limit its live heap after a full collection went from 14-16 to 9 MB without them): every one
 * survived young collections into the old generation and had to be marked by every full collection.
 * With 30 s generations that is (requests/s × 60 s) entries at most; `maxBytesPerGeneration` (default 64 MiB)
 * caps it: a generation that grows past the cap is swapped early, so the cache never holds much more than twice
 * the cap.
 *
 * Cookies are latin1 strings, one character per byte, as src/ng/frame.ts reads them (so that they are echoed back
 * byte for byte); a cookie with a wider character is not cached (its retransmission would run the command again).
 */

import { SlotTable } from '../heap/slot-table.ts';
import { fnv1a } from '../heap/string-hash.ts';

export interface CookieCacheOptions {
  /** How long one generation lasts. Default 30000 (rtpengine's 30 s). */
  generationMs?: number;
  /** The clock, in milliseconds. Default Date.now. */
  now?: () => number;
  /** Bytes (estimated as above) after which the current generation is swapped early. Default 64 MiB. */
  maxBytesPerGeneration?: number;
}

export type CookieLookup =
  | { state: 'done'; reply: Buffer }
  | { state: 'pending'; wait: Promise<Buffer> }
  | { state: 'absent' };

/** Rejects the duplicates that waited on a request whose command failed without a reply. */
export class CookieFailedError extends Error {
  constructor(cookie: string) {
    super(`ng command for cookie ${cookie} ended without a reply`);
    this.name = 'CookieFailedError';
  }
}

/**
 * The duplicates waiting on a request in flight. Created only when a duplicate asks (a request in flight has
 * `null` until then), so a failure with no one waiting rejects nothing.
 */
interface Waiters {
  promise: Promise<Buffer>;
  resolve: (b: Buffer) => void;
  reject: (e: Error) => void;
}

/** What one entry costs besides its cookie and reply bytes: its slot in the index (at most half full). */
const ENTRY_OVERHEAD_BYTES = 40;
const CHUNK_BYTES = 256 * 1024;
/** Records (cookie and reply) larger than this get an allocation of their own instead of a chunk's tail. */
const LARGEST_CHUNKED_RECORD = CHUNK_BYTES / 4;

/**
 * The index is spread over SHARDS tables, each grown (doubled and rehashed) on its own when half full: one table
 * for a whole generation (30 s of requests, hundreds of thousands of cookies) would copy all of it at each doubling,
 * and the request that crossed 32k, 64k, 128k entries waited 2-22 ms (measured with the Maps this index replaced).
 */
const SHARDS = 64;
const FIRST_SLOTS = 64;
/** Int32s per slot: the cookie's hash, its record's chunk (or EMPTY, DELETED), offset, cookie length, reply length. */
const SLOT = 5;
const EMPTY = -1;
const DELETED = -2;

/** The cookie's hash as the index stores it (an Int32Array slot): the low bits pick the shard, the others the slot. */
function hashOf(cookie: string): number {
  return fnv1a(cookie) | 0;
}

function isLatin1(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0xff) return false;
  return true;
}

function sameCookie(chunk: Buffer, at: number, cookie: string): boolean {
  for (let i = 0; i < cookie.length; i++) if (chunk[at + i] !== cookie.charCodeAt(i)) return false;
  return true;
}

function emptyTable(slots: number): Int32Array {
  return new Int32Array(slots * SLOT).fill(EMPTY);
}

/**
 * One generation of finished replies. Each record (the cookie's bytes, then the reply's) is copied into a chunk,
 * front to back; the index maps a cookie to its record by linear probing. Everything is dropped with the generation.
 */
class ReplyGeneration {
  readonly #tables: Int32Array[] = Array.from({ length: SHARDS }, () => emptyTable(FIRST_SLOTS));
  /** Slots taken per shard, deleted ones included (they still lengthen probes until the next growth). */
  readonly #taken = new Int32Array(SHARDS);
  readonly #chunks: Buffer[] = [];
  #size = 0;
  /** The chunk small records go to, and how far it is filled (full at first, so the first record adds one). */
  #filling = -1;
  #fill = CHUNK_BYTES;
  #bytes = 0;

  get size(): number {
    return this.#size;
  }

  /** Bytes this generation holds, estimated as the header says. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The slot (an index into its shard's table, in slots) holding the cookie, or -1. */
  #find(table: Int32Array, hash: number, cookie: string): number {
    const mask = table.length / SLOT - 1;
    for (let slot = (hash >>> 6) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * SLOT;
      const chunk = table[at + 1] as number;
      if (chunk === EMPTY) return -1;
      if (
        chunk >= 0 &&
        table[at] === hash &&
        table[at + 3] === cookie.length &&
        sameCookie(this.#chunks[chunk] as Buffer, table[at + 2] as number, cookie)
      )
        return slot;
    }
  }

  get(cookie: string): Buffer | undefined {
    const hash = hashOf(cookie);
    const table = this.#tables[hash & (SHARDS - 1)] as Int32Array;
    const slot = this.#find(table, hash, cookie);
    if (slot < 0) return undefined;
    const at = slot * SLOT;
    const start = (table[at + 2] as number) + (table[at + 3] as number);
    return (this.#chunks[table[at + 1] as number] as Buffer).subarray(
      start,
      start + (table[at + 4] as number),
    );
  }

  delete(cookie: string): void {
    const hash = hashOf(cookie);
    const table = this.#tables[hash & (SHARDS - 1)] as Int32Array;
    const slot = this.#find(table, hash, cookie);
    if (slot < 0) return;
    table[slot * SLOT + 1] = DELETED;
    this.#size--;
  }

  /** Copies the reply in; a second reply for the same cookie replaces the first (whose bytes stay until the drop). */
  set(cookie: string, reply: Buffer): void {
    if (!isLatin1(cookie)) return;
    const hash = hashOf(cookie);
    const shard = hash & (SHARDS - 1);
    const { chunk, offset } = this.#copyRecord(cookie, reply);
    let table = this.#tables[shard] as Int32Array;
    let slot = this.#find(table, hash, cookie);
    if (slot < 0) {
      if (2 * ((this.#taken[shard] as number) + 1) > table.length / SLOT) table = this.#grow(shard);
      slot = this.#freeSlot(table, hash);
      if ((table[slot * SLOT + 1] as number) === EMPTY)
        this.#taken[shard] = (this.#taken[shard] as number) + 1;
      this.#size++;
      this.#bytes += ENTRY_OVERHEAD_BYTES;
    }
    const at = slot * SLOT;
    table[at] = hash;
    table[at + 1] = chunk;
    table[at + 2] = offset;
    table[at + 3] = cookie.length;
    table[at + 4] = reply.length;
  }

  /** The first empty or deleted slot on the hash's probe path. */
  #freeSlot(table: Int32Array, hash: number): number {
    const mask = table.length / SLOT - 1;
    let slot = (hash >>> 6) & mask;
    while ((table[slot * SLOT + 1] as number) >= 0) slot = (slot + 1) & mask;
    return slot;
  }

  /** Doubles a shard's table, leaving its deleted slots behind. */
  #grow(shard: number): Int32Array {
    const old = this.#tables[shard] as Int32Array;
    const table = emptyTable((2 * old.length) / SLOT);
    let taken = 0;
    for (let at = 0; at < old.length; at += SLOT) {
      if ((old[at + 1] as number) < 0) continue;
      const to = this.#freeSlot(table, old[at] as number) * SLOT;
      table.set(old.subarray(at, at + SLOT), to);
      taken++;
    }
    this.#tables[shard] = table;
    this.#taken[shard] = taken;
    return table;
  }

  /** Copies the cookie's bytes and then the reply's into a chunk (or a buffer of their own); says where. */
  #copyRecord(cookie: string, reply: Buffer): { chunk: number; offset: number } {
    const length = cookie.length + reply.length;
    if (length > LARGEST_CHUNKED_RECORD) {
      const own = Buffer.allocUnsafeSlow(length);
      own.write(cookie, 0, 'latin1');
      reply.copy(own, cookie.length);
      this.#bytes += length;
      return { chunk: this.#chunks.push(own) - 1, offset: 0 };
    }
    if (this.#fill + length > CHUNK_BYTES) {
      this.#chunks.push(Buffer.allocUnsafeSlow(CHUNK_BYTES));
      this.#fill = 0;
      this.#bytes += CHUNK_BYTES;
      // a large record may sit after the current chunk: new small records go to the newest chunk
      this.#filling = this.#chunks.length - 1;
    }
    const chunk = this.#chunks[this.#filling] as Buffer;
    const offset = this.#fill;
    chunk.write(cookie, offset, 'latin1');
    reply.copy(chunk, offset + cookie.length);
    this.#fill += length;
    return { chunk: this.#filling, offset };
  }
}

export class CookieCache {
  readonly #generationMs: number;
  readonly #now: () => number;
  readonly #maxBytes: number;
  #current = new ReplyGeneration();
  #previous = new ReplyGeneration();
  #swappedAt: number;
  /** Requests in flight: a SlotTable, as a Map would leave a table in the old generation per request. */
  readonly #inFlight = new SlotTable<Waiters | null>();

  constructor(opts: CookieCacheOptions = {}) {
    this.#generationMs = opts.generationMs ?? 30_000;
    this.#now = opts.now ?? Date.now;
    this.#maxBytes = opts.maxBytesPerGeneration ?? 64 * 1024 * 1024;
    this.#swappedAt = this.#now();
  }

  /** Cached replies in both generations plus requests in flight. */
  get size(): number {
    this.#age();
    return this.#current.size + this.#previous.size + this.#inFlight.size;
  }

  lookup(cookie: string): CookieLookup {
    this.#age();
    // undefined: not in flight; null: in flight with nobody waiting yet
    let waiters = this.#inFlight.get(cookie);
    if (waiters !== undefined) {
      if (waiters === null) {
        waiters = deferred();
        this.#inFlight.set(cookie, waiters);
      }
      return { state: 'pending', wait: waiters.promise };
    }
    const reply = this.#current.get(cookie) ?? this.#previous.get(cookie);
    return reply !== undefined ? { state: 'done', reply } : { state: 'absent' };
  }

  /** Marks a cookie's command as running. Throws if it already is: the caller should have looked it up. */
  begin(cookie: string): void {
    if (this.#inFlight.has(cookie)) throw new Error(`ng cookie ${cookie} is already in flight`);
    this.#inFlight.set(cookie, null);
  }

  /** Stores the reply and hands it to every duplicate that waited. */
  complete(cookie: string, reply: Buffer): void {
    this.#age();
    const waiters = this.#inFlight.get(cookie);
    this.#inFlight.delete(cookie);
    this.#store(cookie, reply);
    waiters?.resolve(reply);
  }

  /** The command ended without a reply: waiting duplicates reject, and the cookie is forgotten. */
  fail(cookie: string): void {
    const waiters = this.#inFlight.get(cookie);
    this.#inFlight.delete(cookie);
    this.#current.delete(cookie);
    this.#previous.delete(cookie);
    waiters?.reject(new CookieFailedError(cookie));
  }

  /**
   * Runs `command` once per cookie: a cached reply is returned as is, a duplicate of a running command
   * waits for that command's reply, and otherwise `command` runs and its reply is cached. If `command`
   * throws, the cookie is forgotten (a later retransmission runs it again) and the error propagates.
   */
  async run(cookie: string, command: () => Promise<Buffer>): Promise<{ reply: Buffer; cached: boolean }> {
    const found = this.lookup(cookie);
    if (found.state === 'done') return { reply: found.reply, cached: true };
    if (found.state === 'pending') return { reply: await found.wait, cached: true };
    this.begin(cookie);
    let reply: Buffer;
    try {
      reply = await command();
    } catch (err) {
      this.fail(cookie);
      throw err;
    }
    this.complete(cookie, reply);
    return { reply, cached: false };
  }

  #store(cookie: string, reply: Buffer): void {
    this.#current.set(cookie, reply);
    if (this.#current.bytes > this.#maxBytes) this.#swap();
  }

  #age(): void {
    const elapsed = this.#now() - this.#swappedAt;
    if (elapsed < this.#generationMs) return;
    if (elapsed >= 2 * this.#generationMs) {
      // Both generations are older than their lifetime: nothing survives.
      this.#previous = new ReplyGeneration();
      this.#current = new ReplyGeneration();
    } else {
      this.#swap();
    }
    // Keep swaps on the generation grid so an entry's lifetime stays within 30–60 s however often we look.
    this.#swappedAt += Math.floor(elapsed / this.#generationMs) * this.#generationMs;
  }

  #swap(): void {
    this.#previous = this.#current;
    this.#current = new ReplyGeneration();
  }
}

function deferred(): Waiters {
  let resolve!: (b: Buffer) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Buffer>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
