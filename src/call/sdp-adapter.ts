/**
 * The seam between the SDP engine (src/sdp) and the call logic: a parsed SDP as the call logic sees it, and the
 * rewrite plan for the party an SDP is sent on to, made from that party's bound streams.
 */
import { randomBytes } from 'node:crypto';
import { NgError } from '../ng/errors.ts';
import type { MediaFlags } from '../ng/request.ts';
import {
  answerFormats,
  codecOf,
  lostLeadClocks,
  namesCodecIn,
  nextOriginState,
  offerFormats,
  parseSdp,
  repacketizableFormats,
  rewriteSdp,
  SdpError,
  type SdpMedia,
  type SdpMediaPlan,
  type SdpRewritePlan,
  type SdpSession,
  sdpUnusableReason,
  strandedSupplemental,
} from '../sdp/index.ts';
import type { CallMedia, Monologue } from './model.ts';
import type { SdpView } from './sdp-view.ts';

export function parseForCall(text: string): { session: SdpSession; view: SdpView } {
  let session: SdpSession;
  try {
    session = parseSdp(text);
  } catch (e) {
    if (e instanceof SdpError) throw new NgError(e.reason);
    throw e;
  }
  const unusable = sdpUnusableReason(session);
  // an SDP without m= lines still sets the call up in rtpengine; only its rewrite fails (renderFor)
  if (unusable && session.media.length > 0) throw new NgError(unusable.reason);
  const view: SdpView = {
    media: session.media.map((m) => {
      const c = m.effectiveConnection;
      const pt = m.formats[0];
      const rtpmap = pt !== undefined ? m.rtpmaps.get(pt) : undefined;
      return {
        type: m.type,
        port: m.port,
        protocol: m.proto,
        connection: c ? { family: c.addrType, address: c.address } : null,
        rtcp: m.rtcp ? { port: m.rtcp.port, address: m.rtcp.address ?? null } : null,
        rtcpMux: m.rtcpMux,
        direction: m.direction ?? session.direction,
        firstCodec: rtpmap ? `${rtpmap.encoding}/${rtpmap.clockRate}` : staticCodec(pt),
      };
    }),
  };
  return { session, view };
}

const STATIC: Record<string, string> = {
  '0': 'PCMU/8000',
  '3': 'GSM/8000',
  '8': 'PCMA/8000',
  '9': 'G722/8000',
  '18': 'G729/8000',
};

function staticCodec(pt: string | undefined): string | null {
  return pt !== undefined ? (STATIC[pt] ?? null) : null;
}

/**
 * The offerer's SDP as parsed for its offer, kept until the answer reads it (parsed sessions are immutable): an
 * answer then needs no second parse of the offer. Only offers wait here, and only until their answer.
 */
const offersAwaitingAnswer = new WeakMap<Monologue, { text: string; session: SdpSession }>();

export function keepOfferSession(offerer: Monologue, text: string, session: SdpSession): void {
  offersAwaitingAnswer.set(offerer, { text, session });
}

/**
 * The party's call ended: its kept offer goes now. A WeakMap would drop it with the party in a full collection,
 * but V8's young collections keep every value of a long-lived WeakMap alive, dead key or not (see
 * actors/calls/call.ts, the call's afterStop).
 */
export function forgetOfferSession(offerer: Monologue): void {
  offersAwaitingAnswer.delete(offerer);
}

function offerSession(offerer: Monologue): SdpSession | null {
  if (offerer.lastSdp === null) return null;
  const kept = offersAwaitingAnswer.get(offerer);
  if (kept !== undefined) {
    offersAwaitingAnswer.delete(offerer);
    if (kept.text === offerer.lastSdp) return kept.session;
  }
  try {
    return parseSdp(offerer.lastSdp);
  } catch {
    return null;
  }
}

