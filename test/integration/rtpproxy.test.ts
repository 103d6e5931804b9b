/**
 * The legacy rtpproxy protocol (`--listen-udp`) against a running daemon, as Kamailio's rtpproxy module sends
 * it: version and capabilities, U/L creating and answering a call whose media is then relayed, interface
 * selection with `i`/`e`, retransmissions, Q and D, and the answers for what does not parse.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { start, stop } from 'nact';
import { bindListener } from '../../actors/control/ng-udp.ts';
import { spawnRtpproxyListener } from '../../actors/control/rtpproxy.ts';
import type { Daemon } from '../../actors/system.ts';
import { testDaemon } from '../helpers/daemon.ts';

let daemon: Daemon;
let system: ReturnType<typeof start>;
let ref: ReturnType<typeof spawnRtpproxyListener>;
let port = 0;
let client: Socket;

function send(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no reply to ${line}`)), 2000);
    client.once('message', (buf) => {
      clearTimeout(timer);
      resolve(buf.toString());
    });
    client.send(line, port, '127.0.0.1');
  });
}

function udp(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

before(async () => {
  daemon = await testDaemon({
    interfaces: [
      { name: 'internal', address: '127.0.0.1', advertised: null, family: 'IP4' },
      { name: 'external', address: '127.0.0.2', advertised: null, family: 'IP4' },
    ],
  });
  system = start();
  ref = spawnRtpproxyListener(system, daemon.ctx, daemon.surfaces.legacy, '127.0.0.1', 0, 'udp-0');
  const r = await bindListener(ref);
  assert.ok(r.ok);
  port = r.port;
  client = await udp();
});

after(async () => {
  client.close();
  stop(ref);
  stop(system);
  await daemon.stop();
});

test('V answers the protocol version and VF says yes only to the capabilities rtpengine has', async () => {
  assert.equal(await send('a1 V'), 'a1 20040107\n');
  for (const date of ['20040107', '20050322', '20060704'])
    assert.equal(await send(`a2${date} VF ${date}`), `a2${date} 1\n`);
  assert.equal(await send('a3 VF 20071218'), 'a3 0\n');
});

test('an unknown command answers E8, an unparsable U echoes the address and port it was given', async () => {
  assert.equal(await send('b1 X'), 'b1 E8\n');
  assert.equal(await send('b2 U'), 'b2 E8\n');
  assert.equal(await send('b3 U cid 10.0.0.1 5000 fromtag'), 'b3 5000 10.0.0.1\n');
});

test('U and L set up a call whose media is relayed both ways; Q counts it and D ends it', async () => {
  const caller = await udp();
  const callee = await udp();
  try {
    const u = await send(`c1 U rp-call-1 127.0.0.1 ${caller.address().port} ft;1`);
    const um = /^c1 (\d+) 127\.0\.0\.1 4\n$/.exec(u);
    assert.ok(um, u);
    assert.equal(await send(`c1 U rp-call-1 127.0.0.1 ${caller.address().port} ft;1`), u, 'a retransmission');
    const l = await send(`c2 L rp-call-1 127.0.0.1 ${callee.address().port} ft;1 tt;1`);
    const lm = /^c2 (\d+) 127\.0\.0\.1 4\n$/.exec(l);
    assert.ok(lm, l);
    assert.notEqual(um[1], lm[1]);
    assert.ok(daemon.registry.get('rp-call-1'), 'the call exists');
    // the caller sends to the L port (its side), the callee to the U port
    const got = new Promise<string>((resolve) => callee.once('message', (b) => resolve(b.toString())));
    caller.send(Buffer.from('\x80\x00\x00\x01hello-from-caller'), Number(lm[1]), '127.0.0.1');
    assert.match(await got, /hello-from-caller/);
    const back = new Promise<string>((resolve) => caller.once('message', (b) => resolve(b.toString())));
    callee.send(Buffer.from('\x80\x00\x00\x02hello-from-callee'), Number(um[1]), '127.0.0.1');
    assert.match(await back, /hello-from-callee/);
    const q = await send('c3 Q rp-call-1 ft tt');
    const qm = /^c3 (\d+) (\d+) (\d+) (\d+) (\d+)\n$/.exec(q);
    assert.ok(qm, q);
    assert.equal(Number(qm[2]), 1, 'one packet from the caller');
    assert.equal(Number(qm[3]), 1, 'one packet from the callee');
    assert.equal(Number(qm[4]), 2);
    assert.equal(await send('c4 D rp-call-1 ft tt'), 'c4 0\n');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(daemon.registry.get('rp-call-1'), undefined);
    assert.equal(await send('c5 D rp-call-1 ft tt'), 'c5 E8\n');
    assert.equal(await send('c6 Q rp-call-1 ft tt'), 'c6 E8\n');
  } finally {
    caller.close();
    callee.close();
  }
});

test('the i/e modifiers put the U answer on the second named interface and the L answer on the first', async () => {
  const u = await send('d1 Uie rp-call-2 10.0.0.1 5000 ft;1');
  assert.match(u, /^d1 \d+ 127\.0\.0\.2 4\n$/);
  const l = await send('d2 L rp-call-2 10.0.0.2 6000 ft;1 tt;1');
  assert.match(l, /^d2 \d+ 127\.0\.0\.1 4\n$/);
  const u2 = await send('d3 Uei rp-call-3 10.0.0.1 5000 ft;1');
  assert.match(u2, /^d3 \d+ 127\.0\.0\.1 4\n$/);
  const l2 = await send('d4 L rp-call-3 10.0.0.2 6000 ft;1 tt;1');
  assert.match(l2, /^d4 \d+ 127\.0\.0\.2 4\n$/);
  assert.equal(await send('d5 D rp-call-2 ft'), 'd5 0\n');
  assert.equal(await send('d6 D rp-call-3 ft'), 'd6 0\n');
});

test('L for a call that does not exist answers 0 0.0.0.0 and creates nothing', async () => {
  assert.equal(await send('e1 L rp-nosuch 10.0.0.2 6000 a;1 b;1'), 'e1 0 0.0.0.0\n');
  assert.equal(daemon.registry.get('rp-nosuch'), undefined);
});

test('a second media number gets its own port on the same call', async () => {
  const u1 = await send('f1 U rp-call-4 10.0.0.1 5000 ft;1');
  const u2 = await send('f2 U rp-call-4 10.0.0.1 5002 ft;2');
  const p1 = /^f1 (\d+) /.exec(u1)?.[1];
  const p2 = /^f2 (\d+) /.exec(u2)?.[1];
  assert.ok(p1 && p2, `${u1} ${u2}`);
  assert.notEqual(p1, p2);
  assert.equal(
    await send('f3 U rp-call-4 10.0.0.1 5000 ft;1'),
    `f3 ${p1} 127.0.0.1 4\n`,
    'media 1 keeps its port',
  );
  assert.equal(await send('f4 D rp-call-4 ft'), 'f4 0\n');
});
