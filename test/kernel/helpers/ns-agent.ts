/**
 * A test agent run inside a network namespace (`ip netns exec NS node --import tsx ns-agent.ts`): it binds UDP
 * sockets, sends and counts datagrams, and in the proxy namespace drives the kernel-table actor. Commands are
 * JSON lines on stdin, `{ id, op, ...args }`; each gets one JSON line on stdout, `{ id, ok, result | error }`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { start, stop } from 'nact';
import { ask } from '../../../actors/runtime.ts';
import {
  type KernelTableActor,
  type KernelTableMsg,
  spawnKernelTable,
} from '../../../actors/singletons/kernel-table.ts';
import {
  type ChangeResult,
  type KernelCounterTable,
  type KernelStreamPair,
  KernelTable,
} from '../../../kernel/table.ts';
import { Logger } from '../../../src/log/logger.ts';
import { SupervisionLog } from '../../../src/log/supervision.ts';

interface Receiver {
  socket: Socket;
  packets: number;
  lastFrom: string | null;
}

const sockets = new Map<string, Receiver>();
let system: ReturnType<typeof start> | null = null;
let kernel: KernelTableActor | null = null;

type Args = Record<string, unknown>;

function receiver(name: unknown): Receiver {
  const r = sockets.get(String(name));
  if (!r) throw new Error(`no socket ${String(name)}`);
  return r;
}

const ops: Record<string, (a: Args) => Promise<unknown> | unknown> = {
  async bind(a) {
    const family = String(a.address).includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket(family);
    const r: Receiver = { socket, packets: 0, lastFrom: null };
    socket.on('message', (_m, rinfo) => {
      r.packets++;
      r.lastFrom = `${rinfo.address}:${rinfo.port}`;
    });
    await new Promise<void>((res, rej) => {
      socket.once('error', rej);
      socket.bind(Number(a.port), String(a.address), () => res());
    });
    sockets.set(String(a.name), r);
    return socket.address().port;
  },
  async send(a) {
    const r = receiver(a.name);
    const to = a.to as { address: string; port: number };
    const count = Number(a.count ?? 1);
    const payload = Buffer.alloc(Number(a.size ?? 172), 0x80);
    for (let i = 0; i < count; i++) {
      payload.writeUInt16BE(i & 0xffff, 2);
      await new Promise<void>((res) => r.socket.send(payload, to.port, to.address, () => res()));
      if (a.gapMs) await new Promise((res) => setTimeout(res, Number(a.gapMs)));
    }
    return count;
  },
  received(a) {
    const r = receiver(a.name);
    return { packets: r.packets, lastFrom: r.lastFrom };
  },
  'kernel-open'(a) {
    system = start();
    const table = KernelTable.open(Number(a.table));
    kernel = spawnKernelTable(system, table, {
      log: new SupervisionLog(new Logger()),
      counterIntervalMs: Number(a.intervalMs ?? 0),
    });
    return true;
  },
  'kernel-install'(a) {
    const k = need();
    return ask<KernelTableMsg, ChangeResult>(k.ref, (reply) => ({
      kind: 'install',
      pair: a.pair as KernelStreamPair,
      reply,
    }));
  },
  'kernel-remove'(a) {
    return ask<KernelTableMsg, ChangeResult>(need().ref, (reply) => ({
      kind: 'remove',
      pairId: String(a.pairId),
      reply,
    }));
  },
  'kernel-remove-call'(a) {
    return ask<KernelTableMsg, number>(need().ref, (reply) => ({
      kind: 'remove-call',
      callId: String(a.callId),
      reply,
    }));
  },
  async 'kernel-counters'() {
    const table = await ask<KernelTableMsg, KernelCounterTable>(need().ref, (reply) => ({
      kind: 'read-counters',
      reply,
    }));
    return Object.fromEntries(table);
  },
  'kernel-close'() {
    kernel?.close();
    kernel = null;
    if (system) stop(system);
    system = null;
    return true;
  },
  exit() {
    for (const r of sockets.values()) r.socket.close();
    kernel?.close();
    setImmediate(() => process.exit(0));
    return true;
  },
};

function need(): KernelTableActor {
  if (!kernel) throw new Error('kernel table not open');
  return kernel;
}

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
// The test closing our stdin (or dying) ends us: never leave a table or a socket behind.
rl.on('close', () => {
  kernel?.close();
  process.exit(0);
});
