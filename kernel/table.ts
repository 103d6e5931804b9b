/**
 * The driver of one instance's kernel table: which stream pairs are forwarded in the kernel, their marks, and
 * their counters. Changes queued in one event-loop turn go to the kernel as one transaction; counters are read
 * with one listing per family in use. The singleton actor (actors/singletons/kernel-table.ts) owns one of these;
 * it is usable without actors too (tests, benchmarks).
 */
import type { Family } from '../src/ng/request.ts';
import { NftContext } from './libnftables.ts';
import {
  addDirectionsScript,
  createTableScript,
  deleteTableScript,
  type HostPort,
  type KernelDirection,
  listCountersScript,
  MAX_SLOT,
  markOf,
  parseCounterListing,
  removeDirectionsScript,
} from './ruleset.ts';

/** One party of a forwarded stream. */
export interface KernelLeg {
  /** The daemon's id of the stream that receives this party's packets: its counters are published under it. */
  streamId: string;
  /** The party's learned (confirmed) endpoint: only packets from it are forwarded. */
  endpoint: HostPort;
  /** Our address and port this party sends to. */
  local: HostPort;
}

/**
 * A stream forwarded both ways: packets from a.endpoint to a.local leave from b.local to b.endpoint, and
 * packets from b.endpoint to b.local leave from a.local to a.endpoint. RTP and RTCP are two pairs.
 */
export interface KernelStreamPair {
  /** Unique in the daemon; installing the same id again replaces the pair. */
  pairId: string;
  callId: string;
  family: Family;
  a: KernelLeg;
  b: KernelLeg;
}

/** What the kernel forwarded for one leg since the pair was installed. */
export interface KernelStreamCounters {
  readonly pairId: string;
  packets: number;
  /** UDP payload bytes, as the userspace relay counts them (the kernel's IP and UDP headers taken off). */
  bytes: number;
  /** Unix ms at which a counter read first saw this leg's packets grow; 0 = no packet yet. */
  lastPacketMs: number;
}

/** Keyed by KernelLeg.streamId; the rest of the daemon reads it without messages. */
export type KernelCounterTable = ReadonlyMap<string, Readonly<KernelStreamCounters>>;

export type ChangeResult = { ok: true } | { ok: false; error: string };

/** The part of NftContext the driver uses (a fake stands in for it in unit tests). */
export interface NftRunner {
  run(script: string): string;
  close(): void;
}

interface Installed {
  pair: KernelStreamPair;
  /** [a -> b, b -> a]; null only while a batch is being planned. */
  directions: [KernelDirection, KernelDirection] | null;
}

type Op =
  | { kind: 'install'; pair: KernelStreamPair; done: (r: ChangeResult) => void }
  | { kind: 'remove'; pairId: string; done: (r: ChangeResult) => void }
  | { kind: 'remove-call'; callId: string; done: (removed: number) => void };

const HEADER_BYTES: Record<Family, number> = { IP4: 28, IP6: 48 };

const fwdKeyOf = (family: Family, from: HostPort, to: HostPort) =>
  `${family} ${from.address} ${from.port} ${to.address} ${to.port}`;

/** How long changes are gathered into one transaction. */
const BATCH_WINDOW_MS = 5;

export class KernelTable {
  readonly #nft: NftRunner;
  /** Listings run on their own context: nft keeps the elements it listed cached, which slows later changes. */
  readonly #reader: NftRunner;
  readonly #now: () => number;
  readonly #installed = new Map<string, Installed>();
  /** Forwarding key -> pairId: a key belongs to one pair at a time. */
  readonly #keys = new Map<string, string>();
  readonly #byMark = new Map<number, { pairId: string; leg: 'a' | 'b' }>();
  readonly #counters = new Map<string, KernelStreamCounters>();
  readonly #freeSlots: number[] = [];
  #nextSlot = 1;
  #queue: Op[] = [];
  #scheduled = false;
  #closed = false;

  private constructor(
    readonly table: number,
    nft: NftRunner,
    reader: NftRunner,
    now: () => number,
  ) {
    this.#nft = nft;
    this.#reader = reader;
    this.#now = now;
  }

