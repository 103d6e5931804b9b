/**
 * Two daemons side by side in one proxy namespace (issue 4): one with `--table=0`, one with `--table=1`, on
 * different ng ports and disjoint media port ranges over the same two interfaces. Each carries one call, both
 * calls are forwarded by the kernel at once (each in its own nftables table), and stopping daemon 0 removes
 * only its own table and its own call's forwarding: daemon 1's call keeps going through the kernel.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import {
  type Dict,
  firstStream,
  type Json,
  ngInProxy,
  partySdp,
  portOf,
  spawnKernelDaemon,
  waitForPong,
} from './helpers/kernel-daemon.ts';
import { Agent, createTopology, namespaceSkipReason, type Topology } from './helpers/netns.ts';

const skip = namespaceSkipReason();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One daemon instance in the proxy namespace and the settings that keep it apart from the other. */
interface Instance {
  table: number;
  ngPort: number;
  portMin: number;
  portMax: number;
  /** The call's parties: caller socket port and callee socket port (each call its own pair). */
  callerPort: number;
  calleePort: number;
  callId: string;
  process?: ChildProcess;
  /** What the daemon wrote to stderr. */
  log: () => string;
  /** The daemon's media ports facing each side, from the offer/answer SDP. */
  toCaller: number;
  toCallee: number;
}

