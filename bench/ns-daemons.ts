/**
 * The three proxies of the kernel benchmark, started in the proxy namespace (the process calling this runs
 * there) with the same rtpengine options: two named interfaces, one per side of the proxy, and the kernel
 * table as the only difference. Every daemon started is killed by PID however the bench ends.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freeUdpPort, repoRoot } from './daemon.ts';
import { NgClient } from './ng-client.ts';
import { fileLimit } from './proc-stats.ts';

export type NsProxyKind = 'rtpengine' | 'ts-user' | 'ts-kernel';

export interface NsDaemonOptions {
  callerSide: string;
  calleeSide: string;
}

export interface NsDaemon {
  kind: NsProxyKind;
  pid: number;
  ngPort: number;
  logFile: string;
  stop(): Promise<void>;
}

const live = new Map<number, ChildProcess>();

export function killDaemonsSync(): void {
  for (const [pid, child] of live) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
  live.clear();
}

process.on('exit', killDaemonsSync);

/**
 * The built daemon (dist/) when it is at least as new as every source file, else the sources through tsx:
 * a stale build would measure code that is not in the tree.
 */
export function tsLaunchEnv(): { env: NodeJS.ProcessEnv; note: string } {
  const built = join(repoRoot, 'dist', 'src', 'main.js');
  const newest = (dir: string): number => {
    let latest = 0;
    const walk = (path: string): void => {
      const stat = statSync(path);
      if (stat.isDirectory()) {
        for (const entry of readdirSync(path)) walk(join(path, entry));
      } else if (path.endsWith('.ts')) latest = Math.max(latest, stat.mtimeMs);
    };
    walk(dir);
    return latest;
  };
  const sourcesTime = Math.max(...['src', 'actors', 'kernel'].map((d) => newest(join(repoRoot, d))));
  if (existsSync(built) && statSync(built).mtimeMs >= sourcesTime)
    return { env: process.env, note: 'built daemon (dist/)' };
  return {
    env: { ...process.env, RTPENGINE_TS_SOURCE: '1' },
    note: 'sources through tsx (dist/ is missing or older than the sources; `npm run build` to use it)',
  };
}

function argsFor(kind: NsProxyKind, ngPort: number, options: NsDaemonOptions): string[] {
  return [
    '--config-file=none',
    '-f',
    '-E',
    '-i',
    `caller/${options.callerSide}`,
    '-i',
    `callee/${options.calleeSide}`,
    `--listen-ng=127.0.0.1:${ngPort}`,
    '-m',
    '20000',
    '-M',
    '59999',
    // no delete delay: a deleted call's sockets would otherwise stay open for 30 s (bench/README.md)
    '-d',
    '0',
    // the first packet from the SDP's endpoint confirms it, so streams qualify for the kernel at once
    '--endpoint-learning=immediate',
    '-t',
    kind === 'ts-kernel' ? '0' : '-1',
    ...(kind === 'ts-kernel' ? ['--no-fallback'] : []),
  ];
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

export async function startNsDaemon(
  kind: NsProxyKind,
  options: NsDaemonOptions,
  startTimeoutMs = 20000,
): Promise<NsDaemon> {
  const ngPort = await freeUdpPort();
  const daemonArgs = argsFor(kind, ngPort, options);
  const command =
    kind === 'rtpengine'
      ? { file: 'rtpengine', args: daemonArgs, env: process.env }
      : {
          file: process.execPath,
          args: ['--max-semi-space-size=64', join(repoRoot, 'bin', 'rtpengine-ts.js'), ...daemonArgs],
          env: tsLaunchEnv().env,
        };
  const logFile = join(mkdtempSync(join(tmpdir(), `bench-ns-${kind}-`)), 'daemon.log');
  const logFd = openSync(logFile, 'a');
  const { hard } = fileLimit();
  const child =
    Number.isFinite(hard) && existsSync('/usr/bin/prlimit')
      ? spawn('/usr/bin/prlimit', [`--nofile=${hard}:${hard}`, '--', command.file, ...command.args], {
          stdio: ['ignore', logFd, logFd],
          env: command.env,
          cwd: repoRoot,
        })
      : spawn(command.file, command.args, {
          stdio: ['ignore', logFd, logFd],
          env: command.env,
          cwd: repoRoot,
        });
  closeSync(logFd);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${command.file}`);
  live.set(pid, child);
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `exited with ${signal ?? `code ${code}`}`;
  });
  const stop = async (): Promise<void> => {
    if (exited === undefined) {
      const gone = new Promise<void>((done) => child.once('exit', () => done()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    live.delete(pid);
  };
  const deadline = Date.now() + startTimeoutMs;
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      live.delete(pid);
      throw new Error(`${kind} ${exited} before answering ping: ${tail(logFile)}`);
    }
    if (await answersPing(ngPort)) return { kind, pid, ngPort, logFile, stop };
    await new Promise((done) => setTimeout(done, 200));
  }
  await stop();
  throw new Error(`${kind} did not answer ping within ${startTimeoutMs} ms: ${tail(logFile)}`);
}