function carriedFromOffer(offer: SdpSession | null, i: number): { ptime?: number; mid?: string } {
  const m = offer?.media[i];
  if (!m) return {};
  return {
    ...(m.ptime !== undefined ? { ptime: m.ptime } : {}),
    ...(m.mid !== undefined ? { mid: m.mid } : {}),
  };
}

/** What an offer leaves for the answer to it: the payload types sent on, `ptime-reverse`, mux accept/reject. */
function rememberOffer(
  media: CallMedia,
  formats: readonly string[],
  flags: MediaFlags,
  stripped: boolean,
  lostClocks: readonly number[] | undefined,
): void {
  media.offeredFormats = formats;
  media.codecsShaped = stripped;
  if (lostClocks !== undefined) media.lostLeadClocks = lostClocks;
  else delete media.lostLeadClocks;
  if (flags.ptimeReverse !== null) media.answerPtime = flags.ptimeReverse;
  else delete media.answerPtime;
  // `demux` takes mux away from the answerer but keeps it towards the offerer (rtpengine 10.5's answer says so)
  if (flags.rtcpMux.has('accept') || flags.rtcpMux.has('demux')) media.answerRtcpMux = 'accept';
  else if (flags.rtcpMux.has('reject')) media.answerRtcpMux = 'reject';
  else delete media.answerRtcpMux;
}

const NONE: readonly string[] = [];

/** `strip` (with its `except`) takes at least one payload type off this m= line. */
function stripRemoves(media: SdpMedia, flags: MediaFlags): boolean {
  if (flags.codec.strip.length === 0) return false;
  const left = offerFormats(media, { ...flags.codec, offer: NONE, mask: NONE, consume: NONE });
  return left.length !== media.formats.length;
}

/**
 * The clock rates whose first real codec `strip` or `mask` (with `except`) takes off this m= line; undefined
 * when they take nothing off (rtpengine's codec engine then leaves the answer alone).
 */
function stripOrMaskLostClocks(media: SdpMedia, flags: MediaFlags): number[] | undefined {
  if (flags.codec.strip.length === 0 && flags.codec.mask.length === 0) return undefined;
  const left = offerFormats(media, { ...flags.codec, offer: NONE, consume: NONE });
  return left.length === media.formats.length ? undefined : lostLeadClocks(media, left);
}

/**
 * The answer to an offer that strip or mask reduced goes through rtpengine's codec engine (recorded): it drops
 * the answer's stranded telephone-event and CN (see strandedSupplemental) and then flags the answerer's media
 * "transcoding".
 */
function reducedOfferAnswer(sm: SdpMedia, formats: readonly string[], offerer: CallMedia, own: CallMedia) {
  if (formats.length === 0) return formats;
  const stranded = strandedSupplemental(
    sm,
    formats,
    offerer.offeredFormats ?? NONE,
    offerer.lostLeadClocks ?? [],
  );
  own.transcoding = stranded.length > 0;
  return formats.filter((pt) => !stranded.includes(pt));
}

function telephoneEventFmtps(media: SdpMedia): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const [pt, fmtp] of media.fmtps)
    if (codecOf(media, pt)?.encoding.toLowerCase() === 'telephone-event') out.set(pt, fmtp);
  return out;
}

/** rtpengine's packet time for an audio m= line without a=ptime. */
const DEFAULT_PTIME = 20;

/**
 * Marks where rtpengine 10.5 sets up its codec engine for an offer (CallMedia.transcoding, recorded): a
 * `ptime`/`ptime-reverse` other than the audio line's own packet time makes it repacketize the pair from now
 * on; `accept`/`consume` naming a codec of the line engage it towards the receiver until the answer. Returns
 * whether the pair is repacketized.
 */
function offerCodecEngine(sm: SdpMedia, own: CallMedia, peer: CallMedia, flags: MediaFlags): boolean {
  const ptime = sm.ptime ?? DEFAULT_PTIME;
  const changesPtime = [flags.ptime, flags.ptimeReverse].some((p) => p !== null && p !== ptime);
  if (sm.type === 'audio' && changesPtime) {
    own.repacketized = true;
    peer.repacketized = true;
  }
  const repacketized = own.repacketized === true;
  peer.transcoding = repacketized || namesCodecIn(sm, [...flags.codec.accept, ...flags.codec.consume]);
  return repacketized;
}

