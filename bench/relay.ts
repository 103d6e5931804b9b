/**
 * Media relay load: N G.711 calls set up through ng with SDPs pointing at the load generator's
 * sockets, RTP sent from both ends of every call to the ports the proxy announced, and what the
 * proxy forwards measured for loss and one-way latency, with the daemon's CPU over the window.
 */
import { type CallLeg, deleteCalls, setUpCalls } from './call-setup.ts';
import type { RunningDaemon } from './daemon.ts';
import { Loadgen, type LoadgenResult } from './loadgen.ts';
import { NgClient } from './ng-client.ts';
import { cpuSeconds } from './proc-stats.ts';

/** G.711 at 20 ms packetisation: 160 bytes of PCMU per packet, 50 packets/s each way. */
export const g711 = { packetsPerSecond: 50, payloadBytes: 160 };

export interface RelayTiming {
  warmupMs: number;
  measureMs: number;
  drainMs: number;
}

export interface RelayStepResult {
  calls: number;
  setupFailures: number;
  setupFailureReason?: string;
  loadgen: LoadgenResult;
  loss: number;
  /** Packets relayed per second inside the measured window. */
  relayedPerSecond: number;
  daemonCpuSeconds: number;
  measuredSeconds: number;
  /** Daemon CPU (user+system) per relayed packet, in microseconds. */
  daemonCpuPerPacketUs: number;
  /** Load generator CPU per relayed packet, in microseconds (it sends and receives each one). */
  loadgenCpuPerPacketUs: number;
  /** Share of the whole machine (all cores) used by the daemon and by the load generator. */
  daemonMachineShare: number;
  loadgenMachineShare: number;
}

export const cores = (await import('node:os')).availableParallelism();

/** Runs one relay measurement with `calls` concurrent calls, then deletes them. */
export async function runRelayStep(
  daemon: RunningDaemon,
  calls: number,
  timing: RelayTiming,
  run: string,
): Promise<RelayStepResult> {
  const loadgen = Loadgen.start();
  const client = await NgClient.open('127.0.0.1', daemon.ngPort, 3000);
  const legs: CallLeg[] = [];
  let setupFailures = 0;
  let setupFailureReason: string | undefined;
  try {
    const ports = await loadgen.open(calls * 2);
    const ends = Array.from({ length: calls }, (_, i) => ({
      caller: { address: '127.0.0.1', port: ports[i * 2] as number },
      callee: { address: '127.0.0.1', port: ports[i * 2 + 1] as number },
    }));
    const setup = await setUpCalls(client, ends, run, (index, toCaller, toCallee) => {
      loadgen.setPeer(index * 2, toCaller.address, toCaller.port);
      loadgen.setPeer(index * 2 + 1, toCallee.address, toCallee.port);
    });
    legs.push(...setup.legs);
    setupFailures = setup.failures;
    setupFailureReason = setup.reason;

    let cpuAtMeasure = 0;
    let cpuAtDrain = 0;
    let timeAtMeasure = 0;
    let timeAtDrain = 0;
    const result = await loadgen.run({ ...g711, ...timing }, (phase) => {
      if (phase === 'measure') {
        cpuAtMeasure = cpuSeconds(daemon.pid);
        timeAtMeasure = performance.now();
      } else {
        cpuAtDrain = cpuSeconds(daemon.pid);
        timeAtDrain = performance.now();
      }
    });
    const measuredSeconds = (timeAtDrain - timeAtMeasure) / 1000;
    const daemonCpuSeconds = cpuAtDrain - cpuAtMeasure;
    const loadgenCpu = result.cpu_user_s + result.cpu_sys_s;
    const relayed = Math.max(result.received, 1);
    return {
      calls,
      setupFailures,
      ...(setupFailureReason === undefined ? {} : { setupFailureReason }),
      loadgen: result,
      loss: result.sent === 0 ? 1 : Math.max(0, 1 - result.received / result.sent),
      relayedPerSecond: result.received / (timing.measureMs / 1000),
      daemonCpuSeconds,
      measuredSeconds,
      daemonCpuPerPacketUs: (daemonCpuSeconds / relayed) * 1e6,
      loadgenCpuPerPacketUs: (loadgenCpu / relayed) * 1e6,
      daemonMachineShare: daemonCpuSeconds / measuredSeconds / cores,
      loadgenMachineShare: loadgenCpu / result.wall_s / cores,
    };
  } finally {
    loadgen.kill();
    await deleteCalls(client, legs);
    client.close();
  }
}
