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

/**
 * What rtpengine reports about monologues beyond the call model: creation order (it names untagged ones by it),
 * which side took the ICE controlling role (the side an offer was sent to), and who receives whose media
 * ("subscriptions"). Kept beside the model, keyed by the call, because the model's `peer` holds one partner
 * only while a forked call has several.
 */
interface CallRelations {
  nextIndex: number;
  seq: number;
  index: WeakMap<Monologue, number>;
  controlling: WeakSet<Monologue>;
  /** publisher -> the monologues its media goes to, each with the order the link was made in */
  subscribers: Map<Monologue, { subscriber: Monologue; seq: number }[]>;
}

const relations = new WeakMap<Call, CallRelations>();

function relationsOf(call: Call): CallRelations {
  let r = relations.get(call);
  if (!r) {
    r = { nextIndex: 0, seq: 0, index: new WeakMap(), controlling: new WeakSet(), subscribers: new Map() };
    relations.set(call, r);
  }
  return r;
}

/** The monologue's creation index within its call (rtpengine's `<untagged N>` uses it). */
export function monologueIndex(call: Call, m: Monologue): number {
  return relationsOf(call).index.get(m) ?? 0;
}

/** The side an offer was sent to takes the ICE controlling role (rtpengine flags it even with ICE removed). */
export function isIceControlling(call: Call, m: Monologue): boolean {
  return relationsOf(call).controlling.has(m);
}

const live = (call: Call, m: Monologue): boolean => call.monologues.get(m.key) === m;

/** The monologues `m`'s media goes to, most recent link first. */
export function subscribersOf(call: Call, m: Monologue): Monologue[] {
  const list = relationsOf(call).subscribers.get(m) ?? [];
  return [...list]
    .sort((a, b) => b.seq - a.seq)
    .map((l) => l.subscriber)
    .filter((x) => live(call, x));
}

/** The monologues whose media `m` receives, most recent link first. */
export function subscriptionsOf(call: Call, m: Monologue): Monologue[] {
  const out: { publisher: Monologue; seq: number }[] = [];
  for (const [publisher, list] of relationsOf(call).subscribers) {
    if (!live(call, publisher)) continue;
    for (const l of list) if (l.subscriber === m) out.push({ publisher, seq: l.seq });
  }
  return out.sort((a, b) => b.seq - a.seq).map((x) => x.publisher);
}

/**
 * An offer or answer between two sides makes each the only receiver of the other's media; the sides either
 * was linked with before keep sending to it (rtpengine 10.5's forked calls look so).
 */
function connect(call: Call, a: Monologue, b: Monologue): void {
  const r = relationsOf(call);
  r.subscribers.set(a, [{ subscriber: b, seq: r.seq++ }]);
  r.subscribers.set(b, [{ subscriber: a, seq: r.seq++ }]);
}

function newMonologue(
  call: Call,
  key: string,
  tag: string | null,
  interfaceName: string,
  now: number,
  controlling = false,
): Monologue {
  const r = relationsOf(call);
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
  r.index.set(m, r.nextIndex++);
  if (controlling) r.controlling.add(m);
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
    // a re-offer without to-tag stays in the dialogue it was in
    (sender.peer.tag === null || req.toTag === null || sender.peer.tag === req.toTag) &&
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
    if (req.toTag) receiver = newMonologue(call, req.toTag, req.toTag, toIf, now, true);
    else {
      const key = req.viaBranch ? `branch:${req.viaBranch}` : `untagged:${call.nextUntagged++}`;
      receiver = newMonologue(call, key, null, toIf, now, true);
    }
    receiver.viaBranch = req.viaBranch;
  } else if (req.toTag && receiver.tag === null) {
    retag(call, receiver, req.toTag);
  }
  sender.peer = receiver;
  receiver.peer = sender;
  connect(call, sender, receiver);
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
        true,
      );
      answerer.viaBranch = req.viaBranch;
      answerer.peer = offerer;
      for (const m of offerer.medias)
        answerer.medias.push(newMedia(m.index, m.type, m.protocol, m.rtp.learning));
    }
  }
  if (req.label) answerer.label = req.label;
  offerer.peer = answerer;
  answerer.peer = offerer;
  connect(call, offerer, answerer);
  call.answered = true;
  return { sender: answerer, receiver: offerer };
}

