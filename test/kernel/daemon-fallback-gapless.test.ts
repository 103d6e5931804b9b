/**
 * The daemon with `--table=0`, in namespaces this test makes (caller - proxy - callee): while a kernelized call
 * carries a steady stream (100 packets, one every 10 ms), a re-INVITE (offer and answer with the same SDP) and
 * then a `block media` / `unblock media` pair move the stream out of the kernel and back. The callee must get
 * every packet except those sent while media was blocked: no packet is lost at a handover between the kernel
 * and userspace. The ng requests are sent by an agent inside the proxy namespace, so they fit in the stream.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { firstStream, partySdp, portOf, spawnKernelDaemon } from './helpers/kernel-daemon.ts';
import { createTopology, namespaceSkipReason, type Topology } from './helpers/netns.ts';
import { type NgExchange, PacedAgent } from './helpers/paced-agent-client.ts';

const skip = namespaceSkipReason();
const NG_PORT = 2223;
const PACKETS = 100;
const INTERVAL_MS = 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Dict = Record<string, unknown>;

describe('kernel <-> userspace handovers lose no packet (--table=0)', { skip: skip ?? false }, () => {
  let topo: Topology;
  let caller: PacedAgent;
  let callee: PacedAgent;
  let control: PacedAgent;
  let daemon: ChildProcess;
  let daemonLog: () => string = () => '';
  let toCaller = 0;
  let toCallee = 0;

  const ng = async (message: Dict): Promise<NgExchange> =>
    control.call<NgExchange>('ng', { host: '127.0.0.1', port: NG_PORT, message });
  const base = () => ({ 'call-id': 'g1', 'from-tag': 'A', 'received-from': ['IP4', topo.callerAddress] });
  const offer = () => ({
    ...base(),
    command: 'offer',
    direction: ['caller', 'callee'],
    sdp: partySdp(topo.callerAddress, 5000),
  });
  const answer = () => ({
    ...base(),
    command: 'answer',
    'to-tag': 'B',
    sdp: partySdp(topo.calleeAddress, 6000),
  });
  const kernelized = async (): Promise<boolean> => {
    const q = (await ng({ command: 'query', 'call-id': 'g1' })).reply;
    return ((firstStream(q, 'A').flags as string[] | undefined) ?? []).includes('kernelized');
  };
  /** Sends a few packets each way (so learning confirms both endpoints) until the call is kernelized. */
  const untilKernelized = async (): Promise<boolean> => {
    for (let i = 0; i < 20; i++) {
      await caller.call('pace', {
        name: 'rtp',
        to: { address: topo.proxyCallerSide, port: toCaller },
        count: 3,
        intervalMs: 2,
        firstSeq: 60000,
      });
      await callee.call('pace', {
        name: 'rtp',
        to: { address: topo.proxyCalleeSide, port: toCallee },
        count: 3,
        intervalMs: 2,
        firstSeq: 60000,
      });
      await sleep(100);
      if (await kernelized()) return true;
    }
    return false;
  };

  before(async () => {
    topo = createTopology('g');
    caller = new PacedAgent(topo.caller);
    callee = new PacedAgent(topo.callee);
    control = new PacedAgent(topo.proxy);
    await caller.call('bind', { name: 'rtp', address: topo.callerAddress, port: 5000 });
    await callee.call('bind', { name: 'rtp', address: topo.calleeAddress, port: 6000 });
    const started = spawnKernelDaemon(topo, { table: 0, ngPort: NG_PORT, portMin: 30000, portMax: 30100 });
    daemon = started.process;
    daemonLog = started.log;
    for (let i = 0; i < 50; i++) {
      try {
        if ((await ng({ command: 'ping' })).reply.result === 'pong') break;
      } catch {
        // not listening yet (ngRequest gives up after 3 s)
      }
      await sleep(100);
    }
  });

  after(async () => {
    if (daemon && daemon.exitCode === null) {
      daemon.kill('SIGTERM');
      await new Promise((r) => daemon.once('exit', r));
    }
    for (const a of [caller, callee, control]) await a?.stop().catch(() => undefined);
    topo?.destroy();
  });

  test('the call is set up and moves to the kernel', async () => {
    const o = (await ng(offer())).reply;
    assert.equal(o.result, 'ok', JSON.stringify(o));
    toCallee = portOf(o.sdp);
    const a = (await ng(answer())).reply;
    assert.equal(a.result, 'ok', JSON.stringify(a));
    toCaller = portOf(a.sdp);
    assert.ok(await untilKernelized(), `kernelized; daemon log:\n${daemonLog().slice(-2000)}`);
  });

  test('a re-INVITE and a block/unblock pair during a steady stream: the callee gets every packet except exactly those sent while blocked', async (t) => {
    await callee.call('clear', { name: 'rtp' });
    const started = await caller.call<number>('pace', {
      name: 'rtp',
      to: { address: topo.proxyCallerSide, port: toCaller },
      count: PACKETS,
      intervalMs: INTERVAL_MS,
    });
    const at = (ms: number) => sleep(started + ms - Date.now());

    await at(200);
    const reOffer = await ng(offer());
    assert.equal(reOffer.reply.result, 'ok', JSON.stringify(reOffer.reply));
    assert.equal(portOf(reOffer.reply.sdp), toCallee, 'the re-INVITE keeps our port');
    const reAnswer = await ng(answer());
    assert.equal(reAnswer.reply.result, 'ok', JSON.stringify(reAnswer.reply));
    assert.equal(portOf(reAnswer.reply.sdp), toCaller);

    t.diagnostic(`kernelized right after the re-INVITE: ${await kernelized()}`);

    await at(500);
    const block = await ng({ command: 'block media', 'call-id': 'g1' });
    assert.equal(block.reply.result, 'ok');
    await at(650);
    const unblock = await ng({ command: 'unblock media', 'call-id': 'g1' });
    assert.equal(unblock.reply.result, 'ok');

    for (let i = 0; i < 100; i++) {
      if (!(await caller.call<{ sending: boolean }>('sent', { name: 'rtp' })).sending) break;
      await sleep(20);
    }
    await sleep(200);
    const { sentAt } = await caller.call<{ sentAt: number[] }>('sent', { name: 'rtp' });
    const arrivals = (await callee.call<[number, number][]>('arrivals', { name: 'rtp' })).filter(
      ([s]) => s < PACKETS,
    );
    assert.equal(sentAt.length, PACKETS);
    const got = new Set(arrivals.map(([s]) => s));
    assert.equal(got.size, arrivals.length, 'no packet arrived twice');
    const lost = sentAt.map((_, seq) => seq).filter((seq) => !got.has(seq));
    const sent = (seq: number) => sentAt[seq] ?? 0;
    // A packet sent while an ng request is in flight may be handled before or after it: those are the only
    // ones whose fate is open. Everything sent after `block` answered and before `unblock` was asked is blocked.
    const surelyBlocked = sentAt
      .map((_, seq) => seq)
      .filter((seq) => sent(seq) > block.repliedAt && sent(seq) < unblock.sentAt);
    const mayBeBlocked = (seq: number) => sent(seq) >= block.sentAt - 1 && sent(seq) <= unblock.repliedAt + 1;

    t.diagnostic(
      `lost ${lost.length} of ${PACKETS} (seq ${lost[0]}..${lost.at(-1)}); ` +
        `surely blocked ${surelyBlocked.length}; block took ${block.repliedAt - block.sentAt} ms, unblock ${unblock.repliedAt - unblock.sentAt} ms, ` +
        `re-INVITE ${reAnswer.repliedAt - reOffer.sentAt} ms`,
    );
    const reInvitePhase = sentAt.map((_, seq) => seq).filter((seq) => sent(seq) < block.sentAt - 1);
    assert.ok(reInvitePhase.length >= 40, `${reInvitePhase.length} packets before the block`);
    assert.deepEqual(
      reInvitePhase.filter((seq) => !got.has(seq)),
      [],
      'every packet before the block (across the re-INVITE) arrived',
    );
    assert.deepEqual(
      lost.filter((seq) => !mayBeBlocked(seq)),
      [],
      'every lost packet was sent while media was blocked',
    );
    assert.ok(surelyBlocked.length >= 5, `${surelyBlocked.length} packets sent while blocked`);
    for (const seq of surelyBlocked)
      assert.ok(!got.has(seq), `packet ${seq}, sent while blocked, was not forwarded`);
    assert.ok(
      lost.length >= surelyBlocked.length && lost.length <= surelyBlocked.length + 4,
      `lost ${lost.length}: the blocked ${surelyBlocked.length} and at most the ones sent while block/unblock were in flight`,
    );
    assert.equal(
      (lost.at(-1) ?? 0) - (lost[0] ?? 0) + 1,
      lost.length,
      'the lost packets are one run, the block',
    );
    const afterUnblock = sentAt.map((_, seq) => seq).filter((seq) => sent(seq) > unblock.repliedAt + 1);
    assert.ok(afterUnblock.length >= 20, `${afterUnblock.length} packets after unblock`);
    assert.deepEqual(
      afterUnblock.filter((seq) => !got.has(seq)),
      [],
      'every packet after unblock arrived',
    );
    assert.ok(await untilKernelized(), 'back in the kernel after unblock');
  });
});
