/**
 * The rtpengine-ts daemon: reads rtpengine's options (command line, then `[rtpengine]` config file), starts the
 * actor system and its listeners, and stops cleanly on SIGINT/SIGTERM (every socket closed, every port freed,
 * exit 0). Logs are JSON lines on stderr.
 */
import { unlinkSync, writeFileSync } from 'node:fs';
import type { DaemonSettings } from '../actors/context.ts';
import { startDaemon } from '../actors/system.ts';
import { startThreadedDaemon } from '../actors/threads/threaded-daemon.ts';
import { preflight } from '../kernel/preflight.ts';
import { KernelTable } from '../kernel/table.ts';
import { ConfigError, formatHelp, loadConfig } from './config/config.ts';
import { tuneGarbageCollector } from './gc-tuning.ts';
import { Logger } from './log/logger.ts';
import { RelayThread } from './relay-thread/relay-thread.ts';
import { parseDtmfLogDest } from './rtp/dtmf-log.ts';

const VERSION = '0.1.0';

/** `--table=N`: the preflight's verdict, then the table itself (a leftover one from a crashed run is replaced). */
function openKernelTable(
  n: number,
  families: ReadonlySet<'IP4' | 'IP6'>,
): { ok: true; table: KernelTable; notes: string[] } | { ok: false; why: string[] } {
  const pf = preflight({ families });
  if (!pf.ok) return { ok: false, why: pf.missing };
  try {
    return { ok: true, table: KernelTable.open(n), notes: pf.notes };
  } catch (e) {
    return { ok: false, why: [(e as Error).message] };
  }
}

