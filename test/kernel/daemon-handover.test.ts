/**
 * The daemon with `--table=0`, for real, in namespaces this test makes (caller - proxy - callee): a call set up
 * over ng starts in userspace, moves to the kernel once both endpoints are confirmed (the daemon's userspace
 * counters stop growing while the callee keeps receiving, and `query` shows the kernel's counters), falls back
 * to userspace for `block media`, and leaves nothing forwarding after delete and after exit.
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

describe('kernel forwarding by the daemon (--table=0)', { skip: skip ?? false }, () => {
  let topo: Topology;
  let caller: Agent;
  let callee: Agent;
  let daemon: ChildProcess;
  let daemonLog: () => string = () => '';
  let toCaller = 0; // our port on the caller's side
  let toCallee = 0; // our port on the callee's side

  const ng = (msg: Dict): Dict => ngInProxy(topo, 2223, msg);
  const userspaceRelayed = (): number => {
    const s = ng({ command: 'statistics' }).statistics as Dict;
    return Number((s.totalstatistics as Dict).relayedpackets_user);
  };
  const received = async (agent: Agent, name: string) =>
    (await agent.call<{ packets: number; lastFrom: string | null }>('received', { name })).packets;
  const send = (agent: Agent, name: string, to: { address: string; port: number }, count: number) =>
    agent.call('send', { name, to, count, gapMs: 2 });

  before(async () => {
    topo = createTopology('d');
    caller = new Agent(topo.caller);
    callee = new Agent(topo.callee);
    await caller.call('bind', { name: 'rtp', address: topo.callerAddress, port: 5000 });
    await callee.call('bind', { name: 'rtp', address: topo.calleeAddress, port: 6000 });
    const started = spawnKernelDaemon(topo, { table: 0, ngPort: 2223, portMin: 30000, portMax: 30100 });
    daemon = started.process;
    daemonLog = started.log;
    await waitForPong(() => ng({ command: 'ping' }).result);
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    await caller?.stop();
    await callee?.stop();
    topo?.destroy();
  });

  test('a call moves to the kernel once both endpoints are confirmed', async (t) => {
    t.diagnostic(
      daemonLog()
        .split('\n')
        .find((l) => l.includes('kernel')) ?? 'no kernel log line',
    );
    const base = { 'call-id': 'k1', 'from-tag': 'A', 'received-from': ['IP4', topo.callerAddress] };
    const offer = ng({
      ...base,
      command: 'offer',
      direction: ['caller', 'callee'],
      sdp: partySdp(topo.callerAddress, 5000),
    });
    assert.equal(offer.result, 'ok', JSON.stringify(offer));
    toCallee = portOf(offer.sdp as Json);
    const answer = ng({ ...base, command: 'answer', 'to-tag': 'B', sdp: partySdp(topo.calleeAddress, 6000) });
    assert.equal(answer.result, 'ok', JSON.stringify(answer));
    toCaller = portOf(answer.sdp as Json);
    // both parties send: learning confirms each endpoint on its first packet
    await send(caller, 'rtp', { address: topo.proxyCallerSide, port: toCaller }, 10);
    await send(callee, 'rtp', { address: topo.proxyCalleeSide, port: toCallee }, 10);
    await sleep(300);
    const q = ng({ command: 'query', 'call-id': 'k1' });
    const streamA = firstStream(q, 'A');
    assert.ok((streamA.flags as string[]).includes('kernelized'), JSON.stringify(streamA));

    const userBefore = userspaceRelayed();
    const calleeBefore = await received(callee, 'rtp');
    await send(caller, 'rtp', { address: topo.proxyCallerSide, port: toCaller }, 50);
    await sleep(200);
    assert.equal((await received(callee, 'rtp')) - calleeBefore, 50, 'the callee got every packet');
    assert.equal(userspaceRelayed(), userBefore, 'none of them went through the daemon');
    await sleep(1200); // one counter read interval
    const q2 = ng({ command: 'query', 'call-id': 'k1' });
    const a2 = firstStream(q2, 'A');
    assert.ok(
      Number((a2.stats as Dict).packets) >= 60,
      `kernel counters in query: ${JSON.stringify(a2.stats)}`,
    );
    assert.ok(Number(a2['last kernel packet']) > 0);
  });

  test('block media takes the call back to userspace, where the block applies', async () => {
    assert.equal(ng({ command: 'block media', 'call-id': 'k1' }).result, 'ok');
    await sleep(100);
    const before = await received(callee, 'rtp');
    await send(caller, 'rtp', { address: topo.proxyCallerSide, port: toCaller }, 10);
    await sleep(200);
    assert.equal((await received(callee, 'rtp')) - before, 0, 'blocked in userspace: nothing forwarded');
    assert.equal(ng({ command: 'unblock media', 'call-id': 'k1' }).result, 'ok');
    await sleep(100);
    await send(caller, 'rtp', { address: topo.proxyCallerSide, port: toCaller }, 10);
    await sleep(200);
    assert.equal((await received(callee, 'rtp')) - before, 10, 'unblocked: forwarded again');
  });

  test('after delete nothing is forwarded, and at exit the table is gone', async () => {
    assert.equal(ng({ command: 'delete', 'call-id': 'k1', 'from-tag': 'A', 'delete-delay': 0 }).result, 'ok');
    await sleep(200);
    const before = await received(callee, 'rtp');
    await send(caller, 'rtp', { address: topo.proxyCallerSide, port: toCaller }, 10);
    await sleep(200);
    assert.equal((await received(callee, 'rtp')) - before, 0);
    assert.match(topo.inProxy(['nft', 'list', 'tables']), /rtpengine_ts_0/);
    daemon.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => daemon.once('exit', (c) => r(c)));
    assert.equal(code, 0);
    assert.doesNotMatch(
      topo.inProxy(['nft', 'list', 'tables']),
      /rtpengine_ts_0/,
      'our table removed at exit',
    );
  });
});
