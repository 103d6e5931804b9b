/**
 * The messages between the main thread (CallThreads) and a call thread (call-thread.ts), and what a call
 * thread is started with. Everything here crosses a thread boundary by structured clone: plain data only.
 */
import type { NgDict } from '../../src/ng/types.ts';
import type { DaemonSettings } from '../context.ts';
import type { DatagramReplyPath } from '../control/dispatcher.ts';
import type { ThreadShare } from '../system.ts';

export type ToCallThread =
  /**
   * One ng message as received (bytes), answered by the thread's dispatcher. With `via` (a UDP request) the
   * thread sends the reply itself on the control socket and answers `sent`.
   */
  | { kind: 'ng'; id: number; message: Uint8Array; from: string; via?: DatagramReplyPath }
  /** This thread's part of a `list` (call-ids) or `statistics` fan-out: not counted as a request. */
  | { kind: 'list'; id: number; limit: number }
  | { kind: 'statistics'; id: number }
  | { kind: 'stop'; id: number };

export type FromCallThread =
  | { kind: 'ready' }
  | { kind: 'ng'; id: number; reply: Uint8Array | null; sent: boolean }
  | { kind: 'list'; id: number; callIds: string[] }
  | { kind: 'statistics'; id: number; statistics: NgDict }
  | { kind: 'stop'; id: number };

export interface CallThreadData {
  index: number;
  settings: DaemonSettings;
  share: ThreadShare;
  /** The main logger's threshold (-1 = silent); a thread's lines carry `thread: index`. */
  logLevel: number;
  timeoutScanMs?: number;
}
