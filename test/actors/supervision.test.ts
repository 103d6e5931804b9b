/**
 * Fault isolation: a failure injected into one call's actors, among many live calls, ends that call alone,
 * cleanly (ports released, call gone), writes exactly one structured supervision record, and every other call
 * keeps relaying media and answering ng commands.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { PortMsg } from '../../actors/messages.ts';
import { ask } from '../../actors/runtime.ts';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { Logger } from '../../src/log/logger.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { loopbackSettings, mediaPort, sdpFor } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

interface LiveCall {
  callId: string;
  alice: RtpPeer;
  bob: RtpPeer;
  toAlice: number;
  toBob: number;
}

const CALLS = 12;
const logLines: string[] = [];
let daemon: Daemon;
let ng: NgClient;
const calls: LiveCall[] = [];

before(async () => {
  daemon = await startDaemon({
    settings: loopbackSettings(45000 + (process.pid % 20) * 100, 45000 + (process.pid % 20) * 100 + 99),
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: new Logger({ level: 3, sink: (l) => logLines.push(l) }),
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
  for (let i = 0; i < CALLS; i++) {
    const alice = await RtpPeer.open();
    const bob = await RtpPeer.open();
    const callId = `sup-${i}`;
    const o = await ng.request({
      command: 'offer',
      'call-id': callId,
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
    });
    const a = await ng.request({
      command: 'answer',
      'call-id': callId,
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port),
    });
    calls.push({ callId, alice, bob, toBob: mediaPort(str(o.sdp)), toAlice: mediaPort(str(a.sdp)) });
  }
});

after(async () => {
  for (const c of calls) {
    c.alice.close();
    c.bob.close();
  }
  ng.close();
  await daemon.stop();
});

async function relays(c: LiveCall, seq: number): Promise<boolean> {
  const n = c.bob.received.length;
  await c.alice.send(rtpPacket(seq), c.toAlice);
  await c.bob.waitFor(n + 1, 1000);
  return c.bob.received.length === n + 1;
}

const portsUsed = async () =>
  (await ask<PortMsg, { used: number }>(daemon.ctx.ports, (reply) => ({ kind: 'usage', reply }))).used;

for (const where of ['call', 'media'] as const) {
  test(`a fault in one call's ${where} actor ends that call only, with one supervision record`, async () => {
    const victim = calls.find((c) => daemon.registry.get(c.callId))!;
    const others = calls.filter((c) => c !== victim && daemon.registry.get(c.callId));
    for (const c of [victim, ...others]) assert.ok(await relays(c, 1), `${c.callId} relays before the fault`);
    const recordsBefore = daemon.ctx.supervision.count;
    const usedBefore = await portsUsed();

    assert.ok(daemon.injectFault(victim.callId, where));
    await new Promise((r) => setTimeout(r, 100));

    assert.equal(daemon.registry.get(victim.callId), undefined, 'the failed call is gone');
    assert.equal(await portsUsed(), usedBefore - 2, "the failed call's two port pairs are free again");
    assert.equal(daemon.ctx.supervision.count, recordsBefore + 1, 'exactly one supervision record');
    const rec = daemon.ctx.supervision.recent().at(-1)!;
    assert.equal(rec.event, 'actor.crash');
    assert.equal(rec.callId, victim.callId);
    assert.equal(rec.decision, 'stop');
    assert.equal(rec.error.message, `injected fault in ${where}`);
    if (where === 'media') {
      assert.match(
        rec.path,
        /\/call-\d+\/monologue-\d+\/media-\d+$/,
        'the record names the failed media actor',
      );
      assert.match(rec.decidedBy, /\/call-\d+$/, 'and the call as the supervisor that decided');
    } else {
      assert.match(rec.path, /\/shard-\d+\/call-\d+$/);
    }
    // The record is also a JSON log line an operator's tooling can read.
    const line = logLines.map((l) => JSON.parse(l)).find((j) => j.supervision?.time === rec.time);
    assert.equal(line?.supervision.path, rec.path);

    const gone = await ng.request({ command: 'query', 'call-id': victim.callId });
    assert.equal(gone['error-reason'], 'Unknown call-id');
    for (const c of others) {
      assert.ok(await relays(c, 2), `${c.callId} still relays after the fault`);
      const q = await ng.request({ command: 'query', 'call-id': c.callId });
      assert.equal(q.result, 'ok');
      assert.ok(Number(((q.totals as NgDict).RTP as NgDict).packets) >= 2);
    }
    assert.equal((await ng.request({ command: 'ping' })).result, 'pong');
  });
}

test('a new call can be set up after faults, on the released ports', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const o = await ng.request({
      command: 'offer',
      'call-id': 'after-fault',
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
    });
    assert.equal(o.result, 'ok');
    const a = await ng.request({
      command: 'answer',
      'call-id': 'after-fault',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port),
    });
    assert.equal(a.result, 'ok');
    await bob.send(rtpPacket(1), mediaPort(str(o.sdp)));
    await alice.waitFor(1);
    assert.equal(alice.received.length, 1);
  } finally {
    alice.close();
    bob.close();
  }
});
