/**
 * The statistics tree that `query` and `delete` answer with, shaped as rtpengine 10.5's (ng-protocol.md §2.7;
 * compare test/fixtures/kamailio-ng/04-delete-reply.json). Kamailio's `$rtpestat` reads `totals`.
 */
import type { NgDict } from '../ng/types.ts';
import type { Call, CallMedia, Endpoint, Monologue, PacketStream } from './model.ts';
import { reportedDirection, subscribersOf, subscriptionsOf } from './negotiate.ts';

function endpointDict(e: Endpoint | null): NgDict {
  if (!e) return {};
  return { family: e.family === 'IP6' ? 'IPv6' : 'IPv4', address: e.address, port: e.port };
}

/** What the kernel forwarded for a stream (kernel/README.md), when this daemon runs with a kernel table. */
/**
 * A stream's counts outside its socket handler; `inKernel: false` when they come from the relay thread
 * (userspace), whose streams are not flagged `kernelized`.
 */
export type KernelLookup = ((
  s: PacketStream,
) => { packets: number; bytes: number; lastPacketMs: number } | null) & {
  readonly inKernel?: boolean;
};

function streamDict(s: PacketStream, media: CallMedia, kernel: KernelLookup | undefined): NgDict {
  const flags: string[] = [s.component === 'rtp' ? 'RTP' : 'RTCP'];
  // with rtcp-mux the RTP stream carries RTCP too, and the RTCP stream is only the fallback
  if (media.rtcpMux) flags.push(s.component === 'rtp' ? 'RTCP' : 'fallback RTCP');
  // held and rejected streams have no endpoint to send to, but rtpengine still shows the SDP's
  const endpoint = s.endpoint ?? s.advertised;
  if (endpoint) flags.push('filled');
  if (s.confirmed) flags.push('confirmed');
  if (s.strictSource) flags.push('strict source address');
  if (s.mediaHandover) flags.push('media handover');
  if (s.kernelized && kernel?.inKernel !== false) flags.push('kernelized');
  const k = kernel?.(s) ?? null;
  const d: NgDict = {};
  // a rejected media has no ports
  if (s.local && !media.rejected) {
    d['local port'] = s.local.port;
    d['local address'] = s.local.advertised;
    d.family = s.local.family === 'IP6' ? 'IPv6' : 'IPv4';
  }
  d.endpoint = endpointDict(endpoint);
  d['advertised endpoint'] = endpointDict(s.advertised);
  const lastKernel = k ? Math.floor(k.lastPacketMs / 1000) : 0;
  d['last packet'] = Math.max(s.stats.lastPacket, lastKernel);
  if (kernel) {
    d['last kernel packet'] = lastKernel;
    d['last user packet'] = s.stats.lastPacket;
  }
  d.flags = flags;
  d.stats = {
    packets: s.stats.packets + (k?.packets ?? 0),
    bytes: s.stats.bytes + (k?.bytes ?? 0),
    errors: s.stats.errors,
  };
  return d;
}

function mediaDict(owner: Monologue, m: CallMedia, kernel: KernelLookup | undefined): NgDict {
  // a side's medias are initialized by the first SDP that side sends
  const flags: string[] = owner.lastSdp !== null ? ['initialized'] : [];
  // rtpengine's point of view: it sends to a party that receives, and receives from a party that sends
  const direction = reportedDirection(m);
  if (direction === 'sendrecv' || direction === 'recvonly') flags.push('send');
  if (direction === 'sendrecv' || direction === 'sendonly') flags.push('recv');
  if (m.rtcpMux) flags.push('rtcp-mux');
  if (owner.iceControlling) flags.push('ICE controlling');
  if (m.unidirectional) flags.push('unidirectional');
  if (m.transcoding) flags.push('transcoding');
  const d: NgDict = { index: m.index, type: m.type, protocol: m.protocol };
  // rtpengine names the codec only once media has flowed
  if (m.codec && (m.rtp.stats.packets > 0 || (kernel?.(m.rtp)?.packets ?? 0) > 0)) d.codec = m.codec;
  d.flags = flags;
  d.streams = [streamDict(m.rtp, m, kernel), streamDict(m.rtcp, m, kernel)];
  return d;
}

const relation = (m: Monologue): NgDict => ({ tag: m.tag ?? '', type: 'offer/answer' });

function monologueDict(call: Call, m: Monologue, kernel: KernelLookup | undefined): NgDict {
  const d: NgDict = { tag: m.tag ?? '', created: Math.floor(m.created / 1000) };
  if (m.label) d.label = m.label;
  if (m.viaBranch) d['via-branch'] = m.viaBranch;
  d.subscriptions = subscriptionsOf(call, m).map(relation);
  d.subscribers = subscribersOf(call, m).map(relation);
  d.medias = m.medias.map((media) => mediaDict(m, media, kernel));
  return d;
}

/** rtpengine lists a monologue without a tag yet as `<untagged N>`, N its creation index in the call. */
function tagKey(m: Monologue): string {
  return m.tag ?? `<untagged ${m.index}>`;
}

/** Which monologues a tree lists: those a query's tags select, or an explicit set (a scoped delete's). */
export type TreeSelection =
  | { fromTag: string | null; toTag: string | null }
  | { only: ReadonlySet<Monologue> };

/** A monologue and the sides whose media it receives: what a delete of that one side reports. */
export function withSubscriptions(call: Call, m: Monologue): Set<Monologue> {
  return new Set([m, ...subscriptionsOf(call, m)]);
}

export function queryTree(call: Call, select?: TreeSelection, kernel?: KernelLookup): NgDict {
  const out: NgDict = {
    created: call.created,
    created_us: call.createdUs,
    'last signal': call.lastSignal,
  };
  // Keyed by the parties' tags: a null-prototype object is a dictionary from the start, where every new tag as a
  // property of a plain object would make V8 build a hidden class for it (two per call, in the old generation).
  const tagsDict: NgDict = Object.create(null);
  const totals = { RTP: { packets: 0, bytes: 0, errors: 0 }, RTCP: { packets: 0, bytes: 0, errors: 0 } };
  let wanted: ReadonlySet<Monologue> | null = null;
  if (select && 'only' in select) wanted = select.only;
  else if (select?.fromTag) {
    const from = call.monologues.get(select.fromTag);
    // a query naming a tag shows that side and the sides it exchanges media with
    if (from) wanted = new Set([from, ...subscriptionsOf(call, from), ...subscribersOf(call, from)]);
  }
  for (const m of call.monologues.values()) {
    for (const media of m.medias) {
      for (const s of [media.rtp, media.rtcp]) {
        const t = s.component === 'rtp' ? totals.RTP : totals.RTCP;
        const k = kernel?.(s) ?? null;
        t.packets += s.stats.packets + (k?.packets ?? 0);
        t.bytes += s.stats.bytes + (k?.bytes ?? 0);
        t.errors += s.stats.errors;
      }
    }
    if (wanted && !wanted.has(m)) continue;
    tagsDict[tagKey(m)] = monologueDict(call, m, kernel);
  }
  out.tags = tagsDict;
  out.totals = totals;
  out.SSRC = {};
  return out;
}
