/**
 * The messages between the main thread (CallThreads) and a call thread (call-thread.ts), what a call thread is
 * started with, and the forms ng bytes take to cross (`requestToCross`, `ownBytes`). Everything here crosses a
 * thread boundary by structured clone: plain data only.
 */
import type { NgDict } from '../../src/ng/types.ts';
import type { RelayLinkData } from '../../src/relay-thread/protocol.ts';
import type { DaemonSettings } from '../context.ts';
import type { CliCall } from '../control/cli-commands.ts';
import type { DatagramReplyPath } from '../control/dispatcher.ts';
import type { ThreadShare } from '../system.ts';
import type { KernelAnswer, KernelRequest } from './kernel-messages.ts';
import type { LegacyAnswer, LegacyQuestion } from './threaded-legacy-calls.ts';

export type ToCallThread =
  /**
   * One ng message as received (its bytes as a latin1 string, `requestToCross`), answered by the thread's
   * dispatcher. With `via` (a UDP request) the thread sends the reply itself on the control socket and answers
   * nothing (`id` is then 0), unless it could not send it (`send`).
   */
  | { kind: 'ng'; id: number; message: string; from: string; via?: DatagramReplyPath }
  /** This thread's part of a `list` (call-ids) or `statistics` fan-out: not counted as a request. */
  | { kind: 'list'; id: number; limit: number }
  | { kind: 'statistics'; id: number }
  /** For the CLI: this thread's calls (plain-data snapshots, newest first), one call, ending one call. */
  | { kind: 'calls'; id: number }
  | { kind: 'call'; id: number; callId: string }
  | { kind: 'terminate'; id: number; callId: string }
  /** A CLI `set` or `params revert`: the settings and log level now in force for the whole daemon. */
  | { kind: 'settings'; id: number; settings: LiveSettings; logLevel: number }
  /** For the rtpproxy and mediaproxy listeners: a typed request, or a question about this thread's calls. */
  | { kind: 'legacy'; id: number; question: LegacyQuestion }
  /** The kernel table's answers and counters (kernel-proxy.ts); not a request: no `id` to answer. */
  | { kind: 'kernel'; answer: KernelAnswer }
  | { kind: 'stop'; id: number };

export type FromCallThread =
  | { kind: 'ready' }
  | { kind: 'ng'; id: number; reply: Uint8Array | null }
  /** A reply to a UDP request that the thread could not send itself (full socket buffer): the main thread tries. */
  | { kind: 'send'; via: DatagramReplyPath; reply: Uint8Array }
  | { kind: 'list'; id: number; callIds: string[] }
  | { kind: 'statistics'; id: number; statistics: NgDict }
  | { kind: 'calls'; id: number; calls: CliCall[] }
  | { kind: 'call'; id: number; call: CliCall | null }
  | { kind: 'terminate'; id: number; found: boolean }
  | { kind: 'settings'; id: number }
  | { kind: 'legacy'; id: number; answer: LegacyAnswer }
  /** A change to the kernel table, applied by the main thread (kernel-host.ts). */
  | { kind: 'kernel'; request: KernelRequest }
  /**
   * Calls of this thread that ended and whose call-id hashes to another thread (placement.ts), after it had
   * received `received` messages.
   */
  | { kind: 'ended'; callIds: string[]; received: number }
  | { kind: 'stop'; id: number };

export interface CallThreadData {
  index: number;
  settings: DaemonSettings;
  share: ThreadShare;
  /** Each thread's count of UDP requests not answered yet (Int32Array; placement.ts). */
  requestsInFlight: SharedArrayBuffer;
  /** The main logger's threshold (-1 = silent); a thread's lines carry `thread: index`. */
  logLevel: number;
  /** The main thread owns a kernel table (`--table`): the thread's ctx.kernel forwards to it. */
  kernel?: boolean;
  /** Userspace forwarding with the relay thread: this thread's link to it (its port is transferred). */
  relay?: RelayLinkData;
  timeoutScanMs?: number;
}

/** The settings the CLI changes while the daemon runs (the rest are fixed at start-up). */
export type LiveSettings = Pick<
  DaemonSettings,
  | 'maxSessions'
  | 'timeout'
  | 'silentTimeout'
  | 'finalTimeout'
  | 'offerTimeout'
  | 'deleteDelay'
  | 'maxLoad'
  | 'maxCpu'
  | 'maxBandwidth'
>;

export function liveSettingsOf(s: DaemonSettings): Required<LiveSettings> {
  return {
    maxSessions: s.maxSessions,
    timeout: s.timeout,
    silentTimeout: s.silentTimeout,
    finalTimeout: s.finalTimeout,
    offerTimeout: s.offerTimeout,
    deleteDelay: s.deleteDelay,
    // 0 is "no limit", as an absent one
    maxLoad: s.maxLoad ?? 0,
    maxCpu: s.maxCpu ?? 0,
    maxBandwidth: s.maxBandwidth ?? 0,
  };
}

/**
 * The bytes of an ng reply in a buffer of their own, which is what crosses back to the main thread (transferred): a
 * reply's Buffer is a view of its shared 8 KiB allocation slab, and transferring that would take the whole
 * underlying buffer away from its other users.
 */
export function ownBytes(b: Buffer): Uint8Array {
  const out = new Uint8Array(b.length);
  out.set(b);
  return out;
}

/**
 * An ng request's bytes as they cross to a call thread: a latin1 string (one character per byte), copied by the
 * structured clone, which the thread turns back into bytes from Node's shared allocation pool. Handed over as a
 * transferred buffer instead, every request left an ArrayBuffer behind in the call thread, which V8 sweeps one by
 * one: at the bench's setup limit, sweeping array buffers took 2.0-3.8 ms of a call thread's full-collection pause
 * on average, 1.0-2.5 ms this way (alternated runs; setups/s, p99 and CPU per setup moved within the noise).
 */
export function requestToCross(b: Buffer): string {
  return b.toString('latin1');
}

export function requestCrossed(s: string): Buffer {
  return Buffer.from(s, 'latin1');
}
