/**
 * The legacy OpenSER mediaproxy protocol (`--listen-tcp`) against a running daemon: request/lookup setting up a
 * call whose media is relayed both ways, delete ending it, version/status/controls, and lines that do not parse
 * closing only their own connection with no reply, as rtpengine 10.5 does (one command per connection).
 */
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { testDaemon } from '../helpers/daemon.ts';
import { type Listeners, listenersOn, mediaproxyExchange, udpSocket } from '../helpers/listeners.ts';

let daemon: Daemon;
let listeners: Listeners;
let port = 0;

/** Opens a connection, sends `data`, and resolves with everything received until the daemon closes it. */
const exchange = (data: string, toPort = port) => mediaproxyExchange(toPort, data, 2000);

const udp = udpSocket;

const line = (verb: string, callId: string, streams: string, info: string) =>
  `${verb} ${callId} ${streams} 127.0.0.1 a.example local b.example remote test-agent info=${info}\n`;

before(async () => {
  daemon = await testDaemon();
  listeners = await listenersOn(daemon, 'tcp');
  port = listeners.ports[0] ?? 0;
});

after(async () => {
  listeners.stop();
  await daemon.stop();
});

test('version and build answer "Version: ..." and close the connection', async () => {
  assert.match(await exchange('version\n'), /^Version: \S+\n$/);
  assert.match(await exchange('build\r\n'), /^Version: \S+\n$/);
});

test('request and lookup set up a call whose media is relayed both ways; delete ends it', async () => {
  const caller = await udp();
  const callee = await udp();
  try {
    const req = await exchange(
      line('request', 'mp-call-1', `127.0.0.1:${caller.address().port}:audio`, 'fromtag:ft1,totag:'),
    );
    const rm = /^127\.0\.0\.1 (\d+)\n$/.exec(req);
    assert.ok(rm, req);
    const look = await exchange(
      line('lookup', 'mp-call-1', `127.0.0.1:${callee.address().port}:audio`, 'fromtag:ft1,totag:tt1'),
    );
    const lm = /^127\.0\.0\.1 (\d+)\n$/.exec(look);
    assert.ok(lm, look);
    assert.notEqual(rm[1], lm[1]);
    assert.match(await exchange('status\n'), /^proxy 1 0\/0\/0\nsession mp-call-1 - - - - \d+\n$/);
    // the caller sends to the lookup's port (its side), the callee to the request's
    const got = new Promise<string>((resolve) => callee.once('message', (b) => resolve(b.toString())));
    caller.send(Buffer.from('\x80\x00\x00\x01hello-from-caller'), Number(lm[1]), '127.0.0.1');
    assert.match(await got, /hello-from-caller/);
    const back = new Promise<string>((resolve) => caller.once('message', (b) => resolve(b.toString())));
    callee.send(Buffer.from('\x80\x00\x00\x02hello-from-callee'), Number(rm[1]), '127.0.0.1');
    assert.match(await back, /hello-from-callee/);
    assert.equal(await exchange('delete mp-call-1 info=fromtag:ft1,totag:tt1\n'), '');
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(daemon.registry.get('mp-call-1'), undefined);
  } finally {
    caller.close();
    callee.close();
  }
});

test('a request with two streams answers one "ip port" per stream, concatenated like rtpengine', async () => {
  const reply = await exchange(
    line('request', 'mp-call-2', '10.0.0.1:5000:audio,10.0.0.1:5002:audio', 'fromtag:f2'),
  );
  const m = /^127\.0\.0\.1 (\d+)127\.0\.0\.1 (\d+)\n$/.exec(reply);
  assert.ok(m, reply);
  assert.notEqual(m[1], m[2]);
  assert.equal(await exchange('delete mp-call-2 info=fromtag:f2\n'), '');
});

test('a request whose streams are all unusable answers a bare line end and creates no call', async () => {
  assert.equal(await exchange(line('request', 'mp-nostream', 'host:5000:audio', 'fromtag:f')), '\n');
  assert.equal(daemon.registry.get('mp-nostream'), undefined);
});

test('lookup of an unknown call and a request without from-tag answer nothing and create no call', async () => {
  assert.equal(await exchange(line('lookup', 'mp-nosuch', '10.0.0.2:7000:audio', 'fromtag:a,totag:b')), '');
  assert.equal(await exchange(line('request', 'mp-notag', '10.0.0.1:5000:audio', 'from:x;fromtag:y')), '');
  assert.equal(daemon.registry.get('mp-nosuch'), undefined);
  assert.equal(daemon.registry.get('mp-notag'), undefined);
});

test('garbage closes only its own connection with no reply; another open connection still gets its answer', async () => {
  const waiting = connect(port, '127.0.0.1');
  await new Promise((r) => waiting.once('connect', r));
  try {
    for (const bad of ['garbage\n', 'update x\n', 'VERSION\n', '\n', 'delete cid\n', '\x00\xff\xfe\n'])
      assert.equal(await exchange(bad), '', JSON.stringify(bad));
    assert.equal(await exchange('quit\n'), '');
    const answer = new Promise<string>((resolve) => {
      let got = '';
      waiting.on('data', (d) => {
        got += d.toString();
      });
      waiting.on('close', () => resolve(got));
    });
    waiting.write('version\n');
    assert.match(await answer, /^Version: /);
  } finally {
    waiting.destroy();
  }
});

test('controls lists the open control connections and ends with End.', async () => {
  assert.match(await exchange('controls\n'), /^127\.0\.0\.1:\d+\nEnd\.\n$/);
});

test('startDaemon with listenTcp binds the mediaproxy listener', async () => {
  const free = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => resolve(typeof a === 'object' && a ? a.port : 0));
    });
  });
  const d = await startDaemon({
    settings: {
      ...daemon.ctx.settings,
      portMin: daemon.ctx.settings.portMax + 1,
      portMax: daemon.ctx.settings.portMax + 50,
    },
    listenNg: [],
    listenTcpNg: [],
    listenTcp: [{ host: '127.0.0.1', port: free }],
    log: silentLogger,
  });
  try {
    assert.match(await exchange('version\n', free), /^Version: /);
  } finally {
    await d.stop();
  }
});
