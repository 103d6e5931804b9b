/**
 * Kernel forwarding for real, in namespaces this test makes: caller - proxy - callee. The proxy's two UDP
 * sockets play the daemon's local ports; the kernel-table actor runs in the proxy namespace (in an agent
 * process) and installs the stream; packets then go caller <-> callee through the kernel alone.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { KernelStreamCounters, KernelStreamPair } from '../../kernel/table.ts';
import { Agent, createTopology, namespaceSkipReason, type Received, type Topology } from './helpers/netns.ts';

const skip = namespaceSkipReason();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('kernel forwarding in network namespaces', { skip: skip ?? false }, () => {
  let topo: Topology;
  let caller: Agent;
  let proxy: Agent;
  let callee: Agent;
  const agents: Agent[] = [];

  const pair = (over: Partial<KernelStreamPair> = {}, calleePort = 6000): KernelStreamPair => ({
    pairId: 'call-1/rtp',
    callId: 'call-1',
    family: 'IP4',
    a: {
      streamId: 'call-1/caller/rtp',
      endpoint: { address: topo.callerAddress, port: 5000 },
      local: { address: topo.proxyCallerSide, port: 30000 },
    },
    b: {
      streamId: 'call-1/callee/rtp',
      endpoint: { address: topo.calleeAddress, port: calleePort },
      local: { address: topo.proxyCalleeSide, port: 30002 },
    },
    ...over,
  });

  before(async () => {
    topo = createTopology('f');
    // Someone else's table that uses conntrack: it must keep working, and conntrack must not disturb us.
    topo.inProxy([
      'nft',
      'add table inet someone_else; add chain inet someone_else c { type filter hook prerouting priority 0; policy accept; }; add rule inet someone_else c ct state new counter',
    ]);
    caller = new Agent(topo.caller);
    proxy = new Agent(topo.proxy);
    callee = new Agent(topo.callee);
    agents.push(caller, proxy, callee);
    await caller.call('bind', { name: 'a', address: topo.callerAddress, port: 5000 });
    await caller.call('bind', { name: 'stranger', address: topo.callerAddress, port: 5002 });
    await callee.call('bind', { name: 'b', address: topo.calleeAddress, port: 6000 });
    await callee.call('bind', { name: 'b2', address: topo.calleeAddress, port: 6002 });
    await proxy.call('bind', { name: 'la', address: topo.proxyCallerSide, port: 30000 });
    await proxy.call('bind', { name: 'lb', address: topo.proxyCalleeSide, port: 30002 });
    // A leftover table of a crashed run, with a rule that would drop everything: open must flush it.
    topo.inProxy([
      'nft',
      'add table inet rtpengine_ts_0; add chain inet rtpengine_ts_0 junk { type filter hook prerouting priority 0; policy drop; }',
    ]);
    await proxy.call('kernel-open', { table: 0 });
  });

  after(async () => {
    for (const a of agents) await a.stop().catch(() => undefined);
    topo?.destroy();
  });

  test('opening flushes a leftover table: its junk chain is gone and only our two chains remain', () => {
    const listing = topo.inProxy(['nft', 'list', 'table', 'inet', 'rtpengine_ts_0']);
    assert.doesNotMatch(listing, /junk/);
    assert.match(listing, /chain forward_in/);
    assert.match(listing, /chain forward_out/);
  });

  test('before install, packets to our port reach the proxy socket, and the proxy relays in userspace (conntrack sees both)', async () => {
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 5 });
    const la = await proxy.received('la', 5);
    assert.equal(la.packets, 5);
    assert.equal(la.lastFrom, `${topo.callerAddress}:5000`);
    // What the userspace relay does: send from our callee-side port, leaving a conntrack entry behind.
    await proxy.call('send', { name: 'lb', to: { address: topo.calleeAddress, port: 6000 }, count: 3 });
    assert.equal((await callee.received('b', 3)).packets, 3);
  });

  test('after install, RTP goes caller -> callee and back through the kernel; proxy sockets see nothing; counters count it', async () => {
    const r = await proxy.call<{ ok: boolean }>('kernel-install', { pair: pair() });
    assert.deepEqual(r, { ok: true });
    const laBefore = (await proxy.call<Received>('received', { name: 'la' })).packets;
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 50 });
    const b = await callee.received('b', 53);
    assert.equal(b.packets, 53);
    assert.equal(
      b.lastFrom,
      `${topo.proxyCalleeSide}:30002`,
      'the callee sees our callee-side port as source',
    );
    await callee.call('send', { name: 'b', to: { address: topo.proxyCalleeSide, port: 30002 }, count: 40 });
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
    assert.equal(counters['call-1/caller/rtp']?.packets, 50);
    assert.equal(counters['call-1/caller/rtp']?.bytes, 50 * 172, 'payload bytes, headers taken off');
    assert.equal(counters['call-1/callee/rtp']?.packets, 40);
    assert.ok((counters['call-1/callee/rtp']?.lastPacketMs ?? 0) > 0);
  });

  test('strict source: packets from another port of the caller still reach the proxy socket, not the callee', async () => {
    const laBefore = (await proxy.call<Received>('received', { name: 'la' })).packets;
    const bBefore = (await callee.call<Received>('received', { name: 'b' })).packets;
    await caller.call('send', {
      name: 'stranger',
      to: { address: topo.proxyCallerSide, port: 30000 },
      count: 3,
    });
    const la = await proxy.received('la', laBefore + 3);
    assert.equal(la.packets, laBefore + 3);
    assert.equal(la.lastFrom, `${topo.callerAddress}:5002`);
    assert.equal((await callee.call<Received>('received', { name: 'b' })).packets, bBefore);
  });

  test('removal sends the packets back to the proxy sockets and drops the counters', async () => {
    assert.deepEqual(await proxy.call('kernel-remove', { pairId: 'call-1/rtp' }), { ok: true });
    const laBefore = (await proxy.call<Received>('received', { name: 'la' })).packets;
    const bBefore = (await callee.call<Received>('received', { name: 'b' })).packets;
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 5 });
    await callee.call('send', { name: 'b', to: { address: topo.proxyCalleeSide, port: 30002 }, count: 4 });
    assert.equal((await proxy.received('la', laBefore + 5)).packets, laBefore + 5);
    assert.equal((await proxy.received('lb', 4)).packets, 4);
    assert.equal((await callee.call<Received>('received', { name: 'b' })).packets, bBefore);
    const counters = await proxy.call<Record<string, KernelStreamCounters>>('kernel-counters');
    assert.deepEqual(Object.keys(counters), []);
  });

  test('port reuse: a new pair on the same local ports forwards to its own callee, never to the old one', async () => {
    const r = await proxy.call('kernel-install', {
      pair: pair({ pairId: 'call-2/rtp', callId: 'call-2' }, 6002),
    });
    assert.deepEqual(r, { ok: true });
    const bBefore = (await callee.call<Received>('received', { name: 'b' })).packets;
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 20 });
    const b2 = await callee.received('b2', 20);
    assert.equal(b2.packets, 20);
    assert.equal(b2.lastFrom, `${topo.proxyCalleeSide}:30002`);
    assert.equal((await callee.call<Received>('received', { name: 'b' })).packets, bBefore);
    assert.equal(await proxy.call('kernel-remove-call', { callId: 'call-2' }), 1);
  });

  test('two tables side by side (N=0 and N=1) forward their own streams without touching each other', async () => {
    const second = new Agent(topo.proxy);
    agents.push(second);
    await proxy.call('kernel-install', { pair: pair() });
    await second.call('kernel-open', { table: 1 });
    await caller.call('bind', { name: 'a10', address: topo.callerAddress, port: 5010 });
    await callee.call('bind', { name: 'b10', address: topo.calleeAddress, port: 6010 });
    const other: KernelStreamPair = {
      pairId: 'x/rtp',
      callId: 'x',
      family: 'IP4',
      a: {
        streamId: 'x/a',
        endpoint: { address: topo.callerAddress, port: 5010 },
        local: { address: topo.proxyCallerSide, port: 31000 },
      },
      b: {
        streamId: 'x/b',
        endpoint: { address: topo.calleeAddress, port: 6010 },
        local: { address: topo.proxyCalleeSide, port: 31002 },
      },
    };
    assert.deepEqual(await second.call('kernel-install', { pair: other }), { ok: true });
    const bBefore = (await callee.call<Received>('received', { name: 'b' })).packets;
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 10 });
    await caller.call('send', { name: 'a10', to: { address: topo.proxyCallerSide, port: 31000 }, count: 7 });
    const b = await callee.received('b', bBefore + 10);
    const b10 = await callee.received('b10', 7);
    assert.equal(b.packets, bBefore + 10);
    assert.equal(b.lastFrom, `${topo.proxyCalleeSide}:30002`);
    assert.equal(b10.packets, 7);
    assert.equal(b10.lastFrom, `${topo.proxyCalleeSide}:31002`, 'table 1 rewrote its own packets only');
    // Closing table 1 leaves table 0 and its stream alone.
    await second.call('kernel-close');
    const tables = topo.inProxy(['nft', 'list', 'tables']);
    assert.doesNotMatch(tables, /rtpengine_ts_1/);
    assert.match(tables, /rtpengine_ts_0/);
    await caller.call('send', { name: 'a', to: { address: topo.proxyCallerSide, port: 30000 }, count: 5 });
    assert.equal((await callee.received('b', bBefore + 15)).packets, bBefore + 15);
    const counters = await proxy.call<Record<string, KernelStreamCounters>>('kernel-counters');
    assert.equal(counters['call-1/caller/rtp']?.packets, 15);
  });

  test('closing removes our table and nothing else', async () => {
    await proxy.call('kernel-close');
    const tables = topo.inProxy(['nft', 'list', 'tables']);
    assert.doesNotMatch(tables, /rtpengine_ts_0/);
    assert.match(tables, /someone_else/);
  });
});
