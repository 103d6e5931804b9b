/**
 * The actor hierarchy of one daemon:
 *
 *   root (nact system "rtpengine")
 *   ├─ ng-udp-N, ng-tcp-N        control listeners (ng over UDP and TCP)
 *   ├─ cli-N, http-N             rtpengine-ctl's CLI, HTTP + WebSocket
 *   ├─ udp-N                     the legacy rtpproxy protocol (--listen-udp)
 *   ├─ tcp-N                     the legacy OpenSER mediaproxy protocol (--listen-tcp)
 *   ├─ shard-0 … shard-63        call supervisors (see calls/registry.ts)
 *   │   └─ call-K                one per call-id
 *   │       └─ monologue-J       one per party (tag / via-branch)
 *   │           └─ media-I       one per m= line; holds its RTP/RTCP sockets (bound by its call)
 *   ├─ port-allocator            singleton (its pools are taken from directly, see singletons/README.md)
 *   ├─ kernel-table              singleton, with --table >= 0 (kernel/README.md)
 *   └─ timeouts                  singleton
 *
 * `startDaemon` builds it and binds the listeners; `stop()` closes every socket and frees every port.
 */
import { dispatch, start, stop } from 'nact';
import type { KernelTable } from '../kernel/table.ts';
import { anyLoadLimit, type LoadSample } from '../src/control/load-limits.ts';
import { Logger } from '../src/log/logger.ts';
import { SupervisionLog } from '../src/log/supervision.ts';
import { RelayLink } from '../src/relay-thread/link.ts';
import type { RelayLinkData } from '../src/relay-thread/protocol.ts';
import type { RelayThread } from '../src/relay-thread/relay-thread.ts';
import { Counters } from '../src/stats/counters.ts';
import { CallRegistry } from './calls/registry.ts';
import type { DaemonContext, DaemonSettings } from './context.ts';
import { cliEnvFor } from './control/cli.ts';
import { NgDispatcher } from './control/dispatcher.ts';
import { localLegacyCalls } from './control/legacy-calls.ts';
import { type ControlSurfaces, type ListenAddr, listenAddrsOf, startListeners } from './control/surfaces.ts';
import type { CallMsg } from './messages.ts';
import type { AnyRef } from './runtime.ts';
import { spawnKernelTable } from './singletons/kernel-table.ts';
import { startLoadMonitor } from './singletons/load-monitor.ts';
import { spawnPortAllocator } from './singletons/port-allocator.ts';
import { spawnTimeouts } from './singletons/timeouts.ts';

export type { ListenAddr };

export interface DaemonOptions {
  settings: DaemonSettings;
  listenNg: ListenAddr[];
  listenTcpNg: ListenAddr[];
  /** `--listen-cli` (rtpengine-ctl) and `--listen-http` (HTTP and WebSocket). */
  listenCli?: ListenAddr[];
  listenHttp?: ListenAddr[];
  /** `--listen-udp`: the legacy rtpproxy protocol. */
  listenUdp?: ListenAddr[];
  /** `--listen-tcp`: the legacy OpenSER mediaproxy protocol. */
  listenTcp?: ListenAddr[];
  /** Replaces the /proc sampler of the load limits (tests). */
  loadSample?: () => LoadSample;
  log?: Logger;
  now?: () => number;
  /** Scan interval of the timeouts singleton (tests shorten it). */
  timeoutScanMs?: number;
  /** An opened kernel table (`--table >= 0` that passed the preflight): streams are handed over to it. */
  kernelTable?: KernelTable;
  /**
   * Userspace forwarding without a kernel table: the relay thread (src/relay-thread/) takes the streams the kernel
   * would take. `relayThread` in the main thread's daemon, `relayLink` (a link opened by the main thread) in a
   * call thread.
   */
  relayThread?: RelayThread;
  relayLink?: RelayLinkData;
  /** Set when this daemon is one call thread of several (actors/threads/): what the threads share. */
  threadShare?: ThreadShare;
}

/** The memory that call threads share: the port pools per interface name, and one call count per thread. */
export interface ThreadShare {
  ports: ReadonlyMap<string, SharedArrayBuffer>;
  sessions: Int32Array;
  /** This thread's index (its slot in `sessions`; its pairs are marked index + 1 in the pools). */
  index: number;
}

