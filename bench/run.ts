/**
 * `npm run bench`: runs Debian's rtpengine and rtpengine-ts on the same loads, one after the other
 * in the same run, and prints their figures side by side with ratios (ts / rtpengine). It asserts
 * nothing. Options: --only=rtpengine|ts, --quick (small sizes, under a minute), --json=FILE,
 * --node-ng-client (the setup load from the Node client of ng-client.ts instead of bench/ngload.c), --kernel (the kernel forwarding bench in network namespaces instead, bench/kernel-relay.ts; root).
 */
import { writeFileSync } from 'node:fs';
import {
  type DaemonOptions,
  type ProxyKind,
  type RunningDaemon,
  startDaemon,
  tsUnavailableReason,
} from './daemon.ts';
import { NgClient } from './ng-client.ts';
import {
  type EstablishResult,
  establishCalls,
  measureSetupRate,
  mergeSetupRates,
  type SetupRateResult,
} from './ng-load.ts';
import { measureSetupRateC } from './ngload.ts';
import { fileLimit, openFiles, rssBytes } from './proc-stats.ts';
import { type RelayStepResult, type RelayTiming, runRelayStep } from './relay.ts';
import { type MetricRow, renderTable } from './report.ts';
import { LatencySamples, sleep } from './stats.ts';

