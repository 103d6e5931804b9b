/**
 * GET /metrics on the HTTP listener of a running daemon: valid Prometheus exposition text that moves with a
 * real call (ng offer/answer/delete and RTP both ways). When Debian's rtpengine 10.5 is installed, the same
 * call is made against it and both pages must offer the same families, types and label names (except the
 * figures we do not measure yet).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { start, stop } from 'nact';
import { spawnHttpListener } from '../../actors/control/http.ts';
import { bindListener } from '../../actors/control/ng-udp.ts';
import type { Daemon } from '../../actors/system.ts';
import { mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import {
  type ExpositionFamily,
  familyShapes,
  parseExposition,
  sampleValue,
  UNMEASURED_FAMILIES,
} from '../helpers/exposition.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const RTPENGINE = '/usr/bin/rtpengine';

let daemon: Daemon;
let system: ReturnType<typeof start>;
let ref: ReturnType<typeof spawnHttpListener>;
let httpPort = 0;
let ng: NgClient;

before(async () => {
  daemon = await testDaemon();
  system = start();
  ref = spawnHttpListener(system, daemon.ctx, daemon.registry, daemon.dispatcher, '127.0.0.1', 0, 'http-0');
  const r = await bindListener(ref);
  assert.ok(r.ok);
  httpPort = r.port;
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  stop(ref);
  stop(system);
  await daemon.stop();
});

function get(port: number, path: string) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path }, (res) => {
      let b = '';
      res.on('data', (d) => {
        b += d;
      });
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: b }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

async function metrics(port: number): Promise<Map<string, ExpositionFamily>> {
  const r = await get(port, '/metrics');
  assert.equal(r.status, 200);
  assert.equal(r.type, 'text/plain', 'the Content-Type rtpengine 10.5 sends');
  return parseExposition(r.body);
}

const value = (m: Map<string, ExpositionFamily>, name: string, labels: Record<string, string> = {}) => {
  const v = sampleValue(m, name, labels);
  assert.notEqual(v, undefined, `${name} ${JSON.stringify(labels)} present`);
  return v ?? Number.NaN;
};

/** Offer, answer, `packets` RTP packets each way, delete: one whole call as Kamailio would drive it. */
async function oneCall(client: NgClient, callId: string, packets: number, whileUp?: () => Promise<void>) {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const offer = await client.request({
      command: 'offer',
      'call-id': callId,
      'from-tag': 'tagA',
      sdp: sdpFor(alice.port, 'alice'),
    });
    assert.equal(offer.result, 'ok');
    const answer = await client.request({
      command: 'answer',
      'call-id': callId,
      'from-tag': 'tagA',
      'to-tag': 'tagB',
      sdp: sdpFor(bob.port, 'bob'),
    });
    assert.equal(answer.result, 'ok');
    const toBob = mediaPort(str(offer.sdp));
    const toAlice = mediaPort(str(answer.sdp));
    for (let i = 0; i < packets; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await alice.waitFor(packets);
    await bob.waitFor(packets);
    assert.equal(alice.received.length + bob.received.length, 2 * packets, 'the call relayed both ways');
    await whileUp?.();
    const del = await client.request({ command: 'delete', 'call-id': callId, 'from-tag': 'tagA' });
    assert.equal(del.result, 'ok');
  } finally {
    alice.close();
    bob.close();
  }
}

test('GET /metrics answers valid exposition text with the idle daemon figures', async () => {
  const m = await metrics(httpPort);
  assert.equal(value(m, 'rtpengine_sessions', { type: 'own' }), daemon.registry.size);
  assert.equal(m.get('rtpengine_sessions_total')?.type, 'counter');
  assert.equal(m.get('rtpengine_sessions')?.help, 'Owned sessions');
  assert.equal(value(m, 'rtpengine_ports_used', { name: 'default', address: '127.0.0.1' }), 0);
});

