/**
 * What the call logic needs to know of a party's SDP, independent of how the SDP engine models it.
 * `fromSdp` (in sdp-adapter.ts) builds it from the parsed session.
 */
import type { Family } from '../ng/request.ts';

export interface SdpMediaView {
  type: string;
  port: number;
  protocol: string;
  /** The effective connection address (media-level c=, else session-level), null when absent. */
  connection: { family: Family; address: string } | null;
  /** `a=rtcp:PORT [IN IP4 addr]`, null when absent. */
  rtcp: { port: number; address: string | null } | null;
  rtcpMux: boolean;
  direction: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive' | null;
  /** e.g. "PCMU/8000", from the first payload type. */
  firstCodec: string | null;
}

export interface SdpView {
  media: SdpMediaView[];
}
