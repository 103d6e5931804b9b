import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { parseNgDatagram } from '../../../src/ng/frame.ts';
import { NgStreamError, NgStreamSplitter } from '../../../src/ng/tcp-splitter.ts';

const FIXTURES = process.env.NG_FIXTURES_DIR ?? resolve(import.meta.dirname, '../../fixtures/kamailio-ng');
const offer = readFileSync(join(FIXTURES, '02-offer-request.ng'));
const answer = readFileSync(join(FIXTURES, '03-answer-request.ng'));
const deleteReply = readFileSync(join(FIXTURES, 'failover-08-delete-reply.ng'));

function feed(chunks: Buffer[], splitter = new NgStreamSplitter()): Buffer[] {
  return chunks.flatMap((c) => splitter.push(c));
}

function assertMessages(got: Buffer[], expected: Buffer[], label: string): void {
  assert.equal(got.length, expected.length, `${label}: message count`);
  for (const [i, m] of got.entries())
    assert.ok(m.equals(expected[i] as Buffer), `${label}: message ${i} bytes`);
}

describe('TCP-ng stream splitter', () => {
  test('two concatenated captures come out whole at every possible split point', () => {
    const stream = Buffer.concat([offer, answer]);
    for (let cut = 0; cut <= stream.length; cut++) {
      assertMessages(feed([stream.subarray(0, cut), stream.subarray(cut)]), [offer, answer], `cut ${cut}`);
    }
  });

  test('a stream fed one byte at a time yields the same messages', () => {
    const stream = Buffer.concat([offer, deleteReply, answer]);
    const bytes = Array.from({ length: stream.length }, (_, i) => stream.subarray(i, i + 1));
    assertMessages(feed(bytes), [offer, deleteReply, answer], 'bytewise');
  });

  test('several messages in one chunk all come out', () => {
    assertMessages(feed([Buffer.concat([offer, answer, offer])]), [offer, answer, offer], 'one chunk');
  });

  test('a newline between messages belongs to the next cookie, as in rtpengine 10.5', () => {
    // rtpengine answered "t5 d6:result4:ponge\nt6 d6:result4:ponge" to this stream.
    const out = feed([Buffer.from('t5 d7:command4:pinge\nt6 d7:command4:pinge')]);
    assert.deepEqual(
      out.map((m) => m.toString('latin1')),
      ['t5 d7:command4:pinge', '\nt6 d7:command4:pinge'],
    );
    const second = parseNgDatagram(out[1] as Buffer);
    assert.ok(second.ok);
    assert.equal(second.cookie, '\nt6');
  });

  test('each split message still parses as an ng frame', () => {
    for (const m of feed([Buffer.concat([offer, answer])])) assert.ok(parseNgDatagram(m).ok);
  });

  test('a bencode string holding e, d, braces and spaces does not end the message early', () => {
    const tricky = Buffer.from('c1 d3:sdp12:e}d{ "le i1e4:listl1:ei-3ed0:0:eee');
    const next = Buffer.from('c2 d7:command4:pinge');
    for (let cut = 0; cut <= tricky.length + next.length; cut++) {
      const s = Buffer.concat([tricky, next]);
      assertMessages(feed([s.subarray(0, cut), s.subarray(cut)]), [tricky, next], `cut ${cut}`);
    }
  });

  test('JSON objects are matched by braces, honouring strings and escapes', () => {
    const json = Buffer.from('j1 {"command":"ping","x":"} { \\" \\\\","l":[{"a":"]"}],"n":{}}');
    const next = Buffer.from('j2 {"command":"ping"}');
    const s = Buffer.concat([json, next]);
    for (let cut = 0; cut <= s.length; cut++) {
      assertMessages(feed([s.subarray(0, cut), s.subarray(cut)]), [json, next], `cut ${cut}`);
    }
    const parsed = parseNgDatagram(feed([json])[0] as Buffer);
    assert.ok(parsed.ok);
    assert.equal(parsed.dict.x, '} { " \\');
  });

  test('a 1 MiB message split into small chunks is assembled in linear time', () => {
    const big = Buffer.concat([
      Buffer.from(`big d3:sdp${1024 * 1024}:`),
      Buffer.alloc(1024 * 1024, 0x65),
      Buffer.from('7:command5:offere'),
    ]);
    const splitter = new NgStreamSplitter();
    const started = performance.now();
    const out: Buffer[] = [];
    for (let i = 0; i < big.length; i += 100) out.push(...splitter.push(big.subarray(i, i + 100)));
    const elapsed = performance.now() - started;
    assertMessages(out, [big], '1 MiB');
    assert.equal(splitter.buffered, 0);
    // Quadratic re-scanning would touch ~5e9 bytes here and take far longer.
    assert.ok(elapsed < 3000, `took ${elapsed} ms`);
  });

  test('a body that is neither a bencode dictionary nor a JSON object closes the stream', () => {
    assert.throws(() => feed([Buffer.from('c1 l1:ae')]), NgStreamError);
    assert.throws(() => feed([Buffer.from('c1 i5e')]), NgStreamError);
    assert.throws(() => feed([Buffer.from('c1  d')]), NgStreamError);
  });

  test('a cookie longer than 256 bytes closes the stream, even when it arrives in pieces', () => {
    assert.doesNotThrow(() => feed([Buffer.from(`${'c'.repeat(256)} d`)]));
    assert.throws(() => feed([Buffer.from('c'.repeat(257))]), NgStreamError);
    const splitter = new NgStreamSplitter();
    for (let i = 0; i < 25; i++) splitter.push(Buffer.from('c'.repeat(10)));
    assert.throws(() => splitter.push(Buffer.from('c'.repeat(10))), NgStreamError);
  });

  test('bytes that can never be valid bencode close the stream', () => {
    assert.throws(() => feed([Buffer.from('c1 d3:abcx')]), NgStreamError);
    assert.throws(() => feed([Buffer.from('c1 d3:abci1.5e')]), NgStreamError);
    assert.throws(() => feed([Buffer.from('c1 d3x')]), NgStreamError);
  });

  test('nesting and message size are bounded', () => {
    assert.throws(() => feed([Buffer.from(`c1 d${'l'.repeat(64)}`)]), NgStreamError);
    const small = new NgStreamSplitter({ maxMessageBytes: 1000 });
    assert.throws(() => small.push(Buffer.from('c1 d3:sdp5000:')), NgStreamError);
    const small2 = new NgStreamSplitter({ maxMessageBytes: 1000 });
    assert.throws(() => small2.push(Buffer.from(`c1 {"a":"${'x'.repeat(2000)}`)), NgStreamError);
  });

  test('an incomplete message is held back until the rest arrives', () => {
    const splitter = new NgStreamSplitter();
    assert.deepEqual(splitter.push(offer.subarray(0, offer.length - 1)), []);
    assert.equal(splitter.buffered, offer.length - 1);
    assertMessages(splitter.push(offer.subarray(offer.length - 1)), [offer], 'completed');
  });
});