describe('two daemons with tables 0 and 1 side by side', { skip: skip ?? false }, () => {
  let topo: Topology;
  let caller: Agent;
  let callee: Agent;
  const instances: [Instance, Instance] = [
    {
      table: 0,
      ngPort: 2231,
      portMin: 30000,
      portMax: 30099,
      callerPort: 5000,
      calleePort: 6000,
      callId: 'two-0',
      log: () => '',
      toCaller: 0,
      toCallee: 0,
    },
    {
      table: 1,
      ngPort: 2232,
      portMin: 31000,
      portMax: 31099,
      callerPort: 5002,
      calleePort: 6002,
      callId: 'two-1',
      log: () => '',
      toCaller: 0,
      toCallee: 0,
    },
  ];
  const [first, second] = instances;
  const sockName = (d: Instance) => `rtp${d.table}`;

  const ng = (d: Instance, msg: Dict): Dict => ngInProxy(topo, d.ngPort, msg);
  const userspaceRelayed = (d: Instance): number => {
    const s = ng(d, { command: 'statistics' }).statistics as Dict;
    return Number((s.totalstatistics as Dict).relayedpackets_user);
  };
  const received = async (agent: Agent, name: string) =>
    (await agent.call<{ packets: number; lastFrom: string | null }>('received', { name })).packets;
  const sendFromCaller = (d: Instance, count: number) =>
    caller.call('send', {
      name: sockName(d),
      to: { address: topo.proxyCallerSide, port: d.toCaller },
      count,
      gapMs: 2,
    });
  const sendFromCallee = (d: Instance, count: number) =>
    callee.call('send', {
      name: sockName(d),
      to: { address: topo.proxyCalleeSide, port: d.toCallee },
      count,
      gapMs: 2,
    });
  const tables = () => topo.inProxy(['nft', 'list', 'tables']);

  const startDaemon = async (d: Instance): Promise<void> => {
    const started = spawnKernelDaemon(topo, d);
    d.process = started.process;
    d.log = started.log;
    if (!(await waitForPong(() => ng(d, { command: 'ping' }).result)))
      throw new Error(`daemon with table ${d.table} never answered ping: ${d.log()}`);
  };

  const stopDaemon = async (d: Instance): Promise<number | null> => {
    const child = d.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  before(async () => {
    topo = createTopology('t2');
    caller = new Agent(topo.caller);
    callee = new Agent(topo.callee);
    for (const d of instances) {
      await caller.call('bind', { name: sockName(d), address: topo.callerAddress, port: d.callerPort });
      await callee.call('bind', { name: sockName(d), address: topo.calleeAddress, port: d.calleePort });
    }
    await startDaemon(first);
    await startDaemon(second);
  });

  after(async () => {
    for (const d of instances) await stopDaemon(d);
    await caller?.stop();
    await callee?.stop();
    topo?.destroy();
  });

  test('each daemon kernelizes its own call, and both calls are forwarded by the kernel at once', async () => {
    for (const d of instances) {
      const base = { 'call-id': d.callId, 'from-tag': 'A', 'received-from': ['IP4', topo.callerAddress] };
      const offer = ng(d, {
        ...base,
        command: 'offer',
        direction: ['caller', 'callee'],
        sdp: partySdp(topo.callerAddress, d.callerPort),
      });
      assert.equal(offer.result, 'ok', JSON.stringify(offer));
      d.toCallee = portOf(offer.sdp as Json);
      const answer = ng(d, {
        ...base,
        command: 'answer',
        'to-tag': 'B',
        sdp: partySdp(topo.calleeAddress, d.calleePort),
      });
      assert.equal(answer.result, 'ok', JSON.stringify(answer));
      d.toCaller = portOf(answer.sdp as Json);
      for (const port of [d.toCaller, d.toCallee]) {
        assert.ok(
          port >= d.portMin && port <= d.portMax,
          `table ${d.table}: port ${port} is in its own range ${d.portMin}-${d.portMax}`,
        );
      }
    }
    // both parties of both calls send: learning confirms each endpoint on its first packet
    for (const d of instances) {
      await sendFromCaller(d, 10);
      await sendFromCallee(d, 10);
    }
    await sleep(300);
    for (const d of instances) {
      const q = ng(d, { command: 'query', 'call-id': d.callId });
      for (const tag of ['A', 'B']) {
        const s = firstStream(q, tag);
        assert.ok(
          (s.flags as string[]).includes('kernelized'),
          `table ${d.table} ${tag}: ${JSON.stringify(s)}`,
        );
      }
    }
    const listed = tables();
    assert.match(listed, /rtpengine_ts_0\b/, listed);
    assert.match(listed, /rtpengine_ts_1\b/, listed);

    const userBefore = instances.map(userspaceRelayed);
    for (const [i, d] of instances.entries()) {
      // the packets before kernelization went through the daemon: the counter is live, so staying flat means something
      assert.ok((userBefore[i] ?? 0) > 0, `table ${d.table}: userspace counter counted the first packets`);
    }
    const calleeBefore = await Promise.all(instances.map((d) => received(callee, sockName(d))));
    const callerBefore = await Promise.all(instances.map((d) => received(caller, sockName(d))));
    for (const d of instances) {
      await sendFromCaller(d, 40);
      await sendFromCallee(d, 30);
    }
    await sleep(200);
    for (const [i, d] of instances.entries()) {
      assert.equal(
        (await received(callee, sockName(d))) - (calleeBefore[i] ?? 0),
        40,
        `table ${d.table}: the callee got every packet`,
      );
      assert.equal(
        (await received(caller, sockName(d))) - (callerBefore[i] ?? 0),
        30,
        `table ${d.table}: the caller got every packet`,
      );
      assert.equal(userspaceRelayed(d), userBefore[i], `table ${d.table}: none went through the daemon`);
    }
  });

  test('stopping daemon 0 removes its table and its forwarding, while daemon 1 keeps forwarding in the kernel', async () => {
    assert.equal(await stopDaemon(first), 0, `daemon 0 exits cleanly: ${first.log}`);
    const listed = tables();
    assert.doesNotMatch(listed, /rtpengine_ts_0\b/, 'table 0 removed at exit');
    assert.match(listed, /rtpengine_ts_1\b/, 'table 1 left alone');

    const userBefore = userspaceRelayed(second);
    const before0 = await received(callee, sockName(first));
    const before1 = await received(callee, sockName(second));
    const back1 = await received(caller, sockName(second));
    await sendFromCaller(first, 20);
    await sendFromCaller(second, 20);
    await sendFromCallee(second, 15);
    await sleep(200);
    assert.equal(
      (await received(callee, sockName(first))) - before0,
      0,
      "daemon 0's call is no longer forwarded",
    );
    assert.equal((await received(callee, sockName(second))) - before1, 20, "daemon 1's call still forwarded");
    assert.equal((await received(caller, sockName(second))) - back1, 15, "daemon 1's call, the other way");
    assert.equal(userspaceRelayed(second), userBefore, 'by the kernel: daemon 1 relayed none of them itself');
    const s = firstStream(ng(second, { command: 'query', 'call-id': second.callId }), 'A');
    assert.ok((s.flags as string[]).includes('kernelized'), JSON.stringify(s));
    assert.match(
      topo.inProxy(['nft', 'list', 'table', 'inet', 'rtpengine_ts_1']),
      /table inet rtpengine_ts_1/,
      'table 1 still lists',
    );
  });
});
