/**
 * The main thread's side of the kernel table with `--num-threads`: the one owner of the nft table. Call threads
 * ask it for changes (kernel-proxy.ts), it applies them to its KernelTable and answers; after every counter read
 * it hands each thread the counters of its own pairs; and when a thread dies it takes that thread's pairs back.
 *
 * Each thread numbers its streams from 1, so two threads' ids would meet in one table: every id a thread sends
 * (pair, streams, call) is stored here under `<thread>/` and handed back without it.
 */
import type { ChangeResult, KernelCounterTable, KernelStreamPair, KernelTable } from '../../kernel/table.ts';
import type { SupervisionLog } from '../../src/log/supervision.ts';
import type { AnyRef } from '../runtime.ts';
import { type KernelTableActor, spawnKernelTable } from '../singletons/kernel-table.ts';
import type { KernelAnswer, KernelCounterRow, KernelRequest } from './kernel-messages.ts';

export interface KernelHostOptions {
  log: SupervisionLog;
  /** How often all counters are read and handed out (default 1000 ms, stretched as the singleton does). */
  counterIntervalMs?: number;
  onError?: (error: Error) => void;
}

const inThread = (thread: number, id: string) => `${thread}/${id}`;

function legIn(thread: number, leg: KernelStreamPair['a']): KernelStreamPair['a'] {
  return { ...leg, streamId: inThread(thread, leg.streamId) };
}

export class KernelHost {
  readonly #table: KernelTable;
  readonly #opts: KernelHostOptions;
  /** The calls (stored ids) each thread has asked pairs for and not removed: what its death takes back. */
  readonly #calls = new Map<number, Set<string>>();
  #actor: KernelTableActor | null = null;
  #send: ((thread: number, answer: KernelAnswer) => void) | null = null;
  #closed = false;

  constructor(table: KernelTable, opts: KernelHostOptions) {
    this.#table = table;
    this.#opts = opts;
  }

  /** Starts the counter reads (the kernel-table singleton under `parent`); `send` reaches a thread. */
  attach(parent: AnyRef, send: (thread: number, answer: KernelAnswer) => void): void {
    if (this.#closed || this.#actor) return;
    this.#send = send;
    this.#actor = spawnKernelTable(parent, this.#table, {
      log: this.#opts.log,
      ...(this.#opts.counterIntervalMs !== undefined
        ? { counterIntervalMs: this.#opts.counterIntervalMs }
        : {}),
      ...(this.#opts.onError ? { onError: this.#opts.onError } : {}),
      onRead: (counters) => this.publish(counters),
    });
  }

  /** Pairs in the table, from every thread. */
  get size(): number {
    return this.#table.size;
  }

  /**
   * One thread's change. `answer` goes back to the thread that asked (a thread that died meanwhile is not
   * reached, so its successor never gets an answer meant for it).
   */
  request(thread: number, r: KernelRequest, answer: (a: KernelAnswer) => void): void {
    const done = (result: ChangeResult | number) => answer({ op: 'done', id: r.id, result });
    switch (r.op) {
      case 'install': {
        const callId = inThread(thread, r.pair.callId);
        const calls = this.#calls.get(thread) ?? new Set<string>();
        this.#calls.set(thread, calls);
        calls.add(callId);
        void this.#table
          .install({
            ...r.pair,
            pairId: inThread(thread, r.pair.pairId),
            callId,
            a: legIn(thread, r.pair.a),
            b: legIn(thread, r.pair.b),
          })
          .then(done);
        break;
      }
      case 'remove':
        void this.#table.remove(inThread(thread, r.pairId)).then(done);
        break;
      case 'remove-call': {
        const callId = inThread(thread, r.callId);
        this.#calls.get(thread)?.delete(callId);
        void this.#table.removeCall(callId).then(done);
        break;
      }
    }
  }

  /** A thread died: its calls are gone, so are their pairs (queued after anything it asked for before). */
  threadGone(thread: number): void {
    const calls = this.#calls.get(thread);
    this.#calls.delete(thread);
    for (const callId of calls ?? []) void this.#table.removeCall(callId);
  }

  /** Hands every thread the counters of its pairs, under its own ids. */
  publish(counters: KernelCounterTable): void {
    const send = this.#send;
    if (!send) return;
    const rows = new Map<number, KernelCounterRow[]>();
    for (const [streamId, c] of counters) {
      const slash = streamId.indexOf('/');
      const pairSlash = c.pairId.indexOf('/');
      if (slash < 0 || pairSlash < 0) continue;
      const thread = Number(streamId.slice(0, slash));
      const list = rows.get(thread) ?? [];
      rows.set(thread, list);
      list.push([
        streamId.slice(slash + 1),
        c.pairId.slice(pairSlash + 1),
        c.packets,
        c.bytes,
        c.lastPacketMs,
      ]);
    }
    for (const [thread, list] of rows) send(thread, { op: 'counters', rows: list });
  }

  /** At exit, after the threads: stops the reads and removes the table from the kernel. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#actor) this.#actor.close();
    else {
      try {
        this.#table.close();
      } catch (e) {
        this.#opts.onError?.(e as Error);
      }
    }
  }
}
