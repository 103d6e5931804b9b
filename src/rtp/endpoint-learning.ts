/**
 * Endpoint learning: where to send a party's media, decided from the packets it sends us (NAT makes the SDP
 * address wrong). Pure: the caller passes the packet's source and the time.
 *
 * - `off`: keep the SDP address; packets from elsewhere are still relayed unless `strict source`.
 * - `immediate`: the first packet's source becomes the endpoint and is confirmed.
 * - `delayed` (default) and `heuristic`: the latest source is followed until 3 s after the last offer or answer
 *   (`restartLearning`; the first packet when there was none), and the first packet after that confirms the
 *   endpoint (rtpengine 10.5: one packet 5 s after the answer confirms at once); `heuristic` prefers a source
 *   that matches the SDP address exactly, then one with the SDP's IP, so a stray packet does not win over the
 *   advertised endpoint.
 * After confirmation the endpoint only moves with `media handover`. `asymmetric` never learns.
 */
import type { Endpoint, PacketStream } from '../call/model.ts';

export const LEARNING_WINDOW_MS = 3000;

export type Verdict = 'accept' | 'drop';

function same(a: Endpoint | null, address: string, port: number): boolean {
  return a !== null && a.port === port && a.address === address;
}

function rank(s: PacketStream, address: string, port: number): number {
  const adv = s.advertised;
  if (!adv) return 0;
  if (adv.address === address && adv.port === port) return 2;
  if (adv.address === address) return 1;
  return 0;
}

/** Updates `s.endpoint`/`s.confirmed` for a packet from address:port and says whether to relay it. */
export function learnFrom(
  s: PacketStream,
  address: string,
  port: number,
  family: 'IP4' | 'IP6',
  nowMs: number,
): Verdict {
  if (s.confirmed) {
    if (same(s.endpoint, address, port)) return 'accept';
    if (s.mediaHandover) {
      s.endpoint = { family, address, port };
      return 'accept';
    }
    return s.strictSource ? 'drop' : 'accept';
  }
  if (s.asymmetric || s.learning === 'off') {
    if (s.strictSource && !same(s.advertised, address, port)) return 'drop';
    return 'accept';
  }
  if (s.learning === 'immediate') {
    s.endpoint = { family, address, port };
    s.confirmed = true;
    return 'accept';
  }
  // delayed / heuristic
  if (s.learningSince === 0) s.learningSince = nowMs;
  if (s.learning === 'heuristic' && s.endpoint !== null) {
    const current = rank(s, s.endpoint.address, s.endpoint.port);
    const candidate = rank(s, address, port);
    if (candidate >= current || !s.endpointFromPacket) {
      if (!same(s.endpoint, address, port)) s.endpoint = { family, address, port };
      s.endpointFromPacket = true;
    }
  } else {
    // the same source keeps the same object: a stream handed over notices a move by identity (kernelize.ts)
    if (!same(s.endpoint, address, port)) s.endpoint = { family, address, port };
    s.endpointFromPacket = true;
  }
  if (nowMs - s.learningSince >= LEARNING_WINDOW_MS) s.confirmed = true;
  return 'accept';
}

/** An offer or answer opens the learning window again on the streams it touched that are not confirmed. */
export function restartLearning(s: PacketStream, nowMs: number): void {
  if (!s.confirmed) s.learningSince = nowMs;
}
