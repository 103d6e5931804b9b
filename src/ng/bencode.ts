import type { NgDict, NgValue } from './types.ts';

/**
 * Strict bencode codec for the ng control protocol.
 *
 * Decoding faces the network, so it rejects anything that is not exactly one well-formed value
 * (see `decodeBencode`). Byte strings become latin1 strings so every byte survives a round trip.
 */

/** Nesting (lists and dictionaries) deeper than this is rejected: ng messages nest 3–4 levels. */
export const MAX_BENCODE_DEPTH = 64;

export class BencodeError extends Error {
  /** Byte offset in the input where decoding failed (-1 when encoding). */
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(offset >= 0 ? `${message} at offset ${offset}` : message);
    this.name = 'BencodeError';
    this.offset = offset;
  }
}

const CH_D = 0x64;
const CH_L = 0x6c;
const CH_I = 0x69;
const CH_E = 0x65;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_0 = 0x30;
const CH_9 = 0x39;

/** Node has a fast latin1 slicer on every Buffer that @types/node does not declare. */
type Latin1Buffer = Buffer & { latin1Slice(start: number, end: number): string };

/*
 * Decoder state lives in module variables rather than a class instance: the decoder is synchronous and
 * never re-entered, and plain variables keep the hot loop free of property loads through `this`.
 */
let input: Latin1Buffer = Buffer.alloc(0) as Latin1Buffer;
let pos = 0;
let end = 0;

/**
 * Decodes exactly one bencoded value that fills the whole buffer.
 *
 * - Byte strings decode to latin1 strings (one char per byte), integers to numbers.
 * - Dictionaries are `Object.create(null)` objects; keys may come in any order (Kamailio does not sort
 *   them). A duplicate key keeps its first value, as rtpengine 10.5 does ("first wins").
 * - Throws `BencodeError` on truncation, trailing bytes, leading zeros (`i03e`, `i-0e`, `03:abc`),
 *   non-integers, integers beyond Number.MAX_SAFE_INTEGER, lengths past the end, nesting deeper than
 *   `MAX_BENCODE_DEPTH`, and dictionary keys that are not byte strings.
 */
export function decodeBencode(buf: Buffer): NgValue {
  input = buf as Latin1Buffer;
  pos = 0;
  end = buf.length;
  try {
    const value = decodeValue(0);
    if (pos !== end) throw new BencodeError('trailing bytes after the value', pos);
    return value;
  } finally {
    // Drop the reference so a large request is not kept alive until the next decode.
    input = EMPTY;
  }
}

const EMPTY = Buffer.alloc(0) as Latin1Buffer;

function decodeValue(depth: number): NgValue {
  if (pos >= end) throw new BencodeError('truncated input', pos);
  const c = input[pos] as number;
  if (c >= CH_0 && c <= CH_9) return decodeString();
  if (c === CH_I) return decodeInteger();
  if (c === CH_D) return decodeDict(depth + 1);
  if (c === CH_L) return decodeList(depth + 1);
  throw new BencodeError(`unexpected byte 0x${c.toString(16).padStart(2, '0')}`, pos);
}

function decodeDict(depth: number): NgDict {
  if (depth > MAX_BENCODE_DEPTH) throw new BencodeError('nesting too deep', pos);
  pos++;
  const dict: NgDict = Object.create(null);
  for (;;) {
    if (pos >= end) throw new BencodeError('truncated dictionary', pos);
    const c = input[pos] as number;
    if (c === CH_E) {
      pos++;
      return dict;
    }
    if (c < CH_0 || c > CH_9) throw new BencodeError('dictionary key is not a byte string', pos);
    const key = decodeString();
    const value = decodeValue(depth);
    // rtpengine 10.5 reads the first of two equal keys; so do we.
    if (!(key in dict)) dict[key] = value;
  }
}

function decodeList(depth: number): NgValue[] {
  if (depth > MAX_BENCODE_DEPTH) throw new BencodeError('nesting too deep', pos);
  pos++;
  const list: NgValue[] = [];
  for (;;) {
    if (pos >= end) throw new BencodeError('truncated list', pos);
    if (input[pos] === CH_E) {
      pos++;
      return list;
    }
    list.push(decodeValue(depth));
  }
}

