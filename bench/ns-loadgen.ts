/**
 * The load generator of bench/loadgen.c run inside a network namespace (bench/ns-loadgen.c), one process
 * per side of the proxy: built into bench/bin/ when missing or older than its sources, driven over the
 * same stdin protocol, with its latency histogram returned so that two sides merge into one percentile.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { LoadgenResult, RunPlan } from './loadgen.ts';

const benchDir = dirname(fileURLToPath(import.meta.url));
const sources = [join(benchDir, 'ns-loadgen.c'), join(benchDir, 'loadgen.c')];
const binary = join(benchDir, 'bin', 'ns-loadgen');

export function ensureNsLoadgen(): string {
  const built = existsSync(binary) ? statSync(binary).mtimeMs : 0;
  if (sources.some((source) => statSync(source).mtimeMs > built)) {
    mkdirSync(dirname(binary), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, sources[0] as string], {
      cwd: benchDir,
      stdio: 'inherit',
    });
  }
  return binary;
}

/** One generator's result, with its latency histogram: µs bucket -> packets. */
export interface SideResult extends LoadgenResult {
  histogram: Map<number, number>;
}

export class NsLoadgen {
  private readonly queue: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  private stderr = '';

  private constructor(private readonly child: ChildProcessWithoutNullStreams) {
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => this.deliver(line));
    lines.on('close', () => {
      this.closed = true;
      this.deliver(undefined);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  /** A generator whose sockets live in `netns`, bound to `address` there. */
  static start(netns: string, address: string): NsLoadgen {
    const child = spawn('ip', ['netns', 'exec', netns, ensureNsLoadgen()], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LOADGEN_BIND: address },
    });
    return new NsLoadgen(child);
  }

  /** `ip netns exec` execs the generator in place, so this is the generator's own pid. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  private deliver(line: string | undefined): void {
    if (this.waiting) {
      const waiter = this.waiting;
      this.waiting = undefined;
      waiter(line);
    } else if (line !== undefined) {
      this.queue.push(line);
    }
  }

  private nextLine(): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new Error(`ns-loadgen ended: ${this.stderr.trim()}`));
    return new Promise((resolve, reject) => {
      this.waiting = (line) =>
        line === undefined ? reject(new Error(`ns-loadgen ended: ${this.stderr.trim()}`)) : resolve(line);
    });
  }

  async open(count: number): Promise<number[]> {
    this.child.stdin.write(`open ${count}\n`);
    const line = await this.nextLine();
    const [word, ...ports] = line.split(' ');
    if (word !== 'ports' || ports.length !== count)
      throw new Error(`unexpected ns-loadgen reply: ${line.slice(0, 80)}`);
    return ports.map(Number);
  }

  setPeer(index: number, address: string, port: number): void {
    this.child.stdin.write(`peer ${index} ${address} ${port}\n`);
  }

  /** Starts the plan at once; the returned promise settles with the result after the drain. */
  async run(plan: RunPlan, onPhase: (phase: 'measure' | 'drain') => void = () => {}): Promise<SideResult> {
    this.child.stdin.write(
      `run ${plan.packetsPerSecond} ${plan.payloadBytes} ${plan.warmupMs} ${plan.measureMs} ${plan.drainMs}\n`,
    );
    let result: LoadgenResult | undefined;
    for (;;) {
      const line = await this.nextLine();
      if (line === 'phase measure') onPhase('measure');
      else if (line === 'phase drain') onPhase('drain');
      else if (line.startsWith('{')) result = JSON.parse(line) as LoadgenResult;
      else if (line.startsWith('hist') && result) {
        const histogram = new Map<number, number>();
        for (const bucket of line.split(' ').slice(1)) {
          const [us, count] = bucket.split(':').map(Number);
          histogram.set(us as number, count as number);
        }
        return { ...result, histogram };
      } else throw new Error(`unexpected ns-loadgen output: ${line.slice(0, 80)}`);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
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
