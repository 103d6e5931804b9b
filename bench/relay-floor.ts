/**
 * What relaying a packet costs at the floor, side by side: rtpengine 10.5 (`-t -1`), a bare Node dgram relay
 * (bench/floor/node-relay.ts) and a relay outside Node's dgram through koffi (bench/floor/koffi-relay.ts), each
 * carrying the same G.711 load from the bench's C load generator, alternated over rounds. Prints each one's CPU per
 * relayed packet (utime+stime from /proc over the measured window) and loss. Where our daemon's CPU per packet
 * comes from, and what leaving Node's dgram would bring, are read from these figures (README "Measured figures").
 *
 *   npx tsx bench/relay-floor.ts [calls=100] [rounds=3]
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { startDaemon } from './daemon.ts';
import { Loadgen } from './loadgen.ts';
import { cpuSeconds } from './proc-stats.ts';
import { g711, runRelayStep } from './relay.ts';

const calls = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 3);
const timing = { warmupMs: 1000, measureMs: 5000, drainMs: 300 };

interface Figure {
  cpuPerPacketUs: number;
  loss: number;
}

/** One of the floor relays (a script here) carrying `calls` calls of the load generator. */
async function floorRelay(script: string): Promise<Figure> {
  const loadgen = Loadgen.start();
  let relay: ChildProcess | undefined;
  try {
    const ports = await loadgen.open(calls * 2);
    const pairs = Array.from({ length: calls }, (_, i) => [ports[2 * i], ports[2 * i + 1]]);
    const path = fileURLToPath(new URL(`./floor/${script}`, import.meta.url));
    relay = spawn(process.execPath, ['--import', 'tsx', path], { stdio: ['pipe', 'pipe', 'inherit'] });
    relay.stdin?.end(JSON.stringify(pairs));
    const stdout = relay.stdout;
    if (!stdout) throw new Error(`${script} has no stdout`);
    const line = await new Promise<string>((resolve) =>
      createInterface({ input: stdout }).once('line', resolve),
    );
    const relayPorts = JSON.parse(line) as [number, number][];
    relayPorts.forEach(([toCaller, toCallee], i) => {
      loadgen.setPeer(2 * i, '127.0.0.1', toCaller);
      loadgen.setPeer(2 * i + 1, '127.0.0.1', toCallee);
    });
    const pid = relay.pid as number;
    let before = 0;
    let after = 0;
    const r = await loadgen.run({ ...g711, ...timing }, (phase) => {
      if (phase === 'measure') before = cpuSeconds(pid);
      else after = cpuSeconds(pid);
    });
    return {
      cpuPerPacketUs: ((after - before) / Math.max(r.received, 1)) * 1e6,
      loss: r.sent === 0 ? 1 : Math.max(0, 1 - r.received / r.sent),
    };
  } finally {
    loadgen.kill();
    relay?.kill();
  }
}

async function rtpengine(): Promise<Figure> {
  const daemon = await startDaemon('rtpengine', { portMin: 20000, portMax: 59999, threads: 2 });
  try {
    const r = await runRelayStep(daemon, calls, timing, 'floor');
    return { cpuPerPacketUs: r.daemonCpuPerPacketUs, loss: r.loss };
  } finally {
    await daemon.stop();
  }
}

const runs: [string, () => Promise<Figure>][] = [
  ['rtpengine 10.5 (-t -1, 2 threads)', rtpengine],
  ['bare Node dgram relay', () => floorRelay('node-relay.ts')],
  ['relay through koffi (epoll, recvfrom, sendto)', () => floorRelay('koffi-relay.ts')],
];
const figures = new Map<string, Figure[]>();
for (let round = 1; round <= rounds; round++) {
  for (const [name, run] of runs) {
    const f = await run();
    figures.set(name, [...(figures.get(name) ?? []), f]);
    console.log(
      `round ${round}: ${name}: ${f.cpuPerPacketUs.toFixed(2)} µs/packet, loss ${(f.loss * 100).toFixed(3)}%`,
    );
  }
}
console.log(`\n${calls} G.711 calls (${calls * 100} packets/s), mean of ${rounds} alternated rounds:`);
for (const [name, fs] of figures) {
  const mean = fs.reduce((s, f) => s + f.cpuPerPacketUs, 0) / fs.length;
  const worstLoss = Math.max(...fs.map((f) => f.loss));
  console.log(
    `  ${name.padEnd(48)} ${mean.toFixed(2).padStart(6)} µs/packet (worst loss ${(worstLoss * 100).toFixed(3)}%)`,
  );
}
