/**
 * Where a call setup's CPU goes, per thread: starts one daemon (`ts` or `rtpengine`) as `npm run bench` does, runs
 * the ng setup load (offer+answer+delete, 32 in flight) for 4 s, and prints each of the daemon's threads that
 * used more than 1% of a core, with its CPU per completed setup (from /proc/PID/task/TID/stat).
 *
 *   npx tsx bench/thread-cpu.ts [threads=2] [ts|rtpengine]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { type ProxyKind, startDaemon } from './daemon.ts';
import { NgClient } from './ng-client.ts';
import { measureSetupRate } from './ng-load.ts';

const threads = Number(process.argv[2] ?? 2);
const kind = (process.argv[3] ?? 'ts') as ProxyKind;
const TICKS_PER_SECOND = 100;
const MEASURE_MS = 4000;

/** CPU ticks (user + system) of every thread of the process, by "tid name". */
function threadTicks(pid: number): Map<string, number> {
  const m = new Map<string, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    m.set(`${tid} ${name}`, Number(fields[11]) + Number(fields[12]));
  }
  return m;
}

const daemon = await startDaemon(kind, { portMin: 20000, portMax: 59999, threads });
const client = await NgClient.open('127.0.0.1', daemon.ngPort, 2000);
try {
  await measureSetupRate(client, 1000, 'warm-up');
  const before = threadTicks(daemon.pid);
  const r = await measureSetupRate(client, MEASURE_MS, 'measured');
  const after = threadTicks(daemon.pid);
  console.log(
    `${kind} --num-threads=${threads}: ${Math.round(r.setupsPerSecond)} setups/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms`,
  );
  let total = 0;
  for (const [thread, ticks] of after) {
    const used = ticks - (before.get(thread) ?? 0);
    const perSetupUs = (used / TICKS_PER_SECOND / r.completedSetups) * 1e6;
    total += perSetupUs;
    const share = used / TICKS_PER_SECOND / (MEASURE_MS / 1000);
    if (share > 0.01)
      console.log(`  ${thread}: ${(share * 100).toFixed(0)}% of a core, ${perSetupUs.toFixed(0)} µs/setup`);
  }
  console.log(`  all threads: ${total.toFixed(0)} µs/setup`);
} finally {
  client.close();
  await daemon.stop();
}
