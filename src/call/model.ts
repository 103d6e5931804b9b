/**
 * The call model, in rtpengine's words: a Call has Monologues (one party's side, keyed by its tag, or by
 * via-branch until a tag is known), each Monologue has CallMedia (one per m= line), and each media has two
 * PacketStreams (RTP and RTCP), each with its local socket and the Endpoint of the party it talks to.
 *
 * These are plain mutable objects. The call actor owns them; the socket handlers read and update the packet
 * path fields (endpoint learning, counters) directly, so that RTP never waits for a mailbox.
 *
 * Forwarding: a packet that arrives on stream S (of monologue M) is sent out of S.sink's socket to S.sink's
 * endpoint, where S.sink is the matching stream of the monologue M is in dialogue with.
 */
import type { Socket } from 'node:dgram';
import type { EndpointLearning, Family } from '../ng/request.ts';
import type { DelayLine } from '../rtp/delay-buffer.ts';
import type { MediaSwitches, StreamControl } from '../rtp/media-control.ts';
import type { SdpOriginState } from '../sdp/index.ts';

export interface Endpoint {
  family: Family;
  address: string;
  port: number;
}

export interface StreamStats {
  packets: number;
  bytes: number;
  errors: number;
  /** Unix seconds of the last packet received, 0 = never. */
  lastPacket: number;
}

export type Component = 'rtp' | 'rtcp';

export interface LocalAddress {
  /** The logical interface's name (`--interface=NAME/IP`). */
  interfaceName: string;
  family: Family;
  /** The address we bind to. */
  address: string;
  /** The address we put into SDP. */
  advertised: string;
  port: number;
}

export interface PacketStream {
  /** Unique in the daemon: names the stream's kernel counters. */
  readonly id: string;
  readonly component: Component;
  local: LocalAddress | null;
  /** Owned by the media actor; set once bound. */
  socket: Socket | null;
  /** From the SDP (or the SIP source address): where the party said it receives. */
  advertised: Endpoint | null;
  /** Where we send to now: the advertised endpoint, or the learned one. */
  endpoint: Endpoint | null;
  /** Unix ms the learning window opened: the last offer/answer, else the first packet (it closes 3 s later). */
  learningSince: number;
  confirmed: boolean;
  /** The endpoint came from a received packet rather than from the SDP. */
  endpointFromPacket: boolean;
  learning: EndpointLearning;
  strictSource: boolean;
  mediaHandover: boolean;
  /** `asymmetric`: never learn the endpoint from received packets. */
  asymmetric: boolean;
  stats: StreamStats;
  /** The stream whose socket and endpoint our received packets go out through. */
  sink: PacketStream | null;
  /** Its packets are forwarded by the kernel now (the socket only sees strays). */
  kernelized: boolean;
  /**
   * Called by the packet path when learning first takes the endpoint from a packet, confirms it, or moves the
   * endpoint of a stream handed over (to the relay thread): the call then hands its streams over (again).
   */
  onConfirmed: ((s: PacketStream) => void) | null;
  /** Media control (block/silence, DTMF) read per packet; absent on streams no command has touched. */
  control?: StreamControl;
  /**
   * `media echo`: its received packets go back out of its own socket to its own endpoint (`echo`) or nowhere
   * (`blackhole`), instead of to the sink; absent = forwarded as usual.
   */
  mediaEcho?: StreamEcho;
  /** `drop-traffic start`: received packets are dropped uncounted, until `drop-traffic stop`. */
  dropTraffic?: boolean;
  /**
   * rtcp-mux on this side only (`rtcp-mux demux`/`accept`): RTCP received on this RTP stream leaves through this
   * stream (the other side's RTCP) instead of the sink; absent = no demux.
   */
  rtcpSink?: PacketStream;
  /** `NAT-wait`: nothing is sent to this stream's endpoint until a packet came from it. */
  natWait?: boolean;
  /** `pierce NAT`: probe packets go to the endpoint every second until learning confirms it. */
  pierceNat?: boolean;
  /** `delay-buffer` (set by `block DTMF`): received packets leave this much later; absent = no delay. */
  delay?: DelayLine<DelayedPacket>;
}

