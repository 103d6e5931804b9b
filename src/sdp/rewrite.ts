/**
 * Writes the SDP rtpengine 10.5 sends on for an input SDP, given where the media now goes (the
 * plan). Lines rtpengine does not manage are kept verbatim, in order, with their own line endings;
 * lines it rewrites in place (o=, s=, c=, m=) keep their line ending too; the attributes it manages
 * are dropped from where they were and written at the end of each media section, in rtpengine's
 * order, ending in CRLF (all recorded from the real daemon, see test/golden/sdp/).
 */
import { SDP_ERROR_REASONS, SdpError } from './errors.ts';
import {
  DIRECTIONS,
  ICE_ATTRIBUTES,
  isZeroAddress,
  type SdpAddrType,
  type SdpAttribute,
  type SdpDirection,
  type SdpLine,
  type SdpMedia,
  type SdpSession,
} from './model.ts';
import { defaultRtpmapText } from './static-payload-types.ts';

export interface SdpAddress {
  readonly family: SdpAddrType;
  readonly address: string;
}

/** rtpengine's own ICE for one m= line (when ICE is not removed and the input had ICE). */
export interface SdpIcePlan {
  readonly ufrag: string;
  readonly pwd: string;
  /** Candidate values, the text after `a=candidate:`; see `hostCandidates`. */
  readonly candidates: readonly string[];
}

export interface SdpMediaPlan {
  /** The local RTP port to advertise; 0 rejects the m= line (a rejected input stays rejected). */
  readonly rtpPort: number;
  /** Written as a=rtcp:PORT. rtpengine advertises RTP+1 when offering mux, RTP when mux is agreed. */
  readonly rtcpPort: number;
  /** Write a=rtcp-mux. */
  readonly rtcpMux: boolean;
  /** This m= line's address, when it differs from the plan's. */
  readonly address?: SdpAddress;
  /** Forces the direction attribute; by default it follows the input (see `outgoingDirection`). */
  readonly direction?: SdpDirection;
  /** Written when the input m= has no a=ptime: rtpengine carries the offer's ptime into the answer. */
  readonly ptime?: number;
  /** Written when the input m= has no a=mid: rtpengine carries the offer's mid into the answer. */
  readonly mid?: string;
  readonly ice?: SdpIcePlan;
  /** Replaces the m= transport protocol (ng `transport-protocol`). */
  readonly proto?: string;
  /**
   * The payload types to keep, in the order to write them (see codecs.ts); default: the input's. Their rtpmap,
   * fmtp and rtcp-fb lines go with them. Empty: an m= line with no payload types whose rtpmap, fmtp and
   * rtcp-fb lines stay where they were, as rtpengine 10.5 writes a codec list left with only telephone-event.
   */
  readonly formats?: readonly string[];
  /** fmtp for a payload type whose input has none (an answer after codec flags takes the offer's). */
  readonly fmtpFallback?: ReadonlyMap<string, string>;
  /** fmtp for a payload type, whatever the input has (a repacketized answer takes the offer's). */
  readonly fmtpOverride?: ReadonlyMap<string, string>;
  /** Written as a=ptime whatever the input says (ng `ptime`, `ptime-reverse`). */
  readonly ptimeOverride?: number;
}

/** The ng `replace` items. */
export interface SdpReplaceFlags {
  readonly origin: boolean;
  readonly sessionConnection: boolean;
  readonly username: boolean;
  readonly sessionName: boolean;
  readonly sdpVersion: boolean;
  readonly zeroAddress: boolean;
}

/**
 * What rtpengine remembers about one side's SDPs across re-INVITEs, for the `username`,
 * `session name` and `SDP version` replace items. Kept by the caller, made by `nextOriginState`.
 */
export interface SdpOriginState {
  /** o= username and s= of the first SDP this side sent. */
  readonly username: string;
  readonly sessionName: string;
  /** The version to advertise: the first SDP's, plus one each time the SDP changed. */
  readonly sessionVersion: string;
  /** A 64-bit hash of the last SDP as received, with its o= version left out: what "changed" is measured on. */
  readonly fingerprint: string;
}

