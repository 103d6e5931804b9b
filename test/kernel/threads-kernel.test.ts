/**
 * In-kernel forwarding with call threads (`--table=0 --num-threads=2`): the main thread owns the one nft table
 * (actors/threads/kernel-host.ts) and each call thread reaches it through a proxy (kernel-proxy.ts).
 *
 * - Host and proxies over real MessageChannels, against a fake nft: two threads using the same stream ids do not
 *   collide, each gets its own counters, and a thread's death takes back its pairs only.
 * - The threaded daemon in-process on loopback (fake nft): calls in both threads are installed, statistics add
 *   up both threads' kernel counters, delete takes a call's pair back, a killed thread's pair is removed.
 * - As root, the daemon process with `--table=0 --num-threads=2` in the caller/proxy/callee namespaces: calls of
 *   both threads are forwarded by the kernel (the daemon relays none of those packets), statistics and query
 *   show the kernel counters, delete takes the pair back, and SIGTERM removes the table.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { start, stop } from 'nact';
import type { KernelTableHandle } from '../../actors/singletons/kernel-table.ts';
import { KernelHost } from '../../actors/threads/kernel-host.ts';
import { kernelLinkOver, kernelProxy } from '../../actors/threads/kernel-proxy.ts';
import type { FromCallThread, ToCallThread } from '../../actors/threads/messages.ts';
import { threadOf } from '../../actors/threads/placement.ts';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { type KernelStreamPair, KernelTable, type NftRunner } from '../../kernel/table.ts';
import { Logger } from '../../src/log/logger.ts';
import { SupervisionLog } from '../../src/log/supervision.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';
import {
  type Dict,
  firstStream,
  type Json,
  ngInProxy,
  partySdp,
  portOf,
  waitForPong,
} from './helpers/kernel-daemon.ts';
import { Agent, createTopology, namespaceSkipReason, type Topology } from './helpers/netns.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Accepts every change; the counter listing reports each installed direction with packets = its slot * 10. */
class FakeNft implements NftRunner {
  readonly marks = new Set<number>();
  scripts: string[] = [];

  run(script: string): string {
    this.scripts.push(script);
    if (script.startsWith('list map')) {
      const elem = [...this.marks].map((mark) => {
        const packets = (mark & 0xfffff) * 10;
        return [{ elem: { val: { concat: [] }, counter: { packets, bytes: packets * (28 + 100) } } }, mark];
      });
      return JSON.stringify({ nftables: [{ map: { name: 'fwd_v4', elem } }] });
    }
    for (const line of script.split('\n')) {
      const m = /^add element \S+ \S+ fwd_v4 \{ (.*) \}$/.exec(line);
      for (const e of m?.[1]?.split(', ') ?? []) this.marks.add(Number(e.split(' : ')[1]));
    }
    return '';
  }

  close(): void {}
}

/** The same ids in every thread: each thread numbers its streams from 1. */
const pairOf = (callId: string, port: number): KernelStreamPair => ({
  pairId: 's1:s2',
  callId,
  family: 'IP4',
  a: {
    streamId: 's1',
    endpoint: { address: '192.0.2.10', port },
    local: { address: '198.51.100.1', port: port + 20000 },
  },
  b: {
    streamId: 's2',
    endpoint: { address: '203.0.113.20', port },
    local: { address: '203.0.113.1', port: port + 20002 },
  },
});

