/**
 * The kernel table singleton: the one owner of this instance's nftables table (`--table=N`). Media actors
 * tell it which stream pairs the kernel forwards; it batches every change of one event-loop turn into one
 * transaction and, once per interval, reads all counters with one listing into `counters`, a plain table that
 * `query`, `statistics` and the timeouts read without messages.
 *
 * Opening the table (and the preflight) happens before spawning, so the daemon decides about fallback first.
 */
import { dispatch, type Ref, spawn, stop } from 'nact';
import type { ChangeResult, KernelCounterTable, KernelStreamPair, KernelTable } from '../../kernel/table.ts';
import type { SupervisionLog } from '../../src/log/supervision.ts';
import type { PairSockets } from '../../src/relay-thread/link.ts';
import { type AnyRef, type Reply, supervise } from '../runtime.ts';

export type KernelTableMsg =
  | { kind: 'install'; pair: KernelStreamPair; reply?: Reply<ChangeResult> }
  | { kind: 'remove'; pairId: string; reply?: Reply<ChangeResult> }
  | { kind: 'remove-call'; callId: string; reply?: Reply<number> }
  | { kind: 'read-counters'; reply?: Reply<KernelCounterTable> };

/**
 * What the call side uses (ctx.kernel): the actor's handle in a one-thread daemon, or in a call thread a proxy
 * to the main thread's table (actors/threads/kernel-proxy.ts).
 */
export interface KernelTableHandle {
  /**
   * Queue a change straight into the table, without a mailbox hop. nact hands an actor one message per
   * event-loop turn, and while the daemon relays a heavy load in userspace a turn is long: 1,000 calls handed
   * over through the mailbox took 1,000 turns (about 14 s at 100k packets/s, measured). The table gathers what
   * is queued within 5 ms into one nftables transaction either way, so ordering and batching are the same.
   */
  install(pair: KernelStreamPair, sockets?: PairSockets): Promise<ChangeResult>;
  remove(pairId: string): Promise<ChangeResult>;
  removeCall(callId: string): Promise<number>;
  /**
   * True for the kernel table; false for the relay thread (src/relay-thread/), which takes the same pairs in
   * userspace: its streams count as userspace media in `statistics` and are not flagged `kernelized` in `query`.
   */
  readonly inKernel: boolean;
  /** Updated in place by every counter read. */
  readonly counters: KernelCounterTable;
  /** Stops the counter timer and the actor, and removes the table from the kernel. Idempotent. */
  close(): void;
}

/** The handle of the actor itself, which also takes messages. */
export interface KernelTableActor extends KernelTableHandle {
  readonly ref: Ref<KernelTableMsg>;
}

export interface KernelTableOptions {
  log: SupervisionLog;
  /**
   * How often all counters are read (default 1000 ms; 0 = only on `read-counters`). A read costs about 12 µs
   * per direction in libnftables, so with many streams the interval stretches to keep reading under
   * `maxReadShare` of one core.
   */
  counterIntervalMs?: number;
  /** Default 0.05: counter reads use at most 5% of one core. */
  maxReadShare?: number;
  /** Called when a counter read fails (e.g. someone deleted the table); the daemon logs it. */
  onError?: (error: Error) => void;
  /** Called after every counter read (e.g. to hand the call threads their counters). */
  onRead?: (counters: KernelCounterTable) => void;
}

export function spawnKernelTable(
  parent: AnyRef,
  table: KernelTable,
  opts: KernelTableOptions,
): KernelTableActor {
  let lastReadMs = 0;
  const ref = spawn(
    parent,
    (state: KernelTable, msg: KernelTableMsg) => {
      switch (msg.kind) {
        case 'install':
          void state.install(msg.pair).then((r) => msg.reply?.(r));
          break;
        case 'remove':
          void state.remove(msg.pairId).then((r) => msg.reply?.(r));
          break;
        case 'remove-call':
          void state.removeCall(msg.callId).then((n) => msg.reply?.(n));
          break;
        case 'read-counters': {
          const t0 = performance.now();
          try {
            state.readCounters();
          } catch (e) {
            opts.onError?.(e as Error);
          }
          lastReadMs = performance.now() - t0;
          opts.onRead?.(state.counters);
          msg.reply?.(state.counters);
          break;
        }
      }
      return state;
    },
    'kernel-table',
    {
      initialState: table,
      // The table's bookkeeping mirrors the kernel: keep it across an unexpected error rather than forget rules.
      onCrash: supervise<KernelTableMsg>({ log: opts.log, decide: () => 'resume' }),
    },
  );
  const interval = opts.counterIntervalMs ?? 1000;
  const share = opts.maxReadShare ?? 0.05;
  let timer: NodeJS.Timeout | null = null;
  let closed = false;
  const schedule = () => {
    if (closed || interval <= 0) return;
    timer = setTimeout(
      () => {
        dispatch(ref, { kind: 'read-counters' });
        schedule();
      },
      Math.max(interval, lastReadMs / share),
    );
    timer.unref();
  };
  schedule();
  return {
    ref,
    install: (pair) => table.install(pair),
    remove: (pairId) => table.remove(pairId),
    removeCall: (callId) => table.removeCall(callId),
    inKernel: true,
    counters: table.counters,
    close() {
      if (closed) return;
      closed = true;
      if (timer) clearTimeout(timer);
      stop(ref);
      try {
        table.close();
      } catch (e) {
        opts.onError?.(e as Error);
      }
    },
  };
}
