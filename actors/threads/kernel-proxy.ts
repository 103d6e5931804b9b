/**
 * A call thread's kernel table (ctx.kernel with `--table` and `--num-threads`): the nft table has one owner, the
 * main thread (kernel-host.ts), so changes go there as messages and come back answered; the counters of this
 * thread's pairs arrive after every counter read of the main thread and are kept here, where `query`,
 * `statistics` and the timeouts read them without messages, as in a one-thread daemon.
 */
import type { MessagePort } from 'node:worker_threads';
import type { ChangeResult, KernelStreamCounters, KernelStreamPair } from '../../kernel/table.ts';
import type { KernelTableHandle } from '../singletons/kernel-table.ts';
import type { KernelAnswer, KernelRequest } from './kernel-messages.ts';
import type { FromCallThread, ToCallThread } from './messages.ts';

/** The way to the main thread: a worker's parentPort, or a test's channel. */
export interface KernelLink {
  send(request: KernelRequest): void;
  /** Returns a function that stops listening. */
  listen(receive: (answer: KernelAnswer) => void): () => void;
}

/** Over a call thread's port to the main thread, sharing it with the other message kinds. */
export function kernelLinkOver(port: MessagePort): KernelLink {
  return {
    send(request) {
      const m: FromCallThread = { kind: 'kernel', request };
      port.postMessage(m);
    },
    listen(receive) {
      const onMessage = (m: ToCallThread) => {
        if (m.kind === 'kernel') receive(m.answer);
      };
      port.on('message', onMessage);
      return () => port.off('message', onMessage);
    },
  };
}

interface Asked {
  pairId: string;
  callId: string;
  streams: [string, string];
}

export function kernelProxy(link: KernelLink): KernelTableHandle {
  let nextId = 1;
  let closed = false;
  const waiting = new Map<number, (result: ChangeResult | number) => void>();
  /** Asked for and not taken back since: an install answered later only counts while its pair is still here. */
  const pairs = new Map<string, Asked>();
  const byCall = new Map<string, Set<string>>();
  const counters = new Map<string, KernelStreamCounters>();

  const forget = (pairId: string) => {
    const p = pairs.get(pairId);
    if (!p) return;
    pairs.delete(pairId);
    const ofCall = byCall.get(p.callId);
    ofCall?.delete(pairId);
    if (ofCall?.size === 0) byCall.delete(p.callId);
    for (const s of p.streams) if (counters.get(s)?.pairId === pairId) counters.delete(s);
  };

  const ask = (make: (id: number) => KernelRequest): Promise<ChangeResult | number> => {
    if (closed) return Promise.resolve({ ok: false, error: 'kernel table closed' });
    const id = nextId++;
    return new Promise((resolve) => {
      waiting.set(id, resolve);
      link.send(make(id));
    });
  };

  const unlisten = link.listen((answer) => {
    if (answer.op === 'done') {
      const resolve = waiting.get(answer.id);
      waiting.delete(answer.id);
      resolve?.(answer.result);
      return;
    }
    // a read taken before a removal may arrive after it: only pairs still here get counts
    for (const [streamId, pairId, packets, bytes, lastPacketMs] of answer.rows) {
      const c = counters.get(streamId);
      if (c?.pairId !== pairId) continue;
      c.packets = packets;
      c.bytes = bytes;
      c.lastPacketMs = lastPacketMs;
    }
  });

  const asChange = (r: ChangeResult | number): ChangeResult =>
    typeof r === 'number' ? { ok: false, error: 'unexpected answer' } : r;

  return {
    inKernel: true,
    async install(pair: KernelStreamPair) {
      const asked: Asked = {
        pairId: pair.pairId,
        callId: pair.callId,
        streams: [pair.a.streamId, pair.b.streamId],
      };
      forget(pair.pairId);
      pairs.set(pair.pairId, asked);
      const ofCall = byCall.get(pair.callId) ?? new Set<string>();
      byCall.set(pair.callId, ofCall);
      ofCall.add(pair.pairId);
      const r = asChange(await ask((id) => ({ op: 'install', id, pair })));
      // taken back (or asked again) while in flight: its counters belong to whatever came after
      if (pairs.get(pair.pairId) !== asked) return r;
      if (!r.ok) {
        forget(pair.pairId);
        return r;
      }
      for (const s of asked.streams)
        counters.set(s, { pairId: pair.pairId, packets: 0, bytes: 0, lastPacketMs: 0 });
      return r;
    },
    async remove(pairId: string) {
      forget(pairId);
      return asChange(await ask((id) => ({ op: 'remove', id, pairId })));
    },
    async removeCall(callId: string) {
      for (const pairId of [...(byCall.get(callId) ?? [])]) forget(pairId);
      const r = await ask((id) => ({ op: 'remove-call', id, callId }));
      return typeof r === 'number' ? r : 0;
    },
    counters,
    close() {
      if (closed) return;
      closed = true;
      unlisten();
      // the main thread removes the table itself; nothing in flight will be answered now
      for (const resolve of waiting.values()) resolve({ ok: false, error: 'kernel table closed' });
      waiting.clear();
      pairs.clear();
      byCall.clear();
      counters.clear();
    },
  };
}
