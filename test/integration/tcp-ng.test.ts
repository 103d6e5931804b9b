/**
 * ng over TCP (`--listen-tcp-ng`) against a running daemon: message boundaries found whatever the chunking,
 * large messages, and a connection that sends garbage is closed without disturbing other connections, UDP ng
 * or an established call.
 */
import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

let daemon: Daemon;
let ng: NgClient;

/** A TCP ng connection that collects everything the daemon writes back. */
class TcpNg {
  received = Buffer.alloc(0);
  closed = false;
  private constructor(readonly sock: Socket) {
    sock.on('data', (d) => {
      this.received = Buffer.concat([this.received, d]);
    });
    sock.on('close', () => {
      this.closed = true;
    });
    sock.on('error', () => {});
  }

  static open(port: number): Promise<TcpNg> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new TcpNg(s)));
      s.once('error', reject);
    });
  }

  write(b: Buffer | string): Promise<void> {
    return new Promise((res) => this.sock.write(b, () => res()));
  }

  async waitUntil(cond: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  text(): string {
    return this.received.toString('latin1');
  }

  close(): void {
    this.sock.destroy();
  }
}

const ping = (cookie: string): string => `${cookie} d7:command4:pinge`;
const pong = (cookie: string): string => `${cookie} d6:result4:ponge`;

let alice: RtpPeer;
let bob: RtpPeer;
let toAlice = 0;
let toBob = 0;

before(async () => {
  daemon = await testDaemon();
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
  alice = await RtpPeer.open();
  bob = await RtpPeer.open();
  const base = { 'call-id': 'tcp-live', 'from-tag': 'a', 'endpoint-learning': 'immediate' };
  const offer = await ng.request({ ...base, command: 'offer', sdp: sdpFor(alice.port) });
  toBob = mediaPort(str(offer.sdp));
  const answer = await ng.request({
    ...base,
    command: 'answer',
    'to-tag': 'b',
    sdp: sdpFor(bob.port, 'bob'),
  });
  toAlice = mediaPort(str(answer.sdp));
});

after(async () => {
  alice?.close();
  bob?.close();
  ng?.close();
  await daemon?.stop();
});

/** The daemon still answers UDP ping and relays the established call both ways. */
async function assertHealthy(what: string): Promise<void> {
  assert.equal((await ng.request({ command: 'ping' })).result, 'pong', `${what}: UDP ping`);
  const a0 = alice.received.length;
  const b0 = bob.received.length;
  for (let i = 0; i < 3; i++) {
    await alice.send(rtpPacket(i, 1), toAlice);
    await bob.send(rtpPacket(i, 2), toBob);
  }
  await bob.waitFor(b0 + 3);
  await alice.waitFor(a0 + 3);
  assert.equal(bob.received.length - b0, 3, `${what}: alice → bob relayed`);
  assert.equal(alice.received.length - a0, 3, `${what}: bob → alice relayed`);
}

test('several messages in one write are each answered, in order', async () => {
  const c = await TcpNg.open(daemon.tcpNgPorts[0]!);
  try {
    const json = 'j1 {"command":"ping"}';
    await c.write(ping('m1') + ping('m2') + json + ping('m3'));
    const want = pong('m1') + pong('m2') + 'j1 {"result":"pong"}' + pong('m3');
    await c.waitUntil(() => c.received.length >= want.length, 'four replies');
    assert.equal(c.text(), want);
  } finally {
    c.close();
  }
  await assertHealthy('after a batched write');
});

test('a message split byte by byte is answered once complete', async () => {
  const c = await TcpNg.open(daemon.tcpNgPorts[0]!);
  try {
    const msg = Buffer.from(
      `bb1 d7:command5:query7:call-id8:tcp-live8:from-tag1:a5:flagsl3:x y4:e:e:e${'5:extra'}i-12ee`,
      'latin1',
    );
    for (const byte of msg) {
      await c.write(Buffer.from([byte]));
      assert.equal(c.received.length, 0, 'no reply before the message is complete');
    }
    await c.waitUntil(() => c.received.length > 0, 'the reply');
    await new Promise((r) => setTimeout(r, 50));
    assert.match(c.text(), /^bb1 d.*6:result2:ok/s);
    assert.equal(c.text().split('bb1 ').length, 2, 'exactly one reply');
  } finally {
    c.close();
  }
  await assertHealthy('after a byte-by-byte message');
});

test('a 1 MiB message is answered', async () => {
  const c = await TcpNg.open(daemon.tcpNgPorts[0]!);
  try {
    const pad = 'p'.repeat(1024 * 1024);
    await c.write(`big d7:command4:ping3:pad${pad.length}:${pad}e`);
    await c.waitUntil(() => c.received.length >= pong('big').length, 'the pong', 10_000);
    assert.equal(c.text(), pong('big'));
    assert.equal(c.closed, false, 'the connection stays open');
  } finally {
    c.close();
  }
  await assertHealthy('after a 1 MiB message');
});

test('a connection sending garbage is closed; another connection and UDP keep working', async () => {
  const good = await TcpNg.open(daemon.tcpNgPorts[0]!);
  const bad = await TcpNg.open(daemon.tcpNgPorts[0]!);
  try {
    await good.write(ping('g1'));
    await good.waitUntil(() => good.text() === pong('g1'), 'the first pong');
    await bad.write('c1 xyz this is not ng at all\r\n');
    await bad.waitUntil(() => bad.closed, 'the daemon to close the garbage connection');
    const random = await TcpNg.open(daemon.tcpNgPorts[0]!);
    // A cookie longer than any real one, with no space: the stream can never become valid.
    await random.write(Buffer.alloc(4096, 0x41));
    await random.waitUntil(() => random.closed, 'the daemon to close the cookie-less connection');
    await good.write(ping('g2'));
    await good.waitUntil(() => good.text() === pong('g1') + pong('g2'), 'the second pong');
    assert.equal(good.closed, false);
  } finally {
    good.close();
    bad.close();
  }
  await assertHealthy('after a garbage connection');
});
