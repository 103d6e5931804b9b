/**
 * Building and driving the C load generator (bench/loadgen.c): it is compiled into bench/bin/ when
 * the binary is missing or older than its source, and spoken to over its stdin/stdout line protocol.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { buildC } from './c-build.ts';

/** Compiles the load generator if needed; returns the binary's path. */
export function ensureLoadgen(): string {
  return buildC('loadgen', ['loadgen.c']);
}

export interface LoadgenResult {
  flows: number;
  senders: number;
  sent: number;
  received: number;
  sent_warmup: number;
  received_warmup: number;
  send_errors: number;
  stray: number;
  late: number;
  silent_flows: number;
  p50_us: number;
  p99_us: number;
  max_us: number;
  /** How late (µs) the generator sent its latest packet: large values mean it, not the proxy, was the limit. */
  max_lag_us: number;
  /** Mean lateness (µs) of sending; a sustained lag, unlike a one-off preemption, means the generator was the limit. */
  mean_lag_us: number;
  cpu_user_s: number;
  cpu_sys_s: number;
  wall_s: number;
}

export interface RunPlan {
  packetsPerSecond: number;
  payloadBytes: number;
  warmupMs: number;
  measureMs: number;
  drainMs: number;
}

/** One load generator process: open sockets, point them at peers, run once. */
export class Loadgen {
  private readonly lines: Interface;
  private readonly queue: string[] = [];
  private waiting: ((line: string | undefined) => void) | undefined;
  private closed = false;
  private stderr = '';

  /** `label` names the generator in errors. */
  protected constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly label = 'loadgen',
  ) {
    this.lines = createInterface({ input: child.stdout });
    this.lines.on('line', (line) => this.deliver(line));
    this.lines.on('close', () => {
      this.closed = true;
      this.deliver(undefined);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  static start(): Loadgen {
    return new Loadgen(spawn(ensureLoadgen(), [], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

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

  protected nextLine(): Promise<string> {
    const queued = this.queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.closed) return Promise.reject(new Error(`${this.label} ended: ${this.stderr.trim()}`));
    return new Promise((resolve, reject) => {
      this.waiting = (line) =>
        line === undefined ? reject(new Error(`${this.label} ended: ${this.stderr.trim()}`)) : resolve(line);
    });
  }

  /** Binds `count` sockets on 127.0.0.1 and returns their ports, in order. */
  async open(count: number): Promise<number[]> {
    this.child.stdin.write(`open ${count}\n`);
    const line = await this.nextLine();
    const [word, ...ports] = line.split(' ');
    if (word !== 'ports' || ports.length !== count)
      throw new Error(`unexpected ${this.label} reply: ${line.slice(0, 80)}`);
    return ports.map(Number);
  }

  setPeer(index: number, address: string, port: number): void {
    this.child.stdin.write(`peer ${index} ${address} ${port}\n`);
  }

  /**
   * Runs the plan; `onPhase` is called when the measured window starts ("measure") and when
   * sending stops ("drain"), so the caller can sample the daemon's CPU over exactly that window.
   */
  async run(plan: RunPlan, onPhase: (phase: 'measure' | 'drain') => void = () => {}): Promise<LoadgenResult> {
    this.child.stdin.write(
      `run ${plan.packetsPerSecond} ${plan.payloadBytes} ${plan.warmupMs} ${plan.measureMs} ${plan.drainMs}\n`,
    );
    for (;;) {
      const line = await this.nextLine();
      if (line === 'phase measure') onPhase('measure');
      else if (line === 'phase drain') onPhase('drain');
      else if (line.startsWith('{')) return JSON.parse(line) as LoadgenResult;
      else throw new Error(`unexpected ${this.label} output: ${line.slice(0, 80)}`);
    }
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}
