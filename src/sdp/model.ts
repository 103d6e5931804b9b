/**
 * The SDP model: every line exactly as it arrived (text and line ending), in order, with typed
 * views over the lines we understand. The views are read-only conveniences; `writeSdp` only ever
 * writes the raw lines, so nothing is lost or reordered.
 */

export type SdpAddrType = 'IP4' | 'IP6';
export type SdpDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One line of the SDP as received: `text` has no line ending, `eol` is what followed it. */
export interface SdpLine {
  /** The line's type letter (`v`, `o`, `a`, ...); '' for an empty line. */
  readonly type: string;
  /** Everything after `x=`. */
  readonly value: string;
  readonly text: string;
  readonly eol: '\r\n' | '\n' | '';
}

/** An a= line: `a=name` or `a=name:value`. */
export interface SdpAttribute {
  readonly name: string;
  readonly value: string | null;
  readonly line: SdpLine;
}

export interface SdpOrigin {
  readonly username: string;
  readonly sessionId: string;
  /** Kept as text: versions exceed 2^53 in the wild. */
  readonly sessionVersion: string;
  readonly netType: string;
  readonly addrType: string;
  readonly address: string;
}

export interface SdpConnection {
  readonly addrType: SdpAddrType;
  readonly address: string;
}

export interface SdpRtpmap {
  readonly encoding: string;
  readonly clockRate: number;
  /** As written; absent when the rtpmap has no channel count. */
  readonly channels?: number;
}

export interface SdpRtcp {
  readonly port: number;
  readonly addrType?: SdpAddrType;
  readonly address?: string;
}

export interface SdpMedia {
  /** The m= line and every line up to the next m=. */
  readonly lines: readonly SdpLine[];
  readonly type: string;
  readonly port: number;
  readonly portCount: number;
  readonly proto: string;
  /** Payload types (or other fmt tokens) in m= order. */
  readonly formats: readonly string[];
  /** The media-level c= line, if any. */
  readonly connection?: SdpConnection;
  /** The media's own c=, else the session's. */
  readonly effectiveConnection?: SdpConnection;
  /** The media's own direction attribute as written, null when it has none. */
  readonly direction: SdpDirection | null;
  readonly rtcp?: SdpRtcp;
  readonly rtcpMux: boolean;
  /** Any ICE attribute at media or session level (candidate, ice-ufrag, ice-pwd, ...). */
  readonly hasIce: boolean;
  readonly rtpmaps: ReadonlyMap<string, SdpRtpmap>;
  readonly fmtps: ReadonlyMap<string, string>;
  readonly ptime?: number;
  readonly mid?: string;
  /** Port 0 in the m= line. */
  readonly rejected: boolean;
  /** The media's a= lines in order. */
  readonly attributes: readonly SdpAttribute[];
}

export interface SdpSession {
  /** Session-level lines: from v= up to the first m=. */
  readonly lines: readonly SdpLine[];
  readonly version: number;
  readonly origin: SdpOrigin;
  readonly sessionName: string;
  readonly connection?: SdpConnection;
  /** Session-level direction attribute as written, null when there is none. */
  readonly direction: SdpDirection | null;
  /** Session-level a= lines in order. */
  readonly attributes: readonly SdpAttribute[];
  readonly media: readonly SdpMedia[];
}

export const DIRECTIONS: ReadonlySet<string> = new Set<SdpDirection>([
  'sendrecv',
  'sendonly',
  'recvonly',
  'inactive',
]);

/** Attributes that belong to ICE; rtpengine drops or regenerates all of them. */
export const ICE_ATTRIBUTES: ReadonlySet<string> = new Set([
  'ice-ufrag',
  'ice-pwd',
  'ice-options',
  'ice-lite',
  'ice-mismatch',
  'candidate',
  'remote-candidates',
  'end-of-candidates',
]);

export function isZeroAddress(c: SdpConnection | undefined): boolean {
  return c !== undefined && (c.address === '0.0.0.0' || c.address === '::');
}
