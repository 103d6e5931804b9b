/**
 * An ng control client for load: `<cookie> <bencoded dict>` over UDP, replies matched by cookie,
 * many requests in flight on one socket. A request with no reply within its deadline settles as a
 * timeout instead of rejecting, so a load run can count failures and keep going.
 */
import { createSocket, type Socket } from 'node:dgram';
import { type BValue, bdecode, bencode } from './bencode.ts';

export type NgDict = { [key: string]: BValue };

export type NgOutcome =
  | { kind: 'reply'; reply: NgDict; latencyMs: number }
  | { kind: 'timeout'; latencyMs: number };

// rtpengine answers a repeated cookie from its reply cache, so cookies must never repeat across the
// clients of one bench process (nor, thanks to the random part, across bench processes).
const cookiePrefix = `bench_${process.pid}_${Math.random().toString(36).slice(2, 8)}_`;
let cookieCounter = 0;

interface Pending {
  sentAt: number;
  deadline: number;
  settle: (outcome: NgOutcome) => void;
}

export class NgClient {
  private readonly socket: Socket;
  private readonly pending = new Map<string, Pending>();
  private readonly sweeper: NodeJS.Timeout;

  private constructor(
    socket: Socket,
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs: number,
  ) {
    this.socket = socket;
    socket.on('message', (message) => this.onMessage(message));
    // One sweep timer instead of a timer per request keeps the client cheap at high rates.
    this.sweeper = setInterval(() => this.expire(), 50);
  }

  static async open(host: string, port: number, timeoutMs = 2000): Promise<NgClient> {
    const socket = createSocket({ type: 'udp4', recvBufferSize: 8 << 20, sendBufferSize: 8 << 20 });
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    return new NgClient(socket, host, port, timeoutMs);
  }

  get inFlight(): number {
    return this.pending.size;
  }

  request(message: NgDict): Promise<NgOutcome> {
    const cookie = `${cookiePrefix}${cookieCounter++}`;
    const payload = Buffer.from(`${cookie} ${bencode(message)}`, 'latin1');
    return new Promise<NgOutcome>((settle) => {
      const sentAt = performance.now();
      this.pending.set(cookie, { sentAt, deadline: sentAt + this.timeoutMs, settle });
      this.socket.send(payload, this.port, this.host);
    });
  }

  close(): void {
    clearInterval(this.sweeper);
    this.expire(Number.POSITIVE_INFINITY);
    this.socket.close();
  }

  private onMessage(message: Buffer): void {
    const text = message.toString('latin1');
    const space = text.indexOf(' ');
    if (space < 0) return;
    const entry = this.pending.get(text.slice(0, space));
    if (!entry) return;
    this.pending.delete(text.slice(0, space));
    let reply: BValue;
    try {
      reply = bdecode(text.slice(space + 1));
    } catch (error) {
      reply = { result: 'error', 'error-reason': `undecodable reply: ${String(error)}` };
    }
    const dict: NgDict =
      typeof reply === 'object' && !Array.isArray(reply)
        ? reply
        : { result: 'error', 'error-reason': 'reply is not a dictionary' };
    entry.settle({ kind: 'reply', reply: dict, latencyMs: performance.now() - entry.sentAt });
  }

  private expire(now = performance.now()): void {
    for (const [cookie, entry] of this.pending) {
      if (entry.deadline > now) continue;
      this.pending.delete(cookie);
      entry.settle({ kind: 'timeout', latencyMs: performance.now() - entry.sentAt });
    }
  }
}

/** Whether an outcome is a reply with `result: ok`. */
export function isOk(outcome: NgOutcome): outcome is { kind: 'reply'; reply: NgDict; latencyMs: number } {
  return outcome.kind === 'reply' && outcome.reply.result === 'ok';
}

/** A short reason for a failed outcome, for the report. */
export function failureReason(outcome: NgOutcome): string {
  if (outcome.kind === 'timeout') return 'timeout';
  const reason = outcome.reply['error-reason'];
  return typeof reason === 'string' ? reason : `result=${String(outcome.reply.result)}`;
}
