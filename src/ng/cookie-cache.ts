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
 * Memory: each cached reply costs its bytes (kept off the JS heap, see #store), plus the cookie string (~cookie
 * length + 16 B), plus about 100 B of Map entry. With 30 s generations that is (requests/s × 60 s) entries at most;
 * `maxBytesPerGeneration` (default 64 MiB) caps it: a generation that grows past the cap is swapped early,
 * so the cache never holds much more than twice the cap.
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

const ENTRY_OVERHEAD_BYTES = 128;

export class CookieCache {
  readonly #generationMs: number;
  readonly #now: () => number;
  readonly #maxBytes: number;
  #current = new Map<string, Buffer>();
  #previous = new Map<string, Buffer>();
  #currentBytes = 0;
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

  #store(cookie: string, replyBytes: Buffer): void {
    // Each reply gets its own exact-size allocation outside the JS heap: a small Buffer is usually a slice of
    // Node's 8 KiB pool (keeping thousands of slices would keep thousands of slabs alive), and a string would
    // sit on the heap, where every young-generation collection copies it again until it is promoted (the
    // cache is nothing but survivors: a third of a setup's GC time when replies were strings).
    // A reply that already owns exactly its memory (encodeNgReply's bencode replies do) is kept as it is.
    const ownsItsMemory = replyBytes.byteOffset === 0 && replyBytes.buffer.byteLength === replyBytes.length;
    const reply = ownsItsMemory ? replyBytes : Buffer.allocUnsafeSlow(replyBytes.length);
    if (!ownsItsMemory) replyBytes.copy(reply);
    const previousCopy = this.#current.get(cookie);
    if (previousCopy !== undefined) this.#currentBytes -= entryBytes(cookie, previousCopy);
    this.#current.set(cookie, reply);
    this.#currentBytes += entryBytes(cookie, reply);
    if (this.#currentBytes > this.#maxBytes) this.#swap();
  }

  #age(): void {
    const elapsed = this.#now() - this.#swappedAt;
    if (elapsed < this.#generationMs) return;
    if (elapsed >= 2 * this.#generationMs) {
      // Both generations are older than their lifetime: nothing survives.
      this.#previous = new Map();
      this.#current = new Map();
      this.#currentBytes = 0;
    } else {
      this.#swap();
    }
    // Keep swaps on the generation grid so an entry's lifetime stays within 30–60 s however often we look.
    this.#swappedAt += Math.floor(elapsed / this.#generationMs) * this.#generationMs;
  }

  #swap(): void {
    this.#previous = this.#current;
    this.#current = new Map();
    this.#currentBytes = 0;
  }
}

function entryBytes(cookie: string, reply: Buffer): number {
  return reply.length + cookie.length + ENTRY_OVERHEAD_BYTES;
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
