/**
 * A small RFC 6455 codec: the opening handshake's accept key, frame encoding (masked for clients, bare for
 * servers) and an incremental frame parser that reassembles fragmented messages. No sockets here; the HTTP
 * listener and the tests drive it. Every buffer it keeps is bounded: a peer that announces or sends more than
 * `maxMessage` bytes gets a WsProtocolError (close code 1009) instead of growing memory.
 */
import { createHash, randomBytes } from 'node:crypto';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export const WS_OPCODE = {
  continuation: 0x0,
  text: 0x1,
  binary: 0x2,
  close: 0x8,
  ping: 0x9,
  pong: 0xa,
} as const;

export type WsMessage =
  | { kind: 'text' | 'binary'; data: Buffer }
  | { kind: 'ping' | 'pong'; data: Buffer }
  | { kind: 'close'; code: number | null; reason: string };

/** A violation that ends the connection; `code` is the close status to send (1002 protocol, 1009 too big). */
export class WsProtocolError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
    this.name = 'WsProtocolError';
  }
}

/** The Sec-WebSocket-Accept value for a client's Sec-WebSocket-Key. */
export function wsAcceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

/** A fresh Sec-WebSocket-Key for a client handshake. */
export function wsClientKey(): string {
  return randomBytes(16).toString('base64');
}

/** One final frame. `mask` true (clients must mask) draws a random masking key. */
export function encodeWsFrame(opcode: number, payload: Buffer, mask = false): Buffer {
  const len = payload.length;
  const headLen = len < 126 ? 2 : len < 0x10000 ? 4 : 10;
  const head = Buffer.alloc(headLen + (mask ? 4 : 0));
  head[0] = 0x80 | (opcode & 0x0f);
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head[1] = maskBit | len;
  else if (len < 0x10000) {
    head[1] = maskBit | 126;
    head.writeUInt16BE(len, 2);
  } else {
    head[1] = maskBit | 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  if (!mask) return Buffer.concat([head, payload]);
  const key = randomBytes(4);
  key.copy(head, headLen);
  const body = Buffer.from(payload);
  for (let i = 0; i < body.length; i++) body[i] = (body[i] ?? 0) ^ (key[i & 3] ?? 0);
  return Buffer.concat([head, body]);
}

export function encodeWsClose(code: number, reason = '', mask = false): Buffer {
  const body = Buffer.alloc(2 + Buffer.byteLength(reason));
  body.writeUInt16BE(code, 0);
  body.write(reason, 2);
  return encodeWsFrame(WS_OPCODE.close, body, mask);
}

export interface WsParserOptions {
  /** A server must see masked frames, a client unmasked ones (RFC 6455 §5.1). */
  expectMasked: boolean;
  /** The largest message (after reassembly) accepted. */
  maxMessage?: number;
}

export class WsFrameParser {
  #buf: Buffer = Buffer.alloc(0);
  #fragments: Buffer[] = [];
  #fragmentBytes = 0;
  #fragmentKind: 'text' | 'binary' | null = null;
  readonly #expectMasked: boolean;
  readonly #max: number;

  constructor(opts: WsParserOptions) {
    this.#expectMasked = opts.expectMasked;
    this.#max = opts.maxMessage ?? 1 << 20;
  }

  /** Feeds bytes; returns every complete message. Throws WsProtocolError on a stream that cannot be valid. */
  push(chunk: Buffer): WsMessage[] {
    this.#buf = this.#buf.length === 0 ? chunk : Buffer.concat([this.#buf, chunk]);
    const out: WsMessage[] = [];
    for (;;) {
      const frame = this.#nextFrame();
      if (!frame) break;
      const m = this.#assemble(frame.fin, frame.opcode, frame.payload);
      if (m) out.push(m);
    }
    return out;
  }

  #nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | null {
    const b = this.#buf;
    if (b.length < 2) return null;
    const b0 = b[0] ?? 0;
    const b1 = b[1] ?? 0;
    if (b0 & 0x70) throw new WsProtocolError('reserved bits set', 1002);
    const masked = (b1 & 0x80) !== 0;
    if (masked !== this.#expectMasked)
      throw new WsProtocolError(masked ? 'masked frame from server' : 'unmasked frame from client', 1002);
    let len = b1 & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      const big = b.readBigUInt64BE(2);
      if (big > BigInt(this.#max)) throw new WsProtocolError('frame too large', 1009);
      len = Number(big);
      off = 10;
    }
    if (len > this.#max) throw new WsProtocolError('frame too large', 1009);
    const keyOff = off;
    if (masked) off += 4;
    if (b.length < off + len) return null;
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) for (let i = 0; i < len; i++) payload[i] = (payload[i] ?? 0) ^ (b[keyOff + (i & 3)] ?? 0);
    this.#buf = b.subarray(off + len);
    return { fin: (b0 & 0x80) !== 0, opcode: b0 & 0x0f, payload };
  }

  #assemble(fin: boolean, opcode: number, payload: Buffer): WsMessage | null {
    switch (opcode) {
      case WS_OPCODE.ping:
      case WS_OPCODE.pong:
      case WS_OPCODE.close:
        if (!fin || payload.length > 125) throw new WsProtocolError('bad control frame', 1002);
        if (opcode === WS_OPCODE.ping) return { kind: 'ping', data: payload };
        if (opcode === WS_OPCODE.pong) return { kind: 'pong', data: payload };
        if (payload.length === 1) throw new WsProtocolError('bad close frame', 1002);
        return {
          kind: 'close',
          code: payload.length >= 2 ? payload.readUInt16BE(0) : null,
          reason: payload.subarray(2).toString('utf8'),
        };
      case WS_OPCODE.text:
      case WS_OPCODE.binary:
        if (this.#fragmentKind) throw new WsProtocolError('new message inside a fragmented one', 1002);
        if (fin) return { kind: opcode === WS_OPCODE.text ? 'text' : 'binary', data: payload };
        this.#fragmentKind = opcode === WS_OPCODE.text ? 'text' : 'binary';
        this.#fragments = [payload];
        this.#fragmentBytes = payload.length;
        return null;
      case WS_OPCODE.continuation: {
        const kind = this.#fragmentKind;
        if (!kind) throw new WsProtocolError('continuation without a message', 1002);
        this.#fragmentBytes += payload.length;
        if (this.#fragmentBytes > this.#max) throw new WsProtocolError('message too large', 1009);
        this.#fragments.push(payload);
        if (!fin) return null;
        const data = Buffer.concat(this.#fragments);
        this.#fragments = [];
        this.#fragmentBytes = 0;
        this.#fragmentKind = null;
        return { kind, data };
      }
      default:
        throw new WsProtocolError(`unknown opcode ${opcode}`, 1002);
    }
  }
}
