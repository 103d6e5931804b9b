/**
 * rtcp-mux on one side only (`rtcp-mux: [demux]` / `[accept]`, recorded from rtpengine 10.5): the muxed side sends
 * and receives RTP and RTCP on its RTP port, the other side has a separate RTCP port. RTCP that the muxed side
 * sends to our RTP port leaves from our RTCP port towards the other side's RTCP port; RTCP from the other side's
 * RTCP port leaves from our RTP port towards the muxed side's RTP port. With mux on neither side nothing is
 * demultiplexed (RTCP on an RTP port is relayed as RTP is).
 */
import type { CallMedia } from '../call/model.ts';

/** RFC 5761 section 4: a second byte of 192..223 is an RTCP packet type (RTP would be payload type 64..95). */
export function isRtcp(packet: Buffer): boolean {
  const b = packet[1] ?? 0;
  return b >= 192 && b <= 223;
}

/** Points each side's streams at where the other side receives, given each side's mux state. */
export function wireRtcpMux(a: CallMedia, b: CallMedia): void {
  wireSide(a, b);
  wireSide(b, a);
}

function wireSide(from: CallMedia, to: CallMedia): void {
  from.rtp.sink = to.rtp;
  if (from.rtcpMux && !to.rtcpMux) {
    from.rtp.rtcpSink = to.rtcp;
    // rtpengine has no RTCP port for a side muxed by it alone: what arrives there goes nowhere
    from.rtcp.sink = null;
  } else {
    delete from.rtp.rtcpSink;
    from.rtcp.sink = to.rtcpMux ? to.rtp : to.rtcp;
  }
}
