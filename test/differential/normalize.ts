/**
 * Makes two daemons' ng replies comparable: what legitimately differs between rtpengine and us (the media port
 * numbers each picked, clock readings, random ICE credentials) becomes a placeholder; everything else is left
 * exactly as it was, so the comparison still sees every key, value and SDP byte.
 *
 * Media ports become `PORT<n>`, n counting distinct ports in order of first appearance over the whole scenario
 * (replies in order, SDP before the rest, dictionary keys sorted), so "the re-offer kept the port" and "RTCP is
 * RTP+1" survive the renaming consistently on both sides.
 */
import type { NgDict, NgValue } from '../../src/ng/types.ts';

const TIMESTAMP_KEYS = new Set(['created', 'created_us', 'last signal', 'last packet', 'last redis update']);

/** Keys whose value is always one of our own media ports. */
const LOCAL_PORT_KEYS = new Set(['local port']);

export class ScenarioNormalizer {
  readonly #ports = new Map<number, string>();

  constructor(readonly portRange: readonly [number, number]) {}

  #port(p: number): string {
    let name = this.#ports.get(p);
    if (name === undefined) {
      name = `PORT${this.#ports.size}`;
      this.#ports.set(p, name);
    }
    return name;
  }

  #isLocal(p: number): boolean {
    return p >= this.portRange[0] && p <= this.portRange[1];
  }

  #portToken(tok: string): string {
    const n = Number(tok);
    return /^\d+$/.test(tok) && this.#isLocal(n) ? this.#port(n) : tok;
  }

  sdp(text: string): string {
    return text.replace(/^([^\r\n]*)/gm, (line) => {
      if (line.startsWith('m=')) {
        const parts = line.split(' ');
        const [port, count] = (parts[1] ?? '').split('/');
        parts[1] = this.#portToken(port ?? '') + (count !== undefined ? `/${count}` : '');
        return parts.join(' ');
      }
      if (line.startsWith('a=rtcp:')) {
        const [port, ...rest] = line.slice(7).split(' ');
        return ['a=rtcp:' + this.#portToken(port ?? ''), ...rest].join(' ');
      }
      if (line.startsWith('a=ice-ufrag:')) return 'a=ice-ufrag:UFRAG';
      if (line.startsWith('a=ice-pwd:')) return 'a=ice-pwd:PWD';
      // loop protect's marker only has to be recognisable by the daemon that wrote it
      if (line.startsWith('a=rtpengine:')) return 'a=rtpengine:MARKER';
      if (line.startsWith('a=candidate:')) {
        const parts = line.slice(12).split(' ');
        parts[0] = 'FOUNDATION';
        if (parts[5] !== undefined) parts[5] = this.#portToken(parts[5]);
        return `a=candidate:${parts.join(' ')}`;
      }
      return line;
    });
  }

  value(v: NgValue, key: string | null): NgValue {
    if (typeof v === 'number' && key !== null) {
      if (TIMESTAMP_KEYS.has(key)) return 'TIMESTAMP';
      if (LOCAL_PORT_KEYS.has(key)) return this.#port(v);
    }
    if (typeof v === 'string' && key === 'sdp') return this.sdp(v);
    if (Array.isArray(v)) return v.map((x) => this.value(x, null));
    if (v !== null && typeof v === 'object') {
      const out: NgDict = {};
      const keys = Object.keys(v).sort((a, b) => (a === 'sdp' ? -1 : b === 'sdp' ? 1 : a < b ? -1 : 1));
      for (const k of keys) out[k] = this.value(v[k] as NgValue, k);
      return out;
    }
    return v;
  }

  reply(d: NgDict): NgDict {
    return this.value(d, null) as NgDict;
  }
}

/** Normalizes one side's replies of a scenario, in order. */
export function normalizeReplies(replies: readonly NgDict[], portRange: readonly [number, number]): NgDict[] {
  const n = new ScenarioNormalizer(portRange);
  return replies.map((r) => n.reply(r));
}