/** The answer settles the codec engine: it stays, on both sides, only where the pair is repacketized. */
function answerCodecEngine(own: CallMedia, peer: CallMedia): boolean {
  const repacketized = own.repacketized === true || peer.repacketized === true;
  own.transcoding = repacketized;
  peer.transcoding = repacketized;
  return repacketized;
}

/**
 * A repacketized answer's codecs take the offer's fmtp for the same codec under the same payload type
 * (telephone-event excepted: it keeps its own), as rtpengine's codec engine writes them (recorded).
 */
function offerFmtps(answer: SdpMedia, offer: SdpMedia): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  for (const pt of answer.formats) {
    const fmtp = offer.fmtps.get(pt);
    const codec = codecOf(answer, pt)?.encoding.toLowerCase();
    if (fmtp === undefined || codec === undefined || codec === 'telephone-event') continue;
    if (codecOf(offer, pt)?.encoding.toLowerCase() === codec) out.set(pt, fmtp);
  }
  return out;
}

/**
 * a=rtcp-mux and the a=rtcp port (recorded from 10.5). Offer: the offerer's own mux goes on with RTCP still
 * named on RTP+1; `offer` adds mux the same way, `require` names the RTP port, `demux` drops it. Answer: mux
 * is agreed (a=rtcp = the RTP port) when offerer and answerer both had it, or the offerer had it and its offer
 * said `accept` (rtpengine then demuxes for the answerer); the offer's `reject` refuses it. Given with the
 * answer, `accept` and `reject` change nothing (recorded).
 */
function rtcpMuxPlan(
  isAnswer: boolean,
  senderMux: boolean,
  offererMux: boolean,
  receiverMedia: CallMedia,
  flags: MediaFlags,
): { write: boolean; onRtpPort: boolean } {
  if (!isAnswer) {
    if (flags.rtcpMux.has('demux')) return { write: false, onRtpPort: false };
    if (flags.rtcpMux.has('require')) return { write: true, onRtpPort: true };
    return { write: senderMux || flags.rtcpMux.has('offer'), onRtpPort: false };
  }
  const verdict = receiverMedia.answerRtcpMux;
  const agreed =
    verdict === 'reject' ? false : verdict === 'accept' ? offererMux : senderMux && receiverMedia.rtcpMux;
  return { write: agreed, onRtpPort: agreed };
}

/**
 * loop-protect's `a=rtpengine:` marker: like rtpengine, one random 12-hex-digit value per daemon instance (the
 * same in every call), so that the daemon can recognise SDP it has already rewritten.
 */
export const LOOP_PROTECT_MARKER: string = randomBytes(6).toString('hex');

/**
 * Rewrites the SDP that `sender` sent, for `receiver`: the receiver's local ports and address go in, since the
 * receiver's party will send its media there.
 */
