/**
 * Timeouts end calls for the right reason, counted by reason in `statistics`: offer-timeout (no answer),
 * timeout (no media), silent-timeout (no media while on hold), final-timeout (maximum duration) and the
 * delete-delay after a delete. The daemon runs on a fake clock, so nothing waits for real seconds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { DaemonSettings } from '../../actors/context.ts';
import { dueReason } from '../../actors/singletons/timeouts.ts';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { type Call, newCall } from '../../src/call/model.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { sdpFor } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';

const settings: DaemonSettings = {
  interfaces: [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }],
  portMin: 47000 + (process.pid % 20) * 100,
  portMax: 47000 + (process.pid % 20) * 100 + 99,
  timeout: 60,
  silentTimeout: 600,
  finalTimeout: 0,
  offerTimeout: 120,
  deleteDelay: 30,
  maxSessions: -1,
  endpointLearning: 'delayed',
  tos: 0,
};

test('dueReason is pure: each limit applies only in its state', () => {
  const call: Call = newCall('x', 1000_000);
  assert.equal(dueReason(call, 1000_000 + 119_000, settings), null);
  assert.equal(dueReason(call, 1000_000 + 120_000, settings), 'offer-timeout');
  call.answered = true;
  assert.equal(dueReason(call, 1000_000 + 59_000, settings), null);
  assert.equal(dueReason(call, 1000_000 + 60_000, settings), 'timeout');
  assert.equal(dueReason(call, 1000_000 + 60_000, { ...settings, timeout: 0 }), null, '0 disables');
  assert.equal(dueReason(call, 1000_000 + 10_000, { ...settings, finalTimeout: 10 }), 'final-timeout');
  call.destroyAt = 1000_000 + 5_000;
  assert.equal(dueReason(call, 1000_000 + 4_999, settings), null);
  assert.equal(dueReason(call, 1000_000 + 5_000, settings), 'regular');
});

let clock = Date.now();
let daemon: Daemon;
let ng: NgClient;

before(async () => {
  daemon = await startDaemon({
    settings: { ...settings },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: silentLogger,
    now: () => clock,
    timeoutScanMs: 10,
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
});

after(async () => {
  ng.close();
  await daemon.stop();
});

const tick = (seconds: number) => {
  clock += seconds * 1000;
  return new Promise((r) => setTimeout(r, 60));
};

async function setUp(callId: string, answered: boolean, hold = false): Promise<void> {
  const sdp = hold ? sdpFor(4000).replace('a=sendrecv', 'a=sendonly') : sdpFor(4000);
  assert.equal(
    (await ng.request({ command: 'offer', 'call-id': callId, 'from-tag': 'a', sdp })).result,
    'ok',
  );
  if (answered) {
    const r = await ng.request({
      command: 'answer',
      'call-id': callId,
      'from-tag': 'a',
      'to-tag': 'b',
      sdp: sdpFor(4002),
    });
    assert.equal(r.result, 'ok');
  }
}

async function closedCounts(): Promise<NgDict> {
  const s = await ng.request({ command: 'statistics' });
  return (s.statistics as NgDict).totalstatistics as NgDict;
}

test('an offer without answer ends after --offer-timeout, counted as offertimeoutsessions', async () => {
  await setUp('t-offer', false);
  await tick(119);
  assert.ok(daemon.registry.get('t-offer'), 'still there before the limit');
  await tick(2);
  assert.equal(daemon.registry.get('t-offer'), undefined);
  assert.equal((await closedCounts()).offertimeoutsessions, 1);
});

test('an answered call without media ends after --timeout; on hold only after --silent-timeout', async () => {
  await setUp('t-media', true);
  await setUp('t-hold', true, true);
  await tick(61);
  assert.equal(daemon.registry.get('t-media'), undefined, 'no media for 60 s ends the call');
  assert.ok(daemon.registry.get('t-hold'), 'a call on hold is kept past --timeout');
  assert.equal((await closedCounts()).timeoutsessions, 1);
  await tick(540);
  assert.equal(daemon.registry.get('t-hold'), undefined);
  assert.equal((await closedCounts()).silenttimeoutsessions, 1);
});

test('delete with delete-delay keeps the call queryable until the delay has passed', async () => {
  await setUp('t-del', true);
  const d = await ng.request({ command: 'delete', 'call-id': 't-del', 'from-tag': 'a', 'delete-delay': 5 });
  assert.equal(d.result, 'ok');
  await tick(4);
  assert.equal((await ng.request({ command: 'query', 'call-id': 't-del' })).result, 'ok');
  await tick(2);
  assert.equal(daemon.registry.get('t-del'), undefined);
  assert.equal((await closedCounts()).regularterminatedsessions, 1);
});

test('--final-timeout ends a call with media after its maximum duration', async () => {
  daemon.ctx.settings.finalTimeout = 30;
  try {
    await setUp('t-final', true);
    await tick(31);
    assert.equal(daemon.registry.get('t-final'), undefined);
    assert.equal((await closedCounts()).finaltimeoutsessions, 1);
  } finally {
    daemon.ctx.settings.finalTimeout = 0;
  }
});