export interface SdpRewritePlan {
  /** The local address advertised in c= (and o= with replace origin). */
  readonly address: SdpAddress;
  /** One entry per input m= line, in order. */
  readonly media: readonly SdpMediaPlan[];
  readonly replace: SdpReplaceFlags;
  /** `no rtcp attribute` → 'none', `full rtcp attribute` → 'full'. */
  readonly rtcpAttribute: 'default' | 'none' | 'full';
  /** `original sendrecv`: direction attributes pass through untouched where they were. */
  readonly originalSendrecv: boolean;
  /** `loop protect`: the tag written as session-level a=rtpengine:TAG. */
  readonly loopProtect?: string;
  /** Needed for the username, session name and SDP version replace items. */
  readonly origin?: SdpOriginState;
  /** `strip extmap`: a=extmap lines are dropped (a=extmap-allow-mixed stays). */
  readonly stripExtmap?: boolean;
}

export const NO_REPLACE: SdpReplaceFlags = {
  origin: false,
  sessionConnection: false,
  username: false,
  sessionName: false,
  sdpVersion: false,
  zeroAddress: false,
};

const CRLF = '\r\n';

const increment = (version: string): string =>
  /^\d+$/.test(version) ? (BigInt(version) + 1n).toString() : version;

/** Feeds a string into two 32-bit FNV-1a hashes (different offsets), together a 64-bit fingerprint. */
function hashInto(h: [number, number], text: string): void {
  let a = h[0];
  let b = h[1];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 16777619);
  }
  // line separator, so that moving text across lines changes the hash
  h[0] = Math.imul(a ^ 10, 16777619);
  h[1] = Math.imul(b ^ 10, 16777619);
}

/**
 * What "the SDP changed" is measured on: every line, with the o= version left out. Kept as a 64-bit hash
 * rather than the text, because every party of every call keeps one.
 */
function fingerprintOf(input: SdpSession): string {
  const o = input.origin;
  const h: [number, number] = [0x811c9dc5, 0x050c5d1f];
  for (const line of input.lines) {
    hashInto(
      h,
      line.type === 'o'
        ? `o=${o.username} ${o.sessionId} ${o.netType} ${o.addrType} ${o.address}`
        : line.text,
    );
  }
  for (const m of input.media) for (const line of m.lines) hashInto(h, line.text);
  return (h[0] >>> 0).toString(16) + (h[1] >>> 0).toString(16).padStart(8, '0');
}

/**
 * The origin state after this side sent `input`: pass the previous state (undefined for the
 * side's first SDP) and store the result. Call it for every SDP the side sends.
 */
export function nextOriginState(previous: SdpOriginState | undefined, input: SdpSession): SdpOriginState {
  const fingerprint = fingerprintOf(input);
  if (previous === undefined) {
    return {
      username: input.origin.username,
      sessionName: input.sessionName,
      sessionVersion: input.origin.sessionVersion,
      fingerprint,
    };
  }
  return {
    ...previous,
    sessionVersion:
      fingerprint === previous.fingerprint ? previous.sessionVersion : increment(previous.sessionVersion),
    fingerprint,
  };
}

/** rtpengine's host candidates for one m= line: component 1 for RTP, 2 for RTCP unless muxed. */
export function hostCandidates(
  foundation: string,
  address: string,
  rtpPort: number,
  rtcpPort: number | null,
): string[] {
  // RFC 8445 priority with type preference 126 (host) and local preference 65535, as rtpengine writes
  const priority = (component: number): number => 126 * 2 ** 24 + 65535 * 2 ** 8 + (256 - component);
  const out = [`${foundation} 1 UDP ${priority(1)} ${address} ${rtpPort} typ host`];
  if (rtcpPort !== null) out.push(`${foundation} 2 UDP ${priority(2)} ${address} ${rtcpPort} typ host`);
  return out;
}

/**
 * The direction rtpengine writes for an m= line: the media's own, else the session's, else
 * sendrecv; a zero c= address (old-style hold) takes away "recv".
 */
