/**
 * A test agent run inside a network namespace (`ip netns exec NS node --import tsx paced-agent.ts`) for tests
 * that need to know *which* packets arrived, not how many: it sends RTP-shaped datagrams numbered by their
 * sequence number on a fixed schedule in the background, records when each was sent and when each arrived,
 * and sends ng requests from inside the namespace without a process per request (so several fit in one second
 * of media). Same line protocol as `ns-agent.ts`: `{ id, op, ...args }` in, `{ id, ok, result | error }` out.
 * All times are `Date.now()`, comparable across namespaces (one host clock).
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { ngRequest } from '../../e2e/ng-client.ts';

interface Endpoint {
  socket: Socket;
  /** [sequence number, arrival ms] in arrival order. */
  arrivals: [number, number][];
  /** Send time (ms) per sequence number of the current paced run. */
  sentAt: number[];
  sending: boolean;
}

const endpoints = new Map<string, Endpoint>();
type Args = Record<string, unknown>;

function endpoint(name: unknown): Endpoint {
  const e = endpoints.get(String(name));
  if (!e) throw new Error(`no socket ${String(name)}`);
  return e;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

const ops: Record<string, (a: Args) => Promise<unknown> | unknown> = {
  async bind(a) {
    const socket = createSocket(String(a.address).includes(':') ? 'udp6' : 'udp4');
    const e: Endpoint = { socket, arrivals: [], sentAt: [], sending: false };
    socket.on('message', (m) => {
      if (m.length >= 4) e.arrivals.push([m.readUInt16BE(2), Date.now()]);
    });
    await new Promise<void>((res, rej) => {
      socket.once('error', rej);
      socket.bind(Number(a.port), String(a.address), () => res());
    });
    endpoints.set(String(a.name), e);
    return socket.address().port;
  },
  /** Starts sending `count` packets, packet i at start + i * intervalMs (not drifting), and returns at once. */
  pace(a) {
    const e = endpoint(a.name);
    const to = a.to as { address: string; port: number };
    const count = Number(a.count);
    const interval = Number(a.intervalMs);
    const firstSeq = Number(a.firstSeq ?? 0);
    e.sentAt = [];
    e.sending = true;
    const start = Date.now();
    void (async () => {
      for (let i = 0; i < count; i++) {
        await sleep(start + i * interval - Date.now());
        // RTP v2, PT 0, fixed SSRC; the sequence number is what the receiver records.
        const packet = Buffer.alloc(172, 0);
        packet[0] = 0x80;
        packet.writeUInt16BE((firstSeq + i) & 0xffff, 2);
        packet.writeUInt32BE(i * 160, 4);
        packet.writeUInt32BE(0x5eed, 8);
        e.sentAt[i] = Date.now();
        e.socket.send(packet, to.port, to.address);
      }
      e.sending = false;
    })();
    return start;
  },
  sent(a) {
    const e = endpoint(a.name);
    return { sending: e.sending, sentAt: e.sentAt };
  },
  arrivals(a) {
    return endpoint(a.name).arrivals;
  },
  clear(a) {
    endpoint(a.name).arrivals = [];
    return true;
  },
  async ng(a) {
    const sentAt = Date.now();
    const reply = await ngRequest(String(a.host), Number(a.port), a.message as Record<string, unknown>);
    return { sentAt, repliedAt: Date.now(), reply };
  },
};

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const msg = JSON.parse(line) as Args & { id: number; op: string };
  const op = ops[msg.op];
  Promise.resolve()
    .then(() => {
      if (!op) throw new Error(`unknown op ${msg.op}`);
      return op(msg);
    })
    .then(
      (result) => process.stdout.write(`${JSON.stringify({ id: msg.id, ok: true, result })}\n`),
      (e: unknown) =>
        process.stdout.write(`${JSON.stringify({ id: msg.id, ok: false, error: String(e) })}\n`),
    );
});
// The test closing our stdin (or dying) ends us: never leave a socket behind.
rl.on('close', () => process.exit(0));