async function main(argv: string[]): Promise<number> {
  tuneGarbageCollector();
  let loaded: ReturnType<typeof loadConfig>;
  try {
    loaded = loadConfig(argv);
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`rtpengine-ts: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
  if (loaded.helpText !== undefined) {
    process.stdout.write(formatHelp('rtpengine-ts'));
    return 0;
  }
  if (loaded.version) {
    process.stdout.write(`Version: ${VERSION} (rtpengine-ts, ng protocol of rtpengine 10.5)\n`);
    return 0;
  }
  const cfg = loaded.config;
  const dtmfDestText = cfg.raw.get('dtmf-log-dest');
  const dtmfLogDest = typeof dtmfDestText === 'string' ? parseDtmfLogDest(dtmfDestText) : null;
  if (typeof dtmfDestText === 'string' && dtmfLogDest === null) {
    process.stderr.write(`rtpengine-ts: Invalid value for --dtmf-log-dest: '${dtmfDestText}'\n`);
    return 1;
  }
  const log = new Logger({ level: cfg.logLevel });
  if (loaded.unimplemented.length > 0) {
    log.warn('options accepted but not implemented yet; they have no effect', {
      options: loaded.unimplemented,
    });
  }
  if (loaded.embeddedDefaults.length > 0)
    log.notice('using embedded defaults', { for: loaded.embeddedDefaults });
  let kernelTable: KernelTable | undefined;
  if (cfg.table >= 0) {
    const opened = openKernelTable(cfg.table, new Set(cfg.interfaces.map((i) => i.family)));
    if (opened.ok) {
      kernelTable = opened.table;
      log.notice('kernel forwarding enabled', { table: cfg.table, notes: opened.notes });
    } else if (cfg.noFallback) {
      process.stderr.write(
        `rtpengine-ts: --table=${cfg.table} with --no-fallback: ${opened.why.join('; ')}\n`,
      );
      return 1;
    } else {
      log.warn('kernel forwarding unavailable, falling back to userspace forwarding', {
        table: cfg.table,
        why: opened.why,
      });
    }
  }
  const settings: DaemonSettings = {
    interfaces: cfg.interfaces.map((i) => ({ ...i })),
    portMin: cfg.portMin,
    portMax: cfg.portMax,
    timeout: cfg.timeout,
    silentTimeout: cfg.silentTimeout,
    finalTimeout: cfg.finalTimeout,
    offerTimeout: cfg.offerTimeout,
    deleteDelay: cfg.deleteDelay,
    maxSessions: cfg.maxSessions,
    endpointLearning: cfg.endpointLearning,
    tos: cfg.tos,
    dtmfLogDest,
    dtmfDigitDelay: cfg.dtmfDigitDelay,
    maxLoad: cfg.maxLoad,
    maxCpu: cfg.maxCpu,
    maxBandwidth: cfg.maxBandwidth,
    cdr: cfg.cdr,
    b2bUrl: cfg.b2bUrl,
    xmlrpcFormat: cfg.xmlrpcFormat,
  };
  const threads = cfg.numThreads;
  // Userspace forwarding: streams that need no JavaScript are relayed by the relay thread (src/relay-thread/);
  // RTPENGINE_TS_RELAY_THREAD=0 keeps every packet on Node's sockets.
  const relayThread =
    kernelTable || process.env.RTPENGINE_TS_RELAY_THREAD === '0'
      ? null
      : await RelayThread.start((e) => log.err('relay thread failed', { error: e }));
  // the same listeners and kernel table whether calls live in this thread or in call threads
  const common = {
    settings,
    listenNg: cfg.listenNg.map((l) => ({ ...l })),
    listenTcpNg: cfg.listenTcpNg.map((l) => ({ ...l })),
    listenCli: cfg.listenCli.map((l) => ({ ...l })),
    listenHttp: cfg.listenHttp.map((l) => ({ ...l })),
    listenUdp: cfg.listenUdp.map((l) => ({ ...l })),
    listenTcp: cfg.listenTcp.map((l) => ({ ...l })),
    log,
    ...(kernelTable ? { kernelTable } : {}),
    ...(relayThread ? { relayThread } : {}),
  };
  let daemon: { ngPorts: number[]; tcpNgPorts: number[]; readonly calls: number; stop(): Promise<void> };
  try {
    if (threads > 1) daemon = await startThreadedDaemon({ threads, ...common });
    else {
      const d = await startDaemon(common);
      daemon = {
        ngPorts: d.ngPorts,
        tcpNgPorts: d.tcpNgPorts,
        get calls() {
          return d.registry.size;
        },
        stop: () => d.stop(),
      };
    }
  } catch (e) {
    await relayThread?.stop();
    process.stderr.write(`rtpengine-ts: ${(e as Error).message}\n`);
    return 1;
  }
  if (cfg.pidfile) writeFileSync(cfg.pidfile, `${process.pid}\n`);
  log.notice('rtpengine-ts started', {
    version: VERSION,
    ng: cfg.listenNg.map((l, i) => `${l.host}:${daemon.ngPorts[i] ?? l.port}`),
    tcpNg: cfg.listenTcpNg.map((l, i) => `${l.host}:${daemon.tcpNgPorts[i] ?? l.port}`),
    cli: cfg.listenCli.map((l) => `${l.host}:${l.port}`),
    http: cfg.listenHttp.map((l) => `${l.host}:${l.port}`),
    rtpproxy: cfg.listenUdp.map((l) => `${l.host}:${l.port}`),
    mediaproxy: cfg.listenTcp.map((l) => `${l.host}:${l.port}`),
    interfaces: cfg.interfaces,
    ports: `${cfg.portMin}-${cfg.portMax}`,
    forwarding: kernelTable ? `kernel (table ${cfg.table})` : 'userspace',
    // userspace forwarding of plain streams by the relay thread (src/relay-thread/), else all on Node's sockets
    relayThread: relayThread !== null,
    threads,
  });
  // Anything that escapes the actors is logged, never fatal: one bad packet or call must not end the others.
  process.on('uncaughtException', (e) => log.err('uncaught exception', { error: e }));
  process.on('unhandledRejection', (e) => log.err('unhandled rejection', { error: e }));
  return new Promise<number>((resolve) => {
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.notice('shutting down', { signal, calls: daemon.calls });
      const force = setTimeout(() => resolve(0), 3000);
      daemon
        .stop()
        .then(() => relayThread?.stop())
        .then(() => {
          clearTimeout(force);
          if (cfg.pidfile) {
            try {
              unlinkSync(cfg.pidfile);
            } catch {
              // gone already
            }
          }
          resolve(0);
        });
    };
    process.on('SIGINT', () => shutdown('SIGINT'));
    process.on('SIGTERM', () => shutdown('SIGTERM'));
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`rtpengine-ts: fatal: ${(e as Error).stack ?? e}\n`);
    process.exit(1);
  },
);
