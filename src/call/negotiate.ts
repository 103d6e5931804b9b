/**
 * Offer/answer bookkeeping, pure: which monologues an offer or answer concerns (tags, via-branches, forks, late
 * offers), and what a party's SDP changes in its medias and streams. No sockets here: the call actor binds the
 * streams this returns as `needSockets` and then renders the SDP.
 */
import { NG_REASON, NgError } from '../ng/errors.ts';
import type {
  AnswerRequest,
  EndpointLearning,
  Family,
  MediaEcho,
  MediaFlags,
  OfferRequest,
} from '../ng/request.ts';
import {
  type Call,
  type CallMedia,
  type Monologue,
  newMedia,
  type PacketStream,
  type StreamEcho,
  streamsOf,
} from './model.ts';
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

export interface Pairing {
  /** The party that sent this SDP. */
  sender: Monologue;
  /** The party the rewritten SDP goes to; its streams' ports are the ones written into the SDP. */
  receiver: Monologue;
  /**
   * A new to-tag answered an offer whose receiver already holds ports (a fork): rtpengine gives the offerer's
   * side fresh ports towards the new branch.
   */
  freshReceiverPorts: boolean;
}

const live = (call: Call, m: Monologue): boolean => call.monologues.get(m.key) === m;

/** The monologues `m`'s media goes to, most recent link first. */
export function subscribersOf(call: Call, m: Monologue): Monologue[] {
  return [...m.subscribers]
    .sort((a, b) => b.seq - a.seq)
    .map((l) => l.subscriber)
    .filter((x) => live(call, x));
}

/** The monologues whose media `m` receives, most recent link first. */
export function subscriptionsOf(call: Call, m: Monologue): Monologue[] {
  const out: { publisher: Monologue; seq: number }[] = [];
  for (const publisher of call.monologues.values()) {
    for (const l of publisher.subscribers) if (l.subscriber === m) out.push({ publisher, seq: l.seq });
  }
  return out.sort((a, b) => b.seq - a.seq).map((x) => x.publisher);
}

/**
 * An offer or answer between two sides makes each the only receiver of the other's media; the sides either
 * was linked with before keep sending to it (rtpengine 10.5's forked calls look so).
 */
function connect(call: Call, a: Monologue, b: Monologue): void {
  a.subscribers = [{ subscriber: b, seq: call.nextLinkSeq++ }];
  b.subscribers = [{ subscriber: a, seq: call.nextLinkSeq++ }];
}

function newMonologue(
  call: Call,
  key: string,
  tag: string | null,
  interfaceName: string,
  now: number,
  controlling = false,
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
    index: call.nextMonologueIndex++,
    iceControlling: controlling,
    subscribers: [],
    originState: undefined,
  };
  call.monologues.set(key, m);
  return m;
}

/** The interface `direction` names, '' when it names none or one that does not exist. */
function interfaceFor(name: string | undefined, interfaces: readonly InterfaceSpec[]): string {
  if (name === undefined || name === '') return '';
  return interfaces.some((i) => i.name === name) ? name : '';
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
  return { sender, receiver, freshReceiverPorts: false };
}

/**
 * In an answer the from-tag is the offerer's and the to-tag the answerer's (the SDP's sender). An answer whose
 * from-tag no offer made still goes through, as in rtpengine: it sets up a new pair of sides of its own.
 */
export function pairForAnswer(call: Call, req: AnswerRequest, now: number): Pairing {
  let offerer = call.monologues.get(req.fromTag);
  if (!offerer) offerer = newMonologue(call, req.fromTag, req.fromTag, '', now);
  let freshReceiverPorts = false;
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
      freshReceiverPorts = candidate !== undefined;
    }
  }
  if (req.label) answerer.label = req.label;
  offerer.peer = answerer;
  answerer.peer = offerer;
  connect(call, offerer, answerer);
  call.answered = true;
  return { sender: answerer, receiver: offerer, freshReceiverPorts };
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

/** See CallMedia.reportedDirection; `CallMedia.direction` stays what the party itself said (timeouts read it). */
export function reportedDirection(media: CallMedia): Direction {
  return media.reportedDirection ?? media.direction;
}

/** An old-style hold (c= 0.0.0.0) takes away what the party receives. */
function effectiveDirection(d: Direction, onHold: boolean): Direction {
  if (!onHold) return d;
  return d === 'sendrecv' ? 'sendonly' : d === 'recvonly' ? 'inactive' : d;
}

function isZero(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '0:0:0:0:0:0:0:0';
}

/** What the call actor must do with sockets after an SDP was applied. */
export interface SocketWork {
  /** Medias without sockets that need a port pair. */
  needSockets: CallMedia[];
  /** Bound medias that must move to a fresh port pair (the old pair is released). */
  rebind: CallMedia[];
  /** Bound medias the SDP rejected (port 0): their sockets close and their ports go back. */
  release: CallMedia[];
}

/**
 * A party that re-offers (or re-answers) from another address or port gets fresh ports on the other side, as
 * rtpengine does; a hold (zero address), a rejection or the first SDP is no move.
 */
