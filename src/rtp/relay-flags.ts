/**
 * What an offer or answer's relay flags do to the streams of the two parties it concerns, applied once the SDP is
 * rendered (the mux state of each side is known only then). rtpengine 10.5, seen on the wire:
 *
 * - `pierce NAT` and `NAT-wait` concern the party that sent this SDP (offerer in an offer, answerer in an answer).
 * - `port latching`: a party that re-offers from a new port keeps our ports on the other side (no rebind).
 *   `no port latching` only matters with ICE, so without it behaves as the default (new ports).
 * - every offer/answer restarts the 3 s learning window of the streams it touched that are not confirmed.
 */
import type { CallMedia, Monologue } from '../call/model.ts';
import type { MediaFlags } from '../ng/request.ts';
import { restartLearning } from './endpoint-learning.ts';
import { startPiercing } from './nat-pierce.ts';
import { wireRtcpMux } from './rtcp-demux.ts';

export interface RelayParties {
  sender: Monologue;
  receiver: Monologue;
}

export function applyRelayFlags(parties: RelayParties, flags: MediaFlags, nowMs: number): void {
  const { sender, receiver } = parties;
  const pierce = flags.flags.has('pierce-nat');
  const natWait = flags.flags.has('nat-wait');
  sender.medias.forEach((media, i) => {
    const peer = receiver.medias[i];
    if (peer) wireRtcpMux(media, peer);
    for (const s of [media.rtp, media.rtcp]) {
      // a party that already sent us something has its NAT open: a later NAT-wait does not stop it again
      if (natWait && s.stats.packets === 0) s.natWait = true;
      else delete s.natWait;
      s.pierceNat = pierce;
    }
    if (pierce && !media.rejected) {
      startPiercing(media.rtp);
      // a muxed party has no RTCP port of its own to open
      if (!media.rtcpMux) startPiercing(media.rtcp);
    }
  });
  for (const m of [sender, receiver])
    for (const media of m.medias) {
      restartLearning(media.rtp, nowMs);
      restartLearning(media.rtcp, nowMs);
    }
}

/** `port latching`: the medias a moved endpoint would rebind keep their ports (fork rebinds still happen). */
export function latchedRebinds(rebind: CallMedia[], flags: MediaFlags, forkRebind: boolean): CallMedia[] {
  return flags.flags.has('port-latching') && !forkRebind ? [] : rebind;
}
