/**
 * The payload types of each m= line of an SDP, as the packet path needs them (codec names for silence,
 * telephone-event types for RFC 4733). Read from the SDP text the party sent; tolerant of anything else in it.
 */
import type { SdpSession } from '../sdp/index.ts';
import type { PayloadTypes } from './media-control.ts';
import { STATIC_ENCODINGS } from './silence.ts';

export function payloadTypesOfSdp(sdp: string): PayloadTypes[] {
  const result: PayloadTypes[] = [];
  const orders: number[][] = [];
  let current: PayloadTypes | null = null;
  for (const raw of sdp.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('m=')) {
      const fields = line.slice(2).split(/\s+/);
      const types = fields
        .slice(3)
        .map((f) => Number.parseInt(f, 10))
        .filter((n) => Number.isInteger(n) && n >= 0 && n <= 127);
      current = { byType: new Map(), dtmf: new Set(), primary: null };
      for (const t of types) {
        const known = STATIC_ENCODINGS.get(t);
        if (known) current.byType.set(t, { ...known });
      }
      orders.push(types);
      result.push(current);
      continue;
    }
    if (!current) continue;
    const m = /^a=rtpmap:(\d+)\s+([^/\s]+)\/(\d+)/i.exec(line);
    if (!m) continue;
    const pt = Number(m[1]);
    const encoding = (m[2] ?? '').toUpperCase();
    current.byType.set(pt, { encoding, clockRate: Number(m[3]) });
    if (encoding === 'TELEPHONE-EVENT') current.dtmf.add(pt);
  }
  for (const [i, p] of result.entries()) {
    const order = orders[i] ?? [];
    p.primary = order.find((t) => !p.dtmf.has(t) && p.byType.get(t)?.encoding !== 'CN') ?? null;
  }
  return result;
}

/**
 * The same as `payloadTypesOfSdp(text)` for an SDP already parsed from that text (the call has just parsed it):
 * the m= lines' formats and each media's `a=rtpmap` attributes in order, read by the same rules, without
 * splitting and scanning the text again. test/unit/rtp/payload-types.test.ts holds the two equal on every SDP
 * of the golden cases and fixtures.
 */
export function payloadTypesOfSession(session: SdpSession): PayloadTypes[] {
  return session.media.map((media) => {
    const types: number[] = [];
    for (const f of media.formats) {
      const n = Number.parseInt(f, 10);
      if (Number.isInteger(n) && n >= 0 && n <= 127) types.push(n);
    }
    const current: PayloadTypes = { byType: new Map(), dtmf: new Set(), primary: null };
    for (const t of types) {
      const known = STATIC_ENCODINGS.get(t);
      if (known) current.byType.set(t, { ...known });
    }
    for (const a of media.attributes) {
      if (a.value === null || a.name.toLowerCase() !== 'rtpmap') continue;
      const m = RTPMAP_VALUE.exec(a.value);
      if (!m) continue;
      const pt = Number(m[1]);
      const encoding = (m[2] ?? '').toUpperCase();
      current.byType.set(pt, { encoding, clockRate: Number(m[3]) });
      if (encoding === 'TELEPHONE-EVENT') current.dtmf.add(pt);
    }
    current.primary =
      types.find((t) => !current.dtmf.has(t) && current.byType.get(t)?.encoding !== 'CN') ?? null;
    return current;
  });
}

/** `a=rtpmap:` as payloadTypesOfSdp reads it, after the attribute name. */
const RTPMAP_VALUE = /^(\d+)\s+([^/\s]+)\/(\d+)/;
