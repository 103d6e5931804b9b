/**
 * Offer/answer bookkeeping, pure: which monologues an offer or answer concerns (tags, via-branches, forks, late
 * offers), and what a party's SDP changes in its medias and streams. No sockets here: the call actor binds the
 * streams this returns as `needSockets` and then renders the SDP.
 */
import { NG_REASON, NgError } from '../ng/errors.ts';
import type { AnswerRequest, EndpointLearning, Family, MediaFlags, OfferRequest } from '../ng/request.ts';
import { type Call, type CallMedia, type Monologue, newMedia, type PacketStream } from './model.ts';
import type { SdpView } from './sdp-view.ts';

export interface InterfaceSpec {
  name: string;
  address: string;
  advertised: string | null;
  family: Family;
}

export interface Pairing {
  /** The party that sent this SDP. */
  sender: Monologue;
  /** The party the rewritten SDP goes to; its streams' ports are the ones written into the SDP. */
  receiver: Monologue;
}

function newMonologue(
  call: Call,
  key: string,
  tag: string | null,
  interfaceName: string,
  now: number,
): Monologue {
  const m: Monologue = {
    key,
    tag,
    viaBranch: null,
    label: null,
    created: now,
    medias: [],
    peer: null,
    interfaceName,
    sdpVersion: null,
    lastSdp: null,
    deleted: false,
  };
  call.monologues.set(key, m);
  return m;
}

function interfaceFor(name: string | undefined, interfaces: readonly InterfaceSpec[]): string {
  const first = interfaces[0]?.name ?? 'default';
  if (name === undefined || name === '') return first;
  return interfaces.some((i) => i.name === name) ? name : first;
}

function retag(call: Call, m: Monologue, tag: string): void {
  call.monologues.delete(m.key);
  m.key = tag;
  m.tag = tag;
  call.monologues.set(tag, m);
}

function findBranch(call: Call, viaBranch: string): Monologue | undefined {
  for (const m of call.monologues.values()) if (m.viaBranch === viaBranch && m.tag === null) return m;
  return undefined;
}

export function pairForOffer(
  call: Call,
  req: OfferRequest,
  interfaces: readonly InterfaceSpec[],
  now: number,
): Pairing {
  const fromIf = interfaceFor(req.direction[0], interfaces);
  const toIf = interfaceFor(req.direction[1], interfaces);
  let sender = call.monologues.get(req.fromTag);
  if (!sender) {
    sender = newMonologue(call, req.fromTag, req.fromTag, fromIf, now);
  }
  if (req.label) sender.label = req.label;
  let receiver: Monologue | undefined;
  if (req.toTag) receiver = call.monologues.get(req.toTag);
  if (!receiver && req.viaBranch) receiver = findBranch(call, req.viaBranch);
  if (
    !receiver &&
    sender.peer &&
    (sender.peer.tag === null || sender.peer.tag === req.toTag) &&
    !req.viaBranch
  )
    receiver = sender.peer;
  if (
    !receiver &&
    sender.peer &&
    req.viaBranch &&
    sender.peer.viaBranch === null &&
    sender.peer.tag === null
  ) {
    // The first offer carried no via-branch; this one names the branch the first one went to.
    receiver = sender.peer;
    receiver.viaBranch = req.viaBranch;
  }
  if (!receiver) {
    if (req.toTag) receiver = newMonologue(call, req.toTag, req.toTag, toIf, now);
    else {
      const key = req.viaBranch ? `branch:${req.viaBranch}` : `untagged:${call.nextUntagged++}`;
      receiver = newMonologue(call, key, null, toIf, now);
    }
    receiver.viaBranch = req.viaBranch;
  } else if (req.toTag && receiver.tag === null) {
    retag(call, receiver, req.toTag);
  }
  sender.peer = receiver;
  receiver.peer = sender;
  return { sender, receiver };
}

/** In an answer the from-tag is the offerer's and the to-tag the answerer's (the SDP's sender). */
export function pairForAnswer(call: Call, req: AnswerRequest, now: number): Pairing {
  const offerer = call.monologues.get(req.fromTag);
  if (!offerer) throw new NgError(NG_REASON.unknownCallId);
  let answerer = call.monologues.get(req.toTag);
  if (!answerer) {
    const candidate =
      (req.viaBranch ? findBranch(call, req.viaBranch) : undefined) ?? offerer.peer ?? undefined;
    if (candidate && candidate.tag === null) {
      retag(call, candidate, req.toTag);
      answerer = candidate;
    } else {
      // A fork answered with a new to-tag: a new monologue in dialogue with the offerer from now on.
      answerer = newMonologue(
        call,
        req.toTag,
        req.toTag,
        candidate?.interfaceName ?? offerer.interfaceName,
        now,
      );
      answerer.viaBranch = req.viaBranch;
      answerer.peer = offerer;
      for (const m of offerer.medias)
        answerer.medias.push(newMedia(m.index, m.type, m.protocol, m.rtp.learning));
    }
  }
  offerer.peer = answerer;
  answerer.peer = offerer;
  call.answered = true;
  return { sender: answerer, receiver: offerer };
}