describe('the kernel host and its thread proxies (fake nft)', () => {
  test('two threads with the same stream ids each install their pair and each get their own counters; a dead thread loses only its pairs', async () => {
    const table = KernelTable.open(0, { nft: new FakeNft() });
    const host = new KernelHost(table, {
      log: new SupervisionLog(new Logger({ level: -1 })),
      counterIntervalMs: 0,
    });
    const channels = [new MessageChannel(), new MessageChannel()];
    const system = start();
    const proxies: KernelTableHandle[] = [];
    const mains: MessagePort[] = [];
    try {
      for (const [thread, ch] of channels.entries()) {
        const main = ch.port1;
        mains.push(main);
        main.on('message', (m: FromCallThread) => {
          if (m.kind === 'kernel')
            host.request(thread, m.request, (answer) =>
              main.postMessage({ kind: 'kernel', answer } satisfies ToCallThread),
            );
        });
        proxies.push(kernelProxy(kernelLinkOver(ch.port2)));
      }
      host.attach(system, (thread, answer) =>
        mains[thread]?.postMessage({ kind: 'kernel', answer } satisfies ToCallThread),
      );
      const [p0, p1] = proxies as [KernelTableHandle, KernelTableHandle];
      assert.deepEqual(await p0.install(pairOf('call-x', 5000)), { ok: true });
      assert.deepEqual(await p1.install(pairOf('call-x', 5100)), { ok: true });
      assert.equal(table.size, 2, 'same pair and call ids from two threads are two pairs');

      host.publish(table.readCounters());
      await sleep(50);
      const seen = proxies.map((p) => p.counters.get('s1')?.packets ?? 0);
      assert.ok(
        seen.every((n) => n > 0),
        `both threads got counters: ${seen}`,
      );
      assert.notEqual(seen[0], seen[1], "each thread sees its own pair's counter, not the other's");
      assert.equal(seen[0], table.counters.get('0/s1')?.packets);
      assert.equal(seen[1], table.counters.get('1/s1')?.packets);

      assert.equal(await p0.removeCall('call-x'), 1, "thread 0's remove-call removes its own pair only");
      assert.equal(table.size, 1);
      assert.equal(p0.counters.size, 0, 'the proxy drops the counters of what it took back');
      assert.equal(table.has('1/s1:s2'), true);

      assert.deepEqual(await p0.install(pairOf('call-y', 5200)), { ok: true });
      host.threadGone(1);
      await sleep(30);
      assert.equal(table.has('1/s1:s2'), false, "a dead thread's pairs are removed");
      assert.equal(table.has('0/s1:s2'), true, "the other thread's pair stays");
    } finally {
      for (const p of proxies) p.close();
      for (const ch of channels) {
        ch.port1.close();
        ch.port2.close();
      }
      host.close();
      stop(system);
    }
  });
});

describe('the threaded daemon with a kernel table (fake nft, loopback)', () => {
  const PORT_MIN = 47600 + (process.pid % 20) * 20;
  const nft = new FakeNft();
  let table: KernelTable;
  let daemon: ThreadedDaemon;
  let ng: NgClient;

  before(async () => {
    table = KernelTable.open(0, { nft });
    daemon = await startThreadedDaemon({
      threads: 2,
      settings: {
        interfaces: [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }],
        portMin: PORT_MIN,
        portMax: PORT_MIN + 19,
        timeout: 60,
        silentTimeout: 3600,
        finalTimeout: 0,
        offerTimeout: 3600,
        deleteDelay: 0,
        maxSessions: 10,
        endpointLearning: 'immediate',
        tos: 0,
      },
      listenNg: [{ host: '127.0.0.1', port: 0 }],
      listenTcpNg: [],
      log: new Logger({ level: -1 }),
      kernelTable: table,
    });
    ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
  });

  after(async () => {
    ng?.close();
    await daemon?.stop();
  });

  test('calls in both threads are installed, counted in statistics, taken back on delete and when their thread dies, and the table goes at stop', async () => {
    const [c0, c1] = callIdsInBothThreads('kt');
    const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
    const [a0, b0, a1, b1] = peers as [RtpPeer, RtpPeer, RtpPeer, RtpPeer];
    try {
      const ports: { toAlice: number; toBob: number }[] = [];
      for (const [callId, alice, bob] of [
        [c0, a0, b0],
        [c1, a1, b1],
      ] as const) {
        const o = await ng.request({
          command: 'offer',
          'call-id': callId,
          'from-tag': 'A',
          sdp: sdpFor(alice.port),
        });
        assert.equal(o.result, 'ok', JSON.stringify(o));
        const a = await ng.request({
          command: 'answer',
          'call-id': callId,
          'from-tag': 'A',
          'to-tag': 'B',
          sdp: sdpFor(bob.port, 'bob'),
        });
        assert.equal(a.result, 'ok', JSON.stringify(a));
        ports.push({ toBob: mediaPort(str(o.sdp)), toAlice: mediaPort(str(a.sdp)) });
      }
      for (const [i, [alice, bob]] of [
        [a0, b0],
        [a1, b1],
      ].entries()) {
        const p = ports[i]!;
        await alice!.send(rtpPacket(1), p.toAlice);
        await bob!.send(rtpPacket(1), p.toBob);
      }
      const deadline = Date.now() + 3000;
      while (table.size < 2 && Date.now() < deadline) await sleep(20);
      assert.equal(table.size, 2, 'one RTP pair per call, from both threads');
      for (const callId of [c0, c1]) {
        const q = await ng.request({ command: 'query', 'call-id': callId });
        const stream = (((q.tags as NgDict).A as NgDict).medias as NgDict[])[0]!.streams as NgDict[];
        assert.ok(
          (stream[0]!.flags as string[]).includes('kernelized'),
          `${callId}: ${JSON.stringify(stream[0])}`,
        );
      }

      // after a counter read (every second) each thread has its legs' counters: statistics adds both threads'
      await sleep(1300);
      let expected = 0;
      for (const c of table.counters.values()) expected += c.packets;
      assert.ok(expected > 0);
      const stats = (await ng.request({ command: 'statistics' })).statistics as NgDict;
      assert.equal(
        (stats.totalstatistics as NgDict).relayedpackets_kernel,
        expected,
        'the kernel counters of both threads add up in statistics',
      );
      // each party's RTP stream counts as a kernelized medium, as in one thread
      assert.equal((stats.currentstatistics as NgDict).media_kernel, 4);

      const d = await ng.request({ command: 'delete', 'call-id': c0, 'from-tag': 'A' });
      assert.equal(d.result, 'ok');
      await sleep(50);
      assert.equal(table.size, 1, "delete takes the call's pair back");

      const before = daemon.supervision.count;
      await daemon.threads.kill(threadOf(c1, 2));
      const until = Date.now() + 5000;
      while ((daemon.supervision.count === before || table.size > 0) && Date.now() < until) await sleep(20);
      assert.equal(table.size, 0, "a dead thread's pairs are removed");
    } finally {
      for (const p of peers) p.close();
    }
    await daemon.stop();
    assert.ok(
      nft.scripts.some((s) => s.includes('delete table inet rtpengine_ts_0')),
      'stopping removes the table',
    );
  });
});

