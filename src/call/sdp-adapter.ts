/**
 * The seam between the SDP engine (src/sdp) and the call logic: a parsed SDP as the call logic sees it, and the
 * rewrite plan for the party an SDP is sent on to, made from that party's bound streams.
 */
import { randomBytes } from 'node:crypto';
import { NgError } from '../ng/errors.ts';
import type { MediaFlags } from '../ng/request.ts';
import {
  nextOriginState,
  parseSdp,
  rewriteSdp,
  SdpError,
  type SdpMediaPlan,
  type SdpRewritePlan,
  type SdpSession,
  sdpUnusableReason,
} from '../sdp/index.ts';
import type { Monologue } from './model.ts';
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

function offerSession(offerer: Monologue): SdpSession | null {
  if (offerer.lastSdp === null) return null;
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
  const media: SdpMediaPlan[] = session.media.map((_, i) => {
    const m = receiver.medias[i];
    const local = m?.rtp.local;
    if (!m || m.rejected || !local) return { rtpPort: 0, rtcpPort: 0, rtcpMux: false };
    const own = sender.medias[i];
    const offered = own?.rtcpMux === true;
    // offering mux: rtpengine keeps a=rtcp-mux and still names RTP+1 for RTCP; agreeing to it (an answer
    // with a=rtcp-mux to an offer with it) names the RTP port
    const agreed = flags.command === 'answer' && offered && m.rtcpMux;
    const mux = agreed || (flags.command !== 'answer' && offered && !flags.rtcpMux.has('demux'));
    const mp: SdpMediaPlan = {
      rtpPort: local.port,
      rtcpPort: agreed ? local.port : local.port + 1,
      rtcpMux: mux,
      ...(local.advertised !== advertised && !flags.mediaAddress
        ? { address: { family: local.family, address: local.advertised } }
        : {}),
      ...(flags.transportProtocol ? { proto: flags.transportProtocol } : {}),
      ...carriedFromOffer(offer, i),
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
  };
  try {
    return rewriteSdp(session, plan);
  } catch (e) {
    if (e instanceof SdpError) throw new NgError(e.reason);
    throw e;
  }
}
