/**
 * A string-keyed table for the daemon's long-lived indexes whose entries come and go with every request or call
 * (requests in flight, the registry's calls): open addressing over two plain arrays that are reused, not
 * reallocated, as entries churn.
 *
 * Why not a Map: V8 rehashes a Map's table into a new one whenever deletions shrink it or leave it full of deleted
 * entries, and a Map that has lived through two young collections gets those new tables straight in the old
 * generation. Under setup load that was most of what filled the call threads' old generation between full
 * collections (a sampling heap profile of offer+answer+delete: the in-flight cookies' Map.delete 459 B per setup,
 * nact's and the registry's 460 B more, every byte of it surviving young collections). Here a deletion leaves a
 * tombstone that a later insertion reuses; the arrays are rebuilt in place (through a short-lived copy) when
 * tombstones fill half of them, and replaced by larger ones only when the live entries outgrow a quarter.
 */

import { fnv1a } from './string-hash.ts';

const GONE = Symbol('deleted slot');
type Slot = string | undefined | typeof GONE;

export class SlotTable<V> {
  #keys: Slot[];
  #values: (V | undefined)[];
  #mask: number;
  #size = 0;
  /** Slots not empty: live entries and tombstones. */
  #taken = 0;

  constructor(initialSlots = 16) {
    let slots = 8;
    while (slots < initialSlots) slots *= 2;
    this.#keys = new Array<Slot>(slots).fill(undefined);
    this.#values = new Array<V | undefined>(slots).fill(undefined);
    this.#mask = slots - 1;
  }

  get size(): number {
    return this.#size;
  }

  /** How many slots the arrays hold (for tests: churn must not grow them). */
  get slots(): number {
    return this.#keys.length;
  }

  has(key: string): boolean {
    return this.#find(key) >= 0;
  }

  get(key: string): V | undefined {
    const i = this.#find(key);
    return i < 0 ? undefined : this.#values[i];
  }

  set(key: string, value: V): void {
    const found = this.#find(key);
    if (found >= 0) {
      this.#values[found] = value;
      return;
    }
    if (2 * (this.#taken + 1) > this.#keys.length)
      this.#rebuild(4 * (this.#size + 1) > this.#keys.length ? 2 * this.#keys.length : this.#keys.length);
    let i = fnv1a(key) & this.#mask;
    for (;;) {
      const k = this.#keys[i];
      if (k === undefined || k === GONE) {
        if (k === undefined) this.#taken++;
        break;
      }
      i = (i + 1) & this.#mask;
    }
    this.#keys[i] = key;
    this.#values[i] = value;
    this.#size++;
  }

  delete(key: string): boolean {
    const i = this.#find(key);
    if (i < 0) return false;
    this.#keys[i] = GONE;
    this.#values[i] = undefined;
    this.#size--;
    return true;
  }

  /** The values, in slot order. A deletion meanwhile is safe; a set may rebuild the arrays, so snapshot first. */
  *values(): IterableIterator<V> {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i];
      if (k !== undefined && k !== GONE) yield this.#values[i] as V;
    }
  }

  #find(key: string): number {
    const keys = this.#keys;
    for (let i = fnv1a(key) & this.#mask; ; i = (i + 1) & this.#mask) {
      const k = keys[i];
      if (k === undefined) return -1;
      if (k === key) return i;
    }
  }

  /** Re-inserts the live entries into `slots` slots: the same arrays when the size stays, new ones to grow. */
  #rebuild(slots: number): void {
    const liveKeys: string[] = [];
    const liveValues: (V | undefined)[] = [];
    for (let i = 0; i < this.#keys.length; i++) {
      const k = this.#keys[i];
      if (k !== undefined && k !== GONE) {
        liveKeys.push(k);
        liveValues.push(this.#values[i]);
      }
    }
    if (slots === this.#keys.length) {
      this.#keys.fill(undefined);
      this.#values.fill(undefined);
    } else {
      this.#keys = new Array<Slot>(slots).fill(undefined);
      this.#values = new Array<V | undefined>(slots).fill(undefined);
      this.#mask = slots - 1;
    }
    this.#taken = liveKeys.length;
    for (let j = 0; j < liveKeys.length; j++) {
      const key = liveKeys[j] as string;
      let i = fnv1a(key) & this.#mask;
      while (this.#keys[i] !== undefined) i = (i + 1) & this.#mask;
      this.#keys[i] = key;
      this.#values[i] = liveValues[j];
    }
  }
}