export interface Daemon {
  readonly ctx: DaemonContext;
  readonly registry: CallRegistry;
  readonly dispatcher: NgDispatcher;
  /** What this daemon's control listeners answer from (tests spawn more listeners over the same). */
  readonly surfaces: ControlSurfaces;
  /** The ports the ng listeners actually bound (useful with port 0). */
  readonly ngPorts: number[];
  readonly tcpNgPorts: number[];
  /** Test and operator hook: make one call's actors fail (supervision then ends that call alone). */
  injectFault(callId: string, where: 'call' | 'media'): boolean;
  stop(): Promise<void>;
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.log ?? new Logger();
  const supervision = new SupervisionLog(log);
  const system = start();
  const portAllocator = spawnPortAllocator(
    system,
    opts.settings.portMin,
    opts.settings.portMax,
    supervision,
    opts.threadShare ? { buffers: opts.threadShare.ports, owner: opts.threadShare.index + 1 } : undefined,
  );
  const ctx: DaemonContext = {
    settings: opts.settings,
    log,
    supervision,
    counters: new Counters(),
    ports: portAllocator.ref,
    portPairs: portAllocator.pairs,
    now: opts.now ?? Date.now,
    kernel: null,
    ...(opts.threadShare
      ? { sessionsAcrossThreads: { counts: opts.threadShare.sessions, index: opts.threadShare.index } }
      : {}),
  };
  if (opts.kernelTable) {
    ctx.kernel = spawnKernelTable(system, opts.kernelTable, {
      log: supervision,
      onError: (e) => log.warn('kernel counter read failed', { error: e }),
    });
  } else if (opts.relayLink || opts.relayThread) {
    const data = opts.relayLink ?? opts.relayThread?.newLink();
    if (data) {
      const link = new RelayLink(data);
      // its sockets are Node's again and later installs fail (RelayLink): every call goes on, counts kept
      link.onLost = () =>
        log.err('relay thread gone: this thread relays every packet on its own sockets now');
      ctx.kernel = link;
    }
  }
  const s = opts.settings;
  const loadMonitor =
    opts.loadSample === undefined &&
    anyLoadLimit({ maxLoad: s.maxLoad ?? 0, maxCpu: s.maxCpu ?? 0, maxBandwidth: s.maxBandwidth ?? 0 })
      ? startLoadMonitor()
      : null;
  const loadSample = opts.loadSample ?? loadMonitor?.sample;
  if (loadSample) ctx.loadSample = loadSample;
  const registry = new CallRegistry(system, ctx);
  const dispatcher = new NgDispatcher(ctx, registry);
  const timeouts = spawnTimeouts(system, ctx, registry, opts.timeoutScanMs);
  // nact 7.6 does not cascade a stop to grandchildren, so every actor with resources is stopped by name.
  const listeners: AnyRef[] = [];
  const stopAll = () => {
    clearInterval(timeouts.timer);
    loadMonitor?.stop();
    for (const l of listeners) stop(l);
    for (const entry of [...registry.entries()]) stop(entry.ref);
    stop(timeouts.ref);
    stop(portAllocator.ref);
    // removes the table from the kernel: nothing of ours stays forwarding after exit
    ctx.kernel?.close();
    registry.stopShards();
    stop(system);
  };
  const surfaces: ControlSurfaces = {
    ng: dispatcher,
    cli: cliEnvFor(ctx, registry),
    legacy: localLegacyCalls(ctx, registry, dispatcher),
  };
  let bound: Awaited<ReturnType<typeof startListeners>>;
  try {
    bound = await startListeners(system, ctx, surfaces, listenAddrsOf(opts), listeners);
  } catch (e) {
    stopAll();
    await new Promise((r) => setTimeout(r, 10));
    throw e;
  }
  const ngPorts = bound.ng;
  const tcpNgPorts = bound['tcp-ng'];
  return {
    ctx,
    registry,
    dispatcher,
    surfaces,
    ngPorts,
    tcpNgPorts,
    injectFault(callId, where) {
      const entry = registry.get(callId);
      if (!entry) return false;
      dispatch<CallMsg>(entry.ref, { kind: 'fault', where, error: `injected fault in ${where}` });
      return true;
    },
    async stop() {
      stopAll();
      // afterStop hooks run on the next turns of the event loop: let them close sockets and free ports.
      await new Promise((r) => setTimeout(r, 20));
    },
  };
}
