/**
 * Debian's real rtpengine 10.5 as the oracle the tools here record from: started in userspace on loopback with
 * a free ng port and the caller's interfaces, media port range and further options, handed out once it answers
 * `ping`, and stopped by its PID.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { encodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { NgClient } from '../helpers/ng-client.ts';
import { freeUdpPort } from '../helpers/ports.ts';

export interface RtpengineOptions {
  /** `-i` values, in this order (the first unnamed one is "default"); default: 127.0.0.1 only. */
  interfaces?: readonly string[];
  /** The media port range (`-m`, `-M`); default: rtpengine's own. */
  portRange?: readonly [number, number];
  /** Further command-line options, e.g. `--delete-delay=0`. */
  options?: readonly string[];
}

export interface Rtpengine {
  readonly ngPort: number;
  /** A client of its ng port, closed by `stop`. */
  readonly ng: OracleNgClient;
  /** Closes the client and stops rtpengine by its PID; resolves once it has exited. */
  stop(): Promise<void>;
}

// rtpengine caches replies by cookie, across clients: a cookie is never reused within one run
let cookieSeq = 0;

/** An ng client over UDP to 127.0.0.1 whose cookies are unique in this process. */
export class OracleNgClient extends NgClient {
  constructor(port: number) {
    super('127.0.0.1', port);
  }

  override request(
    dict: Record<string, NgValue>,
    cookie = `oracle_${process.pid}_${cookieSeq++}`,
  ): Promise<NgDict> {
    return super.request(dict, cookie);
  }

  /**
   * Pings until the server answers, a short wait per try: an ng port that is not bound yet drops the request
   * silently. `alive` tells whether to keep trying (false: the server is gone).
   */
  async awaitPing(alive: () => boolean = () => true, tries = 50): Promise<void> {
    for (let i = 0; i < tries && alive(); i++) {
      const cookie = `oracle_${process.pid}_${cookieSeq++}`;
      const ping = Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), encodeBencode({ command: 'ping' })]);
      try {
        await this.raw(ping, cookie, 100);
        return;
      } catch {
        // not listening yet
      }
    }
    throw new Error(`no answer to ping on ng port ${this.port}`);
  }
}

/** A UDP socket bound to a free port on 127.0.0.1. */
export async function loopbackSocket(): Promise<Socket> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  return s;
}

/** 100 media ports at a random place in 40000-59999, so that runs beside each other rarely collide. */
export function randomPortRange(): [number, number] {
  const min = 40000 + Math.floor(Math.random() * 200) * 100;
  return [min, min + 99];
}

/** Stops `child` by its PID (SIGKILL if SIGTERM has not ended it within 5 s); `closed`: its 'close' event. */
async function stopByPid(child: ChildProcess, closed: Promise<void>): Promise<void> {
  if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
    process.kill(child.pid, 'SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((r) => {
      timer = setTimeout(() => r('late'), 5000);
    });
    if ((await Promise.race([closed, late])) === 'late' && child.exitCode === null)
      process.kill(child.pid, 'SIGKILL');
    clearTimeout(timer);
  }
  await closed;
}

export async function startRtpengine(opts: RtpengineOptions = {}): Promise<Rtpengine> {
  const ngPort = await freeUdpPort();
  const args = ['--config-file=none', '-t', '-1', '-f', '-E'];
  for (const i of opts.interfaces ?? ['127.0.0.1']) args.push('-i', i);
  args.push(`--listen-ng=127.0.0.1:${ngPort}`);
  if (opts.portRange) args.push('-m', String(opts.portRange[0]), '-M', String(opts.portRange[1]));
  args.push(...(opts.options ?? []));
  const child = spawn('/usr/bin/rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  // 'close', not 'exit': only then has all of its stderr been read
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  // rtpengine logs to stderr (-E): kept to explain a failed start
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const ng = new OracleNgClient(ngPort);
  const stop = async (): Promise<void> => {
    ng.close();
    await stopByPid(child, closed);
  };
  try {
    await ng.awaitPing(() => child.exitCode === null);
  } catch {
    await stop();
    const how = child.exitCode === null ? `killed by ${child.signalCode}` : `exit code ${child.exitCode}`;
    throw new Error(`rtpengine ${args.join(' ')} did not start (${how}): ${log}`);
  }
  // past the start, the log is of no use and would only grow
  child.stderr?.removeAllListeners('data').resume();
  return { ngPort, ng, stop };
}

/** Runs `use` with a fresh rtpengine and stops it afterwards, also when `use` fails. */
export async function withRtpengine<T>(
  opts: RtpengineOptions,
  use: (r: Rtpengine) => Promise<T>,
): Promise<T> {
  const r = await startRtpengine(opts);
  try {
    return await use(r);
  } finally {
    await r.stop();
  }
}

/** A tool's result: printed, or with `write` stored at `path` (a golden file) instead. */
export function printOrWrite(text: string, path: string, write: boolean): void {
  if (!write) {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
  process.stdout.write(`wrote ${path}\n`);
}
