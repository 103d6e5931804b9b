/**
 * The daemon with `--num-threads` above 1: the main thread's actor system holds the control listeners (ng over
 * UDP and TCP, CLI, HTTP/WebSocket), whose ng messages go to the call threads (call-threads.ts) instead of an
 * in-thread dispatcher and whose CLI commands ask them (threaded-cli-env.ts).
 *
 *   root (nact system, main thread)
 *   ├─ ng-udp-N, ng-tcp-N, cli-N, http-N   control listeners
 *   └─ (CallThreads)        call-thread-0 … call-thread-K, each the call side of actors/system.ts
 */
import { start, stop } from 'nact';
import { Logger } from '../../src/log/logger.ts';
import { SupervisionLog } from '../../src/log/supervision.ts';
import { spawnCliListenerWith } from '../control/cli.ts';
import { spawnHttpListenerWith } from '../control/http.ts';
import { spawnNgTcp } from '../control/ng-tcp.ts';
import { bindListener, spawnNgUdp } from '../control/ng-udp.ts';
import type { AnyRef } from '../runtime.ts';
import type { DaemonOptions } from '../system.ts';
import { CallThreads } from './call-threads.ts';
import { threadedCliEnv } from './threaded-cli-env.ts';

export interface ThreadedDaemon {
  readonly threads: CallThreads;
  readonly supervision: SupervisionLog;
  readonly ngPorts: number[];
  readonly tcpNgPorts: number[];
  /** The ports the CLI and HTTP listeners bound (useful with port 0). */
  readonly cliPorts: number[];
  readonly httpPorts: number[];
  /** Calls in every thread. */
  readonly calls: number;
  stop(): Promise<void>;
}

export async function startThreadedDaemon(
  opts: Pick<
    DaemonOptions,
    'settings' | 'listenNg' | 'listenTcpNg' | 'listenCli' | 'listenHttp' | 'log' | 'timeoutScanMs'
  > & {
    threads: number;
  },
): Promise<ThreadedDaemon> {
  const log = opts.log ?? new Logger();
  const supervision = new SupervisionLog(log);
  const threads = await CallThreads.start({
    count: opts.threads,
    settings: opts.settings,
    log,
    supervision,
    ...(opts.timeoutScanMs !== undefined ? { timeoutScanMs: opts.timeoutScanMs } : {}),
  });
  const system = start();
  const ctx = { log, supervision };
  const listeners: AnyRef[] = [];
  const ngPorts: number[] = [];
  const tcpNgPorts: number[] = [];
  const cliPorts: number[] = [];
  const httpPorts: number[] = [];
  const cli = threadedCliEnv(threads, opts.settings, log);
  const stopAll = async () => {
    for (const l of listeners) stop(l);
    stop(system);
    await threads.stop();
  };
  const binds = [
    ...opts.listenNg.map((l, i) => ({
      l,
      ports: ngPorts,
      what: 'ng',
      ref: spawnNgUdp(system, ctx, threads, l.host, l.port, `ng-udp-${i}`),
    })),
    ...opts.listenTcpNg.map((l, i) => ({
      l,
      ports: tcpNgPorts,
      what: 'tcp-ng',
      ref: spawnNgTcp(system, ctx, threads, l.host, l.port, `ng-tcp-${i}`),
    })),
    ...(opts.listenCli ?? []).map((l, i) => ({
      l,
      ports: cliPorts,
      what: 'cli',
      ref: spawnCliListenerWith(system, ctx, cli, l.host, l.port, `cli-${i}`),
    })),
    ...(opts.listenHttp ?? []).map((l, i) => ({
      l,
      ports: httpPorts,
      what: 'http',
      ref: spawnHttpListenerWith(system, ctx, threads, cli, l.host, l.port, `http-${i}`),
    })),
  ];
  for (const b of binds) {
    listeners.push(b.ref);
    const r = await bindListener(b.ref);
    if (!r.ok) {
      await stopAll();
      throw new Error(`cannot listen on ${b.l.host}:${b.l.port} (${b.what}): ${r.error}`);
    }
    b.ports.push(r.port);
  }
  return {
    threads,
    supervision,
    ngPorts,
    tcpNgPorts,
    cliPorts,
    httpPorts,
    get calls() {
      return threads.calls;
    },
    async stop() {
      await stopAll();
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}
