/** A minimal ng client for tests: bencode over UDP, replies matched by cookie. */
import { createSocket, type Socket } from 'node:dgram';
import { decodeBencode, encodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';

export class NgClient {
  readonly #sock: Socket;
  /** Waiters per cookie, oldest first: a test may send the same cookie several times (retransmissions). */
  readonly #pending = new Map<string, ((d: NgDict) => void)[]>();
  #seq = 0;

  constructor(
    readonly host: string,
    readonly port: number,
  ) {
    this.#sock = createSocket('udp4');
    this.#sock.on('message', (buf) => {
      const sp = buf.indexOf(0x20);
      const cookie = buf.toString('latin1', 0, sp);
      const waiters = this.#pending.get(cookie);
      const done = waiters?.shift();
      if (!done) return;
      if (waiters?.length === 0) this.#pending.delete(cookie);
      done(decodeBencode(buf.subarray(sp + 1)) as NgDict);
    });
  }

  /** Sends raw bytes and waits for the reply to `cookie`. */
  raw(bytes: Buffer, cookie: string, timeoutMs = 3000): Promise<NgDict> {
    return new Promise((resolve, reject) => {
      const waiter = (d: NgDict) => {
        clearTimeout(timer);
        resolve(d);
      };
      const timer = setTimeout(() => {
        const waiters = this.#pending.get(cookie);
        waiters?.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`no reply to ${cookie}`));
      }, timeoutMs);
      const waiters = this.#pending.get(cookie);
      if (waiters) waiters.push(waiter);
      else this.#pending.set(cookie, [waiter]);
      this.#sock.send(bytes, this.port, this.host);
    });
  }

  request(dict: Record<string, NgValue>, cookie = `t${process.pid}_${++this.#seq}`): Promise<NgDict> {
    const body = encodeBencode(dict as NgDict);
    return this.raw(Buffer.concat([Buffer.from(`${cookie} `, 'latin1'), body]), cookie);
  }

  close(): void {
    this.#sock.close();
  }
}

export function str(v: NgValue | undefined): string {
  if (typeof v !== 'string') throw new Error(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}