/** A packet waiting in a stream's delay buffer, and the stream it leaves through. */
export interface DelayedPacket {
  packet: Buffer;
  out: PacketStream;
  from: PacketStream;
}

export type StreamEcho = 'echo' | 'blackhole';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface CallMedia {
  /** 1-based, as rtpengine reports it. */
  readonly index: number;
  type: string;
  protocol: string;
  /** e.g. "PCMU/8000": the first codec of the last SDP this party sent. */
  codec: string | null;
  direction: MediaDirection;
  /**
   * The direction rtpengine reports (query `send` / `recv` flags): every SDP sets it on the sender's media (a
   * zero address counting as hold) and its mirror on the receiver's, so the last SDP either way wins; null =
   * `direction`.
   */
  reportedDirection: MediaDirection | null;
  rtcpMux: boolean;
  /** Rejected (port 0) in the SDP: no sockets. */
  rejected: boolean;
  /** The payload types of the last offer this party's SDP became (after codec flags): an answer keeps only these. */
  offeredFormats?: readonly string[];
  /** A strip removed codecs from that offer: the answer to it takes the offer's telephone-event fmtp. */
  codecsShaped?: boolean;
  /**
   * The clock rates whose first real codec strip or mask took off that offer: the answer's telephone-event or
   * CN of such a clock goes only with a real codec of its clock (recorded). Undefined: they took nothing off.
   */
  lostLeadClocks?: readonly number[];
  /** `ptime-reverse` of this party's offer: the a=ptime written into the answer it gets. */
  answerPtime?: number;
  /** `rtcp-mux: [accept]` / `[reject]` given with this party's offer: what the answer it gets says about mux. */
  answerRtcpMux?: 'accept' | 'reject';
  /** The `unidirectional` flag came with this party's last SDP (query media flag "unidirectional"). */
  unidirectional?: boolean;
  /**
   * rtpengine 10.5 set up its codec engine for this media (query media flag "transcoding"): on the receiving
   * side of an offer with `accept`/`consume` naming a codec it has, or with a `ptime`/`ptime-reverse` that
   * changes the packet time; on both sides once the answer to such a ptime offer came.
   */
  transcoding?: boolean;
  /** A `ptime`/`ptime-reverse` offer made rtpengine repacketize this media pair; it stays so (recorded). */
  repacketized?: boolean;
  readonly rtp: PacketStream;
  readonly rtcp: PacketStream;
}

export interface Monologue {
  /** Unique key inside the call: the tag, or `branch:<via-branch>` / `untagged:<n>` before a tag is known. */
  key: string;
  tag: string | null;
  viaBranch: string | null;
  label: string | null;
  created: number;
  medias: CallMedia[];
  /** The monologue this one is in dialogue with (offer/answer). */
  peer: Monologue | null;
  /** The logical interface `direction` named for its sockets; '' = none (the SDP's family picks one). */
  interfaceName: string;
  /** State for `replace: ["SDP version"]` and origin rewriting across re-INVITEs. */
  sdpVersion: string | null;
  /** The last SDP this party sent, for re-INVITE comparison. */
  lastSdp: string | null;
  /** Deleted: by a via-branch / to-tag delete (its ports released, still listed), or the call's delete-delay runs. */
  deleted: boolean;
  /** Creation order within the call (rtpengine names an untagged monologue `<untagged N>` by it). */
  readonly index: number;
  /** The side an offer was sent to takes the ICE controlling role (rtpengine flags it even with ICE removed). */
  iceControlling: boolean;
  /**
   * The monologues this one's media goes to ("subscribers" in rtpengine's query), with the order each link
   * was made in. Kept apart from `peer`, which holds one partner only while a forked call has several.
   */
  subscribers: { subscriber: Monologue; seq: number }[];
  /** The origin (o=) state of the SDP this party sent, for `replace` across re-INVITEs. */
  originState: SdpOriginState | undefined;
  /** This party's block/silence switches and whether its offer or answer had `inject DTMF`. */
  mediaControl?: { switches: MediaSwitches; injectDtmf: boolean };
  /** What `media echo` made of this party's media (it stays until another `media echo` changes it). */
  mediaEcho?: StreamEcho;
  /** `drop-traffic start` came with an SDP this party sent or received, and no `stop` since. */
  dropTraffic?: boolean;
}

