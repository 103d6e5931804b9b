/**
 * The HTTP/WebSocket listener against a running daemon, with Node's HTTP client and a WebSocket client made
 * of our own RFC 6455 codec: /ping, /cli/, POST /ng, the three subprotocols, and bad clients that only end
 * their own connection.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { start, stop } from 'nact';
import { spawnHttpListener } from '../../actors/control/http.ts';
import { bindListener } from '../../actors/control/ng-udp.ts';
import type { Daemon } from '../../actors/system.ts';
import {
  encodeWsFrame,
  WS_OPCODE,
  WsFrameParser,
  type WsMessage,
  wsClientKey,
} from '../../src/net/websocket.ts';
import { testDaemon } from '../helpers/daemon.ts';

let daemon: Daemon;
let system: ReturnType<typeof start>;
let ref: ReturnType<typeof spawnHttpListener>;
let port = 0;

before(async () => {
  daemon = await testDaemon();
  system = start();
  ref = spawnHttpListener(system, daemon.ctx, daemon.registry, daemon.dispatcher, '127.0.0.1', 0, 'http-0');
  const r = await bindListener(ref);
  assert.ok(r.ok);
  port = r.port;
});

after(async () => {
  stop(ref);
  stop(system);
  await daemon.stop();
});

function http(method: string, path: string, body?: string, type?: string) {
  return new Promise<{ status: number; type: string; body: string }>((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers: type ? { 'content-type': type } : {} },
      (res) => {
        let b = '';
        res.on('data', (d) => {
          b += d;
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: b }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A WebSocket client: resolves once upgraded (or with null when the server closes unanswered). */
function ws(
  proto: string,
): Promise<{ sock: Socket; next: () => Promise<WsMessage>; send: (s: string) => void } | null> {
  return new Promise((resolve) => {
    const sock = connect({ host: '127.0.0.1', port });
    const parser = new WsFrameParser({ expectMasked: false });
    const queue: WsMessage[] = [];
    const waiters: ((m: WsMessage) => void)[] = [];
    let head = '';
    let open = false;
    const deliver = (ms: WsMessage[]) => {
      for (const m of ms) {
        const w = waiters.shift();
        if (w) w(m);
        else queue.push(m);
      }
    };
    sock.on('connect', () =>
      sock.write(
        `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${wsClientKey()}\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ${proto}\r\n\r\n`,
      ),
    );
    sock.on('data', (d) => {
      if (open) return deliver(parser.push(d));
      head += d.toString('latin1');
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      open = true;
      assert.match(head, /^HTTP\/1\.1 101 /);
      assert.match(head, /\r\nSec-WebSocket-Protocol: (ng|cli|echo)\.rtpengine\.com/);
      resolve({
        sock,
        next: () => new Promise((r) => (queue.length ? r(queue.shift() as WsMessage) : waiters.push(r))),
        send: (s) => sock.write(encodeWsFrame(WS_OPCODE.text, Buffer.from(s), true)),
      });
      deliver(parser.push(Buffer.from(head.slice(end + 4), 'latin1')));
    });
    sock.on('close', () => {
      if (!open) resolve(null);
    });
    sock.on('error', () => {});
  });
}

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
