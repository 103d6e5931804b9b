/**
 * One thread's link to the relay thread, used as that thread's `ctx.kernel` (the same handle as a kernel table,
 * actors/singletons/kernel-table.ts): installing a stream pair hands its two sockets to the relay thread, which
 * forwards their packets from then on, and stops Node reading them; removing it gives them back to Node.
 *
 * The sockets stay Node's: the relay thread works on dup()s of their file descriptors, so a socket closed here
 * (the call ended) can never hand the relay thread someone else's descriptor, and a duplicate lives only until
 * the relay thread has read the removal. Packets the relay thread does not forward come back here and are
 * emitted on their socket, so the socket's own handler (src/rtp/relay.ts) treats them as it always has.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import type { MessagePort } from 'node:worker_threads';
import type { ChangeResult, KernelStreamCounters, KernelStreamPair } from '../../kernel/table.ts';
import { sockaddrOf } from '../net/datagram-send.ts';
import { loadLibc, signalEventfd } from '../net/libc.ts';
import { nodeSocketHandle } from '../net/socket-handle.ts';
import {
  COUNTER_FIELDS,
  type HandedBack,
  type RelayLinkData,
  SLOTS_PER_LINK,
  type ToRelayThread,
} from './protocol.ts';

/**
 * What the relay thread needs beyond the kernel's pair: the sockets (`a` bound on pair.a.local, `b` on
 * pair.b.local), and for a leg whose endpoint is learned but not confirmed yet, when learning would confirm it:
 * the first packet from the party at or after that time is handed back, so that the socket's handler confirms
 * the endpoint as it would have (0 = confirmed already).
 */
export interface PairSockets {
  a: Socket;
  b: Socket;
  confirmAtMs?: { a: number; b: number };
}

interface Installed {
  callId: string;
  slotA: number;
  slotB: number;
  /** The duplicates handed to the relay thread (it closes them; after its loss, this side does). */
  fdA: number;
  fdB: number;
  a: Socket;
  b: Socket;
  /** The stream ids its counters are published under. */
  streams: [string, string];
}

/** A leg's counters read from shared memory at the moment they are asked for. */
class LegCounters implements Readonly<KernelStreamCounters> {
  readonly pairId: string;
  readonly #table: Float64Array;
  readonly #at: number;
  constructor(pairId: string, table: Float64Array, slot: number) {
    this.pairId = pairId;
    this.#table = table;
    this.#at = slot * COUNTER_FIELDS;
  }
  get packets(): number {
    return this.#table[this.#at] as number;
  }
  get bytes(): number {
    return this.#table[this.#at + 1] as number;
  }
  get lastPacketMs(): number {
    return this.#table[this.#at + 2] as number;
  }
}

const OK: ChangeResult = { ok: true };

export class RelayLink {
  readonly inKernel = false;
  readonly #data: RelayLinkData;
  readonly #port: MessagePort;
  readonly #table: Float64Array;
  readonly #pairs = new Map<string, Installed>();
  readonly #byCall = new Map<string, Set<string>>();
  readonly #bySocket = new Map<Socket, string>();
  /** slot -> the socket whose packets that leg receives (for packets handed back). */
  readonly #socketOfSlot = new Map<number, Socket>();
  readonly #counters = new Map<string, LegCounters>();
  readonly #freeSlots: number[] = [];
  #nextSlot = 0;
  #closed = false;

  constructor(data: RelayLinkData) {
    this.#data = data;
    this.#port = data.port;
    this.#table = new Float64Array(data.counters);
    this.#port.on('message', (m: HandedBack) => this.#handedBack(m));
    // the relay thread died (or was stopped): its end of the channel closed
    this.#port.on('close', () => this.#lost());
    // handed-back packets are rare: the port must not keep a thread alive on its own
    this.#port.unref();
  }

  /** Whether the relay thread is gone: every socket is Node's again, and nothing more is handed over. */
  get lost(): boolean {
    return this.#closed;
  }

  /** Keyed by stream id (the leg that receives that party's packets), as the kernel table's. */
  get counters(): ReadonlyMap<string, Readonly<KernelStreamCounters>> {
    return this.#counters;
  }

