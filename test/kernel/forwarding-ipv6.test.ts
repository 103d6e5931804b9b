/**
 * Kernel forwarding of an IPv6 stream for real, in namespaces this test makes (caller - proxy - callee, on
 * fd00:77:1::/64 and fd00:77:2::/64): the kernel-table actor, in an agent process in the proxy namespace,
 * installs an `IP6` pair; packets then go caller <-> callee through the kernel alone, the counters read back,
 * and removal returns the packets to the proxy's sockets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KernelStreamCounters, KernelStreamPair } from '../../kernel/table.ts';
import { Agent, createTopology, namespaceSkipReason, type Received, type Topology } from './helpers/netns.ts';

const skip = namespaceSkipReason();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kernel forwarding of IPv6 in network namespaces', { skip: skip ?? false }, () => {
  let topo: Topology;
  let caller: Agent;
  let proxy: Agent;
  let callee: Agent;
  const agents: Agent[] = [];

  const pair = (): KernelStreamPair => ({
    pairId: 'call-6/rtp',
    callId: 'call-6',
    family: 'IP6',
    a: {
      streamId: 'call-6/caller/rtp',
      endpoint: { address: topo.callerAddress, port: 5000 },
      local: { address: topo.proxyCallerSide, port: 30000 },
    },
    b: {
      streamId: 'call-6/callee/rtp',
      endpoint: { address: topo.calleeAddress, port: 6000 },
      local: { address: topo.proxyCalleeSide, port: 30002 },
    },
  });
  const toProxyCallerSide = () => ({ address: topo.proxyCallerSide, port: 30000 });
  const toProxyCalleeSide = () => ({ address: topo.proxyCalleeSide, port: 30002 });

  before(async () => {
    topo = createTopology('6', 'IP6');
    caller = new Agent(topo.caller);
    proxy = new Agent(topo.proxy);
    callee = new Agent(topo.callee);
    agents.push(caller, proxy, callee);
    await caller.call('bind', { name: 'a', address: topo.callerAddress, port: 5000 });
    await callee.call('bind', { name: 'b', address: topo.calleeAddress, port: 6000 });
    await proxy.call('bind', { name: 'la', address: topo.proxyCallerSide, port: 30000 });
    await proxy.call('bind', { name: 'lb', address: topo.proxyCalleeSide, port: 30002 });
    await proxy.call('kernel-open', { table: 0 });
  });

  after(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    topo?.destroy();
  });

  test('before install, IPv6 packets to our port reach the proxy socket, not the callee', async () => {
    await caller.call('send', { name: 'a', to: toProxyCallerSide(), count: 5 });
    const la = await proxy.received('la', 5);
    assert.equal(la.packets, 5);
    assert.equal(la.lastFrom, `${topo.callerAddress}:5000`);
    assert.equal((await callee.call<Received>('received', { name: 'b' })).packets, 0);
  });

  test('after install, IPv6 RTP goes caller -> callee and back through the kernel; proxy sockets see nothing; counters count it', async () => {
    assert.deepEqual(await proxy.call('kernel-install', { pair: pair() }), { ok: true });
    const laBefore = (await proxy.call<Received>('received', { name: 'la' })).packets;
    await caller.call('send', { name: 'a', to: toProxyCallerSide(), count: 50 });
    const b = await callee.received('b', 50);
    assert.equal(b.packets, 50);
    assert.equal(
      b.lastFrom,
      `${topo.proxyCalleeSide}:30002`,
      'the callee sees our callee-side port as source',
    );
    await callee.call('send', { name: 'b', to: toProxyCalleeSide(), count: 40 });
    const a = await caller.received('a', 40);
    assert.equal(a.packets, 40);
    assert.equal(
      a.lastFrom,
      `${topo.proxyCallerSide}:30000`,
      'the caller sees our caller-side port as source',
    );
    await sleep(100);
    assert.equal((await proxy.call<Received>('received', { name: 'la' })).packets, laBefore);
    assert.equal((await proxy.call<Received>('received', { name: 'lb' })).packets, 0);
    const counters = await proxy.call<Record<string, KernelStreamCounters>>('kernel-counters');
    assert.equal(counters['call-6/caller/rtp']?.packets, 50);
    assert.equal(
      counters['call-6/caller/rtp']?.bytes,
      50 * 172,
      'payload bytes, IPv6 and UDP headers taken off',
    );
    assert.equal(counters['call-6/callee/rtp']?.packets, 40);
    assert.equal(counters['call-6/callee/rtp']?.bytes, 40 * 172);
    assert.ok((counters['call-6/callee/rtp']?.lastPacketMs ?? 0) > 0);
  });

  test('removal sends the IPv6 packets back to the proxy sockets and drops the counters', async () => {
    assert.deepEqual(await proxy.call('kernel-remove', { pairId: 'call-6/rtp' }), { ok: true });
    const laBefore = (await proxy.call<Received>('received', { name: 'la' })).packets;
    const bBefore = (await callee.call<Received>('received', { name: 'b' })).packets;
    const aBefore = (await caller.call<Received>('received', { name: 'a' })).packets;
    await caller.call('send', { name: 'a', to: toProxyCallerSide(), count: 5 });
    await callee.call('send', { name: 'b', to: toProxyCalleeSide(), count: 4 });
    const la = await proxy.received('la', laBefore + 5);
    assert.equal(la.packets, laBefore + 5);
    assert.equal(la.lastFrom, `${topo.callerAddress}:5000`);
    const lb = await proxy.received('lb', 4);
    assert.equal(lb.packets, 4);
    assert.equal(lb.lastFrom, `${topo.calleeAddress}:6000`);
    assert.equal((await callee.call<Received>('received', { name: 'b' })).packets, bBefore);
    assert.equal((await caller.call<Received>('received', { name: 'a' })).packets, aBefore);
    const counters = await proxy.call<Record<string, KernelStreamCounters>>('kernel-counters');
    assert.deepEqual(Object.keys(counters), []);
  });

  test('closing removes our table from the proxy namespace', async () => {
    assert.match(topo.inProxy(['nft', 'list', 'tables']), /rtpengine_ts_0/);
    await proxy.call('kernel-close');
    assert.doesNotMatch(topo.inProxy(['nft', 'list', 'tables']), /rtpengine_ts_0/);
  });
});
