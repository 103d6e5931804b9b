/**
 * Reads the SDP-shaping options out of an ng offer/answer dictionary, in the forms rtpengine 10.5
 * accepts: `replace: [...]`, `flags: [...]` (also `replace-origin` style), `ICE`, spelled with
 * spaces, dashes or underscores in any case.
 */
import type { NgDict, NgValue } from '../ng/types.ts';
import type { SdpReplaceFlags, SdpRewritePlan } from './rewrite.ts';

/** The part of an `SdpRewritePlan` that comes straight from the ng message. */
export interface SdpNgOptions {
  readonly replace: SdpReplaceFlags;
  readonly rtcpAttribute: SdpRewritePlan['rtcpAttribute'];
  readonly originalSendrecv: boolean;
  /** The caller supplies the tag (`SdpRewritePlan.loopProtect`) when this is set. */
  readonly loopProtect: boolean;
  /** `ICE: remove`: the caller gives no `SdpMediaPlan.ice`. */
  readonly iceRemove: boolean;
  /** `transport-protocol`, when given. */
  readonly transportProtocol?: string;
}

const normalise = (s: string): string => s.toLowerCase().replace(/[-_]/g, ' ').trim();

const strings = (v: NgValue | undefined): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string').map(normalise) : [];

export function planOptionsFromNg(msg: NgDict): SdpNgOptions {
  const flags = strings(msg.flags);
  const replace = new Set([
    ...strings(msg.replace),
    ...flags.filter((f) => f.startsWith('replace ')).map((f) => f.slice(8)),
  ]);
  const has = (f: string): boolean => flags.includes(f);
  const ice = typeof msg.ICE === 'string' ? normalise(msg.ICE) : '';
  const proto = msg['transport-protocol'] ?? msg['transport protocol'];
  return {
    replace: {
      origin: replace.has('origin'),
      sessionConnection: replace.has('session connection'),
      username: replace.has('username'),
      sessionName: replace.has('session name'),
      sdpVersion: replace.has('sdp version'),
      zeroAddress: replace.has('zero address'),
    },
    rtcpAttribute: has('no rtcp attribute') ? 'none' : has('full rtcp attribute') ? 'full' : 'default',
    originalSendrecv: has('original sendrecv'),
    loopProtect: has('loop protect'),
    iceRemove: ice === 'remove',
    ...(typeof proto === 'string' ? { transportProtocol: proto } : {}),
  };
}
