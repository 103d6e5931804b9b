/**
 * The world every end-to-end scenario runs in: the namespaces, the media proxy under test (ours, or Debian's
 * rtpengine with `E2E_MEDIA_PROXY=rtpengine`), Kamailio with the scenario's script, and two registered baresip
 * agents, alice and bob. A scenario constructs a `CallWorld`, starts it in `before`, stops it in `after`, and
 * wraps each test body in `step()` so that any failure prints every process's output at the end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BARESIP_CTRL_PORT, writeBaresipConfig } from './baresip-config.ts';
import type { NgReply } from './ng-reply.ts';
import { NamespacedProcess, runInNamespace, waitUntil } from './processes.ts';
import { createTopology, destroyTopology, type Topology } from './topology.ts';

export const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..');

export const NG_PORT = 2223;
export const SIP_PORT = 5060;
export const ALICE_TONE_HZ = 440;
export const BOB_TONE_HZ = 880;
/** Every wait is cut to what is left of this, so even a run where everything times out ends within 60 s. */
const SUITE_BUDGET_MS = 55_000;

/** The proxy's command line; ours and Debian's rtpengine get the same options. */
export function mediaProxyArgv(serviceAddress: string, extraProxyArgs: readonly string[] = []): string[] {
  const options = [
    '--config-file=none',
    '-t',
    '-1',
    '-f',
    '-E',
    `--interface=${serviceAddress}`,
    `--listen-ng=127.0.0.1:${NG_PORT}`,
    ...extraProxyArgs,
    '--port-min=30000',
    '--port-max=30999',
    // rtpengine keeps a deleted call for 30 s by default; the tests want to see it gone after the BYE.
    '--delete-delay=0',
  ];
  const kind = process.env.E2E_MEDIA_PROXY ?? 'ts';
  if (kind === 'rtpengine') return ['rtpengine', ...options];
  if (kind === 'ts') return [process.execPath, join(repoRoot, 'bin', 'rtpengine-ts.js'), ...options];
  throw new Error(`E2E_MEDIA_PROXY must be "rtpengine" or "ts", not "${kind}"`);
}

export interface CallWorldOptions {
  /** Kamailio script in this folder. */
  readonly kamailioConfig: string;
  /** `-A NAME=value` defines for the script besides `SIP_LISTEN`, which every script gets. */
  readonly defines: Readonly<Record<string, string>>;
  readonly extraProxyArgs?: readonly string[];
  /** Prefix of the temporary folder holding the agents' configs and WAV dumps. */
  readonly workDirPrefix: string;
}

export type AgentName = 'alice' | 'bob';

export class CallWorld {
  private readonly options: CallWorldOptions;
  private readonly processes: NamespacedProcess[] = [];
  private readonly started = new Map<string, NamespacedProcess>();
  private readonly soundDirs = new Map<AgentName, string>();
  private topology: Topology | undefined;
  private workDir = '';
  private failed = false;
  private deadline = Number.POSITIVE_INFINITY;

  constructor(options: CallWorldOptions) {
    this.options = options;
  }

  /** `ms`, cut to what is left of the suite's budget. */
  within(ms: number): number {
    return Math.max(1, Math.min(ms, this.deadline - Date.now()));
  }

  get net(): Topology {
    assert.ok(this.topology, 'the topology was not created');
    return this.topology;
  }

  get kamailio(): NamespacedProcess {
    return this.process('kamailio');
  }

  agent(name: AgentName): NamespacedProcess {
    return this.process(name);
  }

  /** The folder where `name`'s baresip writes its WAV dumps. */
  soundsOf(name: AgentName): string {
    const dir = this.soundDirs.get(name);
    assert.ok(dir, `${name} was not configured`);
    return dir;
  }

