/**
 * Every control listener of a daemon, spawned and bound in one place for both daemon shapes: one thread
 * (actors/system.ts: the surfaces answer from this thread's dispatcher and registry) and call threads
 * (actors/threads/threaded-daemon.ts: they answer through CallThreads). Only what the surfaces answer from
 * differs; names, order, binding and the error that names a port already in use are the same.
 */
import type { Ref } from 'nact';
import type { DaemonContext } from '../context.ts';
import type { AnyRef } from '../runtime.ts';
import { spawnCliListener } from './cli.ts';
import type { CliEnv } from './cli-commands.ts';
import type { NgHandler } from './dispatcher.ts';
import { spawnHttpListener } from './http.ts';
import type { LegacyCalls } from './legacy-calls.ts';
import type { ListenerContext } from './listen.ts';
import { spawnMediaproxyListener } from './mediaproxy.ts';
import { spawnNgTcp } from './ng-tcp.ts';
import { bindListener, type ListenerMsg, spawnNgUdp } from './ng-udp.ts';
import { spawnRtpproxyListener } from './rtpproxy.ts';

export interface ListenAddr {
  host: string;
  port: number;
}

/** What the listeners answer from: ng messages, CLI commands, and the legacy protocols' questions about calls. */
export interface ControlSurfaces {
  ng: NgHandler;
  cli: CliEnv;
  legacy: LegacyCalls;
}

/** The listener kinds, named as in their actors' names and in the error naming a port that cannot be bound. */
export type ListenerKind = 'ng' | 'tcp-ng' | 'cli' | 'http' | 'udp' | 'tcp';

/** Where a daemon's options say it listens (`--listen-ng`, `--listen-tcp-ng`, `--listen-cli`, ...). */
export interface ListenOptions {
  listenNg: readonly ListenAddr[];
  listenTcpNg: readonly ListenAddr[];
  listenCli?: readonly ListenAddr[];
  listenHttp?: readonly ListenAddr[];
  listenUdp?: readonly ListenAddr[];
  listenTcp?: readonly ListenAddr[];
}

/** The same addresses by listener kind, as `startListeners` takes them (an absent kind listens nowhere). */
export function listenAddrsOf(o: ListenOptions): Partial<Record<ListenerKind, readonly ListenAddr[]>> {
  return {
    ng: o.listenNg,
    'tcp-ng': o.listenTcpNg,
    cli: o.listenCli,
    http: o.listenHttp,
    udp: o.listenUdp,
    tcp: o.listenTcp,
  };
}

export type SurfaceContext = ListenerContext & Pick<DaemonContext, 'now'>;

const ACTOR_PREFIX: Record<ListenerKind, string> = {
  ng: 'ng-udp',
  'tcp-ng': 'ng-tcp',
  cli: 'cli',
  http: 'http',
  udp: 'udp',
  tcp: 'tcp',
};

/** One listener of `kind` on host:port (not bound yet: see bindListener). */
export function spawnListener(
  kind: ListenerKind,
  parent: AnyRef,
  ctx: SurfaceContext,
  surfaces: ControlSurfaces,
  host: string,
  port: number,
  index: number,
): Ref<ListenerMsg> {
  const name = `${ACTOR_PREFIX[kind]}-${index}`;
  switch (kind) {
    case 'ng':
      return spawnNgUdp(parent, ctx, surfaces.ng, host, port, name);
    case 'tcp-ng':
      return spawnNgTcp(parent, ctx, surfaces.ng, host, port, name);
    case 'cli':
      return spawnCliListener(parent, ctx, surfaces.cli, host, port, name);
    case 'http':
      return spawnHttpListener(parent, ctx, surfaces.ng, surfaces.cli, host, port, name);
    case 'udp':
      return spawnRtpproxyListener(parent, ctx, surfaces.legacy, host, port, name);
    case 'tcp':
      return spawnMediaproxyListener(parent, ctx, surfaces.legacy, host, port, name);
  }
}

/**
 * Spawns and binds every configured listener, in the order of `listen`, adding each actor to `spawned` as it is
 * made (the caller stops them, also after a failure). Resolves with the bound ports by kind; rejects with
 * "cannot listen on HOST:PORT (KIND): reason" at the first listener that cannot bind.
 */
export async function startListeners(
  parent: AnyRef,
  ctx: SurfaceContext,
  surfaces: ControlSurfaces,
  listen: Partial<Record<ListenerKind, readonly ListenAddr[]>>,
  spawned: AnyRef[],
): Promise<Record<ListenerKind, number[]>> {
  const ports: Record<ListenerKind, number[]> = { ng: [], 'tcp-ng': [], cli: [], http: [], udp: [], tcp: [] };
  for (const kind of Object.keys(ports) as ListenerKind[]) {
    for (const [i, l] of (listen[kind] ?? []).entries()) {
      const ref = spawnListener(kind, parent, ctx, surfaces, l.host, l.port, i);
      spawned.push(ref);
      const r = await bindListener(ref);
      if (!r.ok) throw new Error(`cannot listen on ${l.host}:${l.port} (${kind}): ${r.error}`);
      ports[kind].push(r.port);
    }
  }
  return ports;
}
