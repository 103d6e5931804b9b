/**
 * The media port range (`--port-min`..`--port-max`) as even/odd pairs: RTP on the even port, RTCP on the next.
 * Pure bookkeeping; binding happens elsewhere. Allocation goes round-robin through the range so that a port just
 * released is not handed out again at once (late packets of the old call would land in the new one).
 */
export class PortPool {
  readonly #min: number;
  readonly #pairs: number;
  readonly #used: Uint8Array;
  #cursor = 0;
  #inUse = 0;

  constructor(portMin: number, portMax: number) {
    const min = portMin % 2 === 0 ? portMin : portMin + 1;
    this.#min = min;
    this.#pairs = Math.max(0, Math.floor((portMax - min + 1) / 2));
    this.#used = new Uint8Array(this.#pairs);
  }

  get capacity(): number {
    return this.#pairs;
  }

  get inUse(): number {
    return this.#inUse;
  }

  get free(): number {
    return this.#pairs - this.#inUse;
  }

  /** Claims the next free pair and returns its RTP (even) port, or null when the range is exhausted. */
  allocate(): number | null {
    for (let i = 0; i < this.#pairs; i++) {
      const idx = (this.#cursor + i) % this.#pairs;
      if (this.#used[idx] === 0) {
        this.#used[idx] = 1;
        this.#inUse++;
        this.#cursor = (idx + 1) % this.#pairs;
        return this.#min + idx * 2;
      }
    }
    return null;
  }

  release(rtpPort: number): void {
    const idx = (rtpPort - this.#min) / 2;
    if (!Number.isInteger(idx) || idx < 0 || idx >= this.#pairs) return;
    if (this.#used[idx] === 1) {
      this.#used[idx] = 0;
      this.#inUse--;
    }
  }

  isUsed(rtpPort: number): boolean {
    const idx = (rtpPort - this.#min) / 2;
    return Number.isInteger(idx) && idx >= 0 && idx < this.#pairs && this.#used[idx] === 1;
  }
}