export function outgoingDirection(session: SdpSession, media: SdpMedia): SdpDirection {
  const d = media.direction ?? session.direction ?? 'sendrecv';
  if (!isZeroAddress(media.effectiveConnection)) return d;
  if (d === 'sendrecv') return 'sendonly';
  if (d === 'recvonly') return 'inactive';
  return d;
}

const isDirection = (a: SdpAttribute): boolean => a.value === null && DIRECTIONS.has(a.name);

/** rtcp-fb lines name one payload type, or `*` for all; only the former move with their codec. */
const rtcpFbPayloadType = (a: SdpAttribute): string | null => {
  if (a.name !== 'rtcp-fb' || a.value === null) return null;
  const pt = a.value.split(' ')[0] ?? '';
  return pt === '*' ? null : pt;
};

function isManagedMediaAttribute(a: SdpAttribute, plan: SdpRewritePlan, mp: SdpMediaPlan): boolean {
  const codecsKept = mp.formats !== undefined && mp.formats.length === 0;
  switch (a.name) {
    case 'extmap':
      return plan.stripExtmap === true;
    case 'rtpmap':
    case 'fmtp':
      return !codecsKept;
    case 'rtcp':
    case 'rtcp-mux':
    case 'ptime':
    case 'mid':
      return true;
    case 'rtcp-fb':
      return !codecsKept && rtcpFbPayloadType(a) !== null;
    default:
      return ICE_ATTRIBUTES.has(a.name) || (isDirection(a) && !plan.originalSendrecv);
  }
}

function isDroppedSessionAttribute(a: SdpAttribute, plan: SdpRewritePlan): boolean {
  // rtpengine 10.5 does not bundle, so a=group is dropped; ICE and direction move to the media
  return (
    a.name === 'group' ||
    ICE_ATTRIBUTES.has(a.name) ||
    (isDirection(a) && !plan.originalSendrecv) ||
    (a.name === 'extmap' && plan.stripExtmap === true)
  );
}

function attributesByLine(attrs: readonly SdpAttribute[]): Map<SdpLine, SdpAttribute> {
  return new Map(attrs.map((a) => [a.line, a]));
}

const connectionLine = (a: SdpAddress): string => `c=IN ${a.family} ${a.address}`;

function originLine(input: SdpSession, plan: SdpRewritePlan): string | null {
  const { replace, origin: state } = plan;
  const o = input.origin;
  if (!replace.origin && !(state !== undefined && (replace.username || replace.sdpVersion))) return null;
  const username = replace.username && state !== undefined ? state.username : o.username;
  const version = replace.sdpVersion && state !== undefined ? state.sessionVersion : o.sessionVersion;
  const where = replace.origin
    ? `IN ${plan.address.family} ${plan.address.address}`
    : `${o.netType} ${o.addrType} ${o.address}`;
  return `o=${username} ${o.sessionId} ${version} ${where}`;
}

function writeSession(input: SdpSession, plan: SdpRewritePlan): string {
  let out = '';
  const sessionConnectionUsed = input.media.some((m) => m.connection === undefined);
  const attributes = attributesByLine(input.attributes);
  for (const line of input.lines) {
    let text: string | null = line.text;
    if (line.type === '') text = null;
    else if (line.type === 'o') text = originLine(input, plan) ?? line.text;
    else if (line.type === 's' && plan.replace.sessionName && plan.origin !== undefined)
      text = `s=${plan.origin.sessionName}`;
    else if (line.type === 'c') {
      const keepZero = isZeroAddress(input.connection) && !plan.replace.zeroAddress;
      if (!keepZero && (plan.replace.sessionConnection || sessionConnectionUsed))
        text = connectionLine(plan.address);
    } else if (line.type === 'a') {
      const a = attributes.get(line);
      if (a !== undefined && isDroppedSessionAttribute(a, plan)) text = null;
    }
    if (text !== null) out += text + line.eol;
  }
  if (plan.loopProtect !== undefined) out += `a=rtpengine:${plan.loopProtect}${CRLF}`;
  return out;
}

function rtpmapText(media: SdpMedia, pt: string): string {
  const r = media.rtpmaps.get(pt);
  if (r === undefined) return defaultRtpmapText(pt);
  const channels = r.channels !== undefined && r.channels !== 1 ? `/${r.channels}` : '';
  return `${r.encoding}/${r.clockRate}${channels}`;
}

