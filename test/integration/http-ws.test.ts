/**
 * The HTTP/WebSocket listener against a running daemon, with Node's HTTP client and a WebSocket client made
 * of our own RFC 6455 codec: /ping, /cli/, POST /ng, the three subprotocols, and bad clients that only end
 * their own connection.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { encodeWsFrame, WS_OPCODE } from '../../src/net/websocket.ts';
import { testDaemon } from '../helpers/daemon.ts';
import { httpRequest, wsClient } from '../helpers/http.ts';
import { type Listeners, listenersOn } from '../helpers/listeners.ts';

let daemon: Daemon;
let listeners: Listeners;
let port = 0;

before(async () => {
  daemon = await testDaemon();
  listeners = await listenersOn(daemon, 'http');
  port = listeners.ports[0] ?? 0;
});

after(async () => {
  listeners.stop();
  await daemon.stop();
});

const http = (method: string, path: string, body?: string, type?: string) =>
  httpRequest(port, method, path, body, type);

const ws = (proto: string) => wsClient(port, proto);

test('GET /ping answers pong', async () => {
  assert.deepEqual(await http('GET', '/ping'), { status: 200, type: 'text/plain', body: 'pong\n' });
});

test('GET /cli/ runs a CLI command with + for spaces', async () => {
  const r = await http('GET', '/cli/list+timeout');
  assert.equal(r.body, `TIMEOUT=${daemon.ctx.settings.timeout}\n`);
  assert.equal((await http('GET', '/cli/foo')).body, 'Unknown or incomplete command::foo\n');
});

test('POST /ng with the ng content type answers in bencode, JSON requests too', async () => {
  const r = await http('POST', '/ng', 'c1 d7:command4:pinge', 'application/x-rtpengine-ng');
  assert.deepEqual(r, { status: 200, type: 'application/x-rtpengine-ng', body: 'c1 d6:result4:ponge' });
  const j = await http('POST', '/ng', 'c2 {"command":"ping"}', 'application/x-rtpengine-ng');
  assert.equal(j.body, 'c2 d6:result4:ponge');
  assert.equal((await http('POST', '/ng', 'garbage', 'application/x-rtpengine-ng')).status, 600);
});

test('other paths, POST /cli and a wrong content type are 404 not found', async () => {
  for (const [m, p, t] of [
    ['GET', '/foo', undefined],
    ['POST', '/cli', 'text/plain'],
    ['POST', '/ng', 'application/json'],
  ] as const) {
    const r = await http(m, p, m === 'POST' ? 'list timeout' : undefined, t);
    assert.deepEqual([r.status, r.body], [404, 'not found\n'], `${m} ${p}`);
  }
});

test('WebSocket ng.rtpengine.com answers each ng message in a binary frame', async () => {
  const c = await ws('ng.rtpengine.com');
  assert.ok(c);
  c.send('w1 d7:command4:pinge');
  assert.deepEqual(await c.next(), { kind: 'binary', data: Buffer.from('w1 d6:result4:ponge') });
  c.send('w2 {"command":"ping"}');
  assert.deepEqual(await c.next(), { kind: 'binary', data: Buffer.from('w2 {"result":"pong"}') });
  c.sock.destroy();
});

test('WebSocket cli.rtpengine.com and echo.rtpengine.com', async () => {
  const cli = await ws('cli.rtpengine.com');
  assert.ok(cli);
  cli.send('list maxsessions');
  assert.equal((await cli.next()).kind, 'binary');
  cli.sock.destroy();
  const echo = await ws('bogus, echo.rtpengine.com');
  assert.ok(echo);
  echo.send('hello');
  assert.deepEqual(await echo.next(), { kind: 'binary', data: Buffer.from('hello') });
  echo.sock.destroy();
});

test('an upgrade without a known subprotocol is closed unanswered', async () => {
  assert.equal(await ws('bogus'), null);
});

test('a client sending unmasked or oversized frames is closed while others go on', async () => {
  const bad = await ws('ng.rtpengine.com');
  assert.ok(bad);
  const closed = new Promise<void>((r) => bad.sock.on('close', () => r()));
  bad.sock.write(encodeWsFrame(WS_OPCODE.text, Buffer.from('x')));
  await closed;
  const big = await ws('echo.rtpengine.com');
  assert.ok(big);
  const bigClosed = new Promise<void>((r) => big.sock.on('close', () => r()));
  big.sock.write(Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]));
  await bigClosed;
  assert.equal((await http('GET', '/ping')).body, 'pong\n');
});
