import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { encodeBencode } from '../../../src/ng/bencode.ts';
import { encodeNgReply, NG_FRAME_ERRORS, type ParsedNg, parseNgDatagram } from '../../../src/ng/frame.ts';
import type { NgDict } from '../../../src/ng/types.ts';

/** Kept in a variable so that the key is read as data, never as the prototype accessor. */
const PROTO_KEY = '__proto__';

const FIXTURES = process.env.NG_FIXTURES_DIR ?? resolve(import.meta.dirname, '../../fixtures/kamailio-ng');

interface Capture {
  name: string;
  raw: Buffer;
  expected: { cookie: string; msg: unknown };
}

function captures(): Capture[] {
  return readdirSync(FIXTURES)
    .filter((f) => f.endsWith('.ng'))
    .sort()
    .map((name) => ({
      name,
      raw: readFileSync(join(FIXTURES, name)),
      expected: JSON.parse(readFileSync(join(FIXTURES, name.replace(/\.ng$/, '.json')), 'utf8')),
    }));
}

function parse(text: string): ParsedNg {
  return parseNgDatagram(Buffer.from(text, 'latin1'));
}

function okDict(text: string): NgDict {
  const p = parse(text);
  assert.ok(p.ok, `expected ${JSON.stringify(text)} to parse, got ${JSON.stringify(p)}`);
  return p.dict;
}

function reason(text: string): string | null {
  const p = parse(text);
  assert.ok(!p.ok, `expected ${JSON.stringify(text)} to fail`);
  return p.reason;
}

