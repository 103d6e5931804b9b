/**
 * Issue 3's "Done when" with real clients: Kamailio drives the whole call with rtpengine_manage() (the module
 * picks offer, answer and delete) and runs block_dtmf(), unblock_dtmf() and play_dtmf("code=5") from its
 * routing script when the test sends it a MESSAGE with an `X-Action` header (sip-action.ts). The packet-level
 * evidence is bob's baresip log: it prints "received event: 'N' (end=0)" only for RFC 4733 telephone-events
 * that arrive over RTP (a DTMF in SIP INFO is logged as "call: received DTMF: ..." instead), and Kamailio
 * refuses SIP INFO in this config anyway, so an event bob logs came as RTP through the proxy.
 *
 * Debian's Kamailio 5.6 has no `dtmf_events_sock` modparam (it arrived in a later release), so the proxy's
 * DTMF event datagrams (`--dtmf-log-dest`) are not part of this scenario.
 *
 * `E2E_MEDIA_PROXY=rtpengine` runs Debian's rtpengine (the oracle), `ts` (default) runs ours with the same
 * command line. Topology and helpers as in kamailio-baresip.test.ts; see README.md in this folder.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { BARESIP_CTRL_PORT, writeBaresipConfig } from './baresip-config.ts';
import { NamespacedProcess, runInNamespace, waitUntil } from './processes.ts';
import { createTopology, destroyTopology, netnsUnavailableReason, type Topology } from './topology.ts';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

const NG_PORT = 2223;
/** The code kamailio-manage.cfg passes to play_dtmf(). */
const PLAYED_DIGIT = '5';
/**
 * How long a DTMF sent while blocked gets to (wrongly) arrive: baresip sends an event over ~100 ms and
 * logs it on the first packet, so this is many times what an unblocked event takes.
 */
const BLOCKED_WAIT_MS = 2_000;
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
  endpoint?: { address?: string };
  flags?: string[];
  stats?: { packets?: number };
}

interface NgReply {
  result?: string;
  'error-reason'?: string;
  calls?: string[];
  tags?: Record<string, { medias?: { streams?: QueryStream[] }[] }>;
  statistics?: { controlstatistics?: { proxies?: Record<string, unknown>[] } };
}

/** RTP (not RTCP) packets the proxy received from `address`, over all of the call's streams. */
function packetsFrom(reply: NgReply, address: string): number {
  return Object.values(reply.tags ?? {})
    .flatMap((tag) => tag.medias ?? [])
    .flatMap((media) => media.streams ?? [])
    .filter((stream) => stream.endpoint?.address === address && !(stream.flags ?? []).includes('RTCP'))
    .reduce((sum, stream) => sum + (stream.stats?.packets ?? 0), 0);
}

/** How many `command` requests the proxy has counted from all its ng clients (`<short name>count`). */
function controlCount(reply: NgReply, shortName: string): number {
  const proxies = reply.statistics?.controlstatistics?.proxies ?? [];
  return proxies.reduce((sum, proxy) => sum + Number(proxy[`${shortName}count`] ?? 0), 0);
}

/** baresip 1.0's log line for the start of a received DTMF event (`end=1` follows when it ends). */
function receivedDtmf(digit: string): RegExp {
  return new RegExp(`received event: '${digit.replace(/[*#]/g, '\\$&')}' \\(end=0\\)`);
}

const skipReason = netnsUnavailableReason();