function sameEndpoint(a: PacketStream['advertised'], b: PacketStream['advertised']): boolean {
  if (a === null || b === null) return a === b;
  return a.address === b.address && a.port === b.port && a.family === b.family;
}

/** `reachable` false: a rejected or held stream; nothing is sent to it until an SDP names a real one. */
function setAdvertised(s: PacketStream, ep: PacketStream['advertised'], reachable: boolean): void {
  if (sameEndpoint(s.advertised, ep) && (s.endpoint !== null) === reachable) return;
  s.advertised = ep;
  // A new address in the SDP restarts learning: the party moved (re-INVITE), the old endpoint is stale.
  s.endpoint = reachable ? ep : null;
  s.confirmed = false;
  s.endpointFromPacket = false;
  s.learningSince = 0;
}

type Direction = CallMedia['direction'];

const MIRROR: Record<Direction, Direction> = {
  sendrecv: 'sendrecv',
  sendonly: 'recvonly',
  recvonly: 'sendonly',
  inactive: 'inactive',
};

/**
 * The direction rtpengine reports for a media (query `send` / `recv` flags): every SDP sets it on the sender's
 * media (a zero address counting as hold) and its mirror on the receiver's, so the last SDP either way wins.
 * `CallMedia.direction` stays what the party itself last said (the timeouts read that).
 */
const reported = new WeakMap<CallMedia, Direction>();

export function reportedDirection(media: CallMedia): Direction {
  return reported.get(media) ?? media.direction;
}

/** An old-style hold (c= 0.0.0.0) takes away what the party receives. */
function effectiveDirection(d: Direction, onHold: boolean): Direction {
  if (!onHold) return d;
  return d === 'sendrecv' ? 'sendonly' : d === 'recvonly' ? 'inactive' : d;
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
    media.rtcpMux = view.rtcpMux;
    media.codec = view.firstCodec;
    media.rejected = view.port === 0;
    if (!view.connection) throw new NgError(NG_REASON.incompleteSdp);
    const family = view.connection.family;
    let address = view.connection.address;
    if (useSipSource && flags.receivedFrom) address = flags.receivedFrom.address;
    const onHold = isZero(view.connection.address);
    media.direction = view.direction ?? 'sendrecv';
    const effective = effectiveDirection(media.direction, onHold);
    reported.set(media, effective);
    // rtpengine reports the endpoint the SDP names even when it is a rejected (port 0) or held (0.0.0.0)
    // one; RTCP is on the a=rtcp port, else RTP+1, also with rtcp-mux (then it is only the fallback)
    const rtpEp = { family, address, port: view.port };
    const rtcpAddr = view.rtcp?.address && !useSipSource ? view.rtcp.address : address;
    const rtcpEp = { family, address: rtcpAddr, port: view.rtcp?.port ?? view.port + 1 };
    const reachable = !media.rejected && !onHold;
    setAdvertised(media.rtp, rtpEp, reachable);
    setAdvertised(media.rtcp, rtcpEp, reachable);
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
    reported.set(peerMedia, MIRROR[effective]);
    // rtcp-mux holds only while both sides put a=rtcp-mux in their SDP
    if (!view.rtcpMux) peerMedia.rtcpMux = false;
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
  // the family wins over the name: rtpengine takes another interface of the SDP's family if the named one
  // has none
  const spec =
    pool.find((i) => i.family === family) ??
    interfaces.find((i) => i.family === family) ??
    pool[0] ??
    interfaces[0];
  if (!spec) throw new NgError(NG_REASON.outOfPorts);
  return spec;
}
