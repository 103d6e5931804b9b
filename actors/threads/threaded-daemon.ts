/**
 * The daemon with `--num-threads` above 1: the main thread's actor system holds the control listeners (ng over
 * UDP and TCP, CLI, HTTP/WebSocket), whose ng messages go to the call threads (call-threads.ts) instead of an
 * in-thread dispatcher and whose CLI commands ask them (threaded-cli-env.ts).
 *
 *   root (nact system, main thread)
 *   ├─ ng-udp-N, ng-tcp-N, cli-N, http-N   control listeners
 *   ├─ udp-N (rtpproxy), tcp-N (mediaproxy) legacy listeners, over threaded-legacy-calls.ts
 *   └─ (CallThreads)        call-thread-0 … call-thread-K, each the call side of actors/system.ts
 */
import { start, stop } from 'nact';
import type { KernelTable } from '../../kernel/table.ts';
import { Logger } from '../../src/log/logger.ts';
import { SupervisionLog } from '../../src/log/supervision.ts';
import type { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { listenAddrsOf, startListeners } from '../control/surfaces.ts';
import type { AnyRef } from '../runtime.ts';
import type { DaemonOptions } from '../system.ts';
import { CallThreads } from './call-threads.ts';
import { KernelHost } from './kernel-host.ts';
import { threadedCliEnv } from './threaded-cli-env.ts';
import { threadedLegacyCalls } from './threaded-legacy-calls.ts';

export interface ThreadedDaemon {
  readonly threads: CallThreads;
  readonly supervision: SupervisionLog;
  readonly ngPorts: number[];
  readonly tcpNgPorts: number[];
  /** The ports the CLI and HTTP listeners bound (useful with port 0). */
  readonly cliPorts: number[];
  readonly httpPorts: number[];
  /** The ports the rtpproxy (`--listen-udp`) and mediaproxy (`--listen-tcp`) listeners bound. */
  readonly rtpproxyPorts: number[];
  readonly mediaproxyPorts: number[];
  /** Calls in every thread. */
  readonly calls: number;
  stop(): Promise<void>;
}

export async function startThreadedDaemon(
  opts: Pick<
    DaemonOptions,
    | 'settings'
    | 'listenNg'
    | 'listenTcpNg'
    | 'listenCli'
    | 'listenHttp'
    | 'listenUdp'
    | 'listenTcp'
    | 'log'
    | 'timeoutScanMs'
  > & {
    threads: number;
    /** `--table`: one table for every thread, owned here (kernel-host.ts). */
    kernelTable?: KernelTable;
    /** Userspace forwarding through the relay thread (src/relay-thread/), one link per call thread. */
    relayThread?: RelayThread;
  },
): Promise<ThreadedDaemon> {
  const log = opts.log ?? new Logger();
  const supervision = new SupervisionLog(log);
  const kernel = opts.kernelTable
    ? new KernelHost(opts.kernelTable, {
        log: supervision,
        onError: (e) => log.warn('kernel counter read failed', { error: e }),
      })
    : undefined;
  const threads = await CallThreads.start({
    count: opts.threads,
    settings: opts.settings,
    log,
    supervision,
    ...(opts.timeoutScanMs !== undefined ? { timeoutScanMs: opts.timeoutScanMs } : {}),
    ...(kernel ? { kernel } : {}),
    ...(opts.relayThread ? { relayThread: opts.relayThread } : {}),
  }).catch((e: unknown) => {
    kernel?.close();
    throw e;
  });
  const system = start();
  kernel?.attach(system, (thread, answer) => threads.tellKernel(thread, answer));
  const ctx = { log, supervision, now: Date.now };
  const listeners: AnyRef[] = [];
  const surfaces = {
    ng: threads,
    cli: threadedCliEnv(threads, opts.settings, log),
    legacy: threadedLegacyCalls(threads),
  };
  const stopAll = async () => {
    for (const l of listeners) stop(l);
    // removes the table from the kernel: nothing of ours stays forwarding after exit
    kernel?.close();
    stop(system);
    await threads.stop();
  };
  let bound: Awaited<ReturnType<typeof startListeners>>;
  try {
    bound = await startListeners(system, ctx, surfaces, listenAddrsOf(opts), listeners);
  } catch (e) {
    await stopAll();
    throw e;
  }
  return {
    threads,
    supervision,
    ngPorts: bound.ng,
    tcpNgPorts: bound['tcp-ng'],
    cliPorts: bound.cli,
    httpPorts: bound.http,
    rtpproxyPorts: bound.udp,
    mediaproxyPorts: bound.tcp,
    get calls() {
      return threads.calls;
    },
    async stop() {
      await stopAll();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}
