/**
 * The kernel forwarding benchmark (issue 4), in a caller - proxy - callee namespace topology that it creates
 * and always deletes: relay capacity and daemon CPU for plain routing (no daemon), rtpengine 10.5 in
 * userspace, rtpengine-ts in userspace and rtpengine-ts with `--table=0`, in one run; the cost of moving
 * 1,000 streams into the kernel and out again. `tsx bench/kernel-relay.ts [--quick] [--json=FILE]` (root),
 * or `npm run bench -- --kernel`. It asserts nothing: it measures and prints.
 *
 * The bench re-runs itself inside the proxy namespace, where the daemons and their ng port live; the
 * generators run in the caller and callee namespaces (`ip netns exec`), all on the same machine clock.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createTopology, namespaceSkipReason } from '../test/kernel/helpers/netns.ts';
import { deleteCalls } from './call-setup.ts';
import { repoRoot } from './daemon.ts';
import { NgClient } from './ng-client.ts';
import { type NsDaemon, type NsProxyKind, startNsDaemon, tsLaunchEnv } from './ns-daemons.ts';
import {
  mediaInKernel,
  type NsStepResult,
  type NsTopology,
  openGenerators,
  runNsStep,
  setUpNsCalls,
} from './ns-measure.ts';
import { fileLimit } from './proc-stats.ts';
import type { RelayTiming } from './relay.ts';
import { sleep } from './stats.ts';

export interface KernelBenchOptions {
  quick: boolean;
  jsonFile?: string;
}

type Mode = 'plain' | NsProxyKind;
const modes: Mode[] = ['plain', 'rtpengine', 'ts-user', 'ts-kernel'];
const modeTitle: Record<Mode, string> = {
  plain: 'plain routing',
  rtpengine: 'rtpengine -t -1',
  'ts-user': 'ts -t -1',
  'ts-kernel': 'ts -t 0',
};

const lossLimit = 0.001;
const p99LimitUs = 50_000;
const lagLimitUs = 5_000;
const targetCalls = 2500;
const log = (message: string): void => console.log(`[kernel-bench] ${message}`);
const fmt = (value: number, digits = 2): string => value.toFixed(digits);

// ---------------------------------------------------------------------------------------------------------
// Outside: the topology's life, around a child that runs the measurements in the proxy namespace.

/** Creates the namespaces, runs the measurements inside the proxy one, deletes the namespaces. Exit code. */
export async function runKernelBench(options: KernelBenchOptions): Promise<number> {
  const skip = namespaceSkipReason();
  if (skip) {
    console.log(`[kernel-bench] cannot run: ${skip}`);
    return 1;
  }
  const topo = createTopology('b');
  let child: ChildProcess | undefined;
  const destroy = (): void => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    topo.destroy();
  };
  process.on('exit', destroy);
  try {
    // plain routing needs routes across the proxy; the proxy runs do not use them (they send to the proxy)
    execFileSync('ip', ['-n', topo.caller, 'route', 'add', '10.77.2.0/24', 'via', topo.proxyCallerSide]);
    execFileSync('ip', ['-n', topo.callee, 'route', 'add', '10.77.1.0/24', 'via', topo.proxyCalleeSide]);
    // no ICMP redirects or other side traffic: the proxy namespace is a plain router here
    topo.inProxy(['sysctl', '-qw', 'net.ipv4.conf.all.send_redirects=0']);
    const description: NsTopology = {
      caller: topo.caller,
      proxy: topo.proxy,
      callee: topo.callee,
      callerAddress: topo.callerAddress,
      proxyCallerSide: topo.proxyCallerSide,
      proxyCalleeSide: topo.proxyCalleeSide,
      calleeAddress: topo.calleeAddress,
    };
    const args = [
      'netns',
      'exec',
      topo.proxy,
      process.execPath,
      '--import',
      'tsx',
      fileURLToPath(import.meta.url),
      `--inside=${JSON.stringify(description)}`,
      ...(options.quick ? ['--quick'] : []),
      ...(options.jsonFile ? [`--json=${options.jsonFile}`] : []),
    ];
    child = spawn('ip', args, { stdio: 'inherit', cwd: repoRoot });
    const running = child;
    return await new Promise<number>((done) => {
      running.once('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
    });
  } finally {
    destroy();
    process.off('exit', destroy);
    log(`namespaces ${topo.caller}, ${topo.proxy}, ${topo.callee} deleted`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Inside the proxy namespace: the plan, the measurements, the table.

interface Plan {
  steps: number[];
  timing: RelayTiming;
  costCalls: number;
  costRounds: number;
  costTiming: RelayTiming;
  churnCalls: number;
}

/** Plain routing and `-t 0` alternated at one load, so that other work on the shared machine hits both alike. */
interface CostRounds {
  plain: number[];
  kernel: number[];
  plainMedian: number;
  kernelMedian: number;
  error?: string;
}

interface Ramp {
  mode: Mode;
  steps: { result: NsStepResult; passed: boolean; generatorLimited: boolean }[];
  capacity?: number;
  note?: string;
  error?: string;
}

interface Churn {
  calls: number;
  setupMs: number;
  /** From the last answer until statistics showed every call's RTP in the kernel. */
  lastAnswerToKernelMs: number;
  /** From the generators' first packet (both ends start within ms) until every call was in the kernel. */
  firstPacketToKernelMs: number;
  kernelized: number;
  /** From the first delete until the last reply, and until the table's forwarding map was empty. */
  deleteRepliesMs: number;
  deleteToRulesGoneMs: number;
  error?: string;
}

/**
 * What set the limit of a failing step. On 2 cores the daemon, both generators and the kernel's softirq work
 * compete: a full machine is named as such, since then neither the proxy nor the generator alone is the cause.
 */
function limitOf(r: NsStepResult): string {
  if (r.busiestLoadgenCorePercent >= 90) return 'generator (a full core)';
  if (r.machineBusyPercent >= 190) return 'machine (2 cores full)';
  if (r.meanLagUs > lagLimitUs) return 'generator (send lag)';
  return 'proxy';
}

function stepPassed(r: NsStepResult): boolean {
  return r.setupFailures === 0 && r.loss < lossLimit && r.p99Us >= 0 && r.p99Us < p99LimitUs;
}

function describe(mode: Mode, r: NsStepResult): string {
  return (
    `${modeTitle[mode]}: ${r.calls} calls: ${fmt(r.relayedPerSecond, 0)} pkt/s, loss ${fmt(r.loss * 100, 3)}%, ` +
    `p50 ${fmt(r.p50Us / 1000)} ms, p99 ${fmt(r.p99Us / 1000)} ms; daemon ${fmt(r.daemonCorePercent, 1)}% of a core ` +
    `(${fmt(r.daemonCpuPerPacketUs)} µs/pkt); generators ${fmt(r.loadgenCorePercent, 0)}% of a core together ` +
    `(busiest ${fmt(r.busiestLoadgenCorePercent, 0)}%, send lag mean ${fmt(r.meanLagUs / 1000)} ms); ` +
    `irq+softirq ${fmt(r.packetWorkCorePercent, 0)}% of a core; path ${fmt(r.pathCpuPerPacketUs)} µs/pkt; ` +
    `machine ${fmt(r.machineBusyPercent, 0)}% of ${availableParallelism() * 100}%` +
    (r.kernelizedCalls === undefined ? '' : `; ${r.kernelizedCalls}/${r.calls} calls in the kernel`) +
    (r.setupFailures > 0 ? `; ${r.setupFailures} setup failures (${r.setupFailureReason})` : '')
  );
}

async function withDaemon<T>(
  kind: NsProxyKind,
  topo: NsTopology,
  body: (d: { daemon: NsDaemon; client: NgClient }) => Promise<T>,
): Promise<T> {
  const daemon = await startNsDaemon(kind, {
    callerSide: topo.proxyCallerSide,
    calleeSide: topo.proxyCalleeSide,
  });
  const client = await NgClient.open('127.0.0.1', daemon.ngPort, 5000);
  try {
    return await body({ daemon, client });
  } finally {
    client.close();
    await daemon.stop();
  }
}

async function ramp(mode: Mode, topo: NsTopology, plan: Plan): Promise<Ramp> {
  const out: Ramp = { mode, steps: [] };
  const climb = async (d: { daemon: NsDaemon; client: NgClient } | null): Promise<void> => {
    for (const calls of plan.steps) {
      // With --table=0 every call starts in userspace and moves to the kernel once both endpoints are confirmed;
      // when all calls start media at the same instant the handover takes seconds (measured by the churn step),
      // so the kernel mode warms up long enough for it before the window is measured.
      const timing =
        mode === 'ts-kernel'
          ? { ...plan.timing, warmupMs: Math.max(plan.timing.warmupMs, 2000 + calls * 10) }
          : plan.timing;
      const result = await runNsStep(topo, d, calls, timing, `${mode}${calls}`);
      const passed = stepPassed(result);
      // a generator that fell behind, or one using (nearly) a whole core, set the pace, not the proxy
      const generatorLimited = result.meanLagUs > lagLimitUs || result.busiestLoadgenCorePercent >= 90;
      out.steps.push({ result, passed, generatorLimited });
      log(
        `${describe(mode, result)} -> ${passed ? 'pass' : 'FAIL'}${generatorLimited ? ' (generator-limited)' : ''}`,
      );
      if (passed) out.capacity = calls;
      if (!passed) {
        out.note = `first failing step ${calls}, limited by ${limitOf(result)}`;
        return;
      }
      await sleep(300);
    }
    out.note = `passed every step up to ${plan.steps.at(-1)} (the plan's largest): a lower bound`;
  };
  try {
    if (mode === 'plain') await climb(null);
    else await withDaemon(mode, topo, climb);
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
    log(`${modeTitle[mode]}: error: ${out.error}`);
  }
  return out;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : (sorted[Math.floor((sorted.length - 1) / 2)] as number);
};

async function costRounds(topo: NsTopology, plan: Plan): Promise<CostRounds> {
  const out: CostRounds = { plain: [], kernel: [], plainMedian: Number.NaN, kernelMedian: Number.NaN };
  try {
    await withDaemon('ts-kernel', topo, async (d) => {
      for (let round = 0; round < plan.costRounds; round++) {
        const plain = await runNsStep(topo, null, plan.costCalls, plan.costTiming, `costp${round}`);
        log(`cost round ${round + 1}: ${describe('plain', plain)}`);
        const kernel = await runNsStep(topo, d, plan.costCalls, plan.costTiming, `costk${round}`);
        log(`cost round ${round + 1}: ${describe('ts-kernel', kernel)}`);
        out.plain.push(plain.pathCpuPerPacketUs);
        if (kernel.kernelizedCalls === plan.costCalls && stepPassed(kernel))
          out.kernel.push(kernel.pathCpuPerPacketUs);
        else log(`cost round ${round + 1}: ts -t 0 not fully in the kernel or not loss-free; round left out`);
      }
    });
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
    log(`cost rounds: error: ${out.error}`);
  }
  out.plainMedian = median(out.plain);
  out.kernelMedian = median(out.kernel);
  return out;
}

function forwardingElements(): number {
  try {
    const json = JSON.parse(
      execFileSync('nft', ['-j', 'list', 'map', 'inet', 'rtpengine_ts_0', 'fwd_v4']).toString(),
    ) as { nftables: { map?: { elem?: unknown[] } }[] };
    return json.nftables.reduce((n, item) => n + (item.map?.elem?.length ?? 0), 0);
  } catch {
    return -1;
  }
}

/** 1,000 calls (or the quick plan's number) set up, moved into the kernel by their first packets, deleted. */
async function churn(topo: NsTopology, plan: Plan): Promise<Churn> {
  const calls = plan.churnCalls;
  const out: Churn = {
    calls,
    setupMs: Number.NaN,
    lastAnswerToKernelMs: Number.NaN,
    firstPacketToKernelMs: Number.NaN,
    kernelized: 0,
    deleteRepliesMs: Number.NaN,
    deleteToRulesGoneMs: Number.NaN,
  };
  try {
    await withDaemon('ts-kernel', topo, async ({ client }) => {
      const { gens, callerPorts, calleePorts } = await openGenerators(topo, calls);
      const [callerGen, calleeGen] = gens;
      try {
        const t0 = performance.now();
        const setup = await setUpNsCalls(
          client,
          topo,
          callerPorts,
          calleePorts,
          'churn',
          (i, toCaller, toCallee) => {
            callerGen.setPeer(i, toCaller.address, toCaller.port);
            calleeGen.setPeer(i, toCallee.address, toCallee.port);
          },
        );
        out.setupMs = setup.lastAnswerAt - t0;
        const runPlan = {
          packetsPerSecond: 50,
          payloadBytes: 160,
          warmupMs: 4000,
          measureMs: 2000,
          drainMs: 300,
        };
        // the generators start sending 20 ms after they read `run`
        const firstPacketAt = performance.now() + 20;
        const running = Promise.all([callerGen.run(runPlan), calleeGen.run(runPlan)]);
        const deadline = performance.now() + 15000;
        while (performance.now() < deadline) {
          out.kernelized = Math.floor((await mediaInKernel(client)) / 2);
          if (out.kernelized >= calls) break;
          await sleep(10);
        }
        const allIn = performance.now();
        if (out.kernelized >= calls) {
          out.lastAnswerToKernelMs = allIn - setup.lastAnswerAt;
          out.firstPacketToKernelMs = allIn - firstPacketAt;
        }
        log(
          `churn: ${out.kernelized}/${calls} calls in the kernel, ${forwardingElements()} forwarding elements`,
        );
        await sleep(300);
        const d0 = performance.now();
        const deleting = deleteCalls(client, setup.legs).then(() => {
          out.deleteRepliesMs = performance.now() - d0;
        });
        for (;;) {
          const left = forwardingElements();
          if (left === 0) {
            out.deleteToRulesGoneMs = performance.now() - d0;
            break;
          }
          if (performance.now() - d0 > 10000) break;
          await sleep(5);
        }
        await deleting;
        await running;
      } finally {
        for (const gen of gens) gen.kill();
      }
    });
  } catch (error) {
    out.error = error instanceof Error ? error.message : String(error);
    log(`churn: error: ${out.error}`);
  }
  return out;
}

// --- the table ---

type Cell = number | string | undefined;
interface Row {
  name: string;
  unit: string;
  values: Record<Mode, Cell>;
  /** Ratios printed: ts -t 0 / rtpengine and ts -t -1 / rtpengine. */
  ratios?: boolean;
  target?: string;
  met?: boolean;
}

function cell(value: Cell): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value)) return '—';
  if (Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function ratio(a: Cell, b: Cell): string {
  return typeof a === 'number' && typeof b === 'number' && b > 0 && Number.isFinite(a)
    ? (a / b).toFixed(2)
    : '—';
}

function renderRows(rows: Row[]): string {
  const header = [
    'metric',
    'unit',
    ...modes.map((m) => modeTitle[m]),
    'ts0/rtpengine',
    'ts-1/rtpengine',
    'target',
    'met',
  ];
  const body = rows.map((row) => [
    row.name,
    row.unit,
    ...modes.map((m) => cell(row.values[m])),
    row.ratios ? ratio(row.values['ts-kernel'], row.values.rtpengine) : '',
    row.ratios ? ratio(row.values['ts-user'], row.values.rtpengine) : '',
    row.target ?? '',
    row.met === undefined ? '' : row.met ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}

function buildRows(ramps: Map<Mode, Ramp>, plan: Plan, cost: CostRounds, churned: Churn): Row[] {
  const per = (read: (r: Ramp) => Cell): Record<Mode, Cell> =>
    Object.fromEntries(
      modes.map((m) => {
        const r = ramps.get(m);
        return [m, r ? read(r) : undefined];
      }),
    ) as Record<Mode, Cell>;
  const at = (r: Ramp, calls: number) => r.steps.find((s) => s.result.calls === calls)?.result;
  const rows: Row[] = [];
  const kernel = ramps.get('ts-kernel');
  rows.push({
    name: 'capacity (loss<0.1%, p99<50ms)',
    unit: 'calls',
    values: per((r) => (r.error && r.steps.length === 0 ? 'error' : (r.capacity ?? 0))),
    ratios: true,
    target: `ts -t 0 >= ${targetCalls}`,
    ...(kernel ? { met: (kernel.capacity ?? 0) >= targetCalls } : {}),
  });
  rows.push({
    name: 'capacity limited by',
    unit: 'why',
    values: per((r) => {
      const last = r.steps.at(-1);
      if (!last) return r.error ? 'error' : undefined;
      if (last.passed) return 'plan end';
      return limitOf(last.result);
    }),
  });
  for (const calls of plan.steps) {
    const step = (read: (s: NsStepResult) => number) =>
      per((r) => {
        const s = at(r, calls);
        return s ? read(s) : undefined;
      });
    rows.push({ name: `@${calls} calls: loss`, unit: '%', values: step((s) => s.loss * 100) });
    rows.push({
      name: `@${calls} calls: p99 one-way`,
      unit: 'ms',
      values: step((s) => s.p99Us / 1000),
      ratios: true,
    });
    const cpu: Row = {
      name: `@${calls} calls: daemon CPU`,
      unit: '% core',
      values: step((s) => s.daemonCorePercent),
      ratios: true,
    };
    if (calls === targetCalls) {
      const k = kernel ? at(kernel, calls) : undefined;
      cpu.target = 'ts -t 0 < 5';
      if (k) cpu.met = k.daemonCorePercent < 5 && stepPassed(k);
    }
    rows.push(cpu);
    rows.push({
      name: `@${calls} calls: generators CPU`,
      unit: '% core',
      values: step((s) => s.loadgenCorePercent),
    });
  }
  const costAt = (r: Ramp) => at(r, plan.costCalls);
  rows.push({
    name: `@${plan.costCalls} calls: daemon CPU per packet`,
    unit: 'µs',
    values: per((r) => costAt(r)?.daemonCpuPerPacketUs),
    ratios: true,
  });
  rows.push({
    name: `@${plan.costCalls} calls: CPU per packet, whole path`,
    unit: 'µs',
    values: per((r) => costAt(r)?.pathCpuPerPacketUs),
    ratios: true,
  });
  const only = (plainValue: Cell, kernelValue: Cell): Record<Mode, Cell> => ({
    plain: plainValue,
    rtpengine: undefined,
    'ts-user': undefined,
    'ts-kernel': kernelValue,
  });
  rows.push({
    name: `whole path per packet, median of ${cost.plain.length}/${cost.kernel.length} alternated runs`,
    unit: 'µs',
    values: only(cost.plainMedian, cost.kernelMedian),
  });
  const extra = cost.kernelMedian - cost.plainMedian;
  rows.push({
    name: '  minus plain routing',
    unit: 'µs',
    values: only(0, extra),
    target: 'ts -t 0 <= 2',
    ...(Number.isFinite(extra) ? { met: extra <= 2 } : {}),
  });
  const churnRow = (name: string, value: number): Row => ({
    name,
    unit: 'ms',
    values: { plain: undefined, rtpengine: undefined, 'ts-user': undefined, 'ts-kernel': value },
  });
  rows.push(churnRow(`${churned.calls} calls: offer+answer (32 in flight)`, churned.setupMs));
  rows.push(churnRow(`${churned.calls} calls: last answer -> all in kernel`, churned.lastAnswerToKernelMs));
  rows.push(churnRow(`${churned.calls} calls: first packet -> all in kernel`, churned.firstPacketToKernelMs));
  rows.push(churnRow(`${churned.calls} calls: deletes (32 in flight)`, churned.deleteRepliesMs));
  rows.push(churnRow(`${churned.calls} calls: first delete -> map empty`, churned.deleteToRulesGoneMs));
  return rows;
}

async function inside(topo: NsTopology, options: KernelBenchOptions): Promise<void> {
  const started = Date.now();
  const { hard } = fileLimit();
  // four daemon sockets per call (RTP and RTCP on both sides), as on loopback (bench/README.md)
  const ceiling = Number.isFinite(hard) ? Math.floor((hard - 512) / 4 / 500) * 500 : 10000;
  const wanted = options.quick ? [100, 200] : [500, 1000, 2000, 2500, 3500, 5000];
  const steps = [...new Set(wanted.map((n) => Math.min(n, ceiling)))];
  const plan: Plan = options.quick
    ? {
        steps,
        timing: { warmupMs: 1500, measureMs: 1500, drainMs: 300 },
        costCalls: 200,
        costRounds: 1,
        costTiming: { warmupMs: 1000, measureMs: 1500, drainMs: 300 },
        churnCalls: 200,
      }
    : {
        steps,
        timing: { warmupMs: 2000, measureMs: 4000, drainMs: 300 },
        costCalls: 1000,
        costRounds: 3,
        costTiming: { warmupMs: 1500, measureMs: 3000, drainMs: 300 },
        churnCalls: 1000,
      };
  log(
    `plan: steps ${steps.join(', ')} calls (G.711, 50 pkt/s each way; open-files hard limit ${hard} -> at most ${ceiling} calls), ` +
      `window ${plan.timing.measureMs} ms after ${plan.timing.warmupMs} ms warm-up; ts runs ${tsLaunchEnv().note}`,
  );
  log(
    `topology: caller ${topo.callerAddress} (${topo.caller}) -- ${topo.proxyCallerSide} proxy (${topo.proxy}) ${topo.proxyCalleeSide} -- ${topo.calleeAddress} callee (${topo.callee})`,
  );
  const ramps = new Map<Mode, Ramp>();
  for (const mode of modes) {
    log(`--- ${modeTitle[mode]} ---`);
    ramps.set(mode, await ramp(mode, topo, plan));
  }
  log(`--- CPU per packet: plain routing and ts -t 0 alternated, ${plan.costCalls} calls ---`);
  const cost = await costRounds(topo, plan);
  log('--- setting up and tearing down kernel streams ---');
  const churned = await churn(topo, plan);
  console.log('');
  console.log(renderRows(buildRows(ramps, plan, cost, churned)));
  console.log('');
  for (const r of ramps.values()) {
    if (r.note) console.log(`${modeTitle[r.mode]}: ${r.note}`);
    if (r.error) console.log(`${modeTitle[r.mode]}: error: ${r.error}`);
  }
  if (churned.error) console.log(`churn: error: ${churned.error}`);
  console.log(
    `targets (issue 4): ts -t 0 carries ${targetCalls} calls with loss < 0.1% and p99 < 50 ms at under 5% of a core; ` +
      'its CPU per packet (whole path: daemon, generators, irq+softirq) within 2 µs of plain routing',
  );
  console.log(`total time ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (options.jsonFile) {
    const ramped = Object.fromEntries(
      [...ramps].map(([m, r]) => [
        m,
        { ...r, steps: r.steps.map((s) => ({ ...s, result: { ...s.result, sides: undefined } })) },
      ]),
    );
    writeFileSync(
      options.jsonFile,
      `${JSON.stringify({ plan, ramps: ramped, cost, churn: churned }, null, 2)}\n`,
    );
  }
}

const argv = process.argv.slice(2);
const insideArg = argv.find((a) => a.startsWith('--inside='));
const optionsFromArgv = (): KernelBenchOptions => {
  const jsonFile = argv.find((a) => a.startsWith('--json='))?.slice('--json='.length);
  return { quick: argv.includes('--quick'), ...(jsonFile ? { jsonFile } : {}) };
};
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (insideArg) {
    await inside(JSON.parse(insideArg.slice('--inside='.length)) as NsTopology, optionsFromArgv());
  } else {
    process.exitCode = await runKernelBench(optionsFromArgv());
  }
}