  /**
   * Creates table N (a leftover one is flushed first). Throws NftUnavailableError (no libnftables) or
   * NftCommandError (no privileges, no nf_tables) with nft's message.
   */
  static open(
    table: number,
    opts: { nft?: NftRunner; reader?: NftRunner; now?: () => number } = {},
  ): KernelTable {
    const nft = opts.nft ?? NftContext.open();
    let reader: NftRunner | undefined;
    try {
      nft.run(createTableScript(table));
      reader = opts.reader ?? (opts.nft ? opts.nft : NftContext.open());
    } catch (e) {
      nft.close();
      throw e;
    }
    return new KernelTable(table, nft, reader, opts.now ?? Date.now);
  }

  get counters(): KernelCounterTable {
    return this.#counters;
  }

  get size(): number {
    return this.#installed.size;
  }

  has(pairId: string): boolean {
    return this.#installed.has(pairId);
  }

  install(pair: KernelStreamPair): Promise<ChangeResult> {
    return new Promise((done) => this.#enqueue({ kind: 'install', pair, done }));
  }

  /** Removing a pair that is not installed succeeds (there is nothing to undo). */
  remove(pairId: string): Promise<ChangeResult> {
    return new Promise((done) => this.#enqueue({ kind: 'remove', pairId, done }));
  }

  /** Resolves with the number of pairs removed. */
  removeCall(callId: string): Promise<number> {
    return new Promise((done) => this.#enqueue({ kind: 'remove-call', callId, done }));
  }

  #enqueue(op: Op): void {
    if (this.#closed) {
      if (op.kind === 'remove-call') op.done(0);
      else op.done(op.kind === 'remove' ? { ok: true } : { ok: false, error: 'kernel table closed' });
      return;
    }
    this.#queue.push(op);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // Changes come from many call actors, one per event-loop turn (each actor message is its own turn), and a
    // lone change costs milliseconds in a full table (libnftables refetches its cache): gather a few turns.
    setTimeout(() => this.flush(), BATCH_WINDOW_MS);
  }

  /** Applies everything queued as one transaction (normally run by itself at the end of the event-loop turn). */
  flush(): void {
    this.#scheduled = false;
    const ops = this.#queue;
    this.#queue = [];
    if (ops.length === 0) return;
    if (this.#apply(ops) === null) return;
    // One bad change must not sink the others: apply them one by one and report each.
    for (const op of ops) {
      const error = this.#apply([op]);
      if (error === null) continue;
      if (op.kind === 'remove-call') op.done(0);
      else op.done({ ok: false, error });
    }
  }

  /** Returns nft's error when it refused the batch (then nothing was applied and nothing answered), else null. */
  #apply(ops: Op[]): string | null {
    const draft = new Map(this.#installed);
    const keys = new Map(this.#keys);
    const answers: (() => void)[] = [];
    const drop = (pairId: string) => {
      const old = draft.get(pairId);
      if (!old) return false;
      draft.delete(pairId);
      for (const d of old.directions ?? []) keys.delete(fwdKeyOf(d.family, d.source, d.local));
      return true;
    };
    let slotsWanted = 0;
    const slotsInUse = this.#nextSlot - 1 - this.#freeSlots.length;
    for (const op of ops) {
      if (op.kind === 'install') {
        const problem = validate(op.pair);
        if (problem) {
          answers.push(() => op.done({ ok: false, error: problem }));
          continue;
        }
        if (slotsInUse + slotsWanted + 2 > MAX_SLOT) {
          answers.push(() => op.done({ ok: false, error: 'kernel table full' }));
          continue;
        }
        drop(op.pair.pairId);
        const { a, b, family } = op.pair;
        for (const k of [fwdKeyOf(family, a.endpoint, a.local), fwdKeyOf(family, b.endpoint, b.local)]) {
          // A reused port whose old pair was never removed: the newest pair owns the key.
          const owner = keys.get(k);
          if (owner !== undefined) drop(owner);
        }
        draft.set(op.pair.pairId, { pair: op.pair, directions: null });
        keys.set(fwdKeyOf(family, a.endpoint, a.local), op.pair.pairId);
        keys.set(fwdKeyOf(family, b.endpoint, b.local), op.pair.pairId);
        slotsWanted += 2;
        answers.push(() => op.done({ ok: true }));
      } else if (op.kind === 'remove') {
        drop(op.pairId);
        answers.push(() => op.done({ ok: true }));
      } else {
        let n = 0;
        for (const [id, e] of draft) if (e.pair.callId === op.callId && drop(id)) n++;
        answers.push(() => op.done(n));
      }
    }
    const removed = [...this.#installed.values()].filter((e) => draft.get(e.pair.pairId) !== e);
    const added = [...draft.values()].filter((e) => this.#installed.get(e.pair.pairId) !== e);
    const newSlots: number[] = [];
    const takeSlot = () => {
      const s = this.#freeSlots.pop() ?? this.#nextSlot++;
      newSlots.push(s);
      return s;
    };
    for (const e of added)
      e.directions = directionsOf(e.pair, markOf(this.table, takeSlot()), markOf(this.table, takeSlot()));
    const script =
      removeDirectionsScript(
        this.table,
        removed.flatMap((e) => e.directions ?? []),
      ) +
      addDirectionsScript(
        this.table,
        added.flatMap((e) => e.directions ?? []),
      );
    if (script !== '') {
      try {
        this.#nft.run(script);
      } catch (e) {
        for (const s of newSlots) this.#freeSlots.push(s);
        return (e as Error).message;
      }
    }
    for (const e of removed) {
      for (const d of e.directions ?? []) {
        this.#byMark.delete(d.mark);
        this.#freeSlots.push(d.mark & MAX_SLOT);
      }
      this.#counters.delete(e.pair.a.streamId);
      this.#counters.delete(e.pair.b.streamId);
    }
    for (const e of added) {
      if (!e.directions) continue;
      this.#byMark.set(e.directions[0].mark, { pairId: e.pair.pairId, leg: 'a' });
      this.#byMark.set(e.directions[1].mark, { pairId: e.pair.pairId, leg: 'b' });
      for (const leg of [e.pair.a, e.pair.b])
        this.#counters.set(leg.streamId, { pairId: e.pair.pairId, packets: 0, bytes: 0, lastPacketMs: 0 });
    }
    this.#installed.clear();
    for (const [k, e] of draft) this.#installed.set(k, e);
    this.#keys.clear();
    for (const [k, id] of keys) this.#keys.set(k, id);
    for (const answer of answers) answer();
    return null;
  }

  /**
   * Reads every counter (one listing per family in use) into `counters`. Throws NftCommandError when the
   * listing fails (the table was removed under us).
   */
  readCounters(): KernelCounterTable {
    if (this.#closed) return this.#counters;
    const families = new Set<Family>();
    for (const e of this.#installed.values()) families.add(e.pair.family);
    const now = this.#now();
    for (const family of families) {
      const listing = parseCounterListing(this.#reader.run(listCountersScript(this.table, family)));
      for (const [mark, c] of listing) {
        const owner = this.#byMark.get(mark);
        const e = owner && this.#installed.get(owner.pairId);
        if (!owner || !e) continue;
        const counters = this.#counters.get(e.pair[owner.leg].streamId);
        if (!counters) continue;
        if (c.packets > counters.packets) counters.lastPacketMs = now;
        counters.packets = c.packets;
        counters.bytes = Math.max(0, c.bytes - c.packets * HEADER_BYTES[family]);
      }
    }
    return this.#counters;
  }

  /** Removes the table from the kernel and frees the context; queued changes are answered as failed. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const op of this.#queue) {
      if (op.kind === 'remove-call') op.done(0);
      else op.done(op.kind === 'remove' ? { ok: true } : { ok: false, error: 'kernel table closed' });
    }
    this.#queue = [];
    try {
      this.#nft.run(deleteTableScript(this.table));
    } finally {
      this.#nft.close();
      if (this.#reader !== this.#nft) this.#reader.close();
      this.#installed.clear();
      this.#keys.clear();
      this.#byMark.clear();
      this.#counters.clear();
    }
  }
}

function directionsOf(p: KernelStreamPair, markA: number, markB: number): [KernelDirection, KernelDirection] {
  return [
    {
      mark: markA,
      family: p.family,
      source: p.a.endpoint,
      local: p.a.local,
      egress: p.b.local,
      destination: p.b.endpoint,
    },
    {
      mark: markB,
      family: p.family,
      source: p.b.endpoint,
      local: p.b.local,
      egress: p.a.local,
      destination: p.a.endpoint,
    },
  ];
}

/** Checks a pair before it reaches the script generator (which would throw in the middle of a batch). */
function validate(p: KernelStreamPair): string | null {
  try {
    // The generator validates every address and port; a dry run on a throwaway mark is the single source of truth.
    addDirectionsScript(0, directionsOf(p, markOf(0, 1), markOf(0, 2)));
  } catch (e) {
    return (e as Error).message;
  }
  if (p.a.streamId === p.b.streamId) return 'both legs have the same stream id';
  if (p.a.local.address === p.b.local.address && p.a.local.port === p.b.local.port)
    return 'both legs use the same local port';
  return null;
}
