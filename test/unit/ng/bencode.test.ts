import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
// @ts-expect-error bencode 4 ships no type declarations; it is used only as the differential oracle here.
import bencodeUntyped from 'bencode';
import fc from 'fast-check';
import {
  BencodeError,
  decodeBencode,
  encodeBencode,
  encodeBencodeAfter,
  MAX_BENCODE_DEPTH,
} from '../../../src/ng/bencode.ts';
import type { NgDict, NgValue } from '../../../src/ng/types.ts';

/** The oracle, typed as it is used here: strings as byte arrays, sorted keys on encode. */
type OracleValue = number | Uint8Array | OracleValue[] | { [key: string]: OracleValue };
const oracle = bencodeUntyped as { encode(v: OracleValue): Uint8Array; decode(b: Uint8Array): OracleValue };

/** Kept in a variable so that the key is read as data, never as the prototype accessor. */
const PROTO_KEY = '__proto__';

const FIXTURES = process.env.NG_FIXTURES_DIR ?? resolve(import.meta.dirname, '../../fixtures/kamailio-ng');

function captureBodies(): { name: string; body: Buffer }[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.ng'))
    .sort()
    .map((name) => {
      const raw = readFileSync(join(FIXTURES, name));
      return { name, body: raw.subarray(raw.indexOf(0x20) + 1) };
    });
}

function dict(entries: [string, NgValue][]): NgDict {
  const d: NgDict = Object.create(null);
  for (const [k, v] of entries) d[k] = v;
  return d;
}

function toOracle(v: NgValue): OracleValue {
  if (typeof v === 'string') return Buffer.from(v, 'latin1');
  if (typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map(toOracle);
  if (v === null || typeof v === 'boolean') throw new Error('not generated');
  const out: { [key: string]: OracleValue } = {};
  for (const k of Object.keys(v)) out[k] = toOracle(v[k] as NgValue);
  return out;
}

function fromOracle(v: OracleValue): NgValue {
  if (typeof v === 'number') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  if (Array.isArray(v)) return v.map(fromOracle);
  return dict(Object.keys(v).map((k) => [k, fromOracle(v[k] as OracleValue)]));
}

function expectBencodeError(input: string | Buffer, offset?: number): void {
  const buf = typeof input === 'string' ? Buffer.from(input, 'latin1') : input;
  assert.throws(
    () => decodeBencode(buf),
    (err: unknown) => {
      assert.ok(err instanceof BencodeError, `expected BencodeError, got ${String(err)}`);
      if (offset !== undefined) assert.equal(err.offset, offset, `offset for ${JSON.stringify(input)}`);
      return true;
    },
  );
}

/** Latin1 strings (every byte value), ASCII keys that never look like array indices, sorted dict keys. */
const latin1String = fc.string({
  unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)),
  maxLength: 30,
});
const dictKey = fc
  .string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz-_ ABC'.split('')), maxLength: 10 })
  .map((k) => `k${k}`);
const { value: ngValueArb } = fc.letrec<{ value: NgValue; list: NgValue[]; dict: NgDict }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    latin1String,
    fc.maxSafeInteger(),
    tie('list'),
    tie('dict'),
  ),
  list: fc.array(tie('value'), { maxLength: 4 }),
  dict: fc
    .uniqueArray(fc.tuple(dictKey, tie('value')), { selector: (e) => e[0], maxLength: 4 })
    .map((entries) => dict(entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)))),
}));

