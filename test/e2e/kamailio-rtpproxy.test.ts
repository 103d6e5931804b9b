/**
 * End to end with the legacy rtpproxy protocol's real client: two baresip agents call each other through
 * Kamailio, whose `rtpproxy` module (not `rtpengine`) anchors the media in the media proxy under test over
 * `--listen-udp`. The test itself watches the call over ng (`list`, `query`). `E2E_MEDIA_PROXY=rtpengine`
 * runs Debian's rtpengine (the oracle), `ts` (default) runs ours with the same command line.
 * See README.md in this folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { BARESIP_CTRL_PORT, writeBaresipConfig } from './baresip-config.ts';
import { NamespacedProcess, runInNamespace, waitUntil } from './processes.ts';
import { readPcmWav, tonePower } from './tone.ts';
import { createTopology, destroyTopology, netnsUnavailableReason, type Topology } from './topology.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

const NG_PORT = 2223;
const RTPPROXY_PORT = 2224;
const ALICE_TONE_HZ = 440;
const BOB_TONE_HZ = 880;
/** 2 s of 20 ms packets: enough that a relay which stalls after the first packets fails. */
const MIN_RTP_PACKETS = 100;
/** Every wait is cut to what is left of this, so even a run where everything times out ends within 60 s. */
const SUITE_BUDGET_MS = 55_000;

function mediaProxyArgv(serviceAddress: string): string[] {
  const options = [
    '--config-file=none',
    '-t',
    '-1',
    '-f',
    '-E',
    `--interface=${serviceAddress}`,
    `--listen-ng=127.0.0.1:${NG_PORT}`,
    `--listen-udp=127.0.0.1:${RTPPROXY_PORT}`,
    '--port-min=30000',
    '--port-max=30999',
    // rtpengine keeps a deleted call for 30 s by default; the test wants to see it gone after the BYE.
    '--delete-delay=0',
  ];
  const kind = process.env.E2E_MEDIA_PROXY ?? 'ts';
  if (kind === 'rtpengine') return ['rtpengine', ...options];
  if (kind === 'ts') return [process.execPath, join(repoRoot, 'bin', 'rtpengine-ts.js'), ...options];
  throw new Error(`E2E_MEDIA_PROXY must be "rtpengine" or "ts", not "${kind}"`);
}

interface QueryStream {
  'local address'?: string;
  endpoint?: { address?: string };
  flags?: string[];
  stats?: { packets?: number };
}

interface NgReply {
  result?: string;
  'error-reason'?: string;
  calls?: string[];
  tags?: Record<string, { medias?: { streams?: QueryStream[] }[] }>;
}

/** The RTP streams (not RTCP) of the call whose far end is `address`, as the proxy sees them. */
function rtpStreamsOf(reply: NgReply, address: string): QueryStream[] {
  return Object.values(reply.tags ?? {})
    .flatMap((tag) => tag.medias ?? [])
    .flatMap((media) => media.streams ?? [])
    .filter((stream) => stream.endpoint?.address === address && !(stream.flags ?? []).includes('RTCP'));
}

function packetsFrom(reply: NgReply, address: string): number {
  return rtpStreamsOf(reply, address).reduce((sum, stream) => sum + (stream.stats?.packets ?? 0), 0);
}

const skipReason = netnsUnavailableReason();

