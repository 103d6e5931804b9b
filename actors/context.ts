/**
 * What every actor of the daemon may reach: the settings in force, logging, counters and the singletons.
 * Passed explicitly at spawn time (there is no global configuration).
 */
import type { Ref } from 'nact';
import type { InterfaceSpec } from '../src/call/negotiate.ts';
import type { LoadSample } from '../src/control/load-limits.ts';
import type { Logger } from '../src/log/logger.ts';
import type { SupervisionLog } from '../src/log/supervision.ts';
import type { EndpointLearning } from '../src/ng/request.ts';
import type { DtmfLogDest } from '../src/rtp/dtmf-log.ts';
import type { Counters } from '../src/stats/counters.ts';
import type { PortMsg } from './messages.ts';
import type { KernelTableHandle } from './singletons/kernel-table.ts';
import type { InterfacePorts } from './singletons/port-allocator.ts';
import type { XmlrpcFormat } from './singletons/teardown-callback.ts';

/** The daemon's settings that calls read; timeouts stay mutable as rtpengine's CLI can change them at run time. */
export interface DaemonSettings {
  interfaces: InterfaceSpec[];
  portMin: number;
  portMax: number;
  /** Seconds; 0 disables. */
  timeout: number;
  silentTimeout: number;
  finalTimeout: number;
  offerTimeout: number;
  deleteDelay: number;
  /** -1 = unlimited. */
  maxSessions: number;
  endpointLearning: EndpointLearning;
  tos: number;
  /** `--dtmf-log-dest`: where DTMF events go as JSON datagrams; absent = logged only. */
  dtmfLogDest?: DtmfLogDest | null;
  /** `--dtmf-digit-delay` (ms): DTMF triggers restart their match after digits this far apart; absent = 2500. */
  dtmfDigitDelay?: number;
  /** `--max-load`, `--max-cpu`, `--max-bandwidth`: new calls are refused above them; 0 or absent = no limit. */
  maxLoad?: number;
  maxCpu?: number;
  maxBandwidth?: number;
  /** `--log-facility-cdr` given: one CDR log line per ended call. */
  cdr?: boolean;
  /** `--b2b-url` and `--xmlrpc-format`: the XMLRPC teardown callback on a media timeout. */
  b2bUrl?: string | null;
  xmlrpcFormat?: XmlrpcFormat;
}

export interface DaemonContext {
  /** The kernel table singleton when `--table >= 0` works here; null = userspace forwarding only. */
  kernel: KernelTableHandle | null;
  settings: DaemonSettings;
  log: Logger;
  supervision: SupervisionLog;
  counters: Counters;
  /** The port allocator singleton, for questions about the ranges (usage). */
  ports: Ref<PortMsg>;
  /** The allocator's pools: a media takes and gives back its pair here, not through the mailbox (see port-allocator.ts). */
  portPairs: InterfacePorts;
  /** Unix milliseconds; injectable so timeouts are testable without waiting. */
  now: () => number;
  /** The machine's load now, when a load limit is set (see singletons/load-monitor.ts). */
  loadSample?: () => LoadSample;
  /**
   * With `--num-threads` above 1: the call count of every call thread in shared memory (this thread's at
   * `index`), so that `--max-sessions` limits the daemon, not each thread.
   */
  sessionsAcrossThreads?: { counts: Int32Array; index: number };
}
