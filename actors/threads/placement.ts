/**
 * Which call thread a call lives in. A call-id hashes to a thread (`threadOf`), and a call stays there unless, when
 * its first offer arrives, that thread has `threshold` or more UDP requests in flight than the least busy thread:
 * then the call goes to the least busy one, and only those calls are remembered here. Placing by hash alone left
 * one thread queueing while the other idled (32 requests in flight spread over two threads by call-id): placing a
 * new call on the idle thread gave 10-28% more setups/s, a 15-30% lower p90 and a 3-31% lower p99 under the
 * bench's load (alternated pairs, this rule and its prototype); at low load every call still lives where its call-id
 * hashes.
 *
 * A remembered call is forgotten when its thread reports that it ended (`ended`). The report says how many
 * messages the thread had received by then, and a call that a later message routed there again (the same call-id
 * offered anew) is kept: messages reach a thread in the order they were sent.
 */

import { callIdHash } from '../calls/registry.ts';

/** The thread a call-id hashes to (high bits: the low ones already pick the call's shard inside the thread). */
export function threadOf(callId: string, threads: number): number {
  return (callIdHash(callId) >>> 16) % threads;
}

interface Placed {
  thread: number;
  /** The number of the last message routed to that thread for this call (see `sent`). */
  lastMessage: number;
}

export class CallPlacement {
  readonly #placed = new Map<string, Placed>();
  readonly #sent: number[];

  /**
   * `inFlight[i]`: thread i's UDP requests not answered yet (the main thread adds, the thread subtracts: shared
   * memory); `hashed` is the thread a call-id hashes to.
   */
  constructor(
    private readonly inFlight: Int32Array,
    private readonly hashed: (callId: string) => number,
    private readonly threshold = 3,
  ) {
    this.#sent = Array.from({ length: inFlight.length }, () => 0);
  }

  get threads(): number {
    return this.inFlight.length;
  }

  /** Calls placed away from their hashed thread and not known to have ended. */
  get remembered(): number {
    return this.#placed.size;
  }

  /** The thread that holds (or would hold) this call now. */
  ownerOf(callId: string): number {
    return this.#placed.get(callId)?.thread ?? this.hashed(callId);
  }

  /** Where a request goes: its call's thread, or for an offer of a call no thread is known to hold, the choice above. */
  route(callId: string, command: string | null): number {
    const placed = this.#placed.get(callId);
    if (placed) return placed.thread;
    const hashed = this.hashed(callId);
    if (command !== 'offer') return hashed;
    let idlest = hashed;
    for (let i = 0; i < this.threads; i++)
      if (Atomics.load(this.inFlight, i) < Atomics.load(this.inFlight, idlest)) idlest = i;
    if (Atomics.load(this.inFlight, hashed) - Atomics.load(this.inFlight, idlest) < this.threshold)
      return hashed;
    this.#placed.set(callId, { thread: idlest, lastMessage: 0 });
    return idlest;
  }

  /**
   * Counts a message the main thread sends to `thread` (every kind: the thread counts what it receives the same
   * way), and notes it as the latest one for `callId`'s placement, if that call was placed.
   */
  sent(thread: number, callId: string | null): void {
    const n = (this.#sent[thread] as number) + 1;
    this.#sent[thread] = n;
    if (callId === null) return;
    const placed = this.#placed.get(callId);
    if (placed && placed.thread === thread) placed.lastMessage = n;
  }

  /** A UDP request went to `thread` (the thread calls `requestAnswered` when it has replied). */
  requestSent(thread: number): void {
    Atomics.add(this.inFlight, thread, 1);
  }

  /** One of `thread`'s UDP requests was answered (what the thread itself does with `requestAnswered`). */
  answered(thread: number): void {
    requestAnswered(this.inFlight, thread);
  }

  /** `thread` reports calls that ended after it had received `received` messages. */
  ended(thread: number, callIds: readonly string[], received: number): void {
    for (const callId of callIds) {
      const placed = this.#placed.get(callId);
      if (placed && placed.thread === thread && placed.lastMessage <= received) this.#placed.delete(callId);
    }
  }

  /** A thread died: its calls are gone, and its successor starts with nothing in flight and nothing received. */
  threadGone(thread: number): void {
    for (const [callId, placed] of this.#placed) if (placed.thread === thread) this.#placed.delete(callId);
    Atomics.store(this.inFlight, thread, 0);
    this.#sent[thread] = 0;
  }
}

/** The call thread's side: its count of UDP requests in flight goes down as it answers one. */
export function requestAnswered(inFlight: Int32Array, thread: number): void {
  Atomics.sub(inFlight, thread, 1);
}