  /** Failures report every process's output: the cause is usually in a log, not in the assertion. */
  step(body: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await body();
      } catch (err) {
        this.failed = true;
        throw err;
      }
    };
  }

  /** Brings up proxy, Kamailio and both agents; resolves once both agents are registered. */
  async start(): Promise<void> {
    await this.step(() => this.bringUp())();
  }

  private async bringUp(): Promise<void> {
    this.deadline = Date.now() + SUITE_BUDGET_MS;
    this.workDir = mkdtempSync(join(tmpdir(), this.options.workDirPrefix));
    this.topology = createTopology(String(process.pid));
    const { core, serviceAddress } = this.topology;

    const proxy = this.spawn(
      `media proxy (${process.env.E2E_MEDIA_PROXY ?? 'ts'})`,
      core,
      mediaProxyArgv(serviceAddress, this.options.extraProxyArgs),
    );
    // Kamailio checks the proxy once at start (ng `ping`, rtpproxy `V`) and disables it for a minute if
    // that fails; all control sockets are bound before the daemon serves its first request.
    await waitUntil('the media proxy to answer ping', this.within(15_000), async () => {
      if (!proxy.running) throw new Error('the media proxy exited');
      const reply = await this.ng({ command: 'ping' }).catch(() => undefined);
      return reply?.result === 'pong' ? reply : undefined;
    });

    const defines = { SIP_LISTEN: `udp:${serviceAddress}:${SIP_PORT}`, ...this.options.defines };
    const kamailio = this.spawn('kamailio', core, [
      'kamailio',
      '-DD',
      '-E',
      '-f',
      join(here, this.options.kamailioConfig),
      ...Object.entries(defines).flatMap(([name, value]) => ['-A', `${name}=${value}`]),
    ]);
    await kamailio.waitForOutput(/Listening on/, this.within(10_000));

    const agents = [
      { user: 'bob', ns: this.topology.bob, address: this.topology.bobAddress, toneHz: BOB_TONE_HZ },
      { user: 'alice', ns: this.topology.alice, address: this.topology.aliceAddress, toneHz: ALICE_TONE_HZ },
    ] as const;
    for (const agent of agents) {
      const dir = join(this.workDir, agent.user);
      this.soundDirs.set(agent.user, writeBaresipConfig(dir, { ...agent, registrar: serviceAddress }));
      this.spawn(agent.user, agent.ns, ['baresip', '-f', dir]);
    }
    for (const name of ['alice', 'bob'] as const) {
      await this.agent(name).waitForOutput(
        new RegExp(`${name}@${serviceAddress.replaceAll('.', '\\.')}: .*200 OK`),
        this.within(10_000),
      );
    }
  }

  /** Stops everything started so far (also after a failed start) and deletes the namespaces. */
  async stop(): Promise<void> {
    await Promise.all([...this.processes].reverse().map((p) => p.stop()));
    if (this.failed) {
      for (const p of this.processes) {
        const log = p.log().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '');
        process.stderr.write(`\n----- ${p.name} (pid ${p.pid}) -----\n${log.slice(-6000)}\n`);
      }
    }
    if (this.topology) destroyTopology(this.topology);
    if (this.workDir) rmSync(this.workDir, { recursive: true, force: true });
  }

  /** One ng request to the proxy, sent from the core namespace by ng-client.ts. */
  async ng(message: Record<string, unknown>): Promise<NgReply> {
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      join(here, 'ng-client.ts'),
      '127.0.0.1',
      String(NG_PORT),
      JSON.stringify(message),
    ];
    return JSON.parse(await runInNamespace(this.net.core, argv, repoRoot)) as NgReply;
  }

  /** One `ctrl_tcp` command to an agent's baresip, sent from its namespace by baresip-ctrl.ts. */
  async baresip(name: AgentName, command: string, params = ''): Promise<string> {
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      join(here, 'baresip-ctrl.ts'),
      '127.0.0.1',
      String(BARESIP_CTRL_PORT),
      command,
      params,
    ];
    return runInNamespace(this.net[name], argv, repoRoot);
  }

  /** Runs an in-namespace helper script of this folder in the core namespace; resolves with its output. */
  async runInCore(script: string, args: readonly string[]): Promise<string> {
    const argv = [process.execPath, '--import', 'tsx', join(here, script), ...args];
    return runInNamespace(this.net.core, argv, repoRoot);
  }

  /** alice calls bob (who answers automatically); resolves once both agents report the call established. */
  async dial(): Promise<void> {
    await this.baresip('alice', 'dial', `sip:bob@${this.net.serviceAddress}`);
    await this.agent('alice').waitForOutput(/Call established/, this.within(10_000));
    await this.agent('bob').waitForOutput(/Call established/, this.within(10_000));
  }

  /** alice hangs up: her baresip sends the BYE. */
  async hangup(): Promise<void> {
    await this.baresip('alice', 'hangup');
  }

  /** Polls `query` until the proxy no longer knows the call; resolves with that error reply. */
  async waitForCallGone(callId: string): Promise<NgReply> {
    return waitUntil('the query to stop finding the call', this.within(8_000), async () => {
      const reply = await this.ng({ command: 'query', 'call-id': callId });
      return reply.result === 'error' ? reply : undefined;
    });
  }

  private spawn(name: string, namespace: string, argv: string[]): NamespacedProcess {
    const started = new NamespacedProcess(name, namespace, argv, repoRoot);
    this.processes.push(started);
    this.started.set(name, started);
    return started;
  }

  private process(name: string): NamespacedProcess {
    const found = this.started.get(name);
    assert.ok(found, `${name} was not started`);
    return found;
  }
}