interface Plan {
  /** Per round: each level is measured in `ngRounds` rounds that alternate between the two daemons. */
  ngDurationMs: number;
  ngRounds: number;
  /** Unmeasured setup load of the round's own shape (paced or not) right before its measured part. */
  ngWarmupMs: number;
  /**
   * Unpaced setup load before that, discarded, so that both daemons are measured in their steady state. Ours
   * compiles its hot code as it runs (V8's JIT): timed inside a call thread at 3,000 setups/s, a fresh daemon's
   * first second served requests at a median of 1.4 ms, the next ones at 0.3 ms, and only after about 6 s (some
   * 18,000 setups) at the 0.1 ms it keeps; 5 s at the limit (30,000 setups and more) gets there first.
   */
  ngJitWarmupMs: number;
  backgroundLevels: number[];
  /**
   * Offered setup rates (setups/s, 0 active calls) measured paced, as a proxy below the daemon's limit sends them:
   * the latency of a load both daemons carry, next to the latency at each one's limit (the unpaced levels).
   */
  pacedRates: number[];
  relayTiming: RelayTiming;
  cpuCalls: number;
  capacitySteps: number[];
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const nodeNgClient = args.includes('--node-ng-client');
const only = args.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const jsonFile = args.find((arg) => arg.startsWith('--json='))?.slice('--json='.length);
if (only !== undefined && only !== 'rtpengine' && only !== 'ts') {
  console.error(`--only must be rtpengine or ts, not ${only}`);
  process.exit(2);
}
const kinds: ProxyKind[] = only ? [only] : ['rtpengine', 'ts'];

// Each established call holds four sockets in the daemon (RTP and RTCP on both sides), so the
// open-files hard limit, which cannot be raised without CAP_SYS_RESOURCE, caps the call count.
const socketsPerCall = 4;
const { hard: fileHardLimit } = fileLimit();
const callCeiling = Number.isFinite(fileHardLimit)
  ? Math.floor((fileHardLimit - 512) / socketsPerCall / 500) * 500
  : 10000;
const capped = (calls: number): number => Math.min(calls, callCeiling);

const plan: Plan = quick
  ? {
      ngDurationMs: 1500,
      ngRounds: 1,
      ngWarmupMs: 300,
      ngJitWarmupMs: 1000,
      backgroundLevels: [0, 200, capped(1000)],
      pacedRates: [1000],
      relayTiming: { warmupMs: 500, measureMs: 1500, drainMs: 300 },
      cpuCalls: 100,
      capacitySteps: [100, 200, 400],
    }
  : {
      ngDurationMs: 5000,
      ngRounds: 3,
      ngWarmupMs: 1000,
      ngJitWarmupMs: 5000,
      backgroundLevels: [0, capped(1000), capped(10000)],
      pacedRates: [3000],
      relayTiming: { warmupMs: 1000, measureMs: 5000, drainMs: 300 },
      cpuCalls: 100,
      capacitySteps: [100, 200, 400, 800, 1200, 1600, 2000, 2500, 3000, 3500, 4000].filter(
        (n) => n <= callCeiling,
      ),
    };

const threadsArg = args.find((arg) => arg.startsWith('--threads='))?.slice('--threads='.length);
const daemonOptions: DaemonOptions = {
  portMin: 20000,
  portMax: 59999,
  ...(threadsArg ? { threads: Number(threadsArg) } : {}),
};
const lossLimit = 0.001;
const p99LimitUs = 50_000;
// A generator that sent this late on average was itself the bottleneck, so the step says nothing about
// the proxy (a single late burst is only the scheduler on this shared machine).
const generatorLagLimitUs = 5_000;

/** One ng level: setups on top of `activeCalls` established calls, as fast as answered or paced at `pacedRate`. */
interface NgLoad {
  activeCalls: number;
  pacedRate?: number;
}

/** The unpaced levels first (the memory rows read them by position), then the paced ones (the C client only). */
const ngLoads: NgLoad[] = [
  ...plan.backgroundLevels.map((activeCalls) => ({ activeCalls })),
  ...(nodeNgClient ? [] : plan.pacedRates.map((pacedRate) => ({ activeCalls: 0, pacedRate }))),
];

const loadName = (load: NgLoad): string =>
  load.pacedRate === undefined
    ? `${load.activeCalls} active`
    : `${load.pacedRate} setups/s offered, ${load.activeCalls} active`;

interface NgLevel {
  activeCalls: number;
  background: EstablishResult;
  rssBytes: number;
  idleRssBytes: number;
  openFiles: number;
  setups: SetupRateResult;
}

interface CapacityStep {
  step: RelayStepResult;
  passed: boolean;
  generatorLimited: boolean;
}

interface ProxyResults {
  kind: ProxyKind;
  unavailable?: string;
  ng: NgLevel[];
  cpu?: RelayStepResult;
  capacity: CapacityStep[];
  capacityCalls?: number;
  capacityNote?: string;
  errors: string[];
}

const log = (message: string): void => console.log(`[bench] ${message}`);
const fmt = (value: number, digits = 2): string => value.toFixed(digits);

async function withDaemon<T>(kind: ProxyKind, body: (daemon: RunningDaemon) => Promise<T>): Promise<T> {
  const daemon = await startDaemon(kind, daemonOptions);
  try {
    return await body(daemon);
  } finally {
    await daemon.stop();
  }
}

/**
 * One fresh daemon per level and round, so that neither memory nor latency carries traces of an earlier one.
 * Latencies also go into `pooled` (the level's samples over all rounds).
 */
async function measureNgRound(
  kind: ProxyKind,
  load: NgLoad,
  round: number,
  pooled: LatencySamples,
): Promise<NgLevel> {
  const { activeCalls, pacedRate } = load;
  return withDaemon(kind, async (daemon) => {
    const client = await NgClient.open('127.0.0.1', daemon.ngPort);
    try {
      await sleep(300);
      const idleRssBytes = rssBytes(daemon.pid);
      const background = await establishCalls(client, activeCalls, `bg${activeCalls}r${round}`);
      await sleep(500);
      // memory with the background calls only, before any setup load
      const withCalls = { rssBytes: rssBytes(daemon.pid), openFiles: openFiles(daemon.pid) };
      // unmeasured load first: the JIT warms up (plan.ngJitWarmupMs), then both meet the round's own load
      const rate = `rate${activeCalls}${pacedRate === undefined ? '' : `p${pacedRate}`}r${round}`;
      const warm = `warm${activeCalls}r${round}`;
      let setups: SetupRateResult;
      if (nodeNgClient) {
        await measureSetupRate(client, plan.ngJitWarmupMs + plan.ngWarmupMs, warm);
        setups = await measureSetupRate(client, plan.ngDurationMs, rate, 32, pooled);
      } else {
        await measureSetupRateC(daemon.ngPort, 0, plan.ngJitWarmupMs, warm);
        setups = await measureSetupRateC(
          daemon.ngPort,
          plan.ngWarmupMs,
          plan.ngDurationMs,
          rate,
          32,
          pooled,
          pacedRate,
        );
      }
      const level: NgLevel = {
        activeCalls: background.established,
        background,
        ...withCalls,
        idleRssBytes,
        setups,
      };
      const s = level.setups;
      log(
        `${kind}: round ${round + 1}/${plan.ngRounds}, ${pacedRate === undefined ? '' : `paced at ${pacedRate} setups/s, `}${background.established} active calls (made in ${fmt(background.seconds, 1)} s, ${background.failures.total} failed): ` +
          `${fmt(s.setupsPerSecond, 0)} setups/s, p50 ${fmt(s.p50Ms)} ms, p99 ${fmt(s.p99Ms)} ms, ` +
          `${s.failures.total} failures (${s.failures.timeouts} timeouts), RSS ${fmt(level.rssBytes / 2 ** 20, 1)} MiB, ` +
          `client CPU ${fmt(s.clientCpuShare * 100, 0)}% of a core`,
      );
      if (s.failures.total > 0) log(`${kind}: failure reasons ${JSON.stringify(s.failures.reasons)}`);
      return level;
    } finally {
      client.close();
    }
  });
}

function describeStep(kind: ProxyKind, result: RelayStepResult): string {
  const g = result.loadgen;
  return (
    `${kind}: ${result.calls} calls: ${fmt(result.relayedPerSecond, 0)} pkt/s relayed, loss ${fmt(result.loss * 100, 3)}%, ` +
    `p50 ${fmt(g.p50_us / 1000)} ms, p99 ${fmt(g.p99_us / 1000)} ms, ` +
    `daemon ${fmt(result.daemonCpuPerPacketUs)} µs CPU/pkt (${fmt(result.daemonMachineShare * 100, 0)}% of machine), ` +
    `loadgen ${fmt(result.loadgenCpuPerPacketUs)} µs CPU/pkt (${fmt(result.loadgenMachineShare * 100, 0)}% of machine, send lag mean ${fmt(g.mean_lag_us / 1000, 2)} ms, max ${fmt(g.max_lag_us / 1000, 1)} ms)` +
    (result.setupFailures > 0
      ? `, ${result.setupFailures} setup failures (${result.setupFailureReason})`
      : '')
  );
}

async function measureRelay(kind: ProxyKind, results: ProxyResults): Promise<void> {
  await withDaemon(kind, async (daemon) => {
    results.cpu = await runRelayStep(daemon, plan.cpuCalls, plan.relayTiming, 'cpu');
    log(`${describeStep(kind, results.cpu)} [CPU per packet run]`);
  });
  // A fresh daemon for the capacity ramp; steps go up until the first one that fails.
  await withDaemon(kind, async (daemon) => {
    for (const calls of plan.capacitySteps) {
      const step = await runRelayStep(daemon, calls, plan.relayTiming, `cap${calls}`);
      const generatorLimited = step.loadgen.mean_lag_us > generatorLagLimitUs;
      const passed =
        step.setupFailures === 0 &&
        step.loss < lossLimit &&
        step.loadgen.p99_us >= 0 &&
        step.loadgen.p99_us < p99LimitUs;
      results.capacity.push({ step, passed, generatorLimited });
      log(
        `${describeStep(kind, step)} -> ${passed ? 'pass' : 'FAIL'}${generatorLimited ? ' (load generator fell behind)' : ''}`,
      );
      if (passed) results.capacityCalls = calls;
      if (!passed || generatorLimited) {
        if (generatorLimited) results.capacityNote = `load generator limited at ${calls} calls`;
        break;
      }
      await sleep(500);
    }
    const last = results.capacity.at(-1);
    if (last?.passed && !last.generatorLimited)
      results.capacityNote = `passed every step up to ${last.step.calls} (the plan's largest)`;
  });
}

/** Several rounds of one level as one: setups and percentiles over all of them, memory from the round in the middle. */
function mergeRounds(rounds: NgLevel[], pooled: LatencySamples): NgLevel {
  const byMemory = [...rounds].sort((a, b) => a.rssBytes - a.idleRssBytes - (b.rssBytes - b.idleRssBytes));
  const middle = byMemory[Math.floor(byMemory.length / 2)] as NgLevel;
  return {
    ...middle,
    setups: mergeSetupRates(
      rounds.map((r) => r.setups),
      pooled,
    ),
  };
}

/**
 * The ng levels, each in rounds that alternate between the daemons (rtpengine first in odd rounds, ours first in
 * even ones), so that the machine's drift (other tenants' load moved either daemon's figures by up to 35% between
 * runs) weighs on both alike.
 */
async function benchNg(byKind: Map<ProxyKind, ProxyResults>): Promise<void> {
  for (const load of ngLoads) {
    const rounds = new Map<ProxyKind, NgLevel[]>(kinds.map((k) => [k, []]));
    const pooled = new Map<ProxyKind, LatencySamples>(kinds.map((k) => [k, new LatencySamples()]));
    for (let round = 0; round < plan.ngRounds; round++) {
      for (const kind of round % 2 === 0 ? kinds : [...kinds].reverse()) {
        const results = byKind.get(kind) as ProxyResults;
        if (results.unavailable) continue;
        try {
          rounds.get(kind)?.push(await measureNgRound(kind, load, round, pooled.get(kind) as LatencySamples));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          if (results.ng.length === 0 && rounds.get(kind)?.length === 0) results.unavailable = reason;
          results.errors.push(reason);
          log(`${kind}: not available: ${reason}`);
        }
      }
    }
    for (const kind of kinds) {
      const done = rounds.get(kind) ?? [];
      if (done.length === 0) continue;
      const merged = mergeRounds(done, pooled.get(kind) as LatencySamples);
      (byKind.get(kind) as ProxyResults).ng.push(merged);
      const s = merged.setups;
      log(
        `${kind}: ${loadName(load)}, ${done.length} rounds: ${fmt(s.setupsPerSecond, 0)} setups/s, ` +
          `p50 ${fmt(s.p50Ms)} ms, p99 ${fmt(s.p99Ms)} ms over ${s.requests} requests`,
      );
    }
  }
}

async function benchRelay(results: ProxyResults): Promise<void> {
  if (results.unavailable) return;
  log(`--- ${results.kind}: relay ---`);
  try {
    await measureRelay(results.kind, results);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    results.errors.push(reason);
    log(`${results.kind}: relay not measured: ${reason}`);
  }
}

function memoryPerCall(level: NgLevel | undefined): number | undefined {
  if (!level || level.activeCalls === 0) return undefined;
  return (level.rssBytes - level.idleRssBytes) / level.activeCalls;
}

function buildRows(byKind: Map<ProxyKind, ProxyResults>): MetricRow[] {
  const pick = <T>(kind: ProxyKind, read: (results: ProxyResults) => T | undefined): T | undefined => {
    const results = byKind.get(kind);
    return results && !results.unavailable ? read(results) : undefined;
  };
  const both = (read: (results: ProxyResults) => number | string | undefined) => ({
    rtpengine: pick('rtpengine', read),
    ts: pick('ts', read),
  });
  const atLeast = (bound: number) => ({ text: `>= ${bound}`, holds: (ratio: number) => ratio >= bound });
  const atMost = (bound: number) => ({ text: `<= ${bound}`, holds: (ratio: number) => ratio <= bound });
  const rows: MetricRow[] = [];
  ngLoads.forEach((load, index) => {
    const at = (results: ProxyResults) => results.ng[index];
    const level = loadName(load);
    rows.push({
      name: `ng setups/s, ${level}`,
      unit: 'setups/s',
      // paced, both should carry what is offered: the rate is a check that they did, not a race
      better: load.pacedRate === undefined ? 'higher' : 'info',
      ...(load.pacedRate === undefined ? { target: atLeast(1) } : {}),
      ...both((r) => at(r)?.setups.setupsPerSecond),
    });
    rows.push({
      name: `ng p50 latency, ${level}`,
      unit: 'ms',
      better: 'lower',
      ...both((r) => at(r)?.setups.p50Ms),
    });
    rows.push({
      name: `ng p99 latency, ${level}`,
      unit: 'ms',
      better: 'lower',
      target: atMost(1),
      ...both((r) => at(r)?.setups.p99Ms),
    });
    rows.push({
      name: `ng failed requests, ${level}`,
      unit: 'count',
      better: 'info',
      ...both((r) => at(r)?.setups.failures.total),
    });
  });
  rows.push({
    name: `relay capacity (loss<0.1%, p99<50ms)`,
    unit: 'calls',
    better: 'higher',
    target: atLeast(1),
    ...both((r) => r.capacityCalls ?? (r.capacity.length > 0 ? 0 : undefined)),
  });
  rows.push({
    name: 'relay capacity is only a lower bound',
    unit: 'why',
    better: 'info',
    ...both((r) => {
      const last = r.capacity.at(-1);
      if (!last) return undefined;
      if (last.generatorLimited) return 'yes: generator';
      return last.passed ? 'yes: plan ended' : 'no';
    }),
  });
  rows.push({
    name: `daemon CPU per packet @${plan.cpuCalls * 100} pkt/s`,
    unit: 'µs',
    better: 'lower',
    target: atMost(1),
    ...both((r) => r.cpu?.daemonCpuPerPacketUs),
  });
  rows.push({
    name: `relay p99 one-way @${plan.cpuCalls * 100} pkt/s`,
    unit: 'ms',
    better: 'lower',
    ...both((r) => (r.cpu ? r.cpu.loadgen.p99_us / 1000 : undefined)),
  });
  rows.push({
    name: `loadgen CPU per packet @${plan.cpuCalls * 100} pkt/s`,
    unit: 'µs',
    better: 'info',
    ...both((r) => r.cpu?.loadgenCpuPerPacketUs),
  });
  rows.push({
    name: `loadgen share of machine @${plan.cpuCalls * 100} pkt/s`,
    unit: '%',
    better: 'info',
    ...both((r) => (r.cpu ? r.cpu.loadgenMachineShare * 100 : undefined)),
  });
  const top = plan.backgroundLevels.length - 1;
  rows.push({
    name: 'RSS idle',
    unit: 'MiB',
    better: 'lower',
    ...both((r) => (r.ng[0] ? r.ng[0].idleRssBytes / 2 ** 20 : undefined)),
  });
  plan.backgroundLevels.slice(1).forEach((level, offset) => {
    rows.push({
      name: `RSS with ${level} calls`,
      unit: 'MiB',
      better: 'lower',
      ...both((r) => (r.ng[offset + 1] ? (r.ng[offset + 1] as NgLevel).rssBytes / 2 ** 20 : undefined)),
    });
  });
  rows.push({
    name: `memory per call (${plan.backgroundLevels[top]} calls)`,
    unit: 'bytes',
    better: 'lower',
    target: atMost(0.5),
    ...both((r) => memoryPerCall(r.ng[top])),
  });
  return rows;
}

async function main(): Promise<void> {
  const started = Date.now();
  log(
    `plan: ${quick ? 'quick' : 'full'}; proxies: ${kinds.join(', ')}; open-files hard limit ${fileHardLimit} -> at most ${callCeiling} calls`,
  );
  if (callCeiling < 10000 && !quick) {
    log(
      `note: 10,000 active calls need ${10000 * socketsPerCall} sockets; the largest level here is ${capped(10000)} calls`,
    );
  }
  const byKind = new Map<ProxyKind, ProxyResults>();
  for (const kind of kinds) {
    const results: ProxyResults = { kind, ng: [], capacity: [], errors: [] };
    const reason = kind === 'ts' ? tsUnavailableReason() : undefined;
    if (reason) {
      results.unavailable = reason;
      log(`ts: not available: ${reason}`);
    }
    byKind.set(kind, results);
  }
  log(`--- ng setups: ${plan.ngRounds} rounds per level, alternating between the daemons ---`);
  await benchNg(byKind);
  for (const results of byKind.values()) await benchRelay(results);
  console.log('');
  console.log(renderTable(buildRows(byKind)));
  console.log('');
  for (const results of byKind.values()) {
    if (results.unavailable) console.log(`${results.kind}: not available: ${results.unavailable}`);
    else if (results.errors.length > 0) console.log(`${results.kind}: errors: ${results.errors.join('; ')}`);
    if (results.capacityNote) console.log(`${results.kind}: relay capacity: ${results.capacityNote}`);
  }
  console.log(
    "targets (issue): ng setups/s and p99 latency at least as good as rtpengine's; CPU per packet at most rtpengine's; " +
      "relay capacity at least rtpengine's; memory per call at most half of rtpengine's",
  );
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (jsonFile) writeFileSync(jsonFile, `${JSON.stringify(Object.fromEntries(byKind), null, 2)}\n`);
}

// --kernel: the kernel forwarding bench (issue 4, bench/kernel-relay.ts) instead of the loopback one.
if (args.includes('--kernel')) {
  const { runKernelBench } = await import('./kernel-relay.ts');
  process.exitCode = await runKernelBench({ quick, ...(jsonFile ? { jsonFile } : {}) });
} else {
  await main();
}
