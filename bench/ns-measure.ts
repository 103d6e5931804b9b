/**
 * One relay measurement in the namespace topology: N G.711 calls between a generator in the caller
 * namespace and one in the callee namespace, either through a proxy daemon (set up over ng, each side sends
 * to the port the proxy announced to it) or by plain routing through the proxy namespace (each side sends
 * straight to the other's socket). Loss and latency over both directions, and the CPU of the daemon, of the
 * generators and of the kernel's packet processing (irq + softirq) over the measured window.
 */
import { readFileSync } from 'node:fs';
import { type CallLeg, type CallSetup, deleteCalls, setUpCalls } from './call-setup.ts';
import type { Endpoint } from './call-shapes.ts';
import { isOk, type NgClient, type NgDict } from './ng-client.ts';
import type { NsDaemon } from './ns-daemons.ts';
import { mergedPercentile, NsLoadgen, type SideResult } from './ns-loadgen.ts';
import { cpuSeconds } from './proc-stats.ts';
import { g711, type RelayTiming } from './relay.ts';

export interface NsTopology {
  caller: string;
  proxy: string;
  callee: string;
  callerAddress: string;
  proxyCallerSide: string;
  proxyCalleeSide: string;
  calleeAddress: string;
}

/** Jiffies of the whole machine from /proc/stat, split where the bench needs it. */
interface MachineTicks {
  busy: number;
  packetWork: number;
}

const clockTicks = 100;

function machineTicks(): MachineTicks {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
  const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
  const n = (v: number | undefined) => v ?? 0;
  return {
    busy: n(user) + n(nice) + n(system) + n(irq) + n(softirq) + n(steal),
    // forwarding, NAT and delivery to the sockets run in softirq (accounted apart from the tasks here)
    packetWork: n(irq) + n(softirq),
  };
}

export interface NsStepResult {
  calls: number;
  setupFailures: number;
  setupFailureReason?: string;
  sent: number;
  received: number;
  loss: number;
  p50Us: number;
  p99Us: number;
  measuredSeconds: number;
  relayedPerSecond: number;
  /** % of one core over the measured window. */
  daemonCorePercent: number;
  daemonCpuPerPacketUs: number;
  /** Both generators together, % of one core, and the busier one alone. */
  loadgenCorePercent: number;
  busiestLoadgenCorePercent: number;
  loadgenCpuPerPacketUs: number;
  /** irq + softirq of the machine, % of one core. */
  packetWorkCorePercent: number;
  /** Daemon + generators + irq/softirq per relayed packet: the whole cost of moving one packet. */
  pathCpuPerPacketUs: number;
  machineBusyPercent: number;
  meanLagUs: number;
  /** ts-kernel only: calls whose RTP was in the kernel at the end of the window (statistics media_kernel / 2). */
  kernelizedCalls?: number;
  sides: SideResult[];
}

/**
 * Offer + answer for one call per generator port pair, with the topology's addresses and each offer sending the
 * caller's side out of interface `caller` and the callee's out of `callee`.
 */
export function setUpNsCalls(
  client: NgClient,
  topo: NsTopology,
  callerPorts: number[],
  calleePorts: number[],
  run: string,
  onCall: (index: number, toCaller: Endpoint, toCallee: Endpoint) => void,
): Promise<CallSetup> {
  const ends = callerPorts.map((port, i) => ({
    caller: { address: topo.callerAddress, port },
    callee: { address: topo.calleeAddress, port: calleePorts[i] as number },
  }));
  return setUpCalls(client, ends, run, onCall, { direction: ['caller', 'callee'] });
}

/** statistics → statistics.currentstatistics.media_kernel (RTP medias in the kernel: two per call). */
export async function mediaInKernel(client: NgClient): Promise<number> {
  const outcome = await client.request({ command: 'statistics' });
  if (!isOk(outcome)) return -1;
  const statistics = outcome.reply.statistics as NgDict | undefined;
  const current = statistics?.currentstatistics as NgDict | undefined;
  return Number(current?.media_kernel ?? -1);
}

/** The generators of one step, one per namespace, with sockets bound to that namespace's address. */
export async function openGenerators(
  topo: NsTopology,
  calls: number,
): Promise<{ gens: [NsLoadgen, NsLoadgen]; callerPorts: number[]; calleePorts: number[] }> {
  const gens: [NsLoadgen, NsLoadgen] = [
    NsLoadgen.startIn(topo.caller, topo.callerAddress),
    NsLoadgen.startIn(topo.callee, topo.calleeAddress),
  ];
  try {
    const [callerPorts, calleePorts] = await Promise.all([gens[0].open(calls), gens[1].open(calls)]);
    return { gens, callerPorts, calleePorts };
  } catch (error) {
    for (const gen of gens) gen.kill();
    throw error;
  }
}

