/**
 * What a call thread and the main thread say about the kernel table (`--table` with `--num-threads`): the
 * thread asks for changes, the main thread (the one owner of the nft table) answers them and hands each thread
 * the counters of its own pairs after every counter read. Plain data only: it crosses threads by structured clone.
 */
import type { ChangeResult, KernelStreamPair } from '../../kernel/table.ts';

/** From a call thread; `id` is the thread's own, echoed in the `done` answer. */
export type KernelRequest =
  | { op: 'install'; id: number; pair: KernelStreamPair }
  | { op: 'remove'; id: number; pairId: string }
  | { op: 'remove-call'; id: number; callId: string };

/** One leg's counters as the thread knows its ids: [streamId, pairId, packets, bytes, lastPacketMs]. */
export type KernelCounterRow = [
  streamId: string,
  pairId: string,
  packets: number,
  bytes: number,
  lastPacketMs: number,
];

/** To a call thread. */
export type KernelAnswer =
  /** `result` is a ChangeResult for install/remove, the number of pairs removed for remove-call. */
  { op: 'done'; id: number; result: ChangeResult | number } | { op: 'counters'; rows: KernelCounterRow[] };
