/**
 * rtpengine's load limits on new calls: a first offer is refused while the 1-minute load average, the CPU
 * usage or the relayed bandwidth is above its limit (0 = no limit). The messages are rtpengine 10.5's own, as
 * clients match on them.
 */

export interface LoadLimits {
  /** `--max-load`: 1-minute load average. */
  maxLoad: number;
  /** `--max-cpu`: CPU usage in percent of the whole machine. */
  maxCpu: number;
  /** `--max-bandwidth`: bytes per second relayed. */
  maxBandwidth: number;
}

export interface LoadSample {
  load1: number;
  cpuPercent: number;
  bytesPerSecond: number;
}

export const LOAD_LIMIT_REASON = {
  load: 'Load limit exceeded',
  cpu: 'CPU usage limit exceeded',
  bandwidth: 'Bandwidth limit exceeded',
} as const;

export type LoadLimitReason = (typeof LOAD_LIMIT_REASON)[keyof typeof LOAD_LIMIT_REASON];

export function anyLoadLimit(l: LoadLimits): boolean {
  return l.maxLoad > 0 || l.maxCpu > 0 || l.maxBandwidth > 0;
}

/** The first limit the sample is above (load, then CPU, then bandwidth), or null. */
export function exceededLimit(l: LoadLimits, s: LoadSample): LoadLimitReason | null {
  if (l.maxLoad > 0 && s.load1 > l.maxLoad) return LOAD_LIMIT_REASON.load;
  if (l.maxCpu > 0 && s.cpuPercent > l.maxCpu) return LOAD_LIMIT_REASON.cpu;
  if (l.maxBandwidth > 0 && s.bytesPerSecond > l.maxBandwidth) return LOAD_LIMIT_REASON.bandwidth;
  return null;
}

/** The 1-minute load average from the text of /proc/loadavg, or null. */
export function parseLoadavg(text: string): number | null {
  const first = text.trim().split(/\s+/)[0];
  if (first === undefined || !/^\d+(\.\d+)?$/.test(first)) return null;
  return Number(first);
}

/** Busy and total jiffies of all CPUs together, from the `cpu ` line of /proc/stat. */
export interface CpuTimes {
  busy: number;
  total: number;
}

export function parseProcStat(text: string): CpuTimes | null {
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  const n = line.trim().split(/\s+/).slice(1).map(Number);
  if (n.length < 4 || n.some((x) => !Number.isFinite(x))) return null;
  // idle and iowait are the 4th and 5th fields; guest time is already inside user and nice
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0);
  const idle = (n[3] ?? 0) + (n[4] ?? 0);
  return { busy: total - idle, total };
}

/** CPU usage in percent between two readings; 0 when no time passed. */
export function cpuPercent(before: CpuTimes, after: CpuTimes): number {
  const total = after.total - before.total;
  if (total <= 0) return 0;
  return Math.max(0, Math.min(100, ((after.busy - before.busy) * 100) / total));
}

/** Bytes per second between two readings of a byte counter `ms` milliseconds apart. */
export function bytesPerSecond(before: number, after: number, ms: number): number {
  return ms > 0 ? Math.max(0, ((after - before) * 1000) / ms) : 0;
}
