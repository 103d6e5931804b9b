/**
 * The media port range (`--port-min`..`--port-max`) as even/odd pairs: RTP on the even port, RTCP on the next.
 * Pure bookkeeping; binding happens elsewhere. Allocation goes round-robin through the range so that a port just
 * released is not handed out again at once (late packets of the old call would land in the new one).
 *
 * The bookkeeping lives in one buffer that may be a SharedArrayBuffer: with `--num-threads` above 1 every call
 * thread has its own PortPool over the same shared buffer, and a pair is claimed with an atomic compare-and-swap,
 * so two threads never hand out the same port and "Ran out of ports" means the whole range is used. Each pair
 * records which pool (thread) claimed it, so the pairs of a thread that died can be taken back (`releaseOwner`).
 */

/** Bytes before the per-pair flags: one Int32 counting the pairs in use. */
const HEADER = 4;

function evenMin(portMin: number): number {
  return portMin % 2 === 0 ? portMin : portMin + 1;
}

function pairsIn(portMin: number, portMax: number): number {
  return Math.max(0, Math.floor((portMax - evenMin(portMin) + 1) / 2));
}

/** A buffer for `new PortPool(min, max, buffer)` that call threads share. */
export function sharedPortBuffer(portMin: number, portMax: number): SharedArrayBuffer {
  return new SharedArrayBuffer(HEADER + pairsIn(portMin, portMax));
}

export class PortPool {
  readonly #min: number;
  readonly #pairs: number;
  /** 0 = free, else the owner that claimed the pair; claimed and freed with Atomics (shared or not). */
  readonly #used: Uint8Array;
  readonly #inUse: Int32Array;
  readonly #owner: number;
  #cursor = 0;

  /** `owner` (1-255) marks this pool's pairs in a shared buffer. */
  constructor(portMin: number, portMax: number, buffer?: SharedArrayBuffer, owner = 1) {
    if (!Number.isInteger(owner) || owner < 1 || owner > 255)
      throw new RangeError(`bad port pool owner ${owner}`);
    this.#owner = owner;
    this.#min = evenMin(portMin);
    this.#pairs = pairsIn(portMin, portMax);
    const backing = buffer ?? new ArrayBuffer(HEADER + this.#pairs);
    if (backing.byteLength !== HEADER + this.#pairs)
      throw new RangeError(
        `port pool buffer of ${backing.byteLength} bytes does not fit ${portMin}-${portMax}`,
      );
    this.#inUse = new Int32Array(backing, 0, 1);
    this.#used = new Uint8Array(backing, HEADER, this.#pairs);
  }

  get capacity(): number {
    return this.#pairs;
  }

  get inUse(): number {
    return Atomics.load(this.#inUse, 0);
  }

  get free(): number {
    return this.#pairs - this.inUse;
  }

  /** Claims the next free pair and returns its RTP (even) port, or null when the range is exhausted. */
  allocate(): number | null {
    for (let i = 0; i < this.#pairs; i++) {
      const idx = (this.#cursor + i) % this.#pairs;
      if (this.#used[idx] === 0 && Atomics.compareExchange(this.#used, idx, 0, this.#owner) === 0) {
        Atomics.add(this.#inUse, 0, 1);
        this.#cursor = (idx + 1) % this.#pairs;
        return this.#min + idx * 2;
      }
    }
    return null;
  }

  release(rtpPort: number): void {
    const idx = (rtpPort - this.#min) / 2;
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.#pairs) return;
    if (Atomics.compareExchange(this.#used, idx, this.#owner, 0) === this.#owner)
      Atomics.sub(this.#inUse, 0, 1);
  }

  /** Frees every pair `owner` holds in a shared buffer (its thread is gone); returns how many. */
  static releaseOwner(buffer: SharedArrayBuffer, owner: number): number {
    const used = new Uint8Array(buffer, HEADER);
    const inUse = new Int32Array(buffer, 0, 1);
    let n = 0;
    for (let i = 0; i < used.length; i++)
      if (Atomics.compareExchange(used, i, owner, 0) === owner) {
        Atomics.sub(inUse, 0, 1);
        n++;
      }
    return n;
  }

  isUsed(rtpPort: number): boolean {
    const idx = (rtpPort - this.#min) / 2;
    return Number.isInteger(idx) && idx >= 0 && idx < this.#pairs && Atomics.load(this.#used, idx) !== 0;
  }
}
