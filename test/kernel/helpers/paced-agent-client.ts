/**
 * The test side of `paced-agent.ts`: starts it in a namespace and sends it commands. Like `Agent` in
 * `netns.ts`, for the other agent script.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('./paced-agent.ts', import.meta.url));

export interface NgExchange {
  sentAt: number;
  repliedAt: number;
  reply: Record<string, unknown>;
}

export class PacedAgent {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #buffer = '';

  constructor(netns: string) {
    this.#child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', SCRIPT], {
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    this.#child.stdout?.on('data', (chunk: Buffer) => {
      this.#buffer += chunk.toString();
      let nl = this.#buffer.indexOf('\n');
      while (nl >= 0) {
        const line = this.#buffer.slice(0, nl);
        this.#buffer = this.#buffer.slice(nl + 1);
        nl = this.#buffer.indexOf('\n');
        const m = JSON.parse(line) as { id: number; ok: boolean; result?: unknown; error?: string };
        const w = this.#waiting.get(m.id);
        this.#waiting.delete(m.id);
        if (m.ok) w?.resolve(m.result);
        else w?.reject(new Error(m.error));
      }
    });
    this.#child.on('exit', () => {
      for (const w of this.#waiting.values()) w.reject(new Error('agent exited'));
      this.#waiting.clear();
    });
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin?.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Ends the agent (closing stdin makes it exit) and waits for it. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}
