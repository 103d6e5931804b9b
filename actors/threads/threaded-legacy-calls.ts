/**
 * The legacy control protocols (rtpproxy, mediaproxy: actors/control/legacy-calls.ts) over the call threads. The
 * listeners stay in the main thread with their protocol's state; a typed request, an existence check or a
 * call's counters go to the thread that owns the call-id (the one its ng messages reach), and `status` asks
 * every thread. NgError and NgLoadLimit cross back as data and are thrown again here, as one thread throws them.
 */
import { NgError, NgLoadLimit } from '../../src/ng/errors.ts';
import type { NgRequest } from '../../src/ng/request.ts';
import type { NgDict } from '../../src/ng/types.ts';
import type { CallOrigin } from '../control/call-end.ts';
import type { CallCounters, CallSummary, LegacyCalls } from '../control/legacy-calls.ts';
import type { CallThreads } from './call-threads.ts';

/** What the main thread asks a call thread for a legacy protocol. Plain data (a request's Sets clone as Sets). */
export type LegacyQuestion =
  | { kind: 'route'; request: NgRequest; origin: CallOrigin | null }
  | { kind: 'exists'; callId: string }
  | { kind: 'counters'; callId: string; fromTag: string; toTag: string | null }
  | { kind: 'summaries' };

export type LegacyAnswer =
  | { kind: 'route'; reply: NgDict }
  /** The request was refused as the ng path refuses one: thrown again as NgError or NgLoadLimit. */
  | { kind: 'refused'; loadLimit: boolean; reason: string }
  | { kind: 'failed'; message: string }
  | { kind: 'exists'; exists: boolean }
  | { kind: 'counters'; counters: CallCounters | null }
  | { kind: 'summaries'; calls: CallSummary[] };

/** A call thread's answer, from its own calls. Never rejects: a failure is answered as `failed`. */
export async function answerLegacy(calls: LegacyCalls, q: LegacyQuestion): Promise<LegacyAnswer> {
  try {
    switch (q.kind) {
      case 'route':
        return { kind: 'route', reply: await calls.route(q.request, q.origin ?? undefined) };
      case 'exists':
        return { kind: 'exists', exists: await calls.exists(q.callId) };
      case 'counters':
        return { kind: 'counters', counters: await calls.counters(q.callId, q.fromTag, q.toTag) };
      case 'summaries':
        return { kind: 'summaries', calls: await calls.summaries() };
    }
  } catch (e) {
    if (e instanceof NgError) return { kind: 'refused', loadLimit: false, reason: e.reason };
    if (e instanceof NgLoadLimit) return { kind: 'refused', loadLimit: true, reason: e.reason };
    return { kind: 'failed', message: e instanceof Error ? e.message : String(e) };
  }
}

/** The thread that owns a request's call; a request without a call-id goes to thread 0, as ng does. */
function callIdOf(req: NgRequest): string | null {
  return 'callId' in req ? req.callId : null;
}

/** An answer of the wrong kind or none at all (the thread died or hung) is an internal failure, as a lost ask. */
function unexpected(a: LegacyAnswer | null, what: string): Error {
  if (a?.kind === 'refused') return a.loadLimit ? new NgLoadLimit(a.reason) : new NgError(a.reason);
  if (a?.kind === 'failed') return new Error(`call thread failed: ${a.message}`);
  return new Error(`no answer from the call thread (${what})`);
}

export function threadedLegacyCalls(threads: CallThreads): LegacyCalls {
  return {
    async route(request, origin) {
      const a = await threads.askOwner(callIdOf(request), {
        kind: 'route',
        request,
        origin: origin ?? null,
      });
      if (a?.kind === 'route') return a.reply;
      throw unexpected(a, request.command);
    },
    async exists(callId) {
      const a = await threads.askOwner(callId, { kind: 'exists', callId });
      if (a?.kind === 'exists') return a.exists;
      throw unexpected(a, 'exists');
    },
    async counters(callId, fromTag, toTag) {
      const a = await threads.askOwner(callId, { kind: 'counters', callId, fromTag, toTag });
      if (a?.kind === 'counters') return a.counters;
      throw unexpected(a, 'counters');
    },
    async summaries() {
      const answers = await threads.askEveryThread({ kind: 'summaries' });
      // each thread's list is oldest first: a stable sort by creation merges them as one registry orders its calls
      return answers
        .flatMap((a) => (a.kind === 'summaries' ? a.calls : []))
        .sort((a, b) => a.createdMs - b.createdMs);
    },
  };
}