describe('bencode codec', () => {
  test('every capture decodes to a dictionary and re-encodes to the identical bytes', () => {
    const captures = captureBodies();
    assert.ok(captures.length >= 20, `expected the kamailio-ng captures in ${FIXTURES}`);
    for (const { name, body } of captures) {
      const v = decodeBencode(body);
      assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${name} is a dictionary`);
      assert.equal(Object.getPrototypeOf(v), null, `${name} has a null prototype`);
      assert.ok(encodeBencode(v).equals(body), `${name} round-trips byte for byte`);
    }
  });

  test('encoding matches the bencode package for sorted-key values (differential)', () => {
    fc.assert(
      fc.property(ngValueArb, (v) => {
        assert.ok(encodeBencode(v).equals(Buffer.from(oracle.encode(toOracle(v)))));
      }),
      { numRuns: 500 },
    );
  });

  test('decoding matches the bencode package on its own encodings (differential)', () => {
    fc.assert(
      fc.property(ngValueArb, (v) => {
        const bytes = Buffer.from(oracle.encode(toOracle(v)));
        const ours = decodeBencode(bytes);
        assert.deepEqual(ours, fromOracle(oracle.decode(bytes)));
        assert.deepEqual(ours, v);
      }),
      { numRuns: 500 },
    );
  });

  test('byte strings keep every byte value 0-255 through decode and encode', () => {
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const encoded = Buffer.concat([Buffer.from('256:'), all]);
    const s = decodeBencode(encoded);
    assert.equal(typeof s, 'string');
    assert.ok(Buffer.from(s as string, 'latin1').equals(all));
    assert.ok(encodeBencode(s).equals(encoded));
  });

  test('a __proto__ key is an ordinary key and never touches the prototype', () => {
    const d = decodeBencode(Buffer.from('d9:__proto__d5:admini1ee7:command4:pinge')) as NgDict;
    assert.equal(Object.getPrototypeOf(d), null);
    assert.deepEqual(Object.keys(d), ['__proto__', 'command']);
    assert.equal((d[PROTO_KEY] as NgDict).admin, 1);
    assert.equal((d as Record<string, unknown>).admin, undefined);
    assert.equal(({} as Record<string, unknown>).admin, undefined, 'Object.prototype is untouched');
    assert.ok(encodeBencode(d).equals(Buffer.from('d9:__proto__d5:admini1ee7:command4:pinge')));
  });

  test('keys in any order are accepted and kept in wire order', () => {
    const d = decodeBencode(Buffer.from('d7:command4:ping3:abci1e1:Z0:e')) as NgDict;
    assert.deepEqual(Object.keys(d), ['command', 'abc', 'Z']);
  });

  test('a duplicate key keeps its first value, as rtpengine 10.5 does', () => {
    const d = decodeBencode(Buffer.from('d1:ai1e1:bi2e1:ai3ee')) as NgDict;
    assert.deepEqual(Object.keys(d), ['a', 'b']);
    assert.equal(d.a, 1);
  });

  test('trailing bytes after the top-level value are rejected at their offset', () => {
    expectBencodeError('i42eGARBAGE', 4);
    expectBencodeError('d7:command4:pingeX', 17);
    expectBencodeError('de ', 2);
  });

  test('malformed input is rejected with a BencodeError at the offending offset', () => {
    const cases: [string, number][] = [
      ['', 0], // empty
      ['d', 1], // truncated dict
      ['d7:command4:ping', 16], // truncated dict
      ['l', 1], // truncated list
      ['i42', 3], // truncated integer
      ['4:ab', 0], // length beyond the buffer
      ['99999999999999999999:x', 0], // absurd length
      ['5', 1], // truncated length
      ['i03e', 0], // leading zero
      ['i-0e', 0], // negative zero
      ['ie', 0], // no digits
      ['i-e', 0], // no digits
      ['i1.5e', 2], // non-integer
      ['i--1e', 2],
      ['i9007199254740992e', 0], // beyond MAX_SAFE_INTEGER
      ['i-9007199254740992e', 0],
      ['03:abc', 0], // leading zero in a length
      ['3x:abc', 1],
      ['di1ei2ee', 1], // integer key
      ['dl1:ae1:be', 1], // list key
      ['dd1:ai1eei2ee', 1], // dict key
      ['x', 0], // not a value
      ['d1:ax', 4], // bad value
    ];
    for (const [input, offset] of cases) expectBencodeError(input, offset);
  });

  test('integers at the safe limits decode exactly', () => {
    assert.equal(decodeBencode(Buffer.from('i9007199254740991e')), Number.MAX_SAFE_INTEGER);
    assert.equal(decodeBencode(Buffer.from('i-9007199254740991e')), -Number.MAX_SAFE_INTEGER);
    assert.equal(decodeBencode(Buffer.from('i0e')), 0);
  });

  test(`nesting up to ${MAX_BENCODE_DEPTH} levels decodes; one more is rejected`, () => {
    const nested = (n: number) => Buffer.from('l'.repeat(n) + 'e'.repeat(n));
    assert.doesNotThrow(() => decodeBencode(nested(MAX_BENCODE_DEPTH)));
    expectBencodeError(nested(MAX_BENCODE_DEPTH + 1), MAX_BENCODE_DEPTH);
    expectBencodeError(Buffer.from('d1:a'.repeat(100_000)), 4 * MAX_BENCODE_DEPTH);
  });

  test('a 64 KiB message with every byte value round-trips exactly', () => {
    const blob = Buffer.alloc(64 * 1024);
    for (let i = 0; i < blob.length; i++) blob[i] = (i * 7) & 0xff;
    const msg = dict([
      ['sdp', blob.toString('latin1')],
      ['command', 'offer'],
    ]);
    const encoded = encodeBencode(msg);
    assert.ok(encoded.length > 64 * 1024);
    const back = decodeBencode(encoded) as NgDict;
    assert.ok(Buffer.from(back.sdp as string, 'latin1').equals(blob));
    assert.ok(encodeBencode(back).equals(encoded));
  });

  test('encoder: insertion order, booleans, nulls, fractions and non-latin1 text', () => {
    const v = dict([
      ['sdp', 'x'],
      ['result', 'ok'],
      ['yes', true],
      ['no', false],
      ['gone', null],
      ['list', [null, 1]],
      ['frac', 1.9],
      ['negfrac', -1.9],
      ['text', 'é€'],
    ]);
    assert.equal(
      encodeBencode(v).toString('latin1'),
      'd3:sdp1:x6:result2:ok3:yesi1e2:noi0e4:listl0:i1ee4:fraci1e7:negfraci-1e4:text5:\xc3\xa9\xe2\x82\xace',
    );
    assert.equal(encodeBencode(-0.5).toString(), 'i0e');
    assert.equal(encodeBencode(1e21).toString(), 'i1000000000000000000000e');
    assert.throws(() => encodeBencode(Number.NaN), BencodeError);
    // long strings take the native writers: the same rules hold
    const long = 'é€'.repeat(40);
    assert.equal(
      encodeBencode(long).toString('latin1'),
      `200:${Buffer.from(long, 'utf8').toString('latin1')}`,
    );
    assert.equal(encodeBencode('é'.repeat(60)).toString('latin1'), `60:${'é'.repeat(60)}`);
  });

  test('a framed reply is the prefix then the value, and a later encoding leaves it alone', () => {
    const reply = encodeBencodeAfter('5323_1 ', dict([['result', 'pong']]));
    assert.equal(reply.toString('latin1'), '5323_1 d6:result4:ponge');
    const second = encodeBencodeAfter('x ', 'y');
    assert.equal(reply.toString('latin1'), '5323_1 d6:result4:ponge', 'a later encoding leaves it alone');
    assert.equal(second.toString(), 'x 1:y');
  });

  test('a reply larger than the scratch buffer, then small ones, all encode exactly', () => {
    const big = 'a'.repeat(3 * 1024 * 1024);
    const encoded = encodeBencodeAfter('c ', dict([['sdp', big]]));
    assert.equal(encoded.length, 2 + `d3:sdp${big.length}:`.length + big.length + 1);
    assert.equal((decodeBencode(encoded.subarray(2)) as NgDict).sdp, big);
    assert.equal(encodeBencodeAfter('c ', dict([['result', 'ok']])).toString(), 'c d6:result2:oke');
  });

  test('random bytes never throw anything but BencodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeBencode(Buffer.from(bytes));
        } catch (err) {
          assert.ok(err instanceof BencodeError, String(err));
        }
      }),
      { numRuns: 3000 },
    );
  });

  test('every truncation of every capture is rejected with a BencodeError', () => {
    for (const { name, body } of captureBodies()) {
      for (let cut = 0; cut < body.length; cut++) {
        assert.throws(() => decodeBencode(body.subarray(0, cut)), BencodeError, `${name} cut at ${cut}`);
      }
    }
  });

  test('byte mutations of the captures never throw anything but BencodeError, and stay fast', () => {
    const bodies = captureBodies().map((c) => c.body);
    const started = performance.now();
    fc.assert(
      fc.property(
        fc.constantFrom(...bodies),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (body, edits) => {
          const mutated = Buffer.from(body);
          for (const [at, byte] of edits) mutated[at % mutated.length] = byte;
          try {
            decodeBencode(mutated);
          } catch (err) {
            assert.ok(err instanceof BencodeError, String(err));
          }
        },
      ),
      { numRuns: 3000 },
    );
    assert.ok(performance.now() - started < 10_000, 'no pathological slowness');
  });
});
