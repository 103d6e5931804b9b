/**
 * The daemon with a kernel table, run in the proxy namespace of a test topology, and the small pieces the
 * daemon-level kernel tests share: its command line, a synchronous ng request from inside the namespace (through
 * test/e2e/ng-client.ts, which uses the npm bencode codec, not ours), the SDP of a test party, and reading a query.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Topology } from './netns.ts';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const NG_CLIENT = fileURLToPath(new URL('../../e2e/ng-client.ts', import.meta.url));

export type Json = string | number | Json[] | { [key: string]: Json };
export type Dict = { [key: string]: Json };

export interface KernelDaemonOptions {
  table: number;
  ngPort: number;
  portMin: number;
  portMax: number;
}

export interface KernelDaemon {
  readonly process: ChildProcess;
  /** Everything it wrote to stderr so far (JSON log lines). */
  log(): string;
}

/** Starts `bin/rtpengine-ts.js --table=N --no-fallback` on the proxy's two interfaces, immediate learning. */
export function spawnKernelDaemon(topo: Topology, o: KernelDaemonOptions): KernelDaemon {
  const child = spawn(
    'ip',
    [
      ...['netns', 'exec', topo.proxy, process.execPath, 'bin/rtpengine-ts.js'],
      ...['--config-file=none', '-f', '-E', `--table=${o.table}`, '--no-fallback'],
      `--interface=caller/${topo.proxyCallerSide}`,
      `--interface=callee/${topo.proxyCalleeSide}`,
      `--listen-ng=127.0.0.1:${o.ngPort}`,
      `--port-min=${o.portMin}`,
      `--port-max=${o.portMax}`,
      '--endpoint-learning=immediate',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  child.stderr?.on('data', (c: Buffer) => {
    log += c.toString();
  });
  return { process: child, log: () => log };
}

/** One ng request to 127.0.0.1:port inside the proxy namespace; throws when nothing answers. */
export function ngInProxy(topo: Topology, port: number, msg: Dict): Dict {
  const out = execFileSync(
    'ip',
    [
      'netns',
      'exec',
      topo.proxy,
      process.execPath,
      '--import',
      'tsx',
      NG_CLIENT,
      '127.0.0.1',
      String(port),
      JSON.stringify(msg),
    ],
    { cwd: ROOT },
  );
  return JSON.parse(out.toString()) as Dict;
}

/** Waits (up to ~10 s) until `ping` answers `pong`. */
export async function waitForPong(ping: () => Promise<unknown> | unknown): Promise<boolean> {
  for (let i = 0; i < 100; i++) {
    try {
      if ((await ping()) === 'pong') return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

/** The SDP of a test party: PCMU on address:port. */
export function partySdp(address: string, port: number): string {
  return [
    'v=0',
    `o=- 1 1 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=rtpmap:0 PCMU/8000',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The port of an SDP's first m= line. */
export const portOf = (sdp: unknown): number => Number(/^m=audio (\d+)/m.exec(String(sdp))?.[1]);

/** The first stream (RTP) of the first media of a party in a query reply. */
export function firstStream(q: Record<string, unknown>, tag: string): Dict {
  const medias = ((q.tags as Dict)[tag] as Dict).medias as Dict[];
  const streams = (medias[0] as Dict).streams as Dict[];
  return streams[0] as Dict;
}
