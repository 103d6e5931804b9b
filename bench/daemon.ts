/**
 * Starting and stopping the two media proxies under test with the same rtpengine options, on free
 * ports. Every started daemon is remembered so that it is killed (by PID) however the bench ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NgClient } from './ng-client.ts';
import { fileLimit } from './proc-stats.ts';

export type ProxyKind = 'rtpengine' | 'ts';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface DaemonOptions {
  portMin: number;
  portMax: number;
  /** `--num-threads` for both proxies (default: one per core, rtpengine's own default). */
  threads?: number;
}

export interface RunningDaemon {
  kind: ProxyKind;
  pid: number;
  ngPort: number;
  logFile: string;
  stop(): Promise<void>;
}

const live = new Map<number, ChildProcess>();

function killAllSync(): void {
  for (const [pid, child] of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }
  live.clear();
}

process.on('exit', killAllSync);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    killAllSync();
    process.exit(130);
  });
}

/** A UDP port on 127.0.0.1 that nothing is bound to right now. */
export async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((done) => socket.bind(0, '127.0.0.1', done));
  const { port } = socket.address();
  await new Promise<void>((done) => socket.close(done));
  return port;
}

/** The daemon's command line; both proxies get the very same rtpengine options. */
export function commandFor(
  kind: ProxyKind,
  ngPort: number,
  options: DaemonOptions,
): { file: string; args: string[] } {
  const rtpengineArgs = [
    '--config-file=none',
    '-t',
    '-1',
    '-f',
    '-E',
    '-i',
    '127.0.0.1',
    `--listen-ng=127.0.0.1:${ngPort}`,
    '-m',
    String(options.portMin),
    '-M',
    String(options.portMax),
    // Deleted calls must release their ports at once: the default 30 s delay would hold thousands of
    // sockets during a setup-rate run and hit the open-files limit.
    '-d',
    '0',
    // both default to one thread per core; written out so that `--threads=N` can change it for both
    `--num-threads=${options.threads ?? availableParallelism()}`,
  ];
  if (kind === 'rtpengine') return { file: 'rtpengine', args: rtpengineArgs };
  return { file: process.execPath, args: [join(repoRoot, 'bin', 'rtpengine-ts.js'), ...rtpengineArgs] };
}

/** Why the ts daemon cannot run at all, before trying to start it. */
export function tsUnavailableReason(): string | undefined {
  const launcher = join(repoRoot, 'bin', 'rtpengine-ts.js');
  if (!existsSync(launcher)) return `${launcher} is missing`;
  if (!existsSync(join(repoRoot, 'src', 'main.ts'))) return 'src/main.ts is missing (daemon not written yet)';
  return undefined;
}

function tail(file: string, lines = 8): string {
  try {
    return readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

async function answersPing(ngPort: number): Promise<boolean> {
  const client = await NgClient.open('127.0.0.1', ngPort, 300);
  try {
    const outcome = await client.request({ command: 'ping' });
    return outcome.kind === 'reply' && outcome.reply.result === 'pong';
  } finally {
    client.close();
  }
}

/** How to start one daemon process (`startDaemon` here, `startNsDaemon` in ns-daemons.ts). */
export interface LaunchSpec {
  /** Names the daemon in errors and its log folder (`$TMPDIR/<logPrefix>-XXXXXX/daemon.log`). */
  kind: string;
  logPrefix: string;
  file: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  ngPort: number;
  startTimeoutMs: number;
  /** After SIGTERM, how long before SIGKILL. */
  killAfterMs: number;
}

/**
 * Spawns a daemon with the highest open-files limit allowed (each call holds several sockets), its output in a
 * log file, tracked so that it is killed however the bench ends, and waits until it answers an ng ping; throws
 * with the reason (and the log's tail) if it exits or stays silent.
 */
export async function launchDaemon(spec: LaunchSpec): Promise<Omit<RunningDaemon, 'kind'>> {
  const { kind, file, args, ngPort } = spec;
  const logFile = join(mkdtempSync(join(tmpdir(), `${spec.logPrefix}-`)), 'daemon.log');
  const logFd = openSync(logFile, 'a');
  const { hard } = fileLimit();
  const limited = Number.isFinite(hard) && existsSync('/usr/bin/prlimit');
  const options = {
    stdio: ['ignore', logFd, logFd] as ['ignore', number, number],
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.cwd ? { cwd: spec.cwd } : {}),
  };
  const child = limited
    ? spawn('/usr/bin/prlimit', [`--nofile=${hard}:${hard}`, '--', file, ...args], options)
    : spawn(file, args, options);
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${file}`);
  live.set(pid, child);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  child.once('error', (error) => {
    exited = `spawn error: ${error.message}`;
  });

  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), spec.killAfterMs);
      await gone;
      clearTimeout(timer);
    }
    live.delete(pid);
  };

  const deadline = Date.now() + spec.startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      live.delete(pid);
      throw new Error(`${kind} ${exited} before answering ping: ${tail(logFile)}`);
    }
    if (await answersPing(ngPort)) return { pid, ngPort, logFile, stop };
    await new Promise((done) => setTimeout(done, 200));
  }
  await stop();
  throw new Error(`${kind} did not answer ping within ${spec.startTimeoutMs} ms: ${tail(logFile)}`);
}

/** Starts a daemon and waits until it answers an ng ping; throws with the reason if it cannot. */
export async function startDaemon(
  kind: ProxyKind,
  options: DaemonOptions,
  startTimeoutMs = 15000,
): Promise<RunningDaemon> {
  if (kind === 'ts') {
    const reason = tsUnavailableReason();
    if (reason) throw new Error(reason);
  }
  const ngPort = await freeUdpPort();
  const { file, args } = commandFor(kind, ngPort, options);
  const running = await launchDaemon({
    kind,
    logPrefix: `bench-${kind}`,
    file,
    args,
    ngPort,
    startTimeoutMs,
    killAfterMs: 3000,
  });
  return { kind, ...running };
}
