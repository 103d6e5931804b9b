/**
 * The statistics tree that `query` and `delete` answer with, shaped as rtpengine 10.5's (ng-protocol.md §2.7;
 * compare /work/shared/fixtures/kamailio-ng/04-delete-reply.json). Kamailio's `$rtpestat` reads `totals`.
 */
import type { NgDict, NgValue } from '../ng/types.ts';
import type { Call, CallMedia, Endpoint, Monologue, PacketStream } from './model.ts';

function endpointDict(e: Endpoint): NgDict {
  return { family: e.family === 'IP6' ? 'IPv6' : 'IPv4', address: e.address, port: e.port };
}

function streamDict(s: PacketStream): NgDict {
  const flags: string[] = [s.component === 'rtp' ? 'RTP' : 'RTCP'];
  if (s.endpoint) flags.push('filled');
  if (s.confirmed) flags.push('confirmed');
  if (s.strictSource) flags.push('strict source address');
  if (s.mediaHandover) flags.push('media handover');
  const d: NgDict = {};
  if (s.local) {
    d['local address'] = s.local.advertised;
    d['local port'] = s.local.port;
    d.family = s.local.family === 'IP6' ? 'IPv6' : 'IPv4';
  }
  if (s.endpoint) d.endpoint = endpointDict(s.endpoint);
  if (s.advertised) d['advertised endpoint'] = endpointDict(s.advertised);
  d['last packet'] = s.stats.lastPacket;
  d.flags = flags;
  d.stats = { packets: s.stats.packets, bytes: s.stats.bytes, errors: s.stats.errors };
  return d;
}

function mediaDict(m: CallMedia): NgDict {
  const flags: string[] = ['initialized'];
  if (m.direction === 'sendrecv' || m.direction === 'sendonly') flags.push('send');
  if (m.direction === 'sendrecv' || m.direction === 'recvonly') flags.push('recv');
  if (m.rtcpMux) flags.push('rtcp-mux');
  const d: NgDict = { index: m.index, type: m.type, protocol: m.protocol };
  if (m.codec) d.codec = m.codec;
  d.flags = flags;
  d.streams = m.rejected ? [] : [streamDict(m.rtp), streamDict(m.rtcp)];
  return d;
}

function monologueDict(m: Monologue): NgDict {
  const d: NgDict = { tag: m.tag ?? '', created: Math.floor(m.created / 1000) };
  if (m.label) d.label = m.label;
  if (m.viaBranch) d['via-branch'] = m.viaBranch;
  if (m.peer?.tag) {
    d['in dialogue with'] = m.peer.tag;
    const rel: NgValue[] = [{ tag: m.peer.tag, type: 'offer/answer' }];
    d.subscriptions = rel;
    d.subscribers = rel;
  }
  d.medias = m.medias.map(mediaDict);
  return d;
}

export function queryTree(call: Call, tags?: { fromTag: string | null; toTag: string | null }): NgDict {
  const out: NgDict = {
    created: call.created,
    created_us: call.createdUs,
    'last signal': call.lastSignal,
  };
  const tagsDict: NgDict = {};
  const totals = { RTP: { packets: 0, bytes: 0, errors: 0 }, RTCP: { packets: 0, bytes: 0, errors: 0 } };
  const wanted =
    tags && (tags.fromTag || tags.toTag) ? new Set([tags.fromTag, tags.toTag].filter((t) => t)) : null;
  for (const m of call.monologues.values()) {
    for (const media of m.medias) {
      for (const s of [media.rtp, media.rtcp]) {
        const t = s.component === 'rtp' ? totals.RTP : totals.RTCP;
        t.packets += s.stats.packets;
        t.bytes += s.stats.bytes;
        t.errors += s.stats.errors;
      }
    }
    if (m.tag === null) continue;
    if (wanted && !wanted.has(m.tag)) continue;
    tagsDict[m.tag] = monologueDict(m);
  }
  out.tags = tagsDict;
  out.totals = totals;
  out.SSRC = {};
  return out;
}
