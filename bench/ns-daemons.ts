/**
 * The three proxies of the kernel benchmark, started in the proxy namespace (the process calling this runs
 * there) with the same rtpengine options: two named interfaces, one per side of the proxy, and the kernel
 * table as the only difference. Every daemon started is killed by PID however the bench ends.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { freeUdpPort, launchDaemon, repoRoot } from './daemon.ts';

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
  const running = await launchDaemon({
    kind,
    logPrefix: `bench-ns-${kind}`,
    file: command.file,
    args: command.args,
    env: command.env,
    cwd: repoRoot,
    ngPort,
    startTimeoutMs,
    killAfterMs: 5000,
  });
  return { kind, ...running };
}
