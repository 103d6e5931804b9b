/**
 * The ng call-setup load through the C client (bench/ngload.c): it plays Kamailio's part with 32 requests in
 * flight at a small fraction of a core, and times each request next to its send and receive syscalls, so that
 * neither its CPU nor an event loop of its own weighs on the figures (the Node client of ng-client.ts used 30-50%
 * of a core and read replies in batches, which spread every latency it measured).
 */
import { execFile } from 'node:child_process';
import { buildC } from './c-build.ts';
import type { SetupRateResult } from './ng-load.ts';
import { type LatencySamples, percentile } from './stats.ts';

/** Compiles the ng client if needed; returns the binary's path. */
export function ensureNgload(): string {
  return buildC('ngload', ['ngload.c']);
}

interface NgloadOutput {
  setups: number;
  requests: number;
  seconds: number;
  failures: number;
  timeouts: number;
  cpu_s: number;
  reason: string;
  latencies_us: number[];
}

/**
 * `inFlight` workers repeat offer -> answer -> delete on fresh calls: `warmupMs` unmeasured, then `durationMs`
 * measured. Every measured request's latency also goes into `pooled`, when given (a level's rounds are summed up
 * from all their samples). With `pacedRate` the client starts that many setups per second on its own schedule
 * (ngload.c's RATE) instead of as fast as the daemon answers.
 */
export function measureSetupRateC(
  ngPort: number,
  warmupMs: number,
  durationMs: number,
  run: string,
  inFlight = 32,
  pooled?: LatencySamples,
  pacedRate?: number,
): Promise<SetupRateResult> {
  const args = ['127.0.0.1', String(ngPort), String(inFlight), String(warmupMs), String(durationMs), run];
  if (pacedRate !== undefined) args.push(String(pacedRate));
  return new Promise((resolve, reject) => {
    execFile(ensureNgload(), args, { maxBuffer: 1 << 28 }, (error, stdout, stderr) => {
      if (error) {
        reject(new Error(`ngload failed: ${error.message} ${stderr}`));
        return;
      }
      const out = JSON.parse(stdout) as NgloadOutput;
      const latencies = Float64Array.from(out.latencies_us, (us) => us / 1000).sort();
      if (pooled) for (const ms of latencies) pooled.add(ms);
      const reasons: Record<string, number> = {};
      if (out.failures > out.timeouts) reasons[out.reason || 'error'] = out.failures - out.timeouts;
      if (out.timeouts > 0) reasons.timeout = out.timeouts;
      resolve({
        seconds: out.seconds,
        setupsPerSecond: out.setups / out.seconds,
        completedSetups: out.setups,
        requests: out.requests,
        p50Ms: percentile(latencies, 0.5),
        p99Ms: percentile(latencies, 0.99),
        failures: { total: out.failures, timeouts: out.timeouts, reasons },
        clientCpuShare: out.cpu_s / out.seconds,
      });
    });
  });
}
