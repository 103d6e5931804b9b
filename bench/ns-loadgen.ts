/**
 * The load generator of bench/loadgen.c run inside a network namespace (bench/ns-loadgen.c), one process
 * per side of the proxy: built into bench/bin/ when missing or older than its sources, driven over the
 * same stdin protocol, with its latency histogram returned so that two sides merge into one percentile.
 */
import { spawn } from 'node:child_process';
import { buildC } from './c-build.ts';
import { Loadgen, type LoadgenResult, type RunPlan } from './loadgen.ts';

export function ensureNsLoadgen(): string {
  return buildC('ns-loadgen', ['ns-loadgen.c', 'loadgen.c']);
}

/** One generator's result, with its latency histogram: µs bucket -> packets. */
export interface SideResult extends LoadgenResult {
  histogram: Map<number, number>;
}

/** A load generator in a network namespace: loadgen.c's protocol, plus the latency histogram after the result. */
export class NsLoadgen extends Loadgen {
  /** A generator whose sockets live in `netns`, bound to `address` there. */
  static startIn(netns: string, address: string): NsLoadgen {
    const child = spawn('ip', ['netns', 'exec', netns, ensureNsLoadgen()], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LOADGEN_BIND: address },
    });
    // `ip netns exec` execs the generator in place, so the child's pid is the generator's own
    return new NsLoadgen(child, 'ns-loadgen');
  }

  /** Runs the plan; the result comes with the histogram line that follows it. */
  override async run(
    plan: RunPlan,
    onPhase: (phase: 'measure' | 'drain') => void = () => {},
  ): Promise<SideResult> {
    const result = await super.run(plan, onPhase);
    const line = await this.nextLine();
    if (!line.startsWith('hist')) throw new Error(`unexpected ns-loadgen output: ${line.slice(0, 80)}`);
    const histogram = new Map<number, number>();
    for (const bucket of line.split(' ').slice(1)) {
      const [us, count] = bucket.split(':').map(Number);
      histogram.set(us as number, count as number);
    }
    return { ...result, histogram };
  }
}

/** The percentile (µs) of the two sides' latencies together; -1 when nothing arrived. */
export function mergedPercentile(sides: SideResult[], fraction: number): number {
  const merged = new Map<number, number>();
  let total = 0;
  for (const side of sides)
    for (const [us, count] of side.histogram) {
      merged.set(us, (merged.get(us) ?? 0) + count);
      total += count;
    }
  if (total === 0) return -1;
  const rank = Math.max(1, Math.floor(fraction * total));
  let seen = 0;
  for (const us of [...merged.keys()].sort((a, b) => a - b)) {
    seen += merged.get(us) as number;
    if (seen >= rank) return us;
  }
  return -1;
}
