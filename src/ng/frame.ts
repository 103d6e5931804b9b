import { BencodeError, decodeBencode, encodeBencodeAfter } from './bencode.ts';
import type { NgDict, NgEncoding, NgValue } from './types.ts';

/**
 * The ng message frame: `<cookie><SP><dictionary>`, the dictionary in bencode (`d…e`) or JSON (`{…}`).
 *
 * A frame without a usable cookie gets no reply at all (rtpengine 10.5 stays silent too), so it comes back
 * with `cookie: null`; every other failure carries the cookie and the exact `error-reason` rtpengine 10.5
 * puts in its error reply.
 */
export type ParsedNg =
  | { ok: true; cookie: string; encoding: NgEncoding; dict: NgDict }
  | { ok: false; cookie: string | null; reason: string };

/** The `error-reason` strings rtpengine 10.5.3.5 answers with (checked against the real daemon). */
export const NG_FRAME_ERRORS = {
  noPayload: 'Invalid data (no payload)',
  badBencode: 'Could not decode bencode dictionary',
  badJson: 'Failed to parse JSON document',
  badFormat: 'Invalid NG data format',
} as const;

/** Reasons for frames that are dropped without a reply (for the caller's counters and logs). */
export const NG_DROP_REASONS = {
  noSpace: 'no space after the cookie',
  emptyCookie: 'empty cookie',
} as const;

const SP = 0x20;
const CH_D = 0x64;
const CH_BRACE = 0x7b;

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseNgDatagram(buf: Buffer): ParsedNg {
  const space = buf.indexOf(SP);
  if (space < 0) return { ok: false, cookie: null, reason: NG_DROP_REASONS.noSpace };
  if (space === 0) return { ok: false, cookie: null, reason: NG_DROP_REASONS.emptyCookie };
  // latin1 so that the cookie is echoed back byte for byte, whatever it holds.
  const cookie = buf.toString('latin1', 0, space);
  const bodyStart = space + 1;
  if (bodyStart >= buf.length) return { ok: false, cookie, reason: NG_FRAME_ERRORS.noPayload };
  const first = buf[bodyStart];
  if (first === CH_D) return parseBencodeBody(cookie, buf.subarray(bodyStart, trimmedEnd(buf, bodyStart)));
  if (first === CH_BRACE) return parseJsonBody(cookie, buf.subarray(bodyStart));
  return { ok: false, cookie, reason: NG_FRAME_ERRORS.badFormat };
}

/**
 * rtpengine ignores whatever follows the dictionary; we only forgive trailing whitespace (a client that
 * appends a newline), the same leniency JSON.parse has, and reject any other trailing byte.
 */
function trimmedEnd(buf: Buffer, from: number): number {
  let end = buf.length;
  while (end > from) {
    const c = buf[end - 1];
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
    end--;
  }
  return end;
}

function parseBencodeBody(cookie: string, body: Buffer): ParsedNg {
  let value: NgValue;
  try {
    value = decodeBencode(body);
  } catch (err) {
    if (err instanceof BencodeError) return { ok: false, cookie, reason: NG_FRAME_ERRORS.badBencode };
    throw err;
  }
  if (!isDict(value)) return { ok: false, cookie, reason: NG_FRAME_ERRORS.badBencode };
  return { ok: true, cookie, encoding: 'bencode', dict: value };
}

/** Thrown inside the JSON post-pass for values rtpengine 10.5 cannot carry into its bencode tree. */
class UnrepresentableJson extends Error {}

function parseJsonBody(cookie: string, body: Buffer): ParsedNg {
  let parsed: unknown;
  try {
    parsed = JSON.parse(utf8.decode(body));
  } catch {
    return { ok: false, cookie, reason: NG_FRAME_ERRORS.badJson };
  }
  let value: NgValue;
  try {
    value = fromJson(parsed, 0);
  } catch (err) {
    // rtpengine 10.5 converts JSON into bencode and fails on null and non-integer numbers with this reason.
    if (err instanceof UnrepresentableJson) return { ok: false, cookie, reason: NG_FRAME_ERRORS.badBencode };
    throw err;
  }
  if (!isDict(value)) return { ok: false, cookie, reason: NG_FRAME_ERRORS.badFormat };
  return { ok: true, cookie, encoding: 'json', dict: value };
}

/** Deep enough for any ng message; bounds the recursion of the post-pass on hostile input. */
const MAX_JSON_DEPTH = 64;

/**
 * Rebuilds JSON.parse's output with null-prototype dictionaries. JSON.parse itself already defines a
 * `__proto__` key as an own property, so copying own keys keeps it an ordinary key.
 */
function fromJson(v: unknown, depth: number): NgValue {
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new UnrepresentableJson();
    return v;
  }
  if (v === null || typeof v !== 'object') throw new UnrepresentableJson();
  if (depth >= MAX_JSON_DEPTH) throw new UnrepresentableJson();
  if (Array.isArray(v)) return v.map((item: unknown) => fromJson(item, depth + 1));
  const dict: NgDict = Object.create(null);
  for (const [key, item] of Object.entries(v)) dict[key] = fromJson(item, depth + 1);
  return dict;
}

function isDict(v: NgValue): v is NgDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Encodes a reply in the request's encoding, echoing the cookie byte for byte. */
export function encodeNgReply(cookie: string, encoding: NgEncoding, reply: NgDict): Buffer {
  if (encoding === 'bencode') return encodeBencodeAfter(`${cookie} `, reply);
  const head = Buffer.from(`${cookie} `, 'latin1');
  const body = Buffer.from(JSON.stringify(reply), 'utf8');
  return Buffer.concat([head, body], head.length + body.length);
}