function sameEndpoint(a: PacketStream['advertised'], b: PacketStream['advertised']): boolean {
  if (a === null || b === null) return a === b;
  return a.address === b.address && a.port === b.port && a.family === b.family;
}

function setAdvertised(s: PacketStream, ep: PacketStream['advertised']): void {
  if (sameEndpoint(s.advertised, ep)) return;
  s.advertised = ep;
  // A new address in the SDP restarts learning: the party moved (re-INVITE), the old endpoint is stale.
  s.endpoint = ep;
  s.confirmed = false;
  s.endpointFromPacket = false;
  s.learningSince = 0;
}

function isZero(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
}

/**
 * Applies the SDP the sender sent to its own medias (where it receives, direction, codecs), and makes sure the
 * receiver has a matching media for each m= line. Returns the streams of both sides that still need sockets.
 */
export function applySdp(
  pairing: Pairing,
  sdp: SdpView,
  flags: MediaFlags,
  defaultLearning: EndpointLearning,
): { needSockets: CallMedia[] } {
  const { sender, receiver } = pairing;
  if (sdp.media.length === 0) throw new NgError(NG_REASON.incompleteSdp);
  const learning = flags.endpointLearning ?? defaultLearning;
  const useSipSource = flags.flags.has('sip-source-address') && !flags.flags.has('trust-address');
  sdp.media.forEach((view, i) => {
    let media = sender.medias[i];
    if (!media) {
      media = newMedia(i + 1, view.type, view.protocol, learning);
      sender.medias.push(media);
    }
    media.type = view.type;
    media.protocol = view.protocol;
    media.direction = view.direction ?? 'sendrecv';
    media.rtcpMux = view.rtcpMux;
    media.codec = view.firstCodec;
    media.rejected = view.port === 0;
    if (!view.connection) throw new NgError(NG_REASON.incompleteSdp);
    const family = view.connection.family;
    let address = view.connection.address;
    if (useSipSource && flags.receivedFrom) address = flags.receivedFrom.address;
    const onHold = isZero(view.connection.address);
    const rtpEp = media.rejected || onHold ? null : { family, address, port: view.port };
    const rtcpPort = view.rtcpMux ? view.port : (view.rtcp?.port ?? view.port + 1);
    const rtcpAddr = view.rtcp?.address && !useSipSource ? view.rtcp.address : address;
    const rtcpEp = media.rejected || onHold ? null : { family, address: rtcpAddr, port: rtcpPort };
    setAdvertised(media.rtp, rtpEp);
    setAdvertised(media.rtcp, rtcpEp);
    for (const s of [media.rtp, media.rtcp]) {
      s.learning = learning;
      s.strictSource = flags.flags.has('strict-source');
      s.mediaHandover = flags.flags.has('media-handover');
      s.asymmetric = flags.flags.has('asymmetric') && !flags.flags.has('symmetric');
    }
    let peerMedia = receiver.medias[i];
    if (!peerMedia) {
      peerMedia = newMedia(i + 1, view.type, view.protocol, learning);
      receiver.medias.push(peerMedia);
    }
    // Until the receiver's own SDP says otherwise, it mirrors the sender's media line.
    if (peerMedia.rtp.advertised === null && !peerMedia.rejected) {
      peerMedia.type = view.type;
      peerMedia.protocol = view.protocol;
    }
    if (media.rejected) peerMedia.rejected = true;
    else if (peerMedia.rejected && receiver.lastSdp === null) peerMedia.rejected = false;
    media.rtp.sink = peerMedia.rtp;
    media.rtcp.sink = peerMedia.rtcp;
    peerMedia.rtp.sink = media.rtp;
    peerMedia.rtcp.sink = media.rtcp;
  });
  const needSockets: CallMedia[] = [];
  for (const m of [...sender.medias, ...receiver.medias])
    if (!m.rejected && m.rtp.socket === null) needSockets.push(m);
  return { needSockets };
}

/** The interface and family a monologue's sockets go on. */
export function chooseLocal(
  interfaces: readonly InterfaceSpec[],
  name: string,
  family: Family,
): InterfaceSpec {
  const named = interfaces.filter((i) => i.name === name);
  const pool = named.length > 0 ? named : interfaces;
  const spec = pool.find((i) => i.family === family) ?? pool[0] ?? interfaces[0];
  if (!spec) throw new NgError(NG_REASON.outOfPorts);
  return spec;
}
