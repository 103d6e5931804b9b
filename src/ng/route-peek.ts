/**
 * What the main thread needs of an ng message to route it to a call thread (actors/threads/): its command and
 * call-id, read without decoding the message. A bencode body's top-level dictionary is walked key by key, every
 * other value skipped by its length; nothing is allocated but the two strings. A JSON body (rare) is parsed.
 * Returns null when the message is not well-formed enough to say: the thread that gets it answers the error.
 */
import { canon } from './request.ts';

export interface NgRoute {
  command: string | null;
  callId: string | null;
}

const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_D = 0x64;
const CH_E = 0x65;
const CH_I = 0x69;
const CH_L = 0x6c;
const CH_SP = 0x20;
const CH_BRACE = 0x7b;
const MAX_DEPTH = 64;

/** Position after a string `N:bytes` starting at `p`, or -1. */
function stringEnd(buf: Buffer, p: number): number {
  let n = 0;
  let q = p;
  while (q < buf.length) {
    const c = buf[q] as number;
    if (c === CH_COLON) break;
    if (c < CH_0 || c > CH_9 || q - p > 9) return -1;
    n = n * 10 + (c - CH_0);
    q++;
  }
  if (q === p || q >= buf.length) return -1;
  const end = q + 1 + n;
  return end <= buf.length ? end : -1;
}

/** Position after any value starting at `p`, or -1. */
function valueEnd(buf: Buffer, p: number, depth: number): number {
  if (p >= buf.length || depth > MAX_DEPTH) return -1;
  const c = buf[p] as number;
  if (c >= CH_0 && c <= CH_9) return stringEnd(buf, p);
  if (c === CH_I) {
    const e = buf.indexOf(CH_E, p + 1);
    return e < 0 ? -1 : e + 1;
  }
  if (c === CH_L || c === CH_D) {
    let q = p + 1;
    while (q < buf.length && buf[q] !== CH_E) {
      q = valueEnd(buf, q, depth + 1);
      if (q < 0) return -1;
    }
    return q < buf.length ? q + 1 : -1;
  }
  return -1;
}

function peekBencode(buf: Buffer, start: number): NgRoute | null {
  const route: NgRoute = { command: null, callId: null };
  let p = start + 1;
  while (p < buf.length && buf[p] !== CH_E) {
    const keyEnd = stringEnd(buf, p);
    if (keyEnd < 0) return null;
    const keyStart = buf.indexOf(CH_COLON, p) + 1;
    const keyLength = keyEnd - keyStart;
    const valueStart = keyEnd;
    const end = valueEnd(buf, valueStart, 1);
    if (end < 0) return null;
    // only keys of the right length are looked at: "command" and the spellings of "call-id" are 7 bytes
    if (keyLength === 7 && buf[valueStart] !== undefined && (buf[valueStart] as number) <= CH_9) {
      const key = buf.toString('latin1', keyStart, keyEnd);
      const valueText = () => buf.toString('utf8', buf.indexOf(CH_COLON, valueStart) + 1, end);
      if (key === 'command') route.command = valueText();
      else if (canon(key) === 'call-id') route.callId = valueText();
    }
    p = end;
  }
  return p < buf.length ? route : null;
}

function peekJson(buf: Buffer, start: number): NgRoute | null {
  try {
    const v: unknown = JSON.parse(buf.toString('utf8', start));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
    const route: NgRoute = { command: null, callId: null };
    for (const [k, x] of Object.entries(v)) {
      if (typeof x !== 'string') continue;
      if (k === 'command') route.command = x;
      else if (k.length === 7 && canon(k) === 'call-id') route.callId = x;
    }
    return route;
  } catch {
    return null;
  }
}

/** The route of a whole ng message (`cookie SP dictionary`), or null. */
export function peekNgRoute(buf: Buffer): NgRoute | null {
  const space = buf.indexOf(CH_SP);
  if (space <= 0 || space + 1 >= buf.length) return null;
  const first = buf[space + 1];
  if (first === CH_D) return peekBencode(buf, space + 1);
  if (first === CH_BRACE) return peekJson(buf, space + 1);
  return null;
}
