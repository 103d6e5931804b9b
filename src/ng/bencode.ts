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

/** Strings at least this long are written by Buffer's native latin1/UTF-8 writers; shorter ones byte by byte. */
const NATIVE_WRITE_FROM = 48;

/*
 * The encoder writes into one scratch buffer reused by every call (grown when a value does not fit) and copies
 * the result out once. Building strings instead left a reply's worth of intermediate strings per reply, the
 * largest share of what a call setup allocated on the JS heap. Like the decoder it is synchronous and never
 * re-entered, so module variables are its state.
 */
const SCRATCH_BYTES = 16 * 1024;
/** A scratch buffer grown past this for one large reply (a long `list`) is let go afterwards. */
const SCRATCH_KEPT_BYTES = 1024 * 1024;
let out: Buffer = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
let at = 0;

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
  return encodeBencodeAfter('', value);
}

/** `prefix` (latin1, e.g. an ng reply's "cookie ") followed by the bencoded value, in one Buffer. */
export function encodeBencodeAfter(prefix: string, value: NgValue): Buffer {
  at = 0;
  writeLatin1(prefix);
  writeValue(value, 0);
  const result = Buffer.allocUnsafe(at);
  out.copy(result, 0, 0, at);
  if (out.length > SCRATCH_KEPT_BYTES) out = Buffer.allocUnsafeSlow(SCRATCH_BYTES);
  return result;
}

function reserve(bytes: number): void {
  if (at + bytes <= out.length) return;
  const grown = Buffer.allocUnsafeSlow(Math.max(out.length * 2, at + bytes));
  out.copy(grown, 0, 0, at);
  out = grown;
}

/** Writes chars known to be below 0x100 as one byte each. */
function writeLatin1(s: string): void {
  reserve(s.length);
  if (s.length >= NATIVE_WRITE_FROM) {
    at += out.write(s, at, 'latin1');
    return;
  }
  for (let i = 0; i < s.length; i++) out[at++] = s.charCodeAt(i);
}

function writeByte(b: number): void {
  reserve(1);
  out[at++] = b;
}

/** A non-negative whole number's decimal digits. */
function writeDigits(n: number): void {
  if (n < 10) {
    writeByte(CH_0 + n);
    return;
  }
  if (n > Number.MAX_SAFE_INTEGER) {
    writeLatin1(String(n));
    return;
  }
  // Digit by digit into the buffer: String(n) would allocate a string that V8 also keeps in its number-string
  // cache, which young-generation collections count live (most of what encoding a reply left promoted).
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits++;
  reserve(digits);
  let rest = n;
  for (let i = at + digits - 1; i >= at; i--) {
    out[i] = CH_0 + (rest % 10);
    rest = Math.floor(rest / 10);
  }
  at += digits;
}

/** `<length>:<bytes>`: latin1 when every char fits a byte, else the string's UTF-8 bytes. */
function writeString(s: string): void {
  const short = s.length < NATIVE_WRITE_FROM;
  let latin1 = true;
  if (short) {
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0xff) {
        latin1 = false;
        break;
      }
    }
  } else {
    latin1 = !NOT_LATIN1.test(s);
  }
  if (latin1) {
    writeDigits(s.length);
    writeByte(CH_COLON);
    writeLatin1(s);
    return;
  }
  const bytes = Buffer.byteLength(s, 'utf8');
  writeDigits(bytes);
  writeByte(CH_COLON);
  reserve(bytes);
  at += out.write(s, at, 'utf8');
}

function integerText(n: number): string {
  if (!Number.isFinite(n)) throw new BencodeError(`cannot encode ${n} as a bencode integer`, -1);
  const whole = Math.trunc(n);
  // Past 1e21 String() switches to exponent notation; BigInt prints every digit.
  return Math.abs(whole) < 1e21 ? String(whole === 0 ? 0 : whole) : BigInt(whole).toString();
}

function writeValue(value: NgValue, depth: number): void {
  switch (typeof value) {
    case 'string':
      writeString(value);
      return;
    case 'number':
      writeByte(CH_I);
      if (Number.isInteger(value) && value >= 0 && value < 1e21) writeDigits(value);
      else writeLatin1(integerText(value));
      writeByte(CH_E);
      return;
    case 'boolean':
      writeLatin1(value ? 'i1e' : 'i0e');
      return;
    default:
      break;
  }
  if (value === null || value === undefined) {
    writeLatin1('0:');
    return;
  }
  // A cyclic structure would otherwise recurse until the stack overflows.
  if (depth >= MAX_BENCODE_DEPTH) throw new BencodeError('nesting too deep to encode', -1);
  if (Array.isArray(value)) {
    writeByte(CH_L);
    for (const item of value) writeValue(item, depth + 1);
    writeByte(CH_E);
    return;
  }
  writeByte(CH_D);
  for (const key in value) {
    // Null-prototype dictionaries have no inherited keys; plain objects passed in by callers might.
    if (!Object.hasOwn(value, key)) continue;
    const item = value[key];
    if (item === null || item === undefined) continue;
    writeString(key);
    writeValue(item, depth + 1);
  }
  writeByte(CH_E);
}
