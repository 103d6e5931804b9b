/** A fake phone's media socket for tests: sends RTP packets and collects what arrives. */
import { createSocket, type Socket } from 'node:dgram';

export interface Received {
  data: Buffer;
  address: string;
  port: number;
}

export class RtpPeer {
  readonly received: Received[] = [];
  readonly #sock: Socket;
  port = 0;

  private constructor(sock: Socket) {
    this.#sock = sock;
    sock.on('message', (data, r) => this.received.push({ data, address: r.address, port: r.port }));
  }

  static async open(address = '127.0.0.1', port = 0): Promise<RtpPeer> {
    const sock = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((res) => sock.bind(port, address, () => res()));
    const p = new RtpPeer(sock);
    p.port = sock.address().port;
    return p;
  }

  send(data: Buffer, port: number, address = '127.0.0.1'): Promise<void> {
    return new Promise((res, rej) => this.#sock.send(data, port, address, (e) => (e ? rej(e) : res())));
  }

  async waitFor(n: number, timeoutMs = 2000): Promise<void> {
    const end = Date.now() + timeoutMs;
    while (this.received.length < n && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  }

  close(): void {
    this.#sock.close();
  }
}

/** An RTP packet: version 2, PCMU, the given sequence number and a 160-byte payload. */
export function rtpPacket(seq: number, ssrc = 0x11223344, payloadType = 0): Buffer {
  const b = Buffer.alloc(12 + 160, 0xff);
  b[0] = 0x80;
  b[1] = payloadType;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE(seq * 160, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}