describe('ng frame', () => {
  test('every captured request and reply parses to the cookie and content of its .json twin', () => {
    const all = captures();
    assert.ok(all.length >= 20, `expected the kamailio-ng captures in ${FIXTURES}`);
    for (const { name, raw, expected } of all) {
      const p = parseNgDatagram(raw);
      assert.ok(p.ok, `${name}: ${JSON.stringify(p)}`);
      assert.equal(p.cookie, expected.cookie, name);
      assert.equal(p.encoding, 'bencode', name);
      // The .json twins are plain objects with sorted keys; compare content, not prototype or order.
      assert.deepEqual(JSON.parse(JSON.stringify(p.dict)), expected.msg, name);
    }
  });

  test('re-encoding each captured reply reproduces the datagram byte for byte (sdp included)', () => {
    for (const { name, raw } of captures().filter((c) => c.name.includes('-reply'))) {
      const p = parseNgDatagram(raw);
      assert.ok(p.ok, name);
      const again = encodeNgReply(p.cookie, p.encoding, p.dict);
      assert.ok(again.equals(raw), `${name} re-encodes identically`);
      if (typeof p.dict.sdp === 'string') {
        const sdpBytes = Buffer.from(p.dict.sdp, 'latin1');
        assert.ok(again.includes(Buffer.concat([Buffer.from(`${sdpBytes.length}:`), sdpBytes])), name);
      }
    }
  });

  test('a reply keeps sdp bytes that are not valid UTF-8 exactly', () => {
    const sdp = Buffer.from([0x76, 0x3d, 0x30, 0x0d, 0x0a, 0x73, 0x3d, 0xff, 0xc3, 0x28, 0x0d, 0x0a]);
    const request = Buffer.concat([
      Buffer.from(`c1 d3:sdp${sdp.length}:`),
      sdp,
      Buffer.from('7:command5:offere'),
    ]);
    const p = parseNgDatagram(request);
    assert.ok(p.ok);
    const reply = encodeNgReply(p.cookie, 'bencode', Object.assign(Object.create(null), { sdp: p.dict.sdp }));
    assert.ok(reply.equals(Buffer.concat([Buffer.from(`c1 d3:sdp${sdp.length}:`), sdp, Buffer.from('e')])));
  });

  test('datagrams without a usable cookie are dropped (no cookie to reply to), as rtpengine does', () => {
    for (const text of ['c11', ' d7:command4:pinge', '', 'nospace']) {
      const p = parse(text);
      assert.ok(!p.ok);
      assert.equal(p.cookie, null, JSON.stringify(text));
    }
  });

  test('error reasons are the ones rtpengine 10.5.3.5 answered for the same datagrams', () => {
    // Each pair was sent to the real daemon; the string is its `error-reason`.
    assert.equal(reason('c10 '), NG_FRAME_ERRORS.noPayload);
    assert.equal(reason('c4 i42e'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c6 xyz'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c9 le'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c13 [1,2]'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c25 "str"'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c20  d7:command4:pinge'), NG_FRAME_ERRORS.badFormat);
    assert.equal(reason('c5 {"command":'), NG_FRAME_ERRORS.badJson);
    assert.equal(reason('c8 {"command":"ping"}XX'), NG_FRAME_ERRORS.badJson);
    assert.equal(reason('a19 {'), NG_FRAME_ERRORS.badJson);
    assert.equal(reason('c14 d3:fooi03e7:command4:pinge'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('c15 d3:fooi1.5e7:command4:pinge'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('c17 d7:command4:pingi3ei4ee'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('c21 d7:command4:ping3:big99:xe'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('a11 d7:command4:ping1:xi5'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('a20 d7:command4:ping1:xd1:ye'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('a23 d7:command4:ping3:fooi-e'), NG_FRAME_ERRORS.badBencode);
    // rtpengine turns JSON into bencode and fails on null and non-integer numbers with the bencode reason.
    assert.equal(reason('c19 {"command":"ping","n":1.5}'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('a5 {"command":"ping","t":null}'), NG_FRAME_ERRORS.badBencode);
  });

  test('the reply to an error carries the request cookie', () => {
    const p = parse('0_123_4 xyz');
    assert.ok(!p.ok);
    assert.equal(p.cookie, '0_123_4');
  });

  test('stricter than rtpengine: truncated or trailing-garbage bencode is refused, trailing whitespace is not', () => {
    // rtpengine 10.5 answers `pong` to all three of these; see src/ng/README.md.
    assert.equal(reason('c3 d7:command4:ping'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('c7 d7:command4:pingeXX'), NG_FRAME_ERRORS.badBencode);
    assert.equal(reason('c16 d7:command4:ping3:fooi-0ee'), NG_FRAME_ERRORS.badBencode);
    assert.equal(okDict('c22 d7:command4:pinge \r\n').command, 'ping');
  });

  test('JSON bodies parse into null-prototype dictionaries with integers and booleans kept', () => {
    const d = okDict('j1 {"command":"ping","n":-5,"t":true,"l":[1,"x",{"a":1}],"__proto__":{"admin":1}} ');
    assert.equal(Object.getPrototypeOf(d), null);
    assert.equal(d.command, 'ping');
    assert.equal(d.n, -5);
    assert.equal(d.t, true);
    const inner = (d.l as unknown[])[2] as NgDict;
    assert.equal(Object.getPrototypeOf(inner), null);
    assert.equal(inner.a, 1);
    assert.ok(Object.keys(d).includes(PROTO_KEY));
    assert.equal((d[PROTO_KEY] as NgDict).admin, 1);
    assert.equal((d as Record<string, unknown>).admin, undefined);
    const p = parse('j2 {"command":"ping"}');
    assert.ok(p.ok);
    assert.equal(p.encoding, 'json');
  });

  test('JSON that is not valid UTF-8 is a JSON parse failure', () => {
    const p = parseNgDatagram(
      Buffer.concat([Buffer.from('j3 {"a":"'), Buffer.from([0xff]), Buffer.from('"}')]),
    );
    assert.ok(!p.ok);
    assert.equal(p.reason, NG_FRAME_ERRORS.badJson);
  });

  test('replies are encoded in the request encoding with the cookie echoed', () => {
    const reply: NgDict = Object.create(null);
    reply.result = 'error';
    reply['error-reason'] = 'Invalid NG data format';
    // These are exactly the bytes rtpengine 10.5 sent back for the same errors.
    assert.equal(
      encodeNgReply('c4', 'bencode', reply).toString('latin1'),
      'c4 d6:result5:error12:error-reason22:Invalid NG data formate',
    );
    assert.equal(
      encodeNgReply('c5', 'json', reply).toString('utf8'),
      'c5 {"result":"error","error-reason":"Invalid NG data format"}',
    );
    const pong: NgDict = Object.create(null);
    pong.result = 'pong';
    const cookie = 'k\xe9\xff';
    assert.ok(
      encodeNgReply(cookie, 'bencode', pong).equals(
        Buffer.concat([Buffer.from(cookie, 'latin1'), Buffer.from(' '), encodeBencode(pong)]),
      ),
    );
  });
});
