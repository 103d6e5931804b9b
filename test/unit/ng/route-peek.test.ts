/**
 * peekNgRoute: the command and call-id the main thread routes on, read without decoding. Proves it agrees with
 * the full decoder on Kamailio's captured requests and on any generated dictionary (any key order, nesting and
 * call-id spelling), and that malformed messages give null (thread 0 then answers the error).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { test } from 'node:test';
import fc from 'fast-check';
import { encodeBencode } from '../../../src/ng/bencode.ts';
import { parseNgDatagram } from '../../../src/ng/frame.ts';
import { canon } from '../../../src/ng/request.ts';
import { peekNgRoute } from '../../../src/ng/route-peek.ts';
import type { NgDict, NgValue } from '../../../src/ng/types.ts';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/kamailio-ng');

/** What the full decoder says the route is. */
function routeByDecoding(buf: Buffer): { command: string | null; callId: string | null } | null {
  const p = parseNgDatagram(buf);
  if (!p.ok) return null;
  let callId: string | null = null;
  for (const [k, v] of Object.entries(p.dict))
    if (canon(k) === 'call-id' && typeof v === 'string') callId = v;
  return { command: typeof p.dict.command === 'string' ? p.dict.command : null, callId };
}

test("Kamailio's captured requests: the same command and call-id as the full decoder", () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('-request.ng'));
  assert.ok(files.length >= 4);
  for (const f of files) {
    const buf = readFileSync(resolve(FIXTURES, f));
    const route = peekNgRoute(buf);
    assert.deepEqual(route, routeByDecoding(buf), f);
    assert.ok(route?.command, `${f} has a command`);
  }
});

const { value: valueArb } = fc.letrec<{ value: NgValue; dict: NgDict }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string({ maxLength: 12 }),
    fc.integer(),
    fc.array(tie('value'), { maxLength: 3 }),
    tie('dict'),
  ),
  dict: fc
    .uniqueArray(fc.tuple(fc.string({ maxLength: 8 }), tie('value')), { selector: (e) => e[0], maxLength: 4 })
    .map((entries) => Object.fromEntries(entries) as NgDict),
}));

test('any dictionary, with call-id in any spelling: the same route as the full decoder', () => {
  fc.assert(
    fc.property(
      valueArb,
      fc.option(fc.string({ maxLength: 20 })),
      fc.constantFrom('call-id', 'call id', 'call_id'),
      fc.option(fc.constantFrom('offer', 'answer', 'delete', 'list', 'statistics')),
      (extra, callId, spelling, command) => {
        const dict: NgDict = { extra };
        if (callId !== null) dict[spelling] = callId;
        if (command !== null) dict.command = command;
        const buf = Buffer.concat([Buffer.from('ck '), encodeBencode(dict)]);
        assert.deepEqual(peekNgRoute(buf), routeByDecoding(buf));
      },
    ),
    { numRuns: 500 },
  );
});

test('JSON bodies are routed too', () => {
  const buf = Buffer.from('c1 {"command":"offer","call id":"abc","sdp":"v=0"}');
  assert.deepEqual(peekNgRoute(buf), { command: 'offer', callId: 'abc' });
});

test('malformed messages give null, never a wrong route or an exception', () => {
  for (const text of [
    '',
    'nospace',
    'c1 ',
    'c1 x',
    'c1 d7:command5:offe',
    'c1 d3:abci1e',
    'c1 d7:call-id99:x',
    'c1 {"a":',
  ]) {
    assert.equal(peekNgRoute(Buffer.from(text)), null, JSON.stringify(text));
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const buf = Buffer.concat([Buffer.from('c1 d'), Buffer.from(bytes)]);
      const route = peekNgRoute(buf);
      const decoded = routeByDecoding(buf);
      // whenever the decoder accepts it, the peek agrees; the peek may accept more (it does not check trailers)
      if (decoded) assert.deepEqual(route, decoded);
    }),
    { numRuns: 1000 },
  );
});