export type CallEndReason =
  | 'regular'
  | 'forced'
  | 'timeout'
  | 'silent-timeout'
  | 'final-timeout'
  | 'offer-timeout';

export interface Call {
  readonly callId: string;
  /** Unix seconds. */
  readonly created: number;
  readonly createdUs: number;
  lastSignal: number;
  monologues: Map<string, Monologue>;
  /** An answer has been seen (the offer-timeout no longer applies). */
  answered: boolean;
  /** Unix ms at which a delayed delete destroys the call; 0 = none. */
  destroyAt: number;
  nextUntagged: number;
  /** The next Monologue.index. */
  nextMonologueIndex: number;
  /** Orders subscription links (most recent first in the query tree). */
  nextLinkSeq: number;
  /** The whole call's block/silence switches (media control commands without a party). */
  mediaSwitches?: MediaSwitches;
}

export function newCall(callId: string, nowMs: number): Call {
  return {
    callId,
    created: Math.floor(nowMs / 1000),
    createdUs: (nowMs % 1000) * 1000,
    lastSignal: Math.floor(nowMs / 1000),
    monologues: new Map(),
    answered: false,
    destroyAt: 0,
    nextUntagged: 0,
    nextMonologueIndex: 0,
    nextLinkSeq: 0,
  };
}

export function newStats(): StreamStats {
  return { packets: 0, bytes: 0, errors: 0, lastPacket: 0 };
}

let nextStreamId = 0;

export function newPacketStream(component: Component, learning: EndpointLearning): PacketStream {
  return {
    id: `s${++nextStreamId}`,
    component,
    local: null,
    socket: null,
    advertised: null,
    endpoint: null,
    learningSince: 0,
    confirmed: false,
    endpointFromPacket: false,
    learning,
    strictSource: false,
    mediaHandover: false,
    asymmetric: false,
    stats: newStats(),
    sink: null,
    kernelized: false,
    onConfirmed: null,
  };
}

export function newMedia(
  index: number,
  type: string,
  protocol: string,
  learning: EndpointLearning,
): CallMedia {
  return {
    index,
    type,
    protocol,
    codec: null,
    direction: 'sendrecv',
    reportedDirection: null,
    rtcpMux: false,
    rejected: false,
    rtp: newPacketStream('rtp', learning),
    rtcp: newPacketStream('rtcp', learning),
  };
}

/** Every stream of a monologue, for counters and socket ownership. */
export function* streamsOf(m: Monologue): Generator<PacketStream> {
  for (const media of m.medias) {
    yield media.rtp;
    yield media.rtcp;
  }
}

/**
 * Unix seconds of the call's last packet; `kernelLastMs` gives a kernelized stream's last packet seen by the
 * kernel (its packets no longer reach the socket), so a kernelized call with media never times out.
 */
export function lastPacketOf(call: Call, kernelLastMs?: (s: PacketStream) => number): number {
  // plain loops: this runs for every call once a second
  let last = 0;
  for (const m of call.monologues.values()) {
    const medias = m.medias;
    for (let i = 0; i < medias.length; i++) {
      const media = medias[i] as CallMedia;
      for (const s of [media.rtp, media.rtcp]) {
        if (s.stats.lastPacket > last) last = s.stats.lastPacket;
        if (kernelLastMs && s.kernelized) last = Math.max(last, Math.floor(kernelLastMs(s) / 1000));
      }
    }
  }
  return last;
}
