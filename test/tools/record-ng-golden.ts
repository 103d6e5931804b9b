/**
 * Records the ng differential scenarios (test/differential/scenarios.ts) from Debian's real rtpengine 10.5:
 * for each scenario it starts a fresh rtpengine in userspace on free loopback ports with the scenario's
 * interfaces, sends the requests in order, and writes the requests and rtpengine's replies verbatim to
 * test/golden/ng/<scenario>.json.
 *
 *   npx tsx test/tools/record-ng-golden.ts             # record every scenario
 *   npx tsx test/tools/record-ng-golden.ts NAME...     # record only these
 *
 * Each rtpengine is stopped by its PID when its scenario ends, also when it fails.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBencode, encodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { type NgScenario, SCENARIOS } from '../differential/scenarios.ts';

export interface NgExchange {
  request: NgDict;
  reply: NgDict;
}

export interface NgGolden {
  name: string;
  description: string;
  rtpengine: string;
  interfaces: string[];
  /** rtpengine's media port range for this recording (`-m`, `-M`): the replay maps these to ours. */
  portRange: [number, number];
  exchanges: NgExchange[];
}

const PORT_SPAN = 100;

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// rtpengine caches replies by cookie, across clients: a cookie is never reused within one run
let cookieSeq = 0;

class Client {
  readonly #socket = dgram.createSocket('udp4');
  constructor(readonly port: number) {}

  request(msg: NgDict, timeoutMs = 2000): Promise<NgDict> {
    const cookie = `ng_${process.pid}_${cookieSeq++}`;
    const payload = Buffer.concat([Buffer.from(`${cookie} `), encodeBencode(msg)]);
    return new Promise((resolve, reject) => {
      const onMessage = (data: Buffer): void => {
        const space = data.indexOf(0x20);
        if (data.subarray(0, space).toString() !== cookie) return;
        clearTimeout(timer);
        this.#socket.off('message', onMessage);
        resolve(decodeBencode(data.subarray(space + 1)) as NgDict);
      };
      const timer = setTimeout(() => {
        this.#socket.off('message', onMessage);
        reject(new Error(`no ng reply to ${cookie}`));
      }, timeoutMs);
      this.#socket.on('message', onMessage);
      this.#socket.send(payload, this.port, '127.0.0.1');
    });
  }

  close(): void {
    this.#socket.close();
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.pid === undefined) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    process.kill(child.pid as number, 'SIGTERM');
  });
}

async function startRtpengine(
  interfaces: readonly string[],
  ngPort: number,
  portMin: number,
): Promise<ChildProcess> {
  const args = ['--config-file=none', '-t', '-1', '-f', '-E', '--delete-delay=0'];
  for (const i of interfaces) args.push('-i', i);
  args.push(`--listen-ng=127.0.0.1:${ngPort}`, '-m', String(portMin), '-M', String(portMin + PORT_SPAN - 1));
  const child = spawn('/usr/bin/rtpengine', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr?.on('data', (d: Buffer) => {
    log += d.toString();
  });
  const client = new Client(ngPort);
  try {
    for (let attempt = 0; attempt < 50; attempt++) {
      if (child.exitCode !== null) throw new Error(`rtpengine exited: ${log}`);
      try {
        await client.request({ command: 'ping' }, 100);
        return child;
      } catch {
        // not listening yet
      }
    }
    throw new Error(`rtpengine did not answer ping: ${log}`);
  } catch (e) {
    await stopChild(child);
    throw e;
  } finally {
    client.close();
  }
}

export async function recordScenario(sc: NgScenario, portMin: number): Promise<NgGolden> {
  const ngPort = await freeUdpPort();
  const child = await startRtpengine(sc.interfaces, ngPort, portMin);
  const client = new Client(ngPort);
  try {
    const exchanges: NgExchange[] = [];
    for (const request of sc.steps) exchanges.push({ request, reply: await client.request(request) });
    return {
      name: sc.name,
      description: sc.description,
      rtpengine: '10.5.3.5',
      interfaces: sc.interfaces,
      portRange: [portMin, portMin + PORT_SPAN - 1],
      exchanges,
    };
  } finally {
    client.close();
    await stopChild(child);
  }
}

async function main(only: readonly string[]): Promise<void> {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'ng');
  mkdirSync(outDir, { recursive: true });
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')}`);
  // A port range away from the test daemons' (41000+) so a recording can run beside the tests.
  let portMin = 32000 + (process.pid % 20) * PORT_SPAN;
  for (const sc of SCENARIOS) {
    if (only.length > 0 && !only.includes(sc.name)) continue;
    const golden = await recordScenario(sc, portMin);
    portMin = 32000 + ((portMin - 32000 + PORT_SPAN) % (20 * PORT_SPAN));
    writeFileSync(join(outDir, `${sc.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
    console.log(`recorded ${sc.name}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