function decodeString(): string {
  const start = pos;
  let c = input[pos] as number;
  let length = c - CH_0;
  pos++;
  if (length === 0 && pos < end && (input[pos] as number) !== CH_COLON) {
    throw new BencodeError('leading zero in string length', start);
  }
  for (;;) {
    if (pos >= end) throw new BencodeError('truncated string length', pos);
    c = input[pos] as number;
    if (c === CH_COLON) break;
    if (c < CH_0 || c > CH_9) throw new BencodeError('invalid byte in string length', pos);
    length = length * 10 + (c - CH_0);
    // Any length past the end is an error; checking as we go also keeps `length` a small integer.
    if (length > end) throw new BencodeError('string length beyond the input', start);
    pos++;
  }
  pos++;
  const stop = pos + length;
  if (stop > end) throw new BencodeError('string length beyond the input', start);
  const s = input.latin1Slice(pos, stop);
  pos = stop;
  return s;
}

function decodeInteger(): number {
  const start = pos;
  pos++;
  let negative = false;
  if (pos < end && input[pos] === CH_MINUS) {
    negative = true;
    pos++;
  }
  const digitsStart = pos;
  let value = 0;
  for (;;) {
    if (pos >= end) throw new BencodeError('truncated integer', pos);
    const c = input[pos] as number;
    if (c === CH_E) break;
    if (c < CH_0 || c > CH_9) throw new BencodeError('invalid byte in integer', pos);
    value = value * 10 + (c - CH_0);
    if (value > Number.MAX_SAFE_INTEGER) throw new BencodeError('integer beyond the safe range', start);
    pos++;
  }
  const digits = pos - digitsStart;
  if (digits === 0) throw new BencodeError('integer without digits', start);
  if (input[digitsStart] === CH_0 && (digits > 1 || negative)) {
    throw new BencodeError('leading zero in integer', start);
  }
  pos++;
  return negative ? -value : value;
}

/* ---------------------------------------------------------------------------------------------- */

/** Any UTF-16 unit above 0xff cannot be written as latin1 without loss. */
const NOT_LATIN1 = /[^\u0000-\u00ff]/;

/**
 * Encodes a value as bencode.
 *
 * - Strings are written latin1 (the form the decoder produces); a string holding any char above 0xff
 *   (text that came from JSON) is written as UTF-8 instead.
 * - Numbers are written as integers; a fraction is dropped (rounded toward zero). NaN and ±Infinity throw.
 * - Booleans are `i1e` / `i0e`. `null` entries are left out of dictionaries and written as an empty string
 *   elsewhere.
 * - Dictionary keys are written in insertion order, not sorted: rtpengine's replies are unsorted too.
 *   (JavaScript objects iterate integer-like keys such as "1" first; ng keys never look like that.)
 */
export function encodeBencode(value: NgValue): Buffer {
  // Building one latin1 string and converting it once is about four times faster than writing each piece
  // into a Buffer (a delete reply has a few hundred pieces), and every byte maps to one latin1 char.
  return Buffer.from(encodeValue(value, 0), 'latin1');
}

/** A string's bytes as a latin1 string: itself when it is latin1 already, else its UTF-8 bytes. */
function asBytes(s: string): string {
  return NOT_LATIN1.test(s) ? Buffer.from(s, 'utf8').toString('latin1') : s;
}

function integerText(n: number): string {
  if (!Number.isFinite(n)) throw new BencodeError(`cannot encode ${n} as a bencode integer`, -1);
  const whole = Math.trunc(n);
  // Past 1e21 String() switches to exponent notation; BigInt prints every digit.
  return Math.abs(whole) < 1e21 ? String(whole === 0 ? 0 : whole) : BigInt(whole).toString();
}

function encodeValue(value: NgValue, depth: number): string {
  switch (typeof value) {
    case 'string': {
      const b = asBytes(value);
      return b.length + ':' + b;
    }
    case 'number':
      return 'i' + integerText(value) + 'e';
    case 'boolean':
      return value ? 'i1e' : 'i0e';
    default:
      break;
  }
  if (value === null || value === undefined) return '0:';
  // A cyclic structure would otherwise recurse until the stack overflows.
  if (depth >= MAX_BENCODE_DEPTH) throw new BencodeError('nesting too deep to encode', -1);
  if (Array.isArray(value)) {
    let out = 'l';
    for (const item of value) out += encodeValue(item, depth + 1);
    return out + 'e';
  }
  let out = 'd';
  for (const key in value) {
    // Null-prototype dictionaries have no inherited keys; plain objects passed in by callers might.
    if (!Object.hasOwn(value, key)) continue;
    const item = value[key];
    if (item === null || item === undefined) continue;
    const k = asBytes(key);
    out += k.length + ':' + k + encodeValue(item, depth + 1);
  }
  return out + 'e';
}
