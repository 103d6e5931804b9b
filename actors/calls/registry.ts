/**
 * The call registry: call-id → call actor, and the fixed set of shard supervisors the call actors live under
 * (nact copies an actor's child map for every message it handles, so no actor may have thousands of children:
 * calls are spread over shards by a hash of the call-id). Lookups are synchronous so the ng dispatcher routes
 * without a hop; the map is also the read-only table the timeouts singleton scans.
 */
import { type Ref, spawn, stop } from 'nact';
import { type Call, type CallEndReason, newCall } from '../../src/call/model.ts';
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
}

/** FNV-1a: spreads call-ids over shards (and over call threads, see actors/threads/). */
export function callIdHash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 16777619);
  }
  return h >>> 0;
}

export class CallRegistry {
  readonly #shards: AnyRef[] = [];
  readonly #calls = new Map<string, CallEntry>();
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
    }
  }

  stopShards(): void {
    for (const s of this.#shards) stop(s);
  }

  get size(): number {
    return this.#calls.size;
  }

  /** The calls of the whole daemon: this registry's, or every call thread's (see DaemonContext). */
  get daemonSessions(): number {
    const shared = this.ctx.sessionsAcrossThreads;
    if (!shared) return this.#calls.size;
    let n = 0;
    for (let i = 0; i < shared.counts.length; i++) n += Atomics.load(shared.counts, i);
    return n;
  }

  get(callId: string): CallEntry | undefined {
    return this.#calls.get(callId);
  }

  entries(): IterableIterator<CallEntry> {
    return this.#calls.values();
  }

  callIds(limit: number): string[] {
    const out: string[] = [];
    for (const id of this.#calls.keys()) {
      if (out.length >= limit) break;
      out.push(id);
    }
    return out;
  }

  create(callId: string): CallEntry {
    const call = newCall(callId, this.ctx.now());
    const shard = this.#shards[callIdHash(callId) % this.#shards.length]!;
    const ref = spawnCall(shard, this.ctx, call, `call-${++this.#seq}`, {
      retire: () => this.retire(callId, ref),
      gone: (reason, durationMs, flow) => this.#gone(callId, ref, reason, durationMs, flow),
    });
    const entry: CallEntry = { callId, ref, call };
    this.#calls.set(callId, entry);
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
    const entry = this.#calls.get(callId);
    if (entry && entry.ref === ref) {
      this.#calls.delete(callId);
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
