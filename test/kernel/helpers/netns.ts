/**
 * The three-namespace topology of the kernel tests (caller - proxy - callee, two veth pairs, addresses only
 * inside the namespaces) and a client for the agent that runs in each namespace. Everything made here is
 * removed by `destroy()`, which the tests call in `after` whatever happened.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const AGENT = fileURLToPath(new URL('./ns-agent.ts', import.meta.url));

/** Why the namespace tests cannot run here, or null. */
export function namespaceSkipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and nftables)';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` is not available';
  }
  return null;
}

/** What an agent's socket has received: how many datagrams, and from where the last one came. */
export interface Received {
  packets: number;
  lastFrom: string | null;
}

export class Agent {
  readonly #child: ChildProcess;
  #next = 1;
  readonly #waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #buffer = '';

  /** Starts an agent script (by default `ns-agent.ts`) in `netns`; it speaks JSON lines on stdin/stdout. */
  constructor(netns: string, script: string = AGENT) {
    this.#child = spawn('ip', ['netns', 'exec', netns, process.execPath, '--import', 'tsx', script], {
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

  /** Waits until the agent's socket `name` has received `packets` datagrams (or 3 s), then says what it has. */
  async received(name: string, packets: number): Promise<Received> {
    const deadline = Date.now() + 3000;
    for (;;) {
      const r = await this.call<Received>('received', { name });
      if (r.packets >= packets || Date.now() > deadline) return r;
      await new Promise((done) => setTimeout(done, 20));
    }
  }

  call<T = unknown>(op: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#child.stdin?.write(`${JSON.stringify({ id, op, ...args })}\n`);
    });
  }

  /** Ends the agent (closing stdin makes it remove its table and exit) and waits for it. */
  async stop(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.#child.once('exit', () => r()));
    this.#child.stdin?.end();
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

export interface Topology {
  caller: string;
  proxy: string;
  callee: string;
  /** caller 10.77.1.2 -- 10.77.1.1 proxy 10.77.2.1 -- 10.77.2.2 callee; no routes between the outer two. */
  callerAddress: string;
  proxyCallerSide: string;
  proxyCalleeSide: string;
  calleeAddress: string;
  /** Runs a command in the proxy namespace (for nft inspection and sysctls). */
  inProxy(cmd: string[]): string;
  destroy(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** The addresses of each family: the same /24 (IPv4) or /64 (IPv6) subnets on each side of the proxy. */
const ADDRESSES = {
  IP4: {
    caller: '10.77.1.2',
    proxyCaller: '10.77.1.1',
    proxyCallee: '10.77.2.1',
    callee: '10.77.2.2',
    prefix: 24,
  },
  IP6: {
    caller: 'fd00:77:1::2',
    proxyCaller: 'fd00:77:1::1',
    proxyCallee: 'fd00:77:2::1',
    callee: 'fd00:77:2::2',
    prefix: 64,
  },
} as const;

/**
 * Builds caller - proxy - callee in three namespaces, addressed in one family. IPv6 addresses are added with
 * `nodad` so they are usable at once (duplicate address detection would hold them "tentative" for about a
 * second). The proxy forwards that family. Everything made here is removed by `destroy()`.
 */
export function createTopology(tag: string, family: 'IP4' | 'IP6' = 'IP4'): Topology {
  const a = ADDRESSES[family];
  const p = `k${tag}${process.pid % 100000}`;
  const caller = `${p}c`;
  const proxy = `${p}p`;
  const callee = `${p}e`;
  const t: Topology = {
    caller,
    proxy,
    callee,
    callerAddress: a.caller,
    proxyCallerSide: a.proxyCaller,
    proxyCalleeSide: a.proxyCallee,
    calleeAddress: a.callee,
    inProxy: (cmd) => execFileSync('ip', ['netns', 'exec', proxy, ...cmd]).toString(),
    destroy() {
      // Deleting a namespace deletes its veth ends, its tables and its sysctls.
      for (const ns of [caller, proxy, callee]) {
        try {
          ip(['netns', 'del', ns]);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    for (const ns of [caller, proxy, callee]) ip(['netns', 'add', ns]);
    ip(['link', 'add', `${p}a`, 'netns', caller, 'type', 'veth', 'peer', 'name', `${p}b`, 'netns', proxy]);
    ip(['link', 'add', `${p}x`, 'netns', proxy, 'type', 'veth', 'peer', 'name', `${p}y`, 'netns', callee]);
    const setup: [string, string, string][] = [
      [caller, `${p}a`, a.caller],
      [proxy, `${p}b`, a.proxyCaller],
      [proxy, `${p}x`, a.proxyCallee],
      [callee, `${p}y`, a.callee],
    ];
    for (const [ns, dev, address] of setup) {
      const cidr = `${address}/${a.prefix}`;
      ip(
        family === 'IP6'
          ? ['-n', ns, '-6', 'addr', 'add', cidr, 'dev', dev, 'nodad']
          : ['-n', ns, 'addr', 'add', cidr, 'dev', dev],
      );
      ip(['-n', ns, 'link', 'set', dev, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    t.inProxy([
      'sysctl',
      '-qw',
      family === 'IP6' ? 'net.ipv6.conf.all.forwarding=1' : 'net.ipv4.ip_forward=1',
    ]);
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}
