/**
 * The call registry: call-id → call actor, and the fixed set of shard supervisors the call actors live under
 * (nact copies an actor's child map for every message it handles, so no actor may have thousands of children:
 * calls are spread over shards by a hash of the call-id). Lookups are synchronous so the ng dispatcher routes
 * without a hop; the map is also the read-only table the timeouts singleton scans.
 */
import { type Ref, spawn, stop } from 'nact';
import { type Call, type CallEndReason, newCall } from '../../src/call/model.ts';
import { SlotTable } from '../../src/heap/slot-table.ts';
import { fnv1a } from '../../src/heap/string-hash.ts';
import type { CallPacketFlow } from '../../src/stats/counters.ts';
import type { DaemonContext } from '../context.ts';
import type { CallMsg } from '../messages.ts';
import { type AnyRef, supervise } from '../runtime.ts';
import { spawnCall } from './call.ts';

export interface CallEntry {
  readonly callId: string;
  readonly ref: Ref<CallMsg>;
  /** Read-only outside the call actor. */
  readonly call: Call;
  /** Creation order in this registry. */
  readonly seq: number;
}

/** Spreads call-ids over shards (and over call threads, see actors/threads/): the daemon's table hash. */
export function callIdHash(s: string): number {
  return fnv1a(s);
}

export class CallRegistry {
  readonly #shards: AnyRef[] = [];
  /**
   * The calls, one table per shard. One Map for all of them, with thousands of calls a second coming and going,
   * kept ended calls alive for V8's young-generation collections: 21% more was promoted per collection under the
   * setup bench (the tables a churning Map leaves behind are counted live until a full collection). Maps per shard
   * still left a new table in the old generation at most deletions (src/heap/slot-table.ts); SlotTables do not.
   */
  readonly #calls: SlotTable<CallEntry>[] = [];
  #size = 0;
  #seq = 0;
  /** Told each call-id that leaves the registry (a call thread reports some of them, see actors/threads/placement.ts). */
  onRetired: ((callId: string) => void) | null = null;

  constructor(
    parent: AnyRef,
    private readonly ctx: DaemonContext,
    shardCount = 64,
  ) {
    for (let i = 0; i < shardCount; i++) {
      this.#shards.push(
        spawn(parent, (s: null) => s, `shard-${i}`, {
          initialState: null,
          onCrash: supervise<unknown>({ log: ctx.supervision, decide: () => 'resume' }),
        }),
      );
      this.#calls.push(new SlotTable());
    }
  }

  /** The shard a call-id belongs to: its actor's parent and its Map here. */
  #shardOf(callId: string): number {
    return callIdHash(callId) % this.#shards.length;
  }

  stopShards(): void {
    for (const s of this.#shards) stop(s);
  }

  get size(): number {
    return this.#size;
  }

  /** The calls of the whole daemon: this registry's, or every call thread's (see DaemonContext). */
  get daemonSessions(): number {
    const shared = this.ctx.sessionsAcrossThreads;
    if (!shared) return this.#size;
    let n = 0;
    for (let i = 0; i < shared.counts.length; i++) n += Atomics.load(shared.counts, i);
    return n;
  }

  get(callId: string): CallEntry | undefined {
    return this.#calls[this.#shardOf(callId)]?.get(callId);
  }

  /** Every call, in no particular order (statistics, timeouts, shutdown). */
  *entries(): IterableIterator<CallEntry> {
    for (const shard of this.#calls) yield* shard.values();
  }

  /** Every call, oldest first (what the CLI, the ng `list` and the legacy protocols show). */
  entriesByAge(): CallEntry[] {
    return Array.from(this.entries()).sort((a, b) => a.seq - b.seq);
  }

  /** The first `limit` call-ids, oldest first (the ng `list`). */
  callIds(limit: number): string[] {
    return this.entriesByAge()
      .slice(0, limit)
      .map((e) => e.callId);
  }

  create(callId: string): CallEntry {
    const call = newCall(callId, this.ctx.now());
    const index = this.#shardOf(callId);
    const seq = ++this.#seq;
    const ref = spawnCall(this.#shards[index] as AnyRef, this.ctx, call, `call-${seq}`, {
      retire: () => this.retire(callId, ref),
      gone: (reason, durationMs, flow) => this.#gone(callId, ref, reason, durationMs, flow),
    });
    const entry: CallEntry = { callId, ref, call, seq };
    (this.#calls[index] as SlotTable<CallEntry>).set(callId, entry);
    this.#size++;
    const shared = this.ctx.sessionsAcrossThreads;
    if (shared) Atomics.add(shared.counts, shared.index, 1);
    this.ctx.counters.callStarted();
    return entry;
  }

  /**
   * Takes a call out of routing the moment it decides to end, before its actor has finished stopping, so no
   * request is sent to an actor that will never answer. Idempotent; a newer call with the same id is kept.
   */
  retire(callId: string, ref: Ref<CallMsg>): void {
    const shard = this.#calls[this.#shardOf(callId)] as SlotTable<CallEntry>;
    const entry = shard.get(callId);
    if (entry && entry.ref === ref) {
      shard.delete(callId);
      this.#size--;
      const shared = this.ctx.sessionsAcrossThreads;
      if (shared) Atomics.sub(shared.counts, shared.index, 1);
      this.onRetired?.(callId);
    }
  }

  #gone(
    callId: string,
    ref: Ref<CallMsg>,
    reason: CallEndReason,
    durationMs: number,
    flow: CallPacketFlow,
  ): void {
    this.retire(callId, ref);
    this.ctx.counters.callClosed(reason, durationMs, flow);
    this.ctx.log.info('call closed', { callId, reason });
  }
}
