/**
 * What the legacy control protocols (rtpproxy over UDP, mediaproxy over TCP) need of the daemon's calls: route a
 * typed request to its call, whether a call exists, a call's packet counters (rtpproxy `Q`), and every call's
 * creation time (mediaproxy `status`). The listeners keep only their protocol's state and ask this; it is
 * implemented here over one thread's dispatcher and registry, and over the call threads in
 * actors/threads/threaded-legacy-calls.ts.
 */
import { lastPacketOf } from '../../src/call/model.ts';
import type { NgRequest } from '../../src/ng/request.ts';
import type { NgDict } from '../../src/ng/types.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext } from '../context.ts';
import type { CallOrigin } from './call-end.ts';
import type { NgDispatcher } from './dispatcher.ts';

/** What rtpproxy's `Q` answers: `ttl packets-from-caller packets-from-callee relayed dropped`. */
export interface CallCounters {
  /** Seconds left before the call times out without media. */
  ttl: number;
  fromPackets: number;
  toPackets: number;
  errors: number;
}

/** A call as mediaproxy's `status` lists it. */
export interface CallSummary {
  callId: string;
  /** When the call was created, in ms since the epoch: the list is ordered by it, oldest first. */
  createdMs: number;
}

export interface LegacyCalls {
  /** An ng request from another protocol: the reply dict, or NgError / NgLoadLimit as the ng path throws them. */
  route(req: NgRequest, origin?: CallOrigin): Promise<NgDict>;
  exists(callId: string): Promise<boolean>;
  /** Null when there is no such call. */
  counters(callId: string, fromTag: string, toTag: string | null): Promise<CallCounters | null>;
  /** Every call of the daemon, oldest first. */
  summaries(): Promise<CallSummary[]>;
}

/** One call's counters, read where the call lives. */
export function callCounters(
  ctx: Pick<DaemonContext, 'now' | 'settings'>,
  registry: CallRegistry,
  callId: string,
  fromTag: string,
  toTag: string | null,
): CallCounters | null {
  const entry = registry.get(callId);
  if (!entry) return null;
  const { call } = entry;
  const packets = (tag: string | null) => {
    const m = tag === null ? undefined : call.monologues.get(tag);
    let n = 0;
    let errors = 0;
    for (const media of m?.medias ?? []) {
      n += media.rtp.stats.packets + media.rtcp.stats.packets;
      errors += media.rtp.stats.errors + media.rtcp.stats.errors;
    }
    return { n, errors };
  };
  const a = packets(fromTag);
  const b = packets(toTag);
  const nowS = Math.floor(ctx.now() / 1000);
  const since = Math.max(lastPacketOf(call), call.created);
  return {
    ttl: Math.max(0, ctx.settings.timeout - (nowS - since)),
    fromPackets: a.n,
    toPackets: b.n,
    errors: a.errors + b.errors,
  };
}

/** The registry's calls, oldest first. */
export function callSummaries(registry: CallRegistry): CallSummary[] {
  return registry.entriesByAge().map((e) => ({
    callId: e.call.callId,
    createdMs: e.call.created * 1000 + Math.floor(e.call.createdUs / 1000),
  }));
}

/** The legacy protocols over one thread's own dispatcher and registry. */
export function localLegacyCalls(
  ctx: Pick<DaemonContext, 'now' | 'settings'>,
  registry: CallRegistry,
  dispatcher: NgDispatcher,
): LegacyCalls {
  return {
    route: (req, origin) => dispatcher.route(req, origin),
    exists: async (callId) => registry.get(callId) !== undefined,
    counters: async (callId, fromTag, toTag) => callCounters(ctx, registry, callId, fromTag, toTag),
    summaries: async () => callSummaries(registry),
  };
}
