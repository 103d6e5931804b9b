/**
 * The CLI listener (`--listen-cli`, what `rtpengine-ctl` talks to): one command line per TCP connection, the
 * answer, then the connection is closed (rtpengine-ctl reads until EOF). Also builds the CliEnv that the HTTP
 * and WebSocket CLI share, so every surface sees the same tunables and the same start-up parameters.
 */
import { readFileSync } from 'node:fs';
import { dispatch, type Ref } from 'nact';
import type { Logger } from '../../src/log/logger.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext, DaemonSettings } from '../context.ts';
import type { CallMsg, PortMsg, PortUsage } from '../messages.ts';
import { type AnyRef, ask } from '../runtime.ts';
import {
  type CliEnv,
  type CliTunables,
  currentParams,
  LOG_SUBSYSTEMS,
  runCliCommand,
} from './cli-commands.ts';
import { type ListenerContext, spawnStreamListener } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';
import { statisticsReply } from './statistics.ts';

/** A command line longer than this can never be valid: the connection is dropped instead of buffering more. */
export const MAX_CLI_LINE = 64 * 1024;

export function softOpenFileLimit(): number {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m?.[1] ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

const ENVS = new WeakMap<DaemonContext, CliEnv>();

/**
 * The CLI's tunables over a daemon's settings, with every log subsystem at `logLevel`. The load limits are the
 * daemon's own settings (the dispatcher checks them): `set maxload` changes them live.
 */
export function cliTunables(settings: DaemonSettings, logLevel: number): CliTunables {
  const logLevels = new Map<string, number>(LOG_SUBSYSTEMS.map(([n]) => [n, logLevel]));
  logLevels.set('internals', -1);
  return {
    get maxBandwidth() {
      return settings.maxBandwidth ?? 0;
    },
    set maxBandwidth(v: number) {
      settings.maxBandwidth = v;
    },
    get maxCpu() {
      return settings.maxCpu ?? 0;
    },
    set maxCpu(v: number) {
      settings.maxCpu = v;
    },
    get maxLoad() {
      return settings.maxLoad ?? 0;
    },
    set maxLoad(v: number) {
      settings.maxLoad = v;
    },
    controlTos: 0,
    logLevels,
  };
}

/** The one CliEnv of a daemon, made on first use (which is start-up, when listeners bind). */
export function cliEnvFor(ctx: DaemonContext, registry: CallRegistry): CliEnv {
  const existing = ENVS.get(ctx);
  if (existing) return existing;
  const tunables = cliTunables(ctx.settings, ctx.log.level);
  const portUsage = (interfaceName?: string) =>
    ask<PortMsg, PortUsage>(ctx.ports, (reply) =>
      interfaceName === undefined ? { kind: 'usage', reply } : { kind: 'usage', interfaceName, reply },
    );
  const env: CliEnv = {
    settings: ctx.settings,
    tunables,
    start: currentParams({ settings: ctx.settings, tunables }),
    setLogLevel: (level) => {
      ctx.log.level = level;
    },
    calls: () =>
      registry
        .entriesByAge()
        .map((e) => e.call)
        .reverse(),
    call: (callId) => registry.get(callId)?.call,
    terminate: (callId) => {
      const entry = registry.get(callId);
      if (!entry) return false;
      dispatch<CallMsg>(entry.ref, { kind: 'terminate', reason: 'forced' });
      return true;
    },
    statistics: async () => statisticsReply(ctx, registry, await portUsage()),
    portUsage: (name) => portUsage(name),
    now: () => ctx.now(),
    maxOpenFiles: softOpenFileLimit,
    pid: process.pid,
  };
  ENVS.set(ctx, env);
  return env;
}

/** Runs one command for any surface; a failing command answers with an error text instead of throwing. */
export async function answerCli(env: CliEnv, ctx: { log: Logger }, lineText: string): Promise<string> {
  ctx.log.info('Got CLI command', { command: lineText });
  try {
    return await runCliCommand(lineText, env);
  } catch (e) {
    ctx.log.err('CLI command failed', { command: lineText, error: e });
    return 'Internal error\n';
  }
}

/** The CLI listener over any CliEnv: the daemon's own, or the main thread's over the call threads. */
export function spawnCliListener(
  parent: AnyRef,
  ctx: ListenerContext,
  env: CliEnv,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  return spawnStreamListener(parent, ctx, {
    host,
    port,
    name,
    protocol: 'CLI',
    onConnection: (conn) => {
      let pending = Buffer.alloc(0);
      let answered = false;
      conn.on('data', (chunk) => {
        if (answered) return;
        pending = Buffer.concat([pending, chunk]);
        // rtpengine answers the first non-empty line only.
        let text = '';
        while (text === '') {
          const nl = pending.indexOf(0x0a);
          if (nl < 0) {
            if (pending.length > MAX_CLI_LINE) conn.destroy();
            return;
          }
          text = pending.subarray(0, nl).toString('utf8');
          pending = pending.subarray(nl + 1);
          if (text.endsWith('\r')) text = text.slice(0, -1);
        }
        answered = true;
        answerCli(env, ctx, text).then((out) => {
          if (!conn.destroyed) conn.end(out);
        });
      });
    },
  });
}