function managedAttributes(
  input: SdpSession,
  media: SdpMedia,
  mp: SdpMediaPlan,
  plan: SdpRewritePlan,
  address: SdpAddress,
): string[] {
  const out: string[] = [];
  const mid = media.mid ?? mp.mid;
  if (mid !== undefined) out.push(`a=mid:${mid}`);
  for (const pt of mp.formats ?? media.formats) {
    out.push(`a=rtpmap:${pt} ${rtpmapText(media, pt)}`);
    const fmtp = mp.fmtpOverride?.get(pt) ?? media.fmtps.get(pt) ?? mp.fmtpFallback?.get(pt);
    if (fmtp !== undefined) out.push(`a=fmtp:${pt} ${fmtp}`);
    for (const a of media.attributes) if (rtcpFbPayloadType(a) === pt) out.push(a.line.text);
  }
  if (!plan.originalSendrecv) out.push(`a=${mp.direction ?? outgoingDirection(input, media)}`);
  if (plan.rtcpAttribute === 'full')
    out.push(`a=rtcp:${mp.rtcpPort} IN ${address.family} ${address.address}`);
  else if (plan.rtcpAttribute === 'default') out.push(`a=rtcp:${mp.rtcpPort}`);
  if (mp.rtcpMux) out.push('a=rtcp-mux');
  const ptime = mp.ptimeOverride ?? media.ptime ?? mp.ptime;
  if (ptime !== undefined) out.push(`a=ptime:${ptime}`);
  if (mp.ice !== undefined) {
    out.push(`a=ice-ufrag:${mp.ice.ufrag}`, `a=ice-pwd:${mp.ice.pwd}`);
    for (const c of mp.ice.candidates) out.push(`a=candidate:${c}`);
  }
  // kept even with ICE=remove: rtpengine 10.5 does so (recorded)
  if (media.attributes.some((a) => a.name === 'end-of-candidates')) out.push('a=end-of-candidates');
  return out;
}

function writeMedia(input: SdpSession, media: SdpMedia, mp: SdpMediaPlan, plan: SdpRewritePlan): string {
  const rejected = media.rejected || mp.rtpPort === 0;
  const address = mp.address ?? plan.address;
  const attributes = attributesByLine(media.attributes);
  let out = '';
  for (const line of media.lines) {
    let text: string | null = line.text;
    if (line.type === '') text = null;
    else if (line.type === 'm') {
      const port = rejected ? 0 : mp.rtpPort;
      const count = media.portCount > 1 ? `/${media.portCount}` : '';
      const formats = rejected ? media.formats : (mp.formats ?? media.formats);
      // rtpengine writes the separator even when no payload type follows
      text = `m=${media.type} ${port}${count} ${mp.proto ?? media.proto} ${formats.join(' ')}`;
    } else if (line.type === 'c') {
      if (!(isZeroAddress(media.connection) && !plan.replace.zeroAddress)) text = connectionLine(address);
    } else if (line.type === 'a') {
      const a = attributes.get(line);
      if (a !== undefined && isManagedMediaAttribute(a, plan, mp)) text = null;
    }
    if (text !== null) out += text + line.eol;
  }
  if (!rejected) for (const l of managedAttributes(input, media, mp, plan, address)) out += l + CRLF;
  return out;
}

/**
 * The SDP rtpengine 10.5 sends on for `input` under `plan`. Throws SdpError('Error rewriting
 * SDP') when the SDP has no m= line or the plan does not have one entry per m= line.
 */
export function rewriteSdp(input: SdpSession, plan: SdpRewritePlan): string {
  if (input.media.length === 0) throw new SdpError(SDP_ERROR_REASONS.rewrite, 'no media');
  if (plan.media.length !== input.media.length)
    throw new SdpError(SDP_ERROR_REASONS.rewrite, 'plan does not match the m= lines');
  let out = writeSession(input, plan);
  input.media.forEach((m, i) => {
    const mp = plan.media[i];
    if (mp !== undefined) out += writeMedia(input, m, mp, plan);
  });
  return out;
}