export function movedEndpoint(
  before: PacketStream['advertised'],
  after: PacketStream['advertised'],
): boolean {
  if (before === null || after === null) return false;
  if (isZero(before.address) || isZero(after.address) || before.port === 0 || after.port === 0) return false;
  return !sameEndpoint(before, after);
}

/**
 * Applies the SDP the sender sent to its own medias (where it receives, direction, codecs), and makes sure the
 * receiver has a matching media for each m= line. Returns the socket work this makes for both sides.
 */
export function applySdp(
  pairing: Pairing,
  sdp: SdpView,
  flags: MediaFlags,
  defaultLearning: EndpointLearning,
): SocketWork {
  const { sender, receiver } = pairing;
  const rebind = new Set<CallMedia>();
  if (pairing.freshReceiverPorts) for (const m of receiver.medias) rebind.add(m);
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
    media.reportedDirection = effective;
    // rtpengine reports the endpoint the SDP names even when it is a rejected (port 0) or held (0.0.0.0)
    // one; RTCP is on the a=rtcp port, else RTP+1, also with rtcp-mux (then it is only the fallback)
    const rtpEp = { family, address, port: view.port };
    const rtcpAddr = view.rtcp?.address && !useSipSource ? view.rtcp.address : address;
    const rtcpEp = { family, address: rtcpAddr, port: view.rtcp?.port ?? view.port + 1 };
    const reachable = !media.rejected && !onHold;
    const moved = movedEndpoint(media.rtp.advertised, rtpEp);
    setAdvertised(media.rtp, rtpEp, reachable);
    setAdvertised(media.rtcp, rtcpEp, reachable);
    media.unidirectional = flags.flags.has('unidirectional');
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
    if (moved) rebind.add(peerMedia);
    // Until the receiver's own SDP says otherwise, it mirrors the sender's media line.
    if (peerMedia.rtp.advertised === null && !peerMedia.rejected) {
      peerMedia.type = view.type;
      peerMedia.protocol = view.protocol;
    }
    peerMedia.reportedDirection = MIRROR[effective];
    // rtcp-mux holds only while both sides put a=rtcp-mux in their SDP
    if (!view.rtcpMux) peerMedia.rtcpMux = false;
    if (media.rejected) peerMedia.rejected = true;
    else if (peerMedia.rejected && receiver.lastSdp === null) peerMedia.rejected = false;
    media.rtp.sink = peerMedia.rtp;
    media.rtcp.sink = peerMedia.rtcp;
    peerMedia.rtp.sink = media.rtp;
    peerMedia.rtcp.sink = media.rtcp;
  });
  applyEchoAndDrop(sender, receiver, flags);
  const work: SocketWork = { needSockets: [], rebind: [], release: [] };
  for (const m of [...sender.medias, ...receiver.medias]) {
    if (m.rejected) {
      if (m.rtp.socket !== null) work.release.push(m);
    } else if (m.rtp.socket === null) work.needSockets.push(m);
    else if (rebind.has(m)) work.rebind.push(m);
  }
  return work;
}

/** What `media echo` does to the media of [the SDP's sender, its receiver] (rtpengine 10.5, seen on the wire). */
const ECHO: Record<MediaEcho, readonly [StreamEcho, StreamEcho]> = {
  blackhole: ['blackhole', 'blackhole'],
  forward: ['blackhole', 'echo'],
  backwards: ['echo', 'blackhole'],
  both: ['echo', 'echo'],
};

/**
 * `media echo` and `drop-traffic` hold from the SDP that set them until one that changes them (an SDP without
 * them keeps them): the parties keep the state, and every stream of theirs, old or new, is set from it.
 */
function applyEchoAndDrop(sender: Monologue, receiver: Monologue, flags: MediaFlags): void {
  if (flags.mediaEcho !== null) [sender.mediaEcho, receiver.mediaEcho] = ECHO[flags.mediaEcho];
  if (flags.dropTraffic !== null) {
    const drop = flags.dropTraffic === 'start';
    sender.dropTraffic = drop;
    receiver.dropTraffic = drop;
  }
  for (const m of [sender, receiver]) {
    for (const s of streamsOf(m)) {
      if (m.mediaEcho === undefined) delete s.mediaEcho;
      else s.mediaEcho = m.mediaEcho;
      s.dropTraffic = m.dropTraffic === true;
    }
  }
}

/**
 * The interface and family a monologue's sockets go on. An interface `direction` named wins, whatever the
 * SDP's family (rtpengine bridges the families then); otherwise the first interface of the wanted family.
 */
export function chooseLocal(
  interfaces: readonly InterfaceSpec[],
  name: string,
  family: Family,
): InterfaceSpec {
  const named = name === '' ? [] : interfaces.filter((i) => i.name === name);
  const spec =
    named.find((i) => i.family === family) ??
    named[0] ??
    interfaces.find((i) => i.family === family) ??
    interfaces[0];
  if (!spec) throw new NgError(NG_REASON.outOfPorts);
  return spec;
}
