/**
 * The relay thread on IPv6 (sockaddr_in6 sources and destinations): a call between two parties on ::1, through a
 * daemon whose only interface is ::1, is handed to the relay thread and relayed both ways by it, from the ports
 * announced to each party.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { mediaPort, testDaemon } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

let relay: RelayThread;
let daemon: Daemon;
let ng: NgClient;

before(async () => {
  const started = await RelayThread.start((e) => {
    throw e;
  });
  assert.ok(started);
  relay = started;
  daemon = await testDaemon(
    {
      interfaces: [{ name: 'default', address: '::1', advertised: null, family: 'IP6' }],
      endpointLearning: 'immediate',
    },
    { relayThread: relay },
  );
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await relay.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function sdp6(port: number): string {
  return [
    'v=0',
    'o=- 1 1 IN IP6 ::1',
    's=-',
    'c=IN IP6 ::1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0`,
    'a=sendrecv',
    '',
  ].join('\r\n');
}

interface Peer6 {
  sock: Socket;
  port: number;
  got: { data: Buffer; port: number }[];
}

async function peer6(): Promise<Peer6> {
  const sock = createSocket('udp6');
  await new Promise<void>((r) => sock.bind(0, '::1', () => r()));
  const p: Peer6 = { sock, port: sock.address().port, got: [] };
  sock.on('message', (data, r) => p.got.push({ data, port: r.port }));
  return p;
}

const send = (p: Peer6, data: Buffer, port: number) =>
  new Promise<void>((r) => p.sock.send(data, port, '::1', () => r()));

test('an IPv6 call is handed to the relay thread and relayed both ways by it', async () => {
  const alice = await peer6();
  const bob = await peer6();
  try {
    const o = await ng.request({
      command: 'offer',
      'call-id': 'rt6',
      'from-tag': 'A',
      sdp: sdp6(alice.port),
    });
    assert.equal(o.result, 'ok', JSON.stringify(o));
    assert.match(str(o.sdp), /^c=IN IP6 ::1\r$/m);
    const toBob = mediaPort(str(o.sdp));
    const a = await ng.request({
      command: 'answer',
      'call-id': 'rt6',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdp6(bob.port),
    });
    const toAlice = mediaPort(str(a.sdp));
    await send(alice, rtpPacket(0, 1), toAlice);
    await send(bob, rtpPacket(0, 2), toBob);
    const streams = [...daemon.registry.entries()]
      .filter((e) => e.call.callId === 'rt6')
      .flatMap((e) => [...e.call.monologues.values()].map((m) => m.medias[0]!.rtp));
    const end = Date.now() + 2000;
    while (!streams.every((s) => s.kernelized) && Date.now() < end) await sleep(5);
    assert.ok(
      streams.every((s) => s.kernelized),
      'both directions handed over',
    );
    for (let i = 1; i <= 10; i++) {
      await send(alice, rtpPacket(i, 1), toAlice);
      await send(bob, rtpPacket(i, 2), toBob);
    }
    const until = Date.now() + 2000;
    while ((alice.got.length < 11 || bob.got.length < 11) && Date.now() < until) await sleep(5);
    assert.equal(bob.got.length, 11);
    assert.equal(alice.got.length, 11);
    assert.equal(bob.got[10]!.port, toBob, 'from the port announced to bob');
    const relayed = streams.map((s) => daemon.ctx.kernel?.counters.get(s.id)?.packets ?? 0);
    assert.ok(
      relayed.every((n) => n >= 9),
      `relayed by the relay thread (${relayed})`,
    );
    const q = await ng.request({ command: 'query', 'call-id': 'rt6' });
    assert.equal(((q.totals as NgDict).RTP as NgDict).packets, 22);
  } finally {
    await ng.request({ command: 'delete', 'call-id': 'rt6' });
    alice.sock.close();
    bob.sock.close();
  }
});