describe('Kamailio rtpproxy module + two baresip agents through the media proxy (--listen-udp)', {
  skip: skipReason ?? false,
}, () => {
  let topology: Topology | undefined;
  let workDir = '';
  const processes: NamespacedProcess[] = [];
  let proxy: NamespacedProcess | undefined;
  let alice: NamespacedProcess | undefined;
  let bob: NamespacedProcess | undefined;
  let kamailio: NamespacedProcess | undefined;
  let aliceSounds = '';
  let bobSounds = '';
  let callId = '';
  let failed = false;
  let deadline = Number.POSITIVE_INFINITY;
  const within = (ms: number): number => Math.max(1, Math.min(ms, deadline - Date.now()));

  const net = (): Topology => {
    assert.ok(topology, 'the topology was not created');
    return topology;
  };

  async function ng(message: Record<string, unknown>): Promise<NgReply> {
    const script = join(here, 'ng-client.ts');
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      script,
      '127.0.0.1',
      String(NG_PORT),
      JSON.stringify(message),
    ];
    return JSON.parse(await runInNamespace(net().core, argv, repoRoot)) as NgReply;
  }

  async function baresip(namespace: string, command: string, params: string): Promise<string> {
    const script = join(here, 'baresip-ctrl.ts');
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      script,
      '127.0.0.1',
      String(BARESIP_CTRL_PORT),
      command,
      params,
    ];
    return runInNamespace(namespace, argv, repoRoot);
  }

  function start(name: string, namespace: string, argv: string[]): NamespacedProcess {
    const started = new NamespacedProcess(name, namespace, argv, repoRoot);
    processes.push(started);
    return started;
  }

  /** Failures report every process's output: the cause is usually in a log, not in the assertion. */
  function step(body: () => Promise<void>): () => Promise<void> {
    return async () => {
      try {
        await body();
      } catch (err) {
        failed = true;
        throw err;
      }
    };
  }

  before(
    step(async () => {
      deadline = Date.now() + SUITE_BUDGET_MS;
      workDir = mkdtempSync(join(tmpdir(), 'e2e-kamailio-rtpproxy-'));
      topology = createTopology(String(process.pid));
      const { core, serviceAddress } = topology;

      proxy = start(
        `media proxy (${process.env.E2E_MEDIA_PROXY ?? 'ts'})`,
        core,
        mediaProxyArgv(serviceAddress),
      );
      // Kamailio's rtpproxy module sends `V` once at start and disables the proxy for a minute if that
      // fails; both control sockets are bound before the daemon serves its first request.
      await waitUntil('the media proxy to answer ping', within(15_000), async () => {
        if (!proxy?.running) throw new Error('the media proxy exited');
        const reply = await ng({ command: 'ping' }).catch(() => undefined);
        return reply?.result === 'pong' ? reply : undefined;
      });

      kamailio = start('kamailio', core, [
        'kamailio',
        '-DD',
        '-E',
        '-f',
        join(here, 'kamailio-rtpproxy.cfg'),
        '-A',
        `SIP_LISTEN=udp:${serviceAddress}:5060`,
        '-A',
        `RTPPROXY_SOCKET="udp:127.0.0.1:${RTPPROXY_PORT}"`,
      ]);
      await kamailio.waitForOutput(/Listening on/, within(10_000));

      for (const agent of [
        { user: 'bob', ns: topology.bob, address: topology.bobAddress, toneHz: BOB_TONE_HZ },
        { user: 'alice', ns: topology.alice, address: topology.aliceAddress, toneHz: ALICE_TONE_HZ },
      ]) {
        const dir = join(workDir, agent.user);
        const sounds = writeBaresipConfig(dir, { ...agent, registrar: serviceAddress });
        const ua = start(agent.user, agent.ns, ['baresip', '-f', dir]);
        if (agent.user === 'alice') [alice, aliceSounds] = [ua, sounds];
        else [bob, bobSounds] = [ua, sounds];
      }
      for (const ua of [alice, bob]) {
        await ua?.waitForOutput(
          new RegExp(`${ua.name}@${serviceAddress.replaceAll('.', '\\.')}: .*200 OK`),
          within(10_000),
        );
      }
    }),
    { timeout: 40_000 },
  );

  after(async () => {
    await Promise.all([...processes].reverse().map((p) => p.stop()));
    if (failed) {
      for (const p of processes) {
        const log = p.log().replace(/\[\d+:\d\d:\d\d\] audio=\S+ \(bit\/s\)\s*/g, '');
        process.stderr.write(`\n----- ${p.name} (pid ${p.pid}) -----\n${log.slice(-6000)}\n`);
      }
    }
    if (topology) destroyTopology(topology);
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it(
    "alice dials bob, both agents report the call established and the proxy's list shows it",
    { timeout: 15_000 },
    step(async () => {
      await baresip(net().alice, 'dial', `sip:bob@${net().serviceAddress}`);
      await alice?.waitForOutput(/Call established/, within(10_000));
      await bob?.waitForOutput(/Call established/, within(10_000));
      // The Call-ID comes from the SIP side, so a proxy whose `list` is broken still gets the later checks.
      const offer = await kamailio?.waitForOutput(/media: offer for (\S+)/, within(5_000));
      await kamailio?.waitForOutput(/media: answer for /, within(5_000));
      callId = offer?.[1] ?? '';
      assert.notEqual(callId, '', 'Kamailio logged the Call-ID it sent to the proxy');
      assert.doesNotMatch(
        kamailio?.log() ?? '',
        /rtpproxy_(offer|answer) failed|rtpproxy.*(disabled|ERROR)/i,
      );
      // Kamailio speaks no ng here: the call can only have reached the proxy over --listen-udp.
      const list = await ng({ command: 'list' });
      assert.equal(list.result, 'ok', `list failed: ${list['error-reason'] ?? ''}`);
      assert.deepEqual(list.calls, [callId], 'the call set up over the rtpproxy protocol is listed');
    }),
  );

  it(
    'each agent receives its media from the proxy address, not from the other agent',
    { timeout: 10_000 },
    step(async () => {
      const fromProxy = new RegExp(
        `incoming rtp for 'audio' established, receiving from ${net().serviceAddress}:`,
      );
      await alice?.waitForOutput(fromProxy, within(5_000));
      await bob?.waitForOutput(fromProxy, within(5_000));
    }),
  );

  it(
    `the proxy's query counts at least ${MIN_RTP_PACKETS} RTP packets from each agent on its own address`,
    { timeout: 15_000 },
    step(async () => {
      const { aliceAddress, bobAddress, serviceAddress } = net();
      const reply = await waitUntil('RTP from both agents in the query', within(10_000), async () => {
        const answer = await ng({ command: 'query', 'call-id': callId });
        assert.equal(answer.result, 'ok', `query failed: ${answer['error-reason'] ?? ''}`);
        const enough =
          packetsFrom(answer, aliceAddress) >= MIN_RTP_PACKETS &&
          packetsFrom(answer, bobAddress) >= MIN_RTP_PACKETS;
        return enough ? answer : undefined;
      });
      assert.equal(Object.keys(reply.tags ?? {}).length, 2, 'two parties: one monologue per agent');
      for (const address of [aliceAddress, bobAddress]) {
        const streams = rtpStreamsOf(reply, address);
        assert.equal(streams.length, 1, `exactly one RTP stream faces ${address}`);
        assert.equal(
          streams[0]?.['local address'],
          serviceAddress,
          `the stream facing ${address} is anchored on the proxy`,
        );
      }
    }),
  );

  it(
    "alice's BYE makes Kamailio's unforce_rtp_proxy() delete the call in the proxy",
    { timeout: 15_000 },
    step(async () => {
      await baresip(net().alice, 'hangup', '');
      const gone = await waitUntil('the query to stop finding the call', within(8_000), async () => {
        const reply = await ng({ command: 'query', 'call-id': callId });
        return reply.result === 'error' ? reply : undefined;
      });
      assert.match(gone['error-reason'] ?? '', /unknown call-id/i);
    }),
  );

  it(
    "after the BYE the proxy's list holds no call",
    { timeout: 5_000 },
    step(async () => {
      const list = await ng({ command: 'list' });
      assert.equal(list.result, 'ok', `list failed: ${list['error-reason'] ?? ''}`);
      assert.deepEqual(list.calls, []);
    }),
  );

  it(
    "each agent heard the other's tone, not its own: audio went both ways through the proxy",
    { timeout: 10_000 },
    step(async () => {
      // baresip finishes the WAV dumps when the call ends.
      for (const ua of [alice, bob]) await ua?.waitForOutput(/Call with \S+ terminated/, within(5_000));
      for (const [dir, heard, own] of [
        [aliceSounds, BOB_TONE_HZ, ALICE_TONE_HZ],
        [bobSounds, ALICE_TONE_HZ, BOB_TONE_HZ],
      ] as const) {
        const decoded = readdirSync(dir).filter((name) => name.endsWith('-dec.wav'));
        assert.equal(decoded.length, 1, `one decoded-audio dump in ${dir}`);
        const audio = readPcmWav(join(dir, decoded[0] ?? ''));
        assert.ok(audio.samples.length >= audio.sampleRate, `at least 1 s of received audio in ${dir}`);
        const heardPower = tonePower(audio, heard);
        const ownPower = tonePower(audio, own);
        assert.ok(
          heardPower > 10 * ownPower,
          `${heard} Hz dominates ${own} Hz (${heardPower} vs ${ownPower})`,
        );
      }
    }),
  );
});
