/**
 * `npx tsx bench/gc-promotion.ts [seconds] [--rate=N]`: how much each young-generation collection promotes to V8's
 * old generation under the setup load, in a one-thread daemon (in-process, so that V8 prints its GC trace for it,
 * with the daemon's own V8 settings, src/gc-tuning.ts) fed by the C ng client (bench/ngload.c), as fast as it
 * answers or paced at N setups/s. The steadiest allocation figure on this noisy machine (a few % from run to run,
 * where setups/s and p99 move 10-35%): session 5 took it from 785 to 315 KB per collection, which made the young
 * collections shorter and the full ones rarer. It prints the collections' count, mean pause, bytes surviving and
 * promoted (per collection, and per setup: the per-collection figures grow with the time between collections),
 * and the full collections' pauses.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startDaemon } from '../actors/system.ts';
import { tuneGarbageCollector } from '../src/gc-tuning.ts';
import { silentLogger } from '../src/log/logger.ts';
import { loopbackSettings } from '../test/helpers/daemon.ts';
import { freeUdpPort } from './daemon.ts';
import { measureSetupRateC } from './ngload.ts';

const seconds = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 5);
const rateArg = process.argv.find((a) => a.startsWith('--rate='));
const rate = rateArg ? Number(rateArg.slice('--rate='.length)) : undefined;

if (process.argv.includes('--child')) {
  // the daemon under test, with V8's trace on this process's stdout
  tuneGarbageCollector();
  const port = await freeUdpPort();
  const daemon = await startDaemon({
    settings: { ...loopbackSettings(40000, 59999), deleteDelay: 0 },
    listenNg: [{ host: '127.0.0.1', port }],
    listenTcpNg: [],
    log: silentLogger,
  });
  const r = await measureSetupRateC(port, 1000, seconds * 1000, `gc${process.pid}`, 32, undefined, rate);
  console.error(
    JSON.stringify({
      setupsPerSecond: r.setupsPerSecond,
      p99Ms: r.p99Ms,
      failures: r.failures.total,
    }),
  );
  await daemon.stop();
  process.exit(0);
}

const child = spawn(
  process.execPath,
  [
    '--trace-gc-nvp',
    '--import',
    'tsx',
    fileURLToPath(import.meta.url),
    '--child',
    String(seconds),
    ...(rateArg ? [rateArg] : []),
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let trace = '';
let result = '';
child.stdout.on('data', (d: Buffer) => {
  trace += d.toString();
});
child.stderr.on('data', (d: Buffer) => {
  result += d.toString();
});
const code = await new Promise<number | null>((r) => child.once('exit', r));
if (code !== 0) {
  console.error(`the daemon process failed (${code}): ${result}`);
  process.exit(1);
}

/** name=value fields of one nvp line. */
function fields(line: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const m of line.matchAll(/ ([a-z_.]+)=([0-9.]+)/g)) out.set(m[1] as string, Number(m[2]));
  return out;
}
const lines = trace.split('\n');
// the first collections belong to start-up and the warm-up second
const youngLines = lines.filter((l) => l.includes(' gc=s ')).slice(20);
const young = youngLines.map(fields);
const full = lines.filter((l) => / gc=m[cs] /.test(l)).map(fields);
const mean = (xs: Map<string, number>[], key: string) =>
  xs.reduce((s, x) => s + (x.get(key) ?? 0), 0) / Math.max(1, xs.length);
const load = JSON.parse(result.trim().split('\n').at(-1) ?? '{}') as {
  setupsPerSecond?: number;
  p99Ms?: number;
  failures?: number;
};
/** The young collections' time span (V8's own clock in each line), for the bytes per setup. */
const at = (line: string) => Number(/\s(\d+) ms: /.exec(line)?.[1] ?? 0);
const spanSeconds = (at(youngLines.at(-1) ?? '') - at(youngLines[0] ?? '')) / 1000;
const perSetup = (key: string) =>
  spanSeconds > 0 && load.setupsPerSecond
    ? (
        young.slice(1).reduce((s, x) => s + (x.get(key) ?? 0), 0) /
        spanSeconds /
        load.setupsPerSecond
      ).toFixed(0)
    : '?';
console.log(
  `setups/s ${load.setupsPerSecond?.toFixed(0)}${rate ? ` (paced at ${rate})` : ''} (p99 ${load.p99Ms?.toFixed(2)} ms, ${load.failures} failed)\n` +
    `young collections ${young.length}: pause ${mean(young, 'pause').toFixed(2)} ms, ` +
    `survived ${(mean(young, 'new_space_survived') / 1024).toFixed(0)} KB, ` +
    `promoted ${(mean(young, 'promoted') / 1024).toFixed(0)} KB each; ` +
    `per setup: survived ${perSetup('new_space_survived')} B, promoted ${perSetup('promoted')} B\n` +
    `full collections ${full.length}: pauses ${full.map((f) => f.get('pause')?.toFixed(1)).join(', ')} ms`,
);
