/**
 * The HTTP and WebSocket listener (`--listen-http`), as rtpengine 10.5 answers on it:
 *   GET /ping → "pong"; GET /cli/<command with + for spaces> → the CLI's text;
 *   GET /metrics → the statistics in Prometheus text format (src/stats/prometheus.ts);
 *   POST /ng (Content-Type exactly application/x-rtpengine-ng) → one ng message, answered in bencode;
 *   anything else → 404 "not found". (10.5 has no POST /cli: it answers 404 too.)
 * A WebSocket upgrade picks the first subprotocol it knows: `ng.rtpengine.com` (each message one ng message),
 * `cli.rtpengine.com` (each message one command line) or `echo.rtpengine.com`; without one the connection is
 * closed unanswered, as rtpengine does. Replies are binary frames. Bodies and messages are bounded; a bad
 * request or a vanished client only ends its own connection.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Ref, spawn } from 'nact';
import {
  encodeWsClose,
  encodeWsFrame,
  WS_OPCODE,
  WsFrameParser,
  WsProtocolError,
  wsAcceptKey,
} from '../../src/net/websocket.ts';
import { encodeNgReply, parseNgDatagram } from '../../src/ng/frame.ts';
import { PROMETHEUS_CONTENT_TYPE, renderPrometheus } from '../../src/stats/prometheus.ts';
import { type AnyRef, supervise } from '../runtime.ts';
import { answerCli } from './cli.ts';
import type { CliEnv } from './cli-commands.ts';
import type { NgHandler } from './dispatcher.ts';
import { type ListenerContext, listenOn } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';

/** The largest request body or WebSocket message accepted (an ng offer with a big SDP fits many times). */
export const MAX_HTTP_BODY = 1 << 20;

export const WS_SUBPROTOCOLS = ['ng.rtpengine.com', 'cli.rtpengine.com', 'echo.rtpengine.com'] as const;
type Subprotocol = (typeof WS_SUBPROTOCOLS)[number];

const NG_CONTENT_TYPE = 'application/x-rtpengine-ng';

/** libwebsockets' answer to a request it cannot parse. */
const FORBIDDEN =
  'HTTP/1.0 403 Forbidden\r\ncontent-type: text/html\r\ncontent-length: 173\r\n\r\n' +
  '<html><head><meta charset=utf-8 http-equiv="Content-Language" content="en"/><link rel="stylesheet" type="text/css" href="/error.css"/></head><body><h1>403</h1></body></html>';

function remoteOf(sock: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const a = sock.remoteAddress ?? '';
  return a.includes(':') ? `[${a}]:${sock.remotePort}` : `${a}:${sock.remotePort}`;
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.writeHead(status, { 'content-type': type, 'content-length': buf.length });
  res.end(buf);
}

/** rtpengine's HTTP ng path answers in bencode even when the request was JSON. */
function asBencode(reply: Buffer): Buffer {
  const parsed = parseNgDatagram(reply);
  return parsed.ok && parsed.encoding === 'json'
    ? encodeNgReply(parsed.cookie, 'bencode', parsed.dict)
    : reply;
}

/** The CLI command in a GET /cli/ path: `+` stands for a space, %XX escapes are decoded. */
export function cliCommandFromPath(path: string): string {
  const raw = path.slice('/cli/'.length).replace(/\+/g, ' ');
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

export function chooseSubprotocol(header: string | undefined): Subprotocol | null {
  if (!header) return null;
  for (const p of header.split(',')) {
    const name = p.trim();
    if ((WS_SUBPROTOCOLS as readonly string[]).includes(name)) return name as Subprotocol;
  }
  return null;
}

interface HttpDeps {
  ctx: ListenerContext;
  /** The daemon's dispatcher, or the call threads that route each message to its call's thread. */
  dispatcher: NgHandler;
  env: CliEnv;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_HTTP_BODY) {
        resolve(null);
        req.socket.destroy();
        return;
      }
      parts.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(parts)));
    req.on('error', () => resolve(null));
    req.on('close', () => resolve(null));
  });
}

async function handleRequest(deps: HttpDeps, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const body = await readBody(req);
  if (body === null || res.destroyed) return;
  if (req.method === 'GET' && path === '/ping') return send(res, 200, 'text/plain', 'pong\n');
  if (req.method === 'GET' && path === '/metrics')
    return send(res, 200, PROMETHEUS_CONTENT_TYPE, renderPrometheus(await deps.env.statistics()));
  if (req.method === 'GET' && path.startsWith('/cli/')) {
    const out = await answerCli(deps.env, deps.ctx, cliCommandFromPath(path));
    return send(res, 200, 'text/plain', out);
  }
  if (req.method === 'POST' && body.length === 0) {
    // rtpengine 10.5 drops a POST without a body unanswered.
    req.socket.destroy();
    return;
  }
  if (req.method === 'POST' && path === '/ng' && req.headers['content-type'] === NG_CONTENT_TYPE) {
    const reply = await deps.dispatcher.handle(body, remoteOf(req.socket));
    if (!reply) return send(res, 600, 'text/plain', 'error\n');
    return send(res, 200, NG_CONTENT_TYPE, asBencode(reply));
  }
  send(res, 404, 'text/plain', 'not found\n');
}

