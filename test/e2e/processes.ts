/**
 * Processes the scenario starts inside its namespaces, with their output kept for assertions and for the
 * failure report. Each runs in its own process group (Kamailio forks workers), so stopping one signals
 * exactly the group this test created and nothing else on the machine.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';

/** Enough to hold a whole short run; baresip's status line repeats and must not push out the start. */
const LOG_LIMIT = 256 * 1024;

export class NamespacedProcess {
  readonly name: string;
  private readonly child: ChildProcess;
  private output = '';
  private exitCode: number | null | undefined;
  private readonly exited: Promise<void>;

  constructor(name: string, namespace: string, argv: readonly string[], cwd: string) {
    this.name = name;
    const [command, ...args] = ['ip', 'netns', 'exec', namespace, ...argv];
    this.child = spawn(command ?? 'ip', args, { cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer): void => {
      this.output += chunk.toString('utf8');
      if (this.output.length > LOG_LIMIT) this.output = this.output.slice(-LOG_LIMIT);
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.on('error', (err) => {
        keep(Buffer.from(`spawn error: ${err.message}\n`));
        this.exitCode = null;
        resolve();
      });
      this.child.on('exit', (code, signal) => {
        keep(Buffer.from(`\n[exited: code ${code} signal ${signal}]\n`));
        this.exitCode = code;
        resolve();
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  log(): string {
    return this.output;
  }

  /** Resolves once the output matches; rejects early if the process dies, or after `timeoutMs`. */
  async waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    return waitUntil(`${this.name} to print ${pattern}`, timeoutMs, async () => {
      const match = this.output.match(pattern);
      if (match) return match;
      if (!this.running) throw new Error(`${this.name} exited before printing ${pattern}`);
      return undefined;
    });
  }

  /** SIGTERM to the group, SIGKILL if it lingers; a process that already exited is left alone. */
  async stop(graceMs = 3000): Promise<void> {
    const pid = this.child.pid;
    if (pid === undefined || !this.running) return;
    signalGroup(pid, 'SIGTERM');
    const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Runs a short command in a namespace and returns its stdout. */
export function runInNamespace(namespace: string, argv: readonly string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', namespace, ...argv], { cwd, timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${argv.join(' ')} in ${namespace} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Polls `probe` every 200 ms until it returns a value; its errors end the wait at once. */
export async function waitUntil<T>(
  what: string,
  timeoutMs: number,
  probe: () => Promise<T | undefined>,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
