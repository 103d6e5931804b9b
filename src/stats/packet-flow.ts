/**
 * Which directions of a call carried packets, judged when it ends: a party whose streams (RTP or RTCP) received
 * anything sent media. No party sending makes a zero-way call, exactly one a one-way call (10.5's
 * `zerowaystreams` / `onewaystreams`, one count per call whatever its number of m= lines).
 */
import type { Call } from '../call/model.ts';
import type { CallPacketFlow } from './counters.ts';

export function callPacketFlow(call: Call): CallPacketFlow {
  let sending = 0;
  for (const m of call.monologues.values()) {
    let sent = false;
    for (const media of m.medias)
      if (media.rtp.stats.packets > 0 || media.rtcp.stats.packets > 0) sent = true;
    if (sent) sending++;
  }
  if (sending === 0) return 'none';
  return sending === 1 ? 'one-way' : 'both-ways';
}