function upgrade(deps: HttpDeps, req: IncomingMessage, sock: Duplex, head: Buffer): void {
  const key = req.headers['sec-websocket-key'];
  const proto = chooseSubprotocol(req.headers['sec-websocket-protocol']);
  if (typeof key !== 'string' || !proto || req.headers.upgrade?.toLowerCase() !== 'websocket') {
    sock.destroy();
    return;
  }
  sock.write(
    'HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\nConnection: Upgrade\r\n' +
      `Sec-WebSocket-Accept: ${wsAcceptKey(key)}\r\nSec-WebSocket-Protocol: ${proto}\r\n\r\n`,
  );
  const from = remoteOf(req.socket);
  const parser = new WsFrameParser({ expectMasked: true, maxMessage: MAX_HTTP_BODY });
  const reply = (data: Buffer) => {
    if (!sock.destroyed) sock.write(encodeWsFrame(WS_OPCODE.binary, data));
  };
  const onData = (chunk: Buffer) => {
    let messages: ReturnType<WsFrameParser['push']>;
    try {
      messages = parser.push(chunk);
    } catch (e) {
      const code = e instanceof WsProtocolError ? e.code : 1002;
      deps.ctx.log.warn('closing WebSocket: bad frames', { from, error: e });
      if (!sock.destroyed) sock.end(encodeWsClose(code));
      sock.destroy();
      return;
    }
    for (const m of messages) {
      switch (m.kind) {
        case 'ping':
          if (!sock.destroyed) sock.write(encodeWsFrame(WS_OPCODE.pong, m.data));
          break;
        case 'pong':
          break;
        case 'close':
          if (!sock.destroyed) sock.end(encodeWsClose(m.code ?? 1000));
          return;
        case 'text':
        case 'binary':
          if (proto === 'echo.rtpengine.com') reply(m.data);
          else if (proto === 'cli.rtpengine.com')
            answerCli(deps.env, deps.ctx, m.data.toString('utf8').replace(/\r?\n$/, '')).then((out) =>
              reply(Buffer.from(out)),
            );
          else
            deps.dispatcher.handle(m.data, from).then(
              (r) => {
                if (r) reply(r);
              },
              (e) => deps.ctx.log.err('ng dispatch failed', { error: e }),
            );
          break;
      }
    }
  };
  sock.on('data', onData);
  sock.on('error', () => sock.destroy());
  if (head.length > 0) onData(head);
}

interface HttpState {
  server: Server | null;
  sockets: Set<Duplex>;
}

/** The HTTP listener over any ng handler and CliEnv: the daemon's own, or the main thread's over the call threads. */
export function spawnHttpListener(
  parent: AnyRef,
  ctx: ListenerContext,
  dispatcher: NgHandler,
  env: CliEnv,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  const deps: HttpDeps = { ctx, dispatcher, env };
  return spawn(
    parent,
    async (state: HttpState, msg: ListenerMsg) => {
      if (msg.kind !== 'bind' || state.server) return state;
      const server = createServer({ maxHeaderSize: 16 * 1024 }, (req, res) => {
        handleRequest(deps, req, res).catch((e) => {
          ctx.log.err('HTTP request failed', { error: e });
          if (!res.headersSent) send(res, 500, 'text/plain', 'error\n');
          else res.destroy();
        });
      });
      server.on('connection', (s) => {
        state.sockets.add(s);
        s.on('close', () => state.sockets.delete(s));
      });
      server.on('upgrade', (req: IncomingMessage, sock: Duplex, head: Buffer) => {
        try {
          upgrade(deps, req, sock, head);
        } catch (e) {
          ctx.log.err('WebSocket upgrade failed', { error: e });
          sock.destroy();
        }
      });
      server.on('clientError', (_e, sock) => {
        if (sock.writable) sock.end(FORBIDDEN);
        else sock.destroy();
      });
      let boundPort: number;
      try {
        boundPort = await listenOn(server, host, port);
      } catch (e) {
        msg.reply({ ok: false, error: (e as Error).message });
        return state;
      }
      server.on('error', (e) => ctx.log.warn('HTTP listener error', { error: e }));
      state.server = server;
      msg.reply({ ok: true, port: boundPort });
      return state;
    },
    name,
    {
      initialState: { server: null, sockets: new Set<Duplex>() },
      afterStop: (state: HttpState) => {
        state.server?.close();
        for (const s of state.sockets) s.destroy();
      },
      onCrash: supervise<ListenerMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
}