const skip = namespaceSkipReason();
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('`--table=0 --num-threads=2` in network namespaces', { skip: skip ?? false }, () => {
  const NG_PORT = 2241;
  let topo: Topology;
  let caller: Agent;
  let callee: Agent;
  let daemon: ChildProcess | undefined;
  let daemonLog = '';
  const calls = callIdsInBothThreads('ktns').map((callId, i) => ({
    callId,
    callerPort: 5010 + 2 * i,
    calleePort: 6010 + 2 * i,
    name: `rtp${i}`,
    toCaller: 0,
    toCallee: 0,
  }));

  const ng = (msg: Dict): Dict => ngInProxy(topo, NG_PORT, msg);
  const totals = (): Dict => (ng({ command: 'statistics' }).statistics as Dict).totalstatistics as Dict;
  const received = async (agent: Agent, name: string) =>
    (await agent.call<{ packets: number }>('received', { name })).packets;
  const fromCaller = (c: (typeof calls)[number], count: number) =>
    caller.call('send', {
      name: c.name,
      to: { address: topo.proxyCallerSide, port: c.toCaller },
      count,
      gapMs: 2,
    });
  const fromCallee = (c: (typeof calls)[number], count: number) =>
    callee.call('send', {
      name: c.name,
      to: { address: topo.proxyCalleeSide, port: c.toCallee },
      count,
      gapMs: 2,
    });
  const directions = (): number => {
    const listing = JSON.parse(
      topo.inProxy(['nft', '-j', 'list', 'map', 'inet', 'rtpengine_ts_0', 'fwd_v4']),
    ) as {
      nftables: { map?: { elem?: unknown[] } }[];
    };
    return listing.nftables.reduce((n, i) => n + (i.map?.elem?.length ?? 0), 0);
  };

  before(async () => {
    topo = createTopology('th');
    caller = new Agent(topo.caller);
    callee = new Agent(topo.callee);
    for (const c of calls) {
      await caller.call('bind', { name: c.name, address: topo.callerAddress, port: c.callerPort });
      await callee.call('bind', { name: c.name, address: topo.calleeAddress, port: c.calleePort });
    }
    daemon = spawn(
      'ip',
      [
        ...['netns', 'exec', topo.proxy, process.execPath, 'bin/rtpengine-ts.js'],
        ...['--config-file=none', '-f', '-E', '--table=0', '--no-fallback', '--num-threads=2'],
        `--interface=caller/${topo.proxyCallerSide}`,
        `--interface=callee/${topo.proxyCalleeSide}`,
        `--listen-ng=127.0.0.1:${NG_PORT}`,
        '--port-min=30000',
        '--port-max=30099',
        '--endpoint-learning=immediate',
        // a deleted call ends at once, rather than relaying in userspace for the delay
        '--delete-delay=0',
      ],
      // from the sources: a build in dist/ may predate the code under test
      { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, RTPENGINE_TS_SOURCE: '1' } },
    );
    daemon.stderr?.on('data', (c: Buffer) => {
      daemonLog += c.toString();
    });
    if (!(await waitForPong(() => ng({ command: 'ping' }).result)))
      throw new Error(`the daemon never answered ping: ${daemonLog}`);
  });

  after(async () => {
    if (daemon && daemon.exitCode === null && daemon.signalCode === null) {
      const exited = new Promise((r) => daemon?.once('exit', r));
      daemon.kill('SIGTERM');
      const timer = setTimeout(() => daemon?.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    }
    await caller?.stop();
    await callee?.stop();
    topo?.destroy();
  });

  test('calls of both threads are forwarded by the kernel, counted, taken back on delete, and SIGTERM removes the table', async () => {
    await sleep(100); // the ng requests block this process's loop: let the daemon's log lines in
    assert.match(daemonLog, /"threads":2/, 'the daemon keeps two call threads with a kernel table');
    for (const c of calls) {
      const base = { 'call-id': c.callId, 'from-tag': 'A', 'received-from': ['IP4', topo.callerAddress] };
      const offer = ng({
        ...base,
        command: 'offer',
        direction: ['caller', 'callee'],
        sdp: partySdp(topo.callerAddress, c.callerPort),
      });
      assert.equal(offer.result, 'ok', JSON.stringify(offer));
      c.toCallee = portOf(offer.sdp as Json);
      const answer = ng({
        ...base,
        command: 'answer',
        'to-tag': 'B',
        sdp: partySdp(topo.calleeAddress, c.calleePort),
      });
      assert.equal(answer.result, 'ok', JSON.stringify(answer));
      c.toCaller = portOf(answer.sdp as Json);
    }
    for (const c of calls) {
      await fromCaller(c, 10);
      await fromCallee(c, 10);
    }
    await sleep(300);
    for (const c of calls)
      for (const tag of ['A', 'B']) {
        const s = firstStream(ng({ command: 'query', 'call-id': c.callId }), tag);
        assert.ok((s.flags as string[]).includes('kernelized'), `${c.callId} ${tag}: ${JSON.stringify(s)}`);
      }
    assert.equal(directions(), 4, 'two pairs (both directions each) in the one table');

    const userBefore = Number(totals().relayedpackets_user);
    // the first packets (until both endpoints were learned and the pair installed) went through the daemon
    assert.ok(userBefore > 0 && userBefore <= 40, `userspace relayed ${userBefore}`);
    const got = await Promise.all(calls.flatMap((c) => [received(callee, c.name), received(caller, c.name)]));
    for (const c of calls) {
      await fromCaller(c, 40);
      await fromCallee(c, 30);
    }
    await sleep(200);
    const now = await Promise.all(calls.flatMap((c) => [received(callee, c.name), received(caller, c.name)]));
    assert.deepEqual(
      now.map((n, i) => n - (got[i] ?? 0)),
      [40, 30, 40, 30],
      'every packet of both calls arrived',
    );
    assert.equal(Number(totals().relayedpackets_user), userBefore, 'none went through the daemon');

    // the counters reach the threads after the next read (every second)
    await sleep(1300);
    assert.equal(
      Number(totals().relayedpackets_kernel),
      2 * (20 + 70) - userBefore,
      "statistics shows both threads' kernel counts: every packet the daemon did not relay",
    );
    for (const c of calls) {
      const s = firstStream(ng({ command: 'query', 'call-id': c.callId }), 'A');
      assert.equal((s.stats as Dict).packets, 10 + 40, `${c.callId}: query adds the kernel's packets`);
      assert.ok(Number(s['last kernel packet']) > 0, JSON.stringify(s));
    }

    const [gone, kept] = calls as [(typeof calls)[number], (typeof calls)[number]];
    assert.equal(ng({ command: 'delete', 'call-id': gone.callId, 'from-tag': 'A' }).result, 'ok');
    await sleep(100);
    assert.equal(directions(), 2, "delete takes the call's pair out of the kernel");
    const goneBefore = await received(callee, gone.name);
    const keptBefore = await received(callee, kept.name);
    await fromCaller(gone, 10);
    await fromCaller(kept, 10);
    await sleep(200);
    assert.equal((await received(callee, gone.name)) - goneBefore, 0, 'the deleted call is not forwarded');
    assert.equal((await received(callee, kept.name)) - keptBefore, 10, "the other thread's call still is");
    assert.equal(Number(totals().relayedpackets_user), userBefore, 'by the kernel');

    const child = daemon!;
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0, `clean exit: ${daemonLog.slice(-2000)}`);
    assert.doesNotMatch(
      topo.inProxy(['nft', 'list', 'tables']),
      /rtpengine_ts_0\b/,
      'the table is removed at exit',
    );
  });
});
