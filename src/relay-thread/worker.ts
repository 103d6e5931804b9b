/**
 * The relay thread's entry point (started by relay-thread.ts): one epoll loop over the media sockets of every
 * stream pair its links handed over. A packet from the pair's learned source is sent on by the other socket to
 * the other party, and counted in the link's shared counters; anything else (another source, a runt, the one
 * packet that confirms a learned endpoint) goes back to the thread that owns the socket, whose handler treats it
 * as if Node had read it (learning, strict source).
 *
 * The loop blocks in epoll_wait, so this thread runs no event loop: its ports are read with
 * receiveMessageOnPort when the eventfd says something was posted. The wait also times out once a second, so
 * that a terminate() never waits on a thread stuck in native code.
 */
import { type MessagePort, parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import {
  AF_INET,
  AF_INET6,
  EPOLL_CTL_ADD,
  EPOLL_CTL_DEL,
  EPOLL_DATA_OFFSET,
  EPOLL_EVENT_BYTES,
  epollEvent,
  type Libc,
  loadLibc,
} from '../net/libc.ts';
import {
  COUNTER_FIELDS,
  type HandedBack,
  type LegSpec,
  type RelayControl,
  type RelayStatus,
  sameSockaddr,
  type ToRelayThread,
} from './protocol.ts';

export interface RelayWorkerData {
  control: MessagePort;
  wakeFd: number;
}

interface Link {
  port: MessagePort;
  counters: Float64Array;
  /** slotA of each pair -> the pair's two leg indexes. */
  pairs: Map<number, [number, number]>;
}

interface Leg {
  link: Link;
  slot: number;
  inFd: number;
  outFd: number;
  source: Buffer;
  dest: Buffer;
  confirmAtMs: number;
}

/** epoll data of the eventfd; legs are numbered from 1. */
const WAKE = 0;
const MAX_EVENTS = 128;
/** Datagrams read from one socket per wake-up before the others get their turn (epoll is level-triggered). */
const BURST = 32;

function run(libc: Libc, data: RelayWorkerData): void {
  const status = (m: RelayStatus) => parentPort?.postMessage(m);
  const epfd = libc.epollCreate1(0);
  if (epfd < 0) throw new Error('epoll_create1 failed');
  if (libc.epollCtl(epfd, EPOLL_CTL_ADD, data.wakeFd, epollEvent(WAKE)) !== 0)
    throw new Error('epoll_ctl on the eventfd failed');

  const links = new Map<number, Link>();
  const legs: (Leg | undefined)[] = [undefined];
  const freeLegs: number[] = [];
  const events = Buffer.alloc(EPOLL_EVENT_BYTES * MAX_EVENTS);
  const packet = Buffer.alloc(65_536);
  const from = Buffer.alloc(28);
  const fromLength = Buffer.alloc(4);
  const eventCount = Buffer.alloc(8);
  const text = Buffer.alloc(64);
  let stopping = false;

  const addLeg = (link: Link, spec: LegSpec, inFd: number, outFd: number): number => {
    const index = freeLegs.pop() ?? legs.length;
    legs[index] = {
      link,
      slot: spec.slot,
      inFd,
      outFd,
      source: Buffer.from(spec.source),
      dest: Buffer.from(spec.dest),
      confirmAtMs: spec.confirmAtMs,
    };
    const c = spec.slot * COUNTER_FIELDS;
    link.counters[c] = 0;
    link.counters[c + 1] = 0;
    link.counters[c + 2] = 0;
    libc.epollCtl(epfd, EPOLL_CTL_ADD, inFd, epollEvent(index));
    return index;
  };

  const removePair = (link: Link, slotA: number) => {
    const pair = link.pairs.get(slotA);
    if (!pair) return;
    link.pairs.delete(slotA);
    for (const index of pair) {
      const leg = legs[index];
      if (!leg) continue;
      libc.epollCtl(epfd, EPOLL_CTL_DEL, leg.inFd, null);
      libc.close(leg.inFd);
      legs[index] = undefined;
      freeLegs.push(index);
    }
  };

  const onLinkMessage = (link: Link, m: ToRelayThread) => {
    switch (m.op) {
      case 'add': {
        removePair(link, m.a.slot);
        const ia = addLeg(link, m.a, m.fdA, m.fdB);
        const ib = addLeg(link, m.b, m.fdB, m.fdA);
        link.pairs.set(m.a.slot, [ia, ib]);
        break;
      }
      case 'remove':
        removePair(link, m.slotA);
        break;
    }
  };

  const onControl = (m: RelayControl) => {
    switch (m.op) {
      case 'link':
        links.set(m.link, { port: m.port, counters: new Float64Array(m.counters), pairs: new Map() });
        break;
      case 'drop-link': {
        const link = links.get(m.link);
        if (!link) break;
        for (const slotA of [...link.pairs.keys()]) removePair(link, slotA);
        link.port.close();
        links.delete(m.link);
        break;
      }
      case 'stop':
        stopping = true;
        break;
    }
  };

  const drainPorts = () => {
    for (let m = receiveMessageOnPort(data.control); m; m = receiveMessageOnPort(data.control))
      onControl(m.message as RelayControl);
    for (const link of links.values())
      for (let m = receiveMessageOnPort(link.port); m; m = receiveMessageOnPort(link.port))
        onLinkMessage(link, m.message as ToRelayThread);
  };

  const handBack = (leg: Leg, length: number, fromLen: number) => {
    const v6 = fromLen === 28;
    const address = libc.inetNtop(v6 ? AF_INET6 : AF_INET, from.subarray(v6 ? 8 : 4), text, text.length);
    if (address === null) return;
    const m: HandedBack = {
      op: 'packet',
      slot: leg.slot,
      packet: new Uint8Array(packet.subarray(0, length)),
      address,
      port: from.readUInt16BE(2),
      family: v6 ? 'IPv6' : 'IPv4',
    };
    leg.link.port.postMessage(m);
  };

  status({ op: 'ready' });
  drainPorts();
  while (!stopping) {
    const ready = libc.epollWait(epfd, events, MAX_EVENTS, 1000);
    if (ready <= 0) {
      drainPorts();
      continue;
    }
    const now = Date.now();
    let woken = false;
    for (let i = 0; i < ready; i++) {
      const index = events.readUInt32LE(EPOLL_EVENT_BYTES * i + EPOLL_DATA_OFFSET);
      if (index === WAKE) {
        libc.read(data.wakeFd, eventCount, 8);
        woken = true;
        continue;
      }
      const leg = legs[index];
      if (!leg) continue;
      const counters = leg.link.counters;
      const c = leg.slot * COUNTER_FIELDS;
      for (let n = 0; n < BURST; n++) {
        fromLength.writeUInt32LE(28, 0);
        const length = libc.recvfrom(leg.inFd, packet, packet.length, 0, from, fromLength);
        if (length < 0) break;
        const fromLen = fromLength.readUInt32LE(0);
        // the relay path's own rule: fewer than 4 bytes is an error the owner counts
        if (length < 4 || !sameSockaddr(from, fromLen, leg.source)) {
          handBack(leg, length, fromLen);
          continue;
        }
        if (leg.confirmAtMs !== 0 && now >= leg.confirmAtMs) {
          leg.confirmAtMs = 0;
          handBack(leg, length, fromLen);
          continue;
        }
        counters[c] = (counters[c] as number) + 1;
        counters[c + 1] = (counters[c + 1] as number) + length;
        counters[c + 2] = now;
        libc.sendto(leg.outFd, packet, length, 0, leg.dest, leg.dest.length);
      }
    }
    if (woken) drainPorts();
  }
  for (const link of links.values()) for (const slotA of [...link.pairs.keys()]) removePair(link, slotA);
  status({ op: 'stopped' });
}

const libc = loadLibc();
if (!parentPort || !libc) throw new Error('worker.ts runs as the relay thread, on Linux');
run(libc, workerData as RelayWorkerData);
