/**
 * `--max-load`, `--max-cpu` and `--max-bandwidth` on a running daemon whose load figures are injected: a new
 * call's offer over a limit gets rtpengine's `load limit` reply (or the error without `supports`), counted in
 * rejectedsessions, while a call that exists goes on; below the limits offers work.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import type { LoadSample } from '../../src/control/load-limits.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { loopbackSettings, sdpFor } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';

let daemon: Daemon;
let ng: NgClient;
const load: LoadSample = { load1: 0, cpuPercent: 0, bytesPerSecond: 0 };
const portMin = 45000 + (process.pid % 50) * 100;

before(async () => {
  daemon = await startDaemon({
    settings: {
      ...loopbackSettings(portMin, portMin + 99),
      maxLoad: 2.5,
      maxCpu: 80,
      maxBandwidth: 1_000_000,
    },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: silentLogger,
    loadSample: () => ({ ...load }),
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
});

function offer(callId: string, supports = true) {
  return ng.request({
    command: 'offer',
    'call-id': callId,
    'from-tag': 'ft',
    sdp: sdpFor(5000),
    ...(supports ? { supports: ['load limit'] } : {}),
  });
}

test('each limit refuses a new call with its own rtpengine message and counts it as rejected', async () => {
  const cases: [Partial<LoadSample>, string][] = [
    [{ load1: 3 }, 'Load limit exceeded'],
    [{ cpuPercent: 95 }, 'CPU usage limit exceeded'],
    [{ bytesPerSecond: 2_000_000 }, 'Bandwidth limit exceeded'],
  ];
  for (const [i, [over, message]] of cases.entries()) {
    Object.assign(load, { load1: 0, cpuPercent: 0, bytesPerSecond: 0 }, over);
    const before = daemon.ctx.counters.rejectedSessions;
    const r = await offer(`ll-${i}`);
    assert.equal(r.result, 'load limit');
    assert.equal(r.message, message);
    const plain = await offer(`ll-plain-${i}`, false);
    assert.equal(plain.result, 'error');
    assert.equal(plain['error-reason'], message);
    assert.equal(daemon.ctx.counters.rejectedSessions, before + 2);
    assert.equal(daemon.registry.get(`ll-${i}`), undefined);
  }
});

test('below every limit a call is set up, and an existing call keeps working while over a limit', async () => {
  Object.assign(load, { load1: 1, cpuPercent: 10, bytesPerSecond: 100 });
  const r = await offer('ll-ok');
  assert.equal(r.result, 'ok');
  Object.assign(load, { load1: 10 });
  const again = await offer('ll-ok');
  assert.equal(again.result, 'ok', 're-offer of an existing call is not a new session');
  const answer = await ng.request({
    command: 'answer',
    'call-id': 'll-ok',
    'from-tag': 'ft',
    'to-tag': 'tt',
    sdp: sdpFor(6000, 'bob'),
  });
  assert.equal(answer.result, 'ok');
  await ng.request({ command: 'delete', 'call-id': 'll-ok' });
});
