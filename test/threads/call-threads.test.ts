/**
 * `--num-threads`: calls sharded over worker threads behind one ng socket. Over real UDP on loopback: calls land
 * in different threads and each relays its RTP; a retransmitted offer gets the cached reply from the thread that
 * owns the call; `list` and `statistics` cover every thread; the port range and `--max-sessions` are one for the
 * whole daemon; a new call goes to the idle thread when its hashed one is busier (and its requests follow it);
 * a thread that dies is recorded and replaced while the other thread's calls go on.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { Logger } from '../../src/log/logger.ts';
import { encodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { loopbackSettings, mediaPort, sdpFor } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const PORT_MIN = 47000 + (process.pid % 20) * 20;
const logLines: string[] = [];
let daemon: ThreadedDaemon;
let ng: NgClient;

async function startWith(maxSessions: number, portMax = PORT_MIN + 19): Promise<ThreadedDaemon> {
  return startThreadedDaemon({
    threads: 2,
    settings: { ...loopbackSettings(PORT_MIN, portMax), maxSessions },
    listenNg: [
      { host: '127.0.0.1', port: 0 },
      { host: '::1', port: 0 },
    ],
    listenTcpNg: [],
    log: new Logger({ level: 3, sink: (l) => logLines.push(l) }),
  });
}

before(async () => {
  daemon = await startWith(3);
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
});

after(async () => {
  ng.close();
  await daemon.stop();
});

function offer(callId: string, port: number): Record<string, NgValue> {
  return { command: 'offer', 'call-id': callId, 'from-tag': 'A', sdp: sdpFor(port, 'alice') };
}

async function setUp(
  callId: string,
  alice: RtpPeer,
  bob: RtpPeer,
): Promise<{ toAlice: number; toBob: number }> {
  const o = await ng.request(offer(callId, alice.port));
  assert.equal(o.result, 'ok', JSON.stringify(o));
  const a = await ng.request({ ...offer(callId, bob.port), command: 'answer', 'to-tag': 'B' });
  assert.equal(a.result, 'ok', JSON.stringify(a));
  return { toBob: mediaPort(str(o.sdp)), toAlice: mediaPort(str(a.sdp)) };
}

test('calls owned by two different threads both relay RTP both ways, from ports of one shared range', async () => {
  const [c0, c1] = callIdsInBothThreads('relay');
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open(), RtpPeer.open(), RtpPeer.open()]);
  const [a0, b0, a1, b1] = peers as [RtpPeer, RtpPeer, RtpPeer, RtpPeer];
  try {
    const p0 = await setUp(c0, a0, b0);
    const p1 = await setUp(c1, a1, b1);
    const used = [p0.toAlice, p0.toBob, p1.toAlice, p1.toBob];
    assert.equal(new Set(used).size, 4, 'no port handed out twice across threads');
    for (const p of used) assert.ok(p >= PORT_MIN && p <= PORT_MIN + 19 && p % 2 === 0);
    for (let i = 0; i < 5; i++) {
      await a0.send(rtpPacket(i, 1), p0.toAlice);
      await b0.send(rtpPacket(i, 2), p0.toBob);
      await a1.send(rtpPacket(i, 3), p1.toAlice);
      await b1.send(rtpPacket(i, 4), p1.toBob);
    }
    for (const p of peers) await p.waitFor(5);
    for (const p of peers) assert.equal(p.received.length, 5);
    assert.equal(b1.received[0]!.data.readUInt32BE(8), 3, "thread 1's call relays its own party's packets");

    const list = await ng.request({ command: 'list' });
    assert.deepEqual([...(list.calls as string[])].sort(), [c0, c1].sort(), 'list covers both threads');
    const stats = await ng.request({ command: 'statistics' });
    const s = stats.statistics as NgDict;
    assert.equal((s.currentstatistics as NgDict).sessionsown, 2);
    const totals = s.totalstatistics as NgDict;
    assert.equal(totals.managedsessions, 2);
    assert.equal(totals.relayedpackets_user, 20, 'relayed packets of both threads add up');
    const ports = ((s.interfaces as NgDict[])[0]!.ports as NgDict).used;
    assert.equal(ports, 8, 'the shared pool is counted once: 4 pairs = 8 ports');
    assert.equal(daemon.calls, 2);

    for (const c of [c0, c1]) {
      const d = await ng.request({ command: 'delete', 'call-id': c, 'from-tag': 'A' });
      assert.equal(d.result, 'ok');
    }
    assert.equal(daemon.calls, 0);
  } finally {
    for (const p of peers) p.close();
  }
});

test('a call thread answers on the ng socket itself: the reply leaves from the ng port, over IPv4 and IPv6', async () => {
  for (const [type, host, port] of [
    ['udp4', '127.0.0.1', daemon.ngPorts[0]!],
    ['udp6', '::1', daemon.ngPorts[1]!],
  ] as const) {
    const sock = createSocket(type);
    await new Promise<void>((r) => sock.bind(0, host, () => r()));
    try {
      const [callId] = callIdsInBothThreads(`src-${type}`);
      const got = new Promise<{ text: string; port: number }>((r) =>
        sock.once('message', (m, rinfo) => r({ text: m.toString('latin1'), port: rinfo.port })),
      );
      const body = encodeBencode({ command: 'query', 'call-id': callId } as NgDict).toString('latin1');
      sock.send(Buffer.from(`q-${type} ${body}`, 'latin1'), port, host);
      const reply = await got;
      assert.equal(reply.port, port, 'from the port the request went to');
      assert.match(reply.text, new RegExp(`^q-${type} d.*Unknown call-id`));
    } finally {
      sock.close();
    }
  }
});

test('a retransmitted offer (same cookie) is answered from the owning thread cache, not run twice', async () => {
  const [c0] = callIdsInBothThreads('retrans');
  const body = encodeBencode(offer(c0, 40000) as NgDict);
  const bytes = Buffer.concat([Buffer.from('rt-1 '), body]);
  const first = await ng.raw(bytes, 'rt-1');
  const second = await ng.raw(bytes, 'rt-1');
  assert.equal(first.result, 'ok');
  assert.equal(second.sdp, first.sdp, 'same ports: the offer ran once');
  const stats = ((await ng.request({ command: 'statistics' })).statistics as NgDict)
    .controlstatistics as NgDict;
  assert.ok(typeof stats.totaloffercount === 'number' && stats.totaloffercount >= 1);
  await ng.request({ command: 'delete', 'call-id': c0, 'from-tag': 'A' });
});

test('--max-sessions limits the whole daemon, whichever thread a new call hashes to', async () => {
  const ids = [...callIdsInBothThreads('lim-a'), ...callIdsInBothThreads('lim-b')];
  const replies: NgDict[] = [];
  for (const id of ids) replies.push(await ng.request({ ...offer(id, 40000), supports: ['load limit'] }));
  assert.deepEqual(
    replies.map((r) => r.result),
    ['ok', 'ok', 'ok', 'load limit'],
  );
  assert.equal(replies[3]!.message, 'Parallel session limit reached');
  for (const id of ids) await ng.request({ command: 'delete', 'call-id': id, 'from-tag': 'A' });
  assert.equal(daemon.calls, 0);
});

test('a new call whose hashed thread is busier lands on the idle thread; its requests follow it, and it is forgotten when it ends', async () => {
  const [c0] = callIdsInBothThreads('placed');
  const placement = daemon.threads.placement;
  // three UDP requests in flight on thread 0 (where c0 hashes), none on thread 1
  for (let i = 0; i < 3; i++) placement.requestSent(0);
  try {
    assert.equal((await ng.request(offer(c0, 40000))).result, 'ok');
    assert.equal(placement.ownerOf(c0), 1, 'placed on the idle thread');
    const answer = await ng.request({ ...offer(c0, 40002), command: 'answer', 'to-tag': 'B' });
    assert.equal(answer.result, 'ok', 'the answer found the call on thread 1');
    assert.equal((await ng.request({ command: 'query', 'call-id': c0 })).result, 'ok');
    assert.equal((await daemon.threads.callSnapshot(c0))?.callId, c0, 'the CLI finds it there too');
    assert.equal((await ng.request({ command: 'delete', 'call-id': c0, 'from-tag': 'A' })).result, 'ok');
    const until = Date.now() + 2000;
    while (placement.remembered > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(placement.remembered, 0, 'thread 1 reported the end: the placement is forgotten');
  } finally {
    for (let i = 0; i < 3; i++) placement.answered(0);
  }
  // with the threads even again, the same call-id offered anew lives where it hashes
  assert.equal((await ng.request(offer(c0, 40000))).result, 'ok');
  assert.equal(placement.ownerOf(c0), 0);
  assert.equal((await ng.request({ command: 'delete', 'call-id': c0, 'from-tag': 'A' })).result, 'ok');
});

test('a call thread that dies is recorded and restarted; the calls of the other thread go on', async () => {
  const [c0, c1] = callIdsInBothThreads('crash');
  const peers = await Promise.all([RtpPeer.open(), RtpPeer.open()]);
  const [a1, b1] = peers as [RtpPeer, RtpPeer];
  try {
    await ng.request(offer(c0, 40000));
    const p1 = await setUp(c1, a1, b1);
    const before = daemon.supervision.count;
    await daemon.threads.kill(0);
    const deadline = Date.now() + 5000;
    while (daemon.supervision.count === before && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 10));
    const rec = daemon.supervision.recent().at(-1);
    assert.equal(rec?.path, '/call-thread-0');
    assert.equal(rec?.decision, 'restart');
    // the other thread's call still relays
    await a1.send(rtpPacket(1, 9), p1.toAlice);
    await b1.waitFor(1);
    assert.equal(b1.received.length, 1);
    // the restarted thread serves new calls (its old call is gone with it)
    const ping = await ng.request({ command: 'ping' });
    assert.equal(ping.result, 'pong');
    const q = await ng.request({ command: 'query', 'call-id': c0 });
    assert.equal(q.result, 'error');
    const again = await ng.request(offer(`${c0}`, 40002));
    assert.equal(again.result, 'ok');
    for (const c of [c0, c1]) await ng.request({ command: 'delete', 'call-id': c, 'from-tag': 'A' });
  } finally {
    for (const p of peers) p.close();
  }
});