export function renderFor(
  session: SdpSession,
  sender: Monologue,
  receiver: Monologue,
  flags: MediaFlags & { command?: string },
): string {
  // an answer carries the offer's a=ptime and a=mid where it has none of its own
  const offer = flags.command === 'answer' ? offerSession(receiver) : null;
  const state = nextOriginState(sender.originState, session);
  sender.originState = state;
  const first = receiver.medias.find((m) => m.rtp.local !== null)?.rtp.local;
  const family = first?.family ?? 'IP4';
  const advertised = flags.mediaAddress ?? first?.advertised ?? '0.0.0.0';
  const isAnswer = flags.command === 'answer';
  const media: SdpMediaPlan[] = session.media.map((sm, i) => {
    const m = receiver.medias[i];
    const own = sender.medias[i];
    const offerMedia = offer?.media[i];
    let repacketized = false;
    if (own && m) repacketized = isAnswer ? answerCodecEngine(own, m) : offerCodecEngine(sm, own, m, flags);
    const shaped = isAnswer
      ? answerFormats(sm, {
          ...(m?.offeredFormats !== undefined ? { offered: m.offeredFormats } : {}),
          strip: flags.codec.strip,
          mask: flags.codec.mask,
          singleCodec: flags.flags.has('single-codec'),
        })
      : offerFormats(sm, flags.codec);
    // the codec engine drops from an offer what it cannot repacketize; the answer then lacks them anyway
    let formats = repacketized && !isAnswer ? repacketizableFormats(sm, shaped) : shaped;
    if (isAnswer && !repacketized && own && m?.lostLeadClocks !== undefined)
      formats = reducedOfferAnswer(sm, formats, m, own);
    const fmtpOverride = repacketized && isAnswer && offerMedia ? offerFmtps(sm, offerMedia) : undefined;
    if (!isAnswer && own)
      rememberOffer(own, formats, flags, stripRemoves(sm, flags), stripOrMaskLostClocks(sm, flags));
    // once a strip removed a codec on either side, rtpengine rebuilds the answer's telephone-event from the
    // offer's: without an fmtp of its own it takes the offer's (recorded)
    const fmtpFallback =
      isAnswer && offerMedia && (m?.codecsShaped === true || stripRemoves(sm, flags))
        ? telephoneEventFmtps(offerMedia)
        : undefined;
    const local = m?.rtp.local;
    if (!m || m.rejected || !local) return { rtpPort: 0, rtcpPort: 0, rtcpMux: false };
    const mux = rtcpMuxPlan(isAnswer, own?.rtcpMux === true, offerMedia?.rtcpMux === true, m, flags);
    // what the offerer's side does from now on: mux when agreed, also when rtpengine accepted it alone
    if (isAnswer) m.rtcpMux = mux.write;
    const ptimeOverride = isAnswer ? m.answerPtime : (flags.ptime ?? undefined);
    const mid = !isAnswer && flags.flags.has('generate-mid') ? String(i + 1) : undefined;
    const mp: SdpMediaPlan = {
      rtpPort: local.port,
      rtcpPort: mux.onRtpPort ? local.port : local.port + 1,
      rtcpMux: mux.write,
      ...(local.advertised !== advertised && !flags.mediaAddress
        ? { address: { family: local.family, address: local.advertised } }
        : {}),
      ...(flags.transportProtocol ? { proto: flags.transportProtocol } : {}),
      ...carriedFromOffer(offer, i),
      ...(mid !== undefined ? { mid } : {}),
      formats,
      ...(fmtpFallback !== undefined ? { fmtpFallback } : {}),
      ...(fmtpOverride !== undefined ? { fmtpOverride } : {}),
      ...(ptimeOverride !== undefined ? { ptimeOverride } : {}),
    };
    return mp;
  });
  const r = flags.replace;
  const plan: SdpRewritePlan = {
    address: { family, address: advertised },
    media,
    replace: {
      origin: r.has('origin'),
      sessionConnection: r.has('session-connection'),
      username: r.has('username'),
      sessionName: r.has('session-name'),
      sdpVersion: r.has('sdp-version'),
      zeroAddress: r.has('zero-address'),
    },
    rtcpAttribute: flags.flags.has('no-rtcp-attribute')
      ? 'none'
      : flags.flags.has('full-rtcp-attribute')
        ? 'full'
        : 'default',
    originalSendrecv: flags.flags.has('original-sendrecv'),
    ...(flags.flags.has('loop-protect') ? { loopProtect: LOOP_PROTECT_MARKER } : {}),
    origin: state,
    stripExtmap: flags.flags.has('strip-extmap'),
  };
  try {
    return rewriteSdp(session, plan);
  } catch (e) {
    if (e instanceof SdpError) throw new NgError(e.reason);
    throw e;
  }
}
