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
 * Memory: replies are copied into 256 KiB chunks outside the JS heap (see ReplyGeneration), so a cached reply costs
 * its bytes, the cookie string (~cookie length + 16 B) and a Map entry whose value is a small integer: no per-reply
 * Buffer or ArrayBuffer, which at thousands of requests a second were most of what survived each young-generation
 * collection and made V8 count ever more external memory. With 30 s generations that is (requests/s × 60 s)
 * entries at most; `maxBytesPerGeneration` (default 64 MiB) caps it: a generation that grows past the cap is
 * swapped early, so the cache never holds much more than twice the cap.
 */

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

interface InFlight {
  /** Created only when a duplicate asks, so a failure with no one waiting rejects nothing. */
  waiters: { promise: Promise<Buffer>; resolve: (b: Buffer) => void; reject: (e: Error) => void } | null;
}

/** What one entry costs besides its reply bytes and cookie: the Map entry and its place in the location table. */
const ENTRY_OVERHEAD_BYTES = 48;
const CHUNK_BYTES = 256 * 1024;
/** Replies larger than this get an allocation of their own instead of a chunk's tail. */
const LARGEST_CHUNKED_REPLY = CHUNK_BYTES / 4;

/**
 * The Maps and location blocks one generation is spread over. A single Map holding a generation (30 s of requests:
 * hundreds of thousands of cookies) rehashed all of it each time it doubled, and a single location table was copied
 * whole each time it grew: the request that crossed 32k, 64k, 128k entries waited 2-8, 2-3, 8-22 ms (measured
 * filling a generation with 400k cookies), and a CPU profile of the slowest 1% of requests under 3,000 setups/s put
 * the cache's `set` at 7% of their samples against 0.2% overall. Spread over 64 Maps and fixed blocks, each rehash
 * is a 64th of that, and nothing is copied.
 */
const SHARDS = 64;
const BLOCK_ENTRIES = 4096;

/** The shard a cookie's entry lives in: a cheap string hash, the same for the same cookie. */
function shardOf(cookie: string): number {
  let h = 0;
  for (let i = 0; i < cookie.length; i++) h = (Math.imul(h, 31) + cookie.charCodeAt(i)) | 0;
  return h & (SHARDS - 1);
}

/**
 * One generation of finished replies: cookie → entry number (in one of SHARDS Maps), and per entry where its bytes
 * are (chunk, offset, length, in fixed blocks of BLOCK_ENTRIES entries). Chunks are filled front to back and
 * dropped with the generation.
 */
class ReplyGeneration {
  readonly #entries = Array.from({ length: SHARDS }, () => new Map<string, number>());
  readonly #chunks: Buffer[] = [];
  readonly #location: Int32Array[] = [];
  #count = 0;
  #size = 0;
  /** The chunk small replies go to, and how far it is filled (full at first, so the first reply adds one). */
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

  get(cookie: string): Buffer | undefined {
    const entry = (this.#entries[shardOf(cookie)] as Map<string, number>).get(cookie);
    if (entry === undefined) return undefined;
    const block = this.#location[Math.floor(entry / BLOCK_ENTRIES)] as Int32Array;
    const at = 3 * (entry % BLOCK_ENTRIES);
    const chunk = this.#chunks[block[at] as number] as Buffer;
    const offset = block[at + 1] as number;
    return chunk.subarray(offset, offset + (block[at + 2] as number));
  }

  delete(cookie: string): void {
    if ((this.#entries[shardOf(cookie)] as Map<string, number>).delete(cookie)) this.#size--;
  }

  /** Copies the reply in; a second reply for the same cookie replaces the first (whose bytes stay until the drop). */
  set(cookie: string, reply: Buffer): void {
    const length = reply.length;
    let chunkIndex: number;
    let offset: number;
    if (length > LARGEST_CHUNKED_REPLY) {
      const own = Buffer.allocUnsafeSlow(length);
      reply.copy(own);
      chunkIndex = this.#chunks.push(own) - 1;
      offset = 0;
      this.#bytes += length;
    } else {
      if (this.#fill + length > CHUNK_BYTES) {
        this.#chunks.push(Buffer.allocUnsafeSlow(CHUNK_BYTES));
        this.#fill = 0;
        this.#bytes += CHUNK_BYTES;
        // a large reply may sit after the current chunk: new small replies go to the newest chunk
        this.#filling = this.#chunks.length - 1;
      }
      chunkIndex = this.#filling;
      offset = this.#fill;
      reply.copy(this.#chunks[chunkIndex] as Buffer, offset);
      this.#fill += length;
    }
    const entry = this.#count++;
    if (entry % BLOCK_ENTRIES === 0) this.#location.push(new Int32Array(3 * BLOCK_ENTRIES));
    const block = this.#location[this.#location.length - 1] as Int32Array;
    const at = 3 * (entry % BLOCK_ENTRIES);
    block[at] = chunkIndex;
    block[at + 1] = offset;
    block[at + 2] = length;
    const shard = this.#entries[shardOf(cookie)] as Map<string, number>;
    if (!shard.has(cookie)) this.#size++;
    shard.set(cookie, entry);
    this.#bytes += cookie.length + ENTRY_OVERHEAD_BYTES;
  }
}

export class CookieCache {
  readonly #generationMs: number;
  readonly #now: () => number;
  readonly #maxBytes: number;
  #current = new ReplyGeneration();
  #previous = new ReplyGeneration();
  #swappedAt: number;
  readonly #inFlight = new Map<string, InFlight>();

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
    const running = this.#inFlight.get(cookie);
    if (running) {
      if (!running.waiters) running.waiters = deferred();
      return { state: 'pending', wait: running.waiters.promise };
    }
    const reply = this.#current.get(cookie) ?? this.#previous.get(cookie);
    return reply !== undefined ? { state: 'done', reply } : { state: 'absent' };
  }

  /** Marks a cookie's command as running. Throws if it already is: the caller should have looked it up. */
  begin(cookie: string): void {
    if (this.#inFlight.has(cookie)) throw new Error(`ng cookie ${cookie} is already in flight`);
    this.#inFlight.set(cookie, { waiters: null });
  }

  /** Stores the reply and hands it to every duplicate that waited. */
  complete(cookie: string, reply: Buffer): void {
    this.#age();
    const running = this.#inFlight.get(cookie);
    this.#inFlight.delete(cookie);
    this.#store(cookie, reply);
    running?.waiters?.resolve(reply);
  }

  /** The command ended without a reply: waiting duplicates reject, and the cookie is forgotten. */
  fail(cookie: string): void {
    const running = this.#inFlight.get(cookie);
    this.#inFlight.delete(cookie);
    this.#current.delete(cookie);
    this.#previous.delete(cookie);
    running?.waiters?.reject(new CookieFailedError(cookie));
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

function deferred(): NonNullable<InFlight['waiters']> {
  let resolve!: (b: Buffer) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<Buffer>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}
