/**
 * Samples what `--max-load`, `--max-cpu` and `--max-bandwidth` compare against, once a second: /proc/loadavg,
 * /proc/stat and the relay's byte counter. The dispatcher reads the last sample synchronously, so a first offer
 * never waits on /proc. Runs only when a limit is set.
 */
import { readFileSync } from 'node:fs';
import {
  bytesPerSecond,
  type CpuTimes,
  cpuPercent,
  exceededLimit,
  type LoadLimits,
  type LoadSample,
  parseLoadavg,
  parseProcStat,
} from '../../src/control/load-limits.ts';
import { relayTotals } from '../../src/rtp/relay.ts';
import type { DaemonContext } from '../context.ts';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

export interface LoadMonitor {
  sample(): LoadSample;
  stop(): void;
}

export function startLoadMonitor(intervalMs = 1000): LoadMonitor {
  let cpu: CpuTimes | null = parseProcStat(readText('/proc/stat'));
  let bytes = relayTotals.bytes;
  let at = Date.now();
  let current: LoadSample = {
    load1: parseLoadavg(readText('/proc/loadavg')) ?? 0,
    cpuPercent: 0,
    bytesPerSecond: 0,
  };
  const timer = setInterval(() => {
    const now = Date.now();
    const nextCpu = parseProcStat(readText('/proc/stat'));
    current = {
      load1: parseLoadavg(readText('/proc/loadavg')) ?? current.load1,
      cpuPercent: cpu && nextCpu ? cpuPercent(cpu, nextCpu) : current.cpuPercent,
      bytesPerSecond: bytesPerSecond(bytes, relayTotals.bytes, now - at),
    };
    cpu = nextCpu;
    bytes = relayTotals.bytes;
    at = now;
  }, intervalMs);
  timer.unref();
  return { sample: () => current, stop: () => clearInterval(timer) };
}

/** The limit a new call hits now (rtpengine's message), or null. */
export function loadLimitReached(ctx: DaemonContext): string | null {
  const s = ctx.settings;
  const limits: LoadLimits = {
    maxLoad: s.maxLoad ?? 0,
    maxCpu: s.maxCpu ?? 0,
    maxBandwidth: s.maxBandwidth ?? 0,
  };
  if (!ctx.loadSample) return null;
  return exceededLimit(limits, ctx.loadSample());
}
