/** HTTP and WebSocket clients for the tests of the `--listen-http` listener, on loopback. */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import {
  encodeWsFrame,
  WS_OPCODE,
  WsFrameParser,
  type WsMessage,
  wsClientKey,
} from '../../src/net/websocket.ts';

export interface HttpReply {
  status: number;
  /** The Content-Type header ("undefined" when absent). */
  type: string;
  body: string;
}

/** One HTTP request to 127.0.0.1:port; `type` becomes the Content-Type of the body. */
export function httpRequest(
  port: number,
  method: string,
  path: string,
  body?: string,
  type?: string,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
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

export interface WsClient {
  sock: Socket;
  /** The server's next message (queued if it came before the call). */
  next: () => Promise<WsMessage>;
  send: (s: string) => void;
}

/**
 * A WebSocket client made of our own RFC 6455 codec, asking for subprotocol `proto`: resolves once upgraded
 * (asserting the 101 and one of rtpengine's subprotocols), or with null when the server closes unanswered.
 */
export function wsClient(port: number, proto: string): Promise<WsClient | null> {
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