/** Runs one step; `daemon` null means plain routing (no proxy daemon, static routes in the namespaces). */
export async function runNsStep(
  topo: NsTopology,
  daemon: { daemon: NsDaemon; client: NgClient } | null,
  calls: number,
  timing: RelayTiming,
  run: string,
): Promise<NsStepResult> {
  const { gens, callerPorts, calleePorts } = await openGenerators(topo, calls);
  const [callerGen, calleeGen] = gens;
  let legs: CallLeg[] = [];
  try {
    let setupFailures = 0;
    let setupFailureReason: string | undefined;
    if (daemon) {
      const setup = await setUpNsCalls(
        daemon.client,
        topo,
        callerPorts,
        calleePorts,
        run,
        (i, toCaller, toCallee) => {
          callerGen.setPeer(i, toCaller.address, toCaller.port);
          calleeGen.setPeer(i, toCallee.address, toCallee.port);
        },
      );
      legs = setup.legs;
      setupFailures = setup.failures;
      setupFailureReason = setup.reason;
    } else {
      for (let i = 0; i < calls; i++) {
        callerGen.setPeer(i, topo.calleeAddress, calleePorts[i] as number);
        calleeGen.setPeer(i, topo.callerAddress, callerPorts[i] as number);
      }
    }
    const pid = daemon?.daemon.pid;
    const sample = () => ({
      at: performance.now(),
      daemon: pid === undefined ? 0 : cpuSeconds(pid),
      machine: machineTicks(),
    });
    let atMeasure = sample();
    let atDrain = atMeasure;
    const plan = { ...g711, ...timing };
    const [callerSide, calleeSide] = await Promise.all([
      callerGen.run(plan, (phase) => {
        if (phase === 'measure') atMeasure = sample();
        else atDrain = sample();
      }),
      calleeGen.run(plan),
    ]);
    const kernelizedCalls =
      daemon?.daemon.kind === 'ts-kernel' ? Math.floor((await mediaInKernel(daemon.client)) / 2) : undefined;
    const seconds = (atDrain.at - atMeasure.at) / 1000;
    const sides = [callerSide, calleeSide];
    const sent = callerSide.sent + calleeSide.sent;
    const received = callerSide.received + calleeSide.received;
    const relayed = Math.max(received, 1);
    const daemonCpu = atDrain.daemon - atMeasure.daemon;
    const packetWork = (atDrain.machine.packetWork - atMeasure.machine.packetWork) / clockTicks;
    const busy = (atDrain.machine.busy - atMeasure.machine.busy) / clockTicks;
    const genCpu = sides.map((s) => s.cpu_user_s + s.cpu_sys_s);
    const genShare = sides.map((s, i) => (genCpu[i] as number) / s.wall_s);
    const genTotal = (genCpu[0] as number) + (genCpu[1] as number);
    // the generators' rusage spans their whole run (warm-up included): scale it to the measured window
    const genWall = Math.max(callerSide.wall_s, calleeSide.wall_s);
    const genInWindow = genTotal * (seconds / genWall);
    return {
      calls,
      setupFailures,
      ...(setupFailureReason === undefined ? {} : { setupFailureReason }),
      sent,
      received,
      loss: sent === 0 ? 1 : Math.max(0, 1 - received / sent),
      p50Us: mergedPercentile(sides, 0.5),
      p99Us: mergedPercentile(sides, 0.99),
      measuredSeconds: seconds,
      relayedPerSecond: received / (timing.measureMs / 1000),
      daemonCorePercent: (daemonCpu / seconds) * 100,
      daemonCpuPerPacketUs: (daemonCpu / relayed) * 1e6,
      loadgenCorePercent: (genTotal / genWall) * 100,
      busiestLoadgenCorePercent: Math.max(...genShare) * 100,
      loadgenCpuPerPacketUs: (genInWindow / relayed) * 1e6,
      packetWorkCorePercent: (packetWork / seconds) * 100,
      pathCpuPerPacketUs: ((daemonCpu + genInWindow + packetWork) / relayed) * 1e6,
      machineBusyPercent: (busy / seconds) * 100,
      meanLagUs: Math.max(callerSide.mean_lag_us, calleeSide.mean_lag_us),
      ...(kernelizedCalls === undefined ? {} : { kernelizedCalls }),
      sides,
    };
  } finally {
    for (const gen of gens) gen.kill();
    if (daemon) await deleteCalls(daemon.client, legs);
  }
}
