/**
 * The main thread's side of `--num-threads` (see README.md here): starts the call threads, routes each ng
 * message to the thread that owns its call (by a hash of the call-id), merges `list` and `statistics`, answers
 * the CLI's questions about calls and hands its settings changes to every thread (threaded-cli-env.ts), and
 * supervises the threads: one that dies is written as a supervision record and started again.
 */
import type { TransferListItem, Worker } from 'node:worker_threads';
import type { Logger } from '../../src/log/logger.ts';
import { describeError, type SupervisionLog } from '../../src/log/supervision.ts';
import { sendDatagram, sockaddrOf } from '../../src/net/datagram-send.ts';
import { PortPool, sharedPortBuffer } from '../../src/net/port-pool.ts';
import { NG_REASON } from '../../src/ng/errors.ts';
import { encodeNgReply, parseNgDatagram } from '../../src/ng/frame.ts';
import { parseRequest } from '../../src/ng/request.ts';
import { peekNgRoute } from '../../src/ng/route-peek.ts';
import type { NgDict, NgEncoding } from '../../src/ng/types.ts';
import type { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { mergeStatistics } from '../../src/stats/merge-statistics.ts';
import { scriptBeside, startWorker } from '../../src/worker-script.ts';
import type { DaemonSettings } from '../context.ts';
import type { CliCall } from '../control/cli-commands.ts';
import type { DatagramReplyPath, NgHandler } from '../control/dispatcher.ts';
import type { PortUsage } from '../messages.ts';
import { InterfacePorts } from '../singletons/port-allocator.ts';
import type { ThreadShare } from '../system.ts';
import type { KernelHost } from './kernel-host.ts';
import type { KernelAnswer } from './kernel-messages.ts';
import {
  type CallThreadData,
  type FromCallThread,
  type LiveSettings,
  liveSettingsOf,
  requestToCross,
  type ToCallThread,
} from './messages.ts';
import { CallPlacement, threadOf } from './placement.ts';
import type { LegacyAnswer, LegacyQuestion } from './threaded-legacy-calls.ts';

const THREAD_SCRIPT = scriptBeside(import.meta.url, 'call-thread');

/** Starts a call thread (src/worker-script.ts says how, from the build or the sources). */
function newThreadWorker(data: CallThreadData, transferList: TransferListItem[]): Worker {
  return startWorker(THREAD_SCRIPT, {
    workerData: data,
    transferList,
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
}

/**
 * The young generation of each call thread's heap. A call setup's garbage dies young, so 8 MB costs no measurable
 * setup rate, while V8's default lets every thread's young generation grow to several times that under load:
 * 35 KB of RSS per call with two threads instead of 27 (bench/README.md).
 */
const YOUNG_GENERATION_MB = 8;

/** A thread that does not answer within this is treated as failed for that request (the ng client retries). */
const REPLY_TIMEOUT_MS = 30_000;

type Pending = { thread: number; resolve: (m: FromCallThread | null) => void; timer: NodeJS.Timeout };

interface ThreadSlot {
  worker: Worker;
  ready: Promise<void>;
  /** The thread's link to the relay thread, if any. */
  relayLink?: number;
}

export interface CallThreadsOptions {
  count: number;
  settings: DaemonSettings;
  log: Logger;
  supervision: SupervisionLog;
  timeoutScanMs?: number;
  /** The main thread's kernel table (`--table`): the threads' changes go to it (kernel-host.ts). */
  kernel?: KernelHost;
  /** Userspace forwarding: each thread gets a link to the relay thread, dropped when the thread dies. */
  relayThread?: RelayThread;
}

export class CallThreads implements NgHandler {
  /** The shared memory; each thread gets it with its own `index`. */
  readonly share: Omit<ThreadShare, 'index'>;
  readonly #slots: ThreadSlot[] = [];
  readonly #pending = new Map<number, Pending>();
  /** Which thread each call lives in (placement.ts), over the threads' counts of UDP requests in flight. */
  readonly placement: CallPlacement;
  readonly #inFlight: SharedArrayBuffer;
  /** The shared port pools, read for the CLI's port usage. */
  readonly #portsView: InterfacePorts;
  #nextId = 1;
  #stopping = false;

  private constructor(private readonly opts: CallThreadsOptions) {
    const ports = new Map<string, SharedArrayBuffer>();
    for (const i of opts.settings.interfaces)
      if (!ports.has(i.name))
        ports.set(i.name, sharedPortBuffer(opts.settings.portMin, opts.settings.portMax));
    this.share = { ports, sessions: new Int32Array(new SharedArrayBuffer(4 * opts.count)) };
    this.#inFlight = new SharedArrayBuffer(4 * opts.count);
    this.placement = new CallPlacement(new Int32Array(this.#inFlight), (callId) =>
      threadOf(callId, opts.count),
    );
    // owner 1 only marks pairs this view would claim, and it claims none: it reads the shared counts
    this.#portsView = new InterfacePorts(opts.settings.portMin, opts.settings.portMax, {
      buffers: ports,
      owner: 1,
    });
  }

  static async start(opts: CallThreadsOptions): Promise<CallThreads> {
    const t = new CallThreads(opts);
    for (let i = 0; i < opts.count; i++) t.#slots.push(t.#spawn(i));
    await Promise.all(t.#slots.map((s) => s.ready));
    return t;
  }

  get count(): number {
    return this.#slots.length;
  }

  /** Calls in every thread. */
  get calls(): number {
    let n = 0;
    for (let i = 0; i < this.share.sessions.length; i++) n += Atomics.load(this.share.sessions, i);
    return n;
  }

  /** Ends a thread abruptly, as a crash would (fault-injection hook for tests and operators). */
  async kill(index: number): Promise<void> {
    await this.#slots[index]?.worker.terminate();
  }

  #spawn(index: number): ThreadSlot {
    const data: CallThreadData = {
      index,
      settings: this.opts.settings,
      share: { ...this.share, index },
      requestsInFlight: this.#inFlight,
      logLevel: this.opts.log.level,
      ...(this.opts.timeoutScanMs !== undefined ? { timeoutScanMs: this.opts.timeoutScanMs } : {}),
      ...(this.opts.kernel ? { kernel: true } : {}),
    };
    const relay = this.opts.kernel ? undefined : this.opts.relayThread?.newLink();
    if (relay) data.relay = relay;
    const worker = newThreadWorker(data, relay ? [relay.port] : []);
    let readyResolve: () => void = () => {};
    let readyReject: (e: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      readyResolve = resolve;
      readyReject = reject;
    });
    worker.on('message', (m: FromCallThread) => {
      if (m.kind === 'ready') {
        readyResolve();
        return;
      }
      if (m.kind === 'send') {
        const reply = Buffer.from(m.reply.buffer, m.reply.byteOffset, m.reply.byteLength);
        const addr = sockaddrOf(m.via.address, m.via.port);
        if (!addr || !sendDatagram(m.via.fd, reply, addr))
          this.opts.log.warn('ng reply could not be sent', { to: `${m.via.address}:${m.via.port}` });
        return;
      }
      if (m.kind === 'kernel') {
        this.opts.kernel?.request(index, m.request, (answer) => this.#postKernel(index, worker, answer));
        return;
      }
      if (m.kind === 'ended') {
        if (this.#slots[index]?.worker === worker) this.placement.ended(index, m.callIds, m.received);
        return;
      }
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      clearTimeout(p.timer);
      p.resolve(m);
    });
    worker.on('error', (e) => {
      readyReject(e);
      this.#failed(index, worker, e);
    });
    worker.on('exit', (code) => {
      if (!this.#stopping) this.#failed(index, worker, new Error(`call thread exited with code ${code}`));
    });
    return { worker, ready, ...(relay ? { relayLink: relay.link } : {}) };
  }

  /** A thread died: its requests in flight get no answer (their clients retry), and a new thread takes its place. */
  #failed(index: number, worker: Worker, e: unknown): void {
    const slot = this.#slots[index];
    if (this.#stopping || !slot || slot.worker !== worker) return;
    this.opts.supervision.record({
      path: `/call-thread-${index}`,
      decidedBy: '/',
      callId: null,
      message: null,
      error: describeError(e),
      decision: 'restart',
    });
    for (const [id, p] of this.#pending)
      if (p.thread === index) {
        this.#pending.delete(id);
        clearTimeout(p.timer);
        p.resolve(null);
      }
    void worker.terminate();
    // its calls are gone with it: their ports and their place under --max-sessions are free again
    for (const buffer of this.share.ports.values()) PortPool.releaseOwner(buffer, index + 1);
    Atomics.store(this.share.sessions, index, 0);
    this.opts.kernel?.threadGone(index);
    this.placement.threadGone(index);
    if (slot.relayLink !== undefined) this.opts.relayThread?.dropLink(slot.relayLink);
    this.#slots[index] = this.#spawn(index);
  }

  /** The kernel table's counters for one thread (kernel-host.ts publishes them after every read). */
  tellKernel(thread: number, answer: KernelAnswer): void {
    const slot = this.#slots[thread];
    if (slot) this.#postKernel(thread, slot.worker, answer);
  }

  /** Every message to a thread goes through here, so that the placement counts them as the thread does. */
  #post(thread: number, worker: Worker, msg: ToCallThread, callId: string | null): void {
    // a worker that has been replaced (a late kernel answer to a dead thread) gets nothing, and nothing is counted
    if (this.#slots[thread]?.worker !== worker) return;
    this.placement.sent(thread, callId);
    worker.postMessage(msg);
  }

  #postKernel(thread: number, worker: Worker, answer: KernelAnswer): void {
    this.#post(thread, worker, { kind: 'kernel', answer }, null);
  }

  #ask(
    thread: number,
    make: (id: number) => ToCallThread,
    callId: string | null = null,
  ): Promise<FromCallThread | null> {
    const slot = this.#slots[thread];
    if (!slot || this.#stopping) return Promise.resolve(null);
    const id = this.#nextId++;
    const msg = make(id);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        resolve(null);
      }, REPLY_TIMEOUT_MS);
      this.#pending.set(id, { thread, resolve, timer });
      this.#post(thread, slot.worker, msg, callId);
    });
  }

  /**
   * Hands one message to a thread and waits for its reply (TCP, HTTP, WebSocket, and the fan-outs). `answered` is
   * false when the thread never answered (it died or hung); `reply` is null when no reply is due.
   */
  async #ng(
    thread: number,
    message: Buffer,
    from: string,
    callId: string | null = null,
  ): Promise<{ answered: boolean; reply: Buffer | null }> {
    const text = requestToCross(message);
    const r = await this.#ask(thread, (id) => ({ kind: 'ng', id, message: text, from }), callId);
    if (r?.kind !== 'ng') return { answered: false, reply: null };
    return {
      answered: true,
      reply: r.reply ? Buffer.from(r.reply.buffer, r.reply.byteOffset, r.reply.byteLength) : null,
    };
  }

  /**
   * A UDP request goes one way: the thread sends the reply on the ng socket itself, nothing comes back. If the
   * thread dies with it, the client's retransmission reaches the restarted thread.
   */
  #ngOneWay(
    thread: number,
    message: Buffer,
    from: string,
    via: DatagramReplyPath,
    callId: string | null,
  ): void {
    const slot = this.#slots[thread];
    if (!slot || this.#stopping) return;
    const msg: ToCallThread = { kind: 'ng', id: 0, message: requestToCross(message), from, via };
    this.placement.requestSent(thread);
    this.#post(thread, slot.worker, msg, callId);
  }

  async handle(buf: Buffer, from: string, via?: DatagramReplyPath): Promise<Buffer | null> {
    const route = peekNgRoute(buf);
    if (route?.command === 'list' || route?.command === 'statistics') {
      const parsed = parseNgDatagram(buf);
      if (parsed.ok)
        return this.#fanOut(route.command, buf, from, parsed.cookie, parsed.encoding, parsed.dict);
    }
    // a message that does not parse is answered (or dropped and counted) by thread 0's dispatcher
    const callId = route?.callId ?? null;
    const thread = callId === null ? 0 : this.placement.route(callId, route?.command ?? null);
    if (via) {
      this.#ngOneWay(thread, buf, from, via, callId);
      return null;
    }
    const r = await this.#ng(thread, buf, from, callId);
    if (r.answered) return r.reply;
    const parsed = parseNgDatagram(buf);
    return parsed.ok
      ? encodeNgReply(parsed.cookie, parsed.encoding, { result: 'error', 'error-reason': NG_REASON.internal })
      : null;
  }

  /** Thread 0 answers (and counts) the request itself; the others add their calls or figures to its reply. */
  async #fanOut(
    command: 'list' | 'statistics',
    buf: Buffer,
    from: string,
    cookie: string,
    encoding: NgEncoding,
    dict: NgDict,
  ): Promise<Buffer | null> {
    const others = this.#slots.map((_, i) => i).slice(1);
    let limit = 0;
    if (command === 'list') {
      try {
        const r = parseRequest(dict).request;
        if (r.command === 'list') limit = r.limit;
      } catch {
        // thread 0 answers the error
      }
    }
    const fromOthers = Promise.all(
      others.map((i) =>
        this.#ask(i, (id) => (command === 'list' ? { kind: 'list', id, limit } : { kind: 'statistics', id })),
      ),
    );
    const first = (await this.#ng(0, buf, from)).reply;
    const rest = await fromOthers;
    if (!first)
      return encodeNgReply(cookie, encoding, { result: 'error', 'error-reason': NG_REASON.internal });
    const answer = parseNgDatagram(first);
    if (!answer.ok || answer.dict.result !== 'ok') return first;
    const reply = answer.dict;
    if (command === 'list' && Array.isArray(reply.calls)) {
      const calls = [...reply.calls];
      for (const r of rest) if (r?.kind === 'list') calls.push(...r.callIds);
      reply.calls = calls.slice(0, limit);
    } else if (
      command === 'statistics' &&
      typeof reply.statistics === 'object' &&
      reply.statistics !== null
    ) {
      const parts: NgDict[] = [reply.statistics as NgDict];
      for (const r of rest) if (r?.kind === 'statistics') parts.push(r.statistics);
      reply.statistics = mergeStatistics(parts);
    }
    return encodeNgReply(cookie, encoding, reply);
  }

  /** Asks every thread the same question; a thread that does not answer (dead, hung) is left out. */
  async #askAll<K extends FromCallThread['kind']>(
    kind: K,
    make: (id: number) => ToCallThread,
  ): Promise<Extract<FromCallThread, { kind: K }>[]> {
    const answers = await Promise.all(this.#slots.map((_, i) => this.#ask(i, make)));
    return answers.filter((a): a is Extract<FromCallThread, { kind: K }> => a?.kind === kind);
  }

  /** Every thread's calls as plain-data snapshots, newest first (as one thread lists them). */
  async callSnapshots(): Promise<CliCall[]> {
    const answers = await this.#askAll('calls', (id) => ({ kind: 'calls', id }));
    // each thread's list is newest first already: a stable sort by creation keeps that order among equal seconds
    return answers.flatMap((a) => a.calls).sort((a, b) => b.created - a.created);
  }

  /** One call, from the thread that owns its call-id. */
  async callSnapshot(callId: string): Promise<CliCall | undefined> {
    const r = await this.#ask(this.placement.ownerOf(callId), (id) => ({ kind: 'call', id, callId }), callId);
    return r?.kind === 'call' && r.call ? r.call : undefined;
  }

  /** Ends one call as an operator would (in the thread that owns it); false when no thread has it. */
  async terminate(callId: string): Promise<boolean> {
    const r = await this.#ask(
      this.placement.ownerOf(callId),
      (id) => ({ kind: 'terminate', id, callId }),
      callId,
    );
    return r?.kind === 'terminate' && r.found;
  }

  /**
   * A legacy protocol's question (threaded-legacy-calls.ts) to the thread that owns `callId` (thread 0 without
   * one); null when that thread does not answer.
   */
  async askOwner(callId: string | null, question: LegacyQuestion): Promise<LegacyAnswer | null> {
    const thread = callId === null ? 0 : this.placement.ownerOf(callId);
    const r = await this.#ask(thread, (id) => ({ kind: 'legacy', id, question }), callId);
    return r?.kind === 'legacy' ? r.answer : null;
  }

  /** The same legacy question to every thread; a thread that does not answer is left out. */
  async askEveryThread(question: LegacyQuestion): Promise<LegacyAnswer[]> {
    const answers = await this.#askAll('legacy', (id) => ({ kind: 'legacy', id, question }));
    return answers.map((a) => a.answer);
  }

  /** The daemon's `statistics` tree, merged from every thread's (no thread counts it as an ng request). */
  async statistics(): Promise<NgDict> {
    const answers = await this.#askAll('statistics', (id) => ({ kind: 'statistics', id }));
    return mergeStatistics(answers.map((a) => a.statistics));
  }

  /** Port pairs in use on one interface: read straight from the pool the threads share. */
  portUsage(interfaceName: string): PortUsage {
    return this.#portsView.usage(interfaceName);
  }

  /**
   * Every thread takes `settings` and the log level. They are also kept for threads started later (a thread
   * that died is started again with the settings in force, not those of start-up).
   */
  async applySettings(settings: LiveSettings, logLevel: number): Promise<void> {
    Object.assign(this.opts.settings, settings);
    const live = liveSettingsOf(this.opts.settings);
    await this.#askAll('settings', (id) => ({ kind: 'settings', id, settings: live, logLevel }));
  }

  /** Stops every thread's calls (sockets closed, ports freed) and the threads themselves. */
  async stop(): Promise<void> {
    const asks = this.#slots.map((_, i) => this.#ask(i, (id) => ({ kind: 'stop', id })));
    this.#stopping = true;
    await Promise.race([Promise.all(asks), new Promise((r) => setTimeout(r, 2000))]);
    await Promise.all(this.#slots.map((s) => s.worker.terminate()));
  }
}
