/**
 * Participant selection for the media control commands (ng-protocol.md §2.6), as rtpengine 10.5 resolves it:
 * `all` = every party; `from-tag` = that party (with or without `directional`); else `label`, else `address`
 * (the first party whose SDP media address matches); nothing = the whole call. Pure: returns the parties or
 * rtpengine's error reason.
 */
import type { ParticipantSelector } from '../ng/media-control.ts';
import type { Call, Monologue } from './model.ts';

export const SELECT_ERROR = {
  noSuchTag: 'From-tag given, but no such tag exists',
  noSuchLabel: 'No monologue matching the given label',
  noSuchAddress: 'Failed to match address to any tag',
  noParty: 'No participant party specified',
} as const;

export type Selection =
  | { scope: 'call'; parties: Monologue[] }
  | { scope: 'all'; parties: Monologue[] }
  | { scope: 'parties'; parties: Monologue[] }
  | { error: string };

function live(call: Call): Monologue[] {
  return [...call.monologues.values()].filter((m) => !m.deleted);
}

function hasAddress(m: Monologue, address: string): boolean {
  return m.medias.some((media) => media.rtp.advertised?.address === address);
}

export function selectParticipants(call: Call, sel: ParticipantSelector): Selection {
  if (sel.all) return { scope: 'all', parties: live(call) };
  if (sel.fromTag !== null) {
    const m = call.monologues.get(sel.fromTag);
    return m ? { scope: 'parties', parties: [m] } : { error: SELECT_ERROR.noSuchTag };
  }
  if (sel.label !== null) {
    const m = live(call).find((x) => x.label === sel.label);
    return m ? { scope: 'parties', parties: [m] } : { error: SELECT_ERROR.noSuchLabel };
  }
  if (sel.address !== null) {
    const address = sel.address;
    const m = [...call.monologues.values()]
      .sort((a, b) => a.index - b.index)
      .find((x) => hasAddress(x, address));
    return m ? { scope: 'parties', parties: [m] } : { error: SELECT_ERROR.noSuchAddress };
  }
  return { scope: 'call', parties: live(call) };
}