  install(pair: KernelStreamPair, sockets?: PairSockets): Promise<ChangeResult> {
    if (this.#closed) return Promise.resolve({ ok: false, error: 'relay link closed' });
    if (!sockets) return Promise.resolve({ ok: false, error: 'the relay thread needs the sockets' });
    const libc = loadLibc();
    const ha = nodeSocketHandle(sockets.a);
    const hb = nodeSocketHandle(sockets.b);
    const sourceA = sockaddrOf(pair.a.endpoint.address, pair.a.endpoint.port);
    const sourceB = sockaddrOf(pair.b.endpoint.address, pair.b.endpoint.port);
    if (!libc || !ha || !hb || !sourceA || !sourceB)
      return Promise.resolve({ ok: false, error: 'socket or address not usable by the relay thread' });
    this.#removePair(pair.pairId);
    for (const s of [sockets.a, sockets.b]) {
      const other = this.#bySocket.get(s);
      if (other !== undefined) this.#removePair(other);
    }
    const fdA = libc.dup(ha.fd);
    const fdB = fdA < 0 ? -1 : libc.dup(hb.fd);
    if (fdB < 0) {
      if (fdA >= 0) libc.close(fdA);
      return Promise.resolve({ ok: false, error: 'dup failed (out of file descriptors?)' });
    }
    const slotA = this.#takeSlot();
    const slotB = this.#takeSlot();
    if (slotA === null || slotB === null) {
      for (const s of [slotA, slotB]) if (s !== null) this.#freeSlots.push(s);
      libc.close(fdA);
      libc.close(fdB);
      return Promise.resolve({ ok: false, error: 'relay thread table full' });
    }
    const m: ToRelayThread = {
      op: 'add',
      link: this.#data.link,
      fdA,
      fdB,
      a: { slot: slotA, source: sourceA, dest: sourceB, confirmAtMs: sockets.confirmAtMs?.a ?? 0 },
      b: { slot: slotB, source: sourceB, dest: sourceA, confirmAtMs: sockets.confirmAtMs?.b ?? 0 },
    };
    this.#tell(m);
    // Node stops reading only after the relay thread was told: a packet in between is relayed by one of them.
    ha.recvStop();
    hb.recvStop();
    this.#pairs.set(pair.pairId, {
      callId: pair.callId,
      slotA,
      slotB,
      fdA,
      fdB,
      a: sockets.a,
      b: sockets.b,
      streams: [pair.a.streamId, pair.b.streamId],
    });
    const ofCall = this.#byCall.get(pair.callId) ?? new Set<string>();
    this.#byCall.set(pair.callId, ofCall);
    ofCall.add(pair.pairId);
    this.#bySocket.set(sockets.a, pair.pairId);
    this.#bySocket.set(sockets.b, pair.pairId);
    this.#socketOfSlot.set(slotA, sockets.a);
    this.#socketOfSlot.set(slotB, sockets.b);
    this.#counters.set(pair.a.streamId, new LegCounters(pair.pairId, this.#table, slotA));
    this.#counters.set(pair.b.streamId, new LegCounters(pair.pairId, this.#table, slotB));
    return Promise.resolve(OK);
  }

  remove(pairId: string): Promise<ChangeResult> {
    this.#removePair(pairId);
    return Promise.resolve(OK);
  }

  removeCall(callId: string): Promise<number> {
    const ofCall = this.#byCall.get(callId);
    if (!ofCall) return Promise.resolve(0);
    const n = ofCall.size;
    for (const pairId of [...ofCall]) this.#removePair(pairId);
    return Promise.resolve(n);
  }

  /** Gives every socket back to Node. The relay thread closes its duplicates when it reads the removals. */
  close(): void {
    if (this.#closed) return;
    for (const pairId of [...this.#pairs.keys()]) this.#removePair(pairId);
    this.#closed = true;
    this.#port.close();
  }

  /**
   * The relay thread is gone: Node reads every socket it had again, so no call goes silent. The streams stay
   * marked as handed over until their call's next signalling takes them back: their counts up to the loss stay
   * readable here (the shared memory outlives the thread), and query adds what Node counts from now on.
   */
  #lost(): void {
    if (this.#closed) return;
    this.#closed = true;
    const libc = loadLibc();
    for (const p of this.#pairs.values()) {
      for (const s of [p.a, p.b]) nodeSocketHandle(s)?.recvStart();
      // nobody reads the duplicates any more: closing them frees the ports once Node's sockets close too
      libc?.close(p.fdA);
      libc?.close(p.fdB);
    }
    this.onLost?.();
  }

  /** Called once when the relay thread is found gone (the daemon logs it). */
  onLost: (() => void) | null = null;

  #removePair(pairId: string): void {
    const p = this.#pairs.get(pairId);
    if (!p) return;
    this.#pairs.delete(pairId);
    const ofCall = this.#byCall.get(p.callId);
    ofCall?.delete(pairId);
    if (ofCall?.size === 0) this.#byCall.delete(p.callId);
    for (const s of [p.a, p.b]) {
      this.#bySocket.delete(s);
      // a socket closed meanwhile has no handle any more, and nothing to read
      nodeSocketHandle(s)?.recvStart();
    }
    if (!this.#closed) this.#tell({ op: 'remove', link: this.#data.link, slotA: p.slotA });
    for (const id of p.streams) if (this.#counters.get(id)?.pairId === pairId) this.#counters.delete(id);
    this.#socketOfSlot.delete(p.slotA);
    this.#socketOfSlot.delete(p.slotB);
    // reused only after the relay thread read the removal: the port is one queue, so the removal comes first
    this.#freeSlots.push(p.slotA, p.slotB);
  }

  #takeSlot(): number | null {
    const s = this.#freeSlots.pop();
    if (s !== undefined) return s;
    if (this.#nextSlot >= SLOTS_PER_LINK) return null;
    return this.#nextSlot++;
  }

  #tell(m: ToRelayThread): void {
    this.#port.postMessage(m);
    signalEventfd(this.#data.wakeFd);
  }

  #handedBack(m: HandedBack): void {
    const socket = this.#socketOfSlot.get(m.slot);
    if (!socket) return;
    const packet = Buffer.from(m.packet.buffer, m.packet.byteOffset, m.packet.byteLength);
    const rinfo: RemoteInfo = { address: m.address, family: m.family, port: m.port, size: packet.length };
    socket.emit('message', packet, rinfo);
  }
}