describe('Kamailio rtpengine_manage() + block_dtmf/unblock_dtmf/play_dtmf on a baresip call', {
  skip: skipReason ?? false,
}, () => {
  let topology: Topology | undefined;
  let workDir = '';
  const processes: NamespacedProcess[] = [];
  let proxy: NamespacedProcess | undefined;
  let alice: NamespacedProcess | undefined;
  let bob: NamespacedProcess | undefined;
  let kamailio: NamespacedProcess | undefined;
  let callId = '';
  let callerTag = '';
  let failed = false;
  let deadline = Number.POSITIVE_INFINITY;
  const within = (ms: number): number => Math.max(1, Math.min(ms, deadline - Date.now()));

  const net = (): Topology => {
    assert.ok(topology, 'the topology was not created');
    return topology;
  };
  const running = (ua: NamespacedProcess | undefined): NamespacedProcess => {
    assert.ok(ua, 'the process was not started');
    return ua;
  };

  async function ng(message: Record<string, unknown>): Promise<NgReply> {
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      join(here, 'ng-client.ts'),
      '127.0.0.1',
      String(NG_PORT),
      JSON.stringify(message),
    ];
    return JSON.parse(await runInNamespace(net().core, argv, repoRoot)) as NgReply;
  }

  async function baresip(namespace: string, command: string, params: string): Promise<string> {
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
    return runInNamespace(namespace, argv, repoRoot);
  }

  /** Asks Kamailio's script to run one media action on the call; resolves with the SIP status line. */
  async function kamailioAction(action: string): Promise<string> {
    const argv = [
      process.execPath,
      '--import',
      'tsx',
      join(here, 'sip-action.ts'),
      net().serviceAddress,
      '5060',
      callId,
      callerTag,
      action,
    ];
    return (await runInNamespace(net().core, argv, repoRoot)).trim();
  }

  /** Counts baresip's "received event" lines for `digit` so far: a later wait looks only at new ones. */
  const receivedCount = (ua: NamespacedProcess, digit: string): number =>
    ua.log().match(new RegExp(receivedDtmf(digit).source, 'g'))?.length ?? 0;

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
      workDir = mkdtempSync(join(tmpdir(), 'e2e-kamailio-manage-'));
      topology = createTopology(String(process.pid));
      const { core, serviceAddress } = topology;

      proxy = start(
        `media proxy (${process.env.E2E_MEDIA_PROXY ?? 'ts'})`,
        core,
        mediaProxyArgv(serviceAddress),
      );
      // Kamailio pings the proxy once at start and disables it for a minute if that fails.
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
        join(here, 'kamailio-manage.cfg'),
        '-A',
        `SIP_LISTEN=udp:${serviceAddress}:5060`,
        '-A',
        `NG_SOCKET="udp:127.0.0.1:${NG_PORT}"`,
      ]);
      await kamailio.waitForOutput(/Listening on/, within(10_000));

      for (const agent of [
        { user: 'bob', ns: topology.bob, address: topology.bobAddress, toneHz: 880 },
        { user: 'alice', ns: topology.alice, address: topology.aliceAddress, toneHz: 440 },
      ]) {
        const dir = join(workDir, agent.user);
        writeBaresipConfig(dir, { ...agent, registrar: serviceAddress });
        const ua = start(agent.user, agent.ns, ['baresip', '-f', dir]);
        if (agent.user === 'alice') alice = ua;
        else bob = ua;
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
    "rtpengine_manage() sets the call up: Kamailio's offer and answer reach the proxy, whose query shows both agents",
    { timeout: 15_000 },
    step(async () => {
      await baresip(net().alice, 'dial', `sip:bob@${net().serviceAddress}`);
      await running(alice).waitForOutput(/Call established/, within(10_000));
      await running(bob).waitForOutput(/Call established/, within(10_000));
      const invite = await running(kamailio).waitForOutput(/media: manage INVITE for (\S+)/, within(5_000));
      const reply = await running(kamailio).waitForOutput(
        /media: manage reply 200 for (\S+) from-tag (\S+) to-tag (\S+)/,
        within(5_000),
      );
      callId = invite[1] ?? '';
      callerTag = reply[2] ?? '';
      assert.notEqual(callId, '', 'Kamailio logged the Call-ID');
      assert.equal(reply[1], callId, 'the 200 OK belongs to the same call');

      const query = await ng({ command: 'query', 'call-id': callId });
      assert.equal(query.result, 'ok', `query failed: ${query['error-reason'] ?? ''}`);
      assert.deepEqual(
        Object.keys(query.tags ?? {}).sort(),
        [callerTag, reply[3] ?? ''].sort(),
        "one monologue per agent, keyed by the dialog's tags",
      );
      const stats = await ng({ command: 'statistics' });
      assert.equal(stats.result, 'ok', `statistics failed: ${stats['error-reason'] ?? ''}`);
      assert.equal(controlCount(stats, 'offer'), 1, 'the module chose one offer');
      assert.equal(controlCount(stats, 'answer'), 1, 'the module chose one answer');
      assert.equal(controlCount(stats, 'delete'), 0, 'and no delete yet');
    }),
  );

  it(
    'play_dtmf("code=5") makes the proxy send an RFC 4733 event for 5 that bob receives',
    { timeout: 10_000 },
    step(async () => {
      const ua = running(bob);
      assert.equal(receivedCount(ua, PLAYED_DIGIT), 0, 'bob received no 5 before the action');
      assert.match(await kamailioAction('play-dtmf'), /^SIP\/2\.0 200/);
      await ua.waitForOutput(receivedDtmf(PLAYED_DIGIT), within(5_000));
    }),
  );

  it(
    "before block_dtmf, alice's DTMF 3 reaches bob (the path the block must cut works)",
    { timeout: 10_000 },
    step(async () => {
      await baresip(net().alice, 'sndcode', '3');
      await running(bob).waitForOutput(receivedDtmf('3'), within(5_000));
    }),
  );

  it(
    "after block_dtmf(), alice's DTMF 1 does not reach bob while her audio still does",
    { timeout: 10_000 },
    step(async () => {
      const ua = running(bob);
      assert.match(await kamailioAction('block-dtmf'), /^SIP\/2\.0 200/);
      const earlier = await ng({ command: 'query', 'call-id': callId });
      await baresip(net().alice, 'sndcode', '1');
      await sleep(within(BLOCKED_WAIT_MS));
      assert.equal(receivedCount(ua, '1'), 0, 'bob logged no DTMF 1');
      // The proxy still relayed alice's audio meanwhile: the block hit DTMF, not the whole stream.
      const later = await ng({ command: 'query', 'call-id': callId });
      const fromAlice = (reply: NgReply): number => packetsFrom(reply, net().aliceAddress);
      assert.ok(
        fromAlice(later) > fromAlice(earlier),
        `alice's RTP kept flowing into the proxy (${fromAlice(earlier)} then ${fromAlice(later)} packets)`,
      );
      assert.doesNotMatch(running(alice).log(), /DTMF.*(error|fail)/i, 'alice sent the DTMF without error');
    }),
  );

  it(
    "after unblock_dtmf(), alice's DTMF 2 reaches bob again",
    { timeout: 10_000 },
    step(async () => {
      assert.match(await kamailioAction('unblock-dtmf'), /^SIP\/2\.0 200/);
      await baresip(net().alice, 'sndcode', '2');
      await running(bob).waitForOutput(receivedDtmf('2'), within(5_000));
      assert.equal(receivedCount(running(bob), '1'), 0, 'the blocked 1 was dropped, not delayed');
    }),
  );

  it(
    "the proxy counted Kamailio's block DTMF, unblock DTMF and play DTMF requests, and no DTMF went over SIP INFO",
    { timeout: 5_000 },
    step(async () => {
      const stats = await ng({ command: 'statistics' });
      assert.equal(stats.result, 'ok', `statistics failed: ${stats['error-reason'] ?? ''}`);
      assert.equal(controlCount(stats, 'blkdtmf'), 1);
      assert.equal(controlCount(stats, 'unblkdtmf'), 1);
      assert.equal(controlCount(stats, 'playdtmf'), 1);
      assert.doesNotMatch(running(kamailio).log(), /SIP INFO refused/);
    }),
  );

  it(
    "alice's BYE makes rtpengine_manage() delete the call: query answers Unknown call-id and list is empty",
    { timeout: 15_000 },
    step(async () => {
      await baresip(net().alice, 'hangup', '');
      await running(kamailio).waitForOutput(/media: manage BYE for /, within(5_000));
      const gone = await waitUntil('the query to stop finding the call', within(8_000), async () => {
        const reply = await ng({ command: 'query', 'call-id': callId });
        return reply.result === 'error' ? reply : undefined;
      });
      assert.match(gone['error-reason'] ?? '', /unknown call-id/i);
      const list = await ng({ command: 'list' });
      assert.equal(list.result, 'ok', `list failed: ${list['error-reason'] ?? ''}`);
      assert.deepEqual(list.calls, []);
      const stats = await ng({ command: 'statistics' });
      assert.equal(controlCount(stats, 'delete'), 1, 'the module chose one delete');
    }),
  );
});
