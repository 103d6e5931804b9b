/**
 * `delay-buffer`: a stream's packets leave a fixed number of milliseconds after they arrived, in arrival order,
 * unchanged (what rtpengine 10.5 does on a passthrough stream once `block DTMF` set a delay buffer on it; see
 * test/integration/delay-buffer.test.ts for what was observed).
 *
 * `DelayQueue` is the pure part: a bounded FIFO of items with their due times. `DelayLine` drives one queue with
 * a single timer, always armed for the head of the queue, so a stream costs one timer however many packets wait.
 */

/** Enough for 20 s of 20 ms frames: a sender that floods a delayed stream loses packets, not memory. */
export const DELAY_QUEUE_CAPACITY = 1024;

/** A bounded FIFO of items, each with the time it is due. Due times never go back: the order is kept. */
export class DelayQueue<T> {
  readonly capacity: number;
  #items: (T | undefined)[] = [];
  #due: number[] = [];
  #head = 0;
  #size = 0;
  #lastDue = Number.NEGATIVE_INFINITY;

  constructor(capacity = DELAY_QUEUE_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`bad capacity ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#size;
  }

  /**
   * Queues `item` for `dueMs`, or later if an earlier item is due later (a shortened delay must not overtake
   * packets already waiting). Returns false, keeping nothing, when the queue is full.
   */
  push(item: T, dueMs: number): boolean {
    if (this.#size === this.capacity) return false;
    if (this.#size === this.#items.length) this.#grow();
    const due = Math.max(dueMs, this.#lastDue);
    const at = (this.#head + this.#size) % this.#items.length;
    this.#items[at] = item;
    this.#due[at] = due;
    this.#size++;
    this.#lastDue = due;
    return true;
  }

  /** When the head is due, or undefined when empty. */
  nextDue(): number | undefined {
    return this.#size === 0 ? undefined : this.#due[this.#head];
  }

  /** Removes and hands over, in order, every item due at or before `nowMs`; returns how many. */
  popDue(nowMs: number, take: (item: T) => void): number {
    let n = 0;
    while (this.#size > 0 && (this.#due[this.#head] ?? 0) <= nowMs) {
      take(this.#shift());
      n++;
    }
    return n;
  }

  /** Removes and hands over every item, in order, whenever due. */
  drain(take: (item: T) => void): void {
    while (this.#size > 0) take(this.#shift());
  }

  clear(): void {
    this.#items = [];
    this.#due = [];
    this.#head = 0;
    this.#size = 0;
    this.#lastDue = Number.NEGATIVE_INFINITY;
  }

  #shift(): T {
    const at = this.#head;
    const item = this.#items[at] as T;
    this.#items[at] = undefined;
    this.#head = (at + 1) % this.#items.length;
    this.#size--;
    if (this.#size === 0) this.#head = 0;
    return item;
  }

  /** Doubles the ring (up to the capacity), unrolling it so the head is at 0. */
  #grow(): void {
    const len = this.#items.length;
    const next = Math.min(this.capacity, Math.max(16, len * 2));
    const items: (T | undefined)[] = new Array(next);
    const due: number[] = new Array(next).fill(0);
    for (let i = 0; i < this.#size; i++) {
      items[i] = this.#items[(this.#head + i) % len];
      due[i] = this.#due[(this.#head + i) % len] ?? 0;
    }
    this.#items = items;
    this.#due = due;
    this.#head = 0;
  }
}

/** The clock and timer a DelayLine runs on (tests give a fake one). */
export interface DelayClock {
  now(): number;
  setTimer(fn: () => void, ms: number): unknown;
  clearTimer(handle: unknown): void;
}

export const systemClock: DelayClock = {
  now: () => performance.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    // a waiting packet must not keep a stopping daemon alive
    t.unref();
    return t;
  },
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

/**
 * Node's timers fire on whole milliseconds and can come up to 1 ms before the fractional due time: what is due
 * within that millisecond goes out with this firing instead of costing another timer.
 */
const TIMER_SLACK_MS = 1;

/** One stream's delay: packets pushed now are delivered `delayMs` later, in order, by one timer. */
export class DelayLine<T> {
  #delayMs: number;
  readonly #queue: DelayQueue<T>;
  readonly #deliver: (item: T) => void;
  readonly #clock: DelayClock;
  #timer: unknown = null;
  #timerDue = 0;
  #closed = false;

  /** `deliver` must not throw: a throw would strand the packets behind the one that failed. */
  constructor(
    delayMs: number,
    deliver: (item: T) => void,
    clock: DelayClock = systemClock,
    capacity = DELAY_QUEUE_CAPACITY,
  ) {
    this.#delayMs = Math.max(0, delayMs);
    this.#deliver = deliver;
    this.#clock = clock;
    this.#queue = new DelayQueue<T>(capacity);
  }

  get delayMs(): number {
    return this.#delayMs;
  }

  get pending(): number {
    return this.#queue.size;
  }

  /** A new delay applies to packets pushed from now on; those waiting keep their time (and their order). */
  setDelay(ms: number): void {
    this.#delayMs = Math.max(0, ms);
  }

  /** Queues an item; false when the line is full or closed (the item is dropped). */
  push(item: T): boolean {
    if (this.#closed) return false;
    const due = this.#clock.now() + this.#delayMs;
    if (!this.#queue.push(item, due)) return false;
    if (this.#timer === null) this.#arm();
    return true;
  }

  /** Delivers everything still waiting right away (the delay was taken off: nothing is lost or reordered). */
  flush(): void {
    this.#disarm();
    this.#queue.drain(this.#deliver);
  }

  /** Drops everything waiting and stops the timer for good (the stream closed or the call ended). */
  close(): void {
    this.#closed = true;
    this.#disarm();
    this.#queue.clear();
  }

  #arm(): void {
    const due = this.#queue.nextDue();
    if (due === undefined) return;
    this.#timerDue = due;
    this.#timer = this.#clock.setTimer(() => this.#fire(), Math.max(0, Math.ceil(due - this.#clock.now())));
  }

  #disarm(): void {
    if (this.#timer !== null) this.#clock.clearTimer(this.#timer);
    this.#timer = null;
  }

  #fire(): void {
    this.#timer = null;
    if (this.#closed) return;
    const now = Math.max(this.#clock.now(), this.#timerDue);
    this.#queue.popDue(now + TIMER_SLACK_MS, this.#deliver);
    this.#arm();
  }
}