test('a call moves the session, request, packet and duration counters on /metrics', async () => {
  const before = await metrics(httpPort);
  const offersBefore = sampleValue(before, 'rtpengine_requests_total', {
    proxy: '127.0.0.1',
    request: 'offer',
  });
  let during = new Map<string, ExpositionFamily>();
  await oneCall(ng, 'metrics-1', 10, async () => {
    during = await metrics(httpPort);
  });
  await new Promise((r) => setTimeout(r, 100)); // deleteDelay 0: the call ends just after the reply
  const done = await metrics(httpPort);

  assert.equal(value(during, 'rtpengine_sessions', { type: 'own' }), 1);
  assert.equal(value(during, 'rtpengine_mediastreams', { type: 'userspace' }), 2, 'one stream per side');
  assert.equal(value(during, 'rtpengine_ports_used', { name: 'default', address: '127.0.0.1' }), 4);
  assert.equal(value(done, 'rtpengine_sessions', { type: 'own' }), 0);
  assert.equal(value(done, 'rtpengine_ports_used', { name: 'default', address: '127.0.0.1' }), 0);

  const delta = (name: string, labels: Record<string, string> = {}) =>
    value(done, name, labels) - (sampleValue(before, name, labels) ?? 0);
  assert.equal(delta('rtpengine_sessions_total'), 1);
  assert.equal(delta('rtpengine_closed_sessions_total', { reason: 'terminated' }), 1);
  assert.equal(
    value(done, 'rtpengine_requests_total', { proxy: '127.0.0.1', request: 'offer' }) - (offersBefore ?? 0),
    1,
  );
  assert.equal(delta('rtpengine_requests_total', { proxy: '127.0.0.1', request: 'delete' }), 1);
  // The relay totals are process-wide, so another test file's traffic may add to them; ours is at least there.
  assert.ok(delta('rtpengine_packets_total', { type: 'userspace' }) >= 20);
  assert.ok(delta('rtpengine_bytes_total', { type: 'userspace' }) >= 20 * 172);
  assert.ok(delta('rtpengine_call_duration_total') > 0);
  assert.ok(value(done, 'rtpengine_request_seconds_total', { proxy: '127.0.0.1', request: 'offer' }) > 0);
  assert.ok(value(done, 'rtpengine_uptime_seconds') >= 0);
});

function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => resolve(p));
    });
  });
}

async function waitForHttp(port: number, child: ChildProcess): Promise<void> {
  const end = Date.now() + 5000;
  while (Date.now() < end) {
    if (child.exitCode !== null) throw new Error(`rtpengine exited with ${child.exitCode}`);
    try {
      if ((await get(port, '/ping')).status === 200) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('rtpengine did not come up');
}

test('after the same call, rtpengine 10.5 and we offer the same metric families, types and label names', {
  skip: existsSync(RTPENGINE) ? false : 'rtpengine 10.5 is not installed',
}, async () => {
  const ngPort = await freeUdpPort();
  const theirHttp = await freeTcpPort();
  const mediaMin = 47000 + (process.pid % 40) * 50;
  const child = spawn(
    RTPENGINE,
    [
      '--config-file=none',
      '-t',
      '-1',
      '-f',
      '-E',
      '-i',
      '127.0.0.1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--listen-http=127.0.0.1:${theirHttp}`,
      '-m',
      String(mediaMin),
      '-M',
      String(mediaMin + 49),
      '--delete-delay=0',
    ],
    { stdio: 'ignore' },
  );
  const theirNg = new NgClient('127.0.0.1', ngPort);
  try {
    await waitForHttp(theirHttp, child);
    await oneCall(theirNg, 'metrics-diff', 5);
    await oneCall(ng, 'metrics-diff', 5);
    await new Promise((r) => setTimeout(r, 1200)); // rtpengine ends deleted calls on its next timer tick
    const theirs = await metrics(theirHttp);
    const ours = await metrics(httpPort);
    assert.equal(value(theirs, 'rtpengine_sessions_total'), 1, 'the reference call was closed');

    const theirShapes = familyShapes(theirs);
    for (const name of UNMEASURED_FAMILIES) theirShapes.delete(name);
    assert.deepEqual(new Map([...familyShapes(ours)].sort()), new Map([...theirShapes].sort()));
    const requests = (m: Map<string, ExpositionFamily>) =>
      (m.get('rtpengine_requests_total')?.samples ?? []).map((s) => s.labels.request).sort();
    assert.deepEqual(requests(ours), requests(theirs), 'the same request label values');
    for (const name of ['rtpengine_sessions', 'rtpengine_ports_used'] as const)
      assert.equal(value(ours, name, {}), value(theirs, name, {}), `${name} agrees after the call`);
  } finally {
    theirNg.close();
    child.kill('SIGTERM');
    await new Promise<void>((r) => {
      if (child.exitCode !== null) r();
      else child.once('exit', () => r());
    });
  }
});
