/**
 * GET /metrics on the HTTP listener of a running daemon: valid Prometheus exposition text that moves with a
 * real call (ng offer/answer/delete and RTP both ways). When Debian's rtpengine 10.5 is installed, the same
 * call is made against it and both pages must offer the same families, types and label names (except the
 * figures we do not measure yet).
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import {
  type ExpositionFamily,
  familyShapes,
  parseExposition,
  sampleValue,
  UNMEASURED_FAMILIES,
} from '../helpers/exposition.ts';
import { httpRequest } from '../helpers/http.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { type Listeners, listenersOn } from '../helpers/listeners.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RTPENGINE, spawnRtpengine } from '../helpers/oracle.ts';
import { freeTcpPort, freeUdpPort } from '../helpers/ports.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

let http: Listeners | undefined;
let httpPort = 0;
const live = useTestDaemon(
  {},
  {
    started: async ({ daemon }) => {
      http = await listenersOn(daemon, 'http');
      httpPort = http.ports[0] ?? 0;
    },
    stopping: () => http?.stop(),
  },
);

const get = (port: number, path: string) => httpRequest(port, 'GET', path);

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
  assert.equal(value(m, 'rtpengine_sessions', { type: 'own' }), live.daemon.registry.size);
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
  await oneCall(live.ng, 'metrics-1', 10, async () => {
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
  const child = spawnRtpengine(ngPort, mediaMin, mediaMin + 49, [`--listen-http=127.0.0.1:${theirHttp}`]);
  const theirNg = new NgClient('127.0.0.1', ngPort);
  try {
    await waitForHttp(theirHttp, child);
    await oneCall(theirNg, 'metrics-diff', 5);
    await oneCall(live.ng, 'metrics-diff', 5);
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
