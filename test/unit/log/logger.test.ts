/**
 * The log record format operators read with `-E`: one JSON object per line, with errors and bigints anywhere in the
 * fields written readably, whichever way the logger serialises the record; and the batched sink of the call threads,
 * which writes a turn's lines at once without ever splitting a line or holding back an error.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { batchedFdSink, Logger } from '../../../src/log/logger.ts';

function capture(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = new Logger({ level: 7, sink: (l) => lines.push(l), base: { thread: 1 } });
  return { logger, lines };
}

describe('Logger', () => {
  test('a flat record is one JSON line with time, level, message, base and fields', () => {
    const { logger, lines } = capture();
    logger.info('call closed', { callId: 'abc', reason: 'delete', n: 3, ok: true });
    assert.equal(lines.length, 1);
    assert.ok(lines[0]?.endsWith('\n'));
    const rec = JSON.parse(lines[0] ?? '');
    assert.deepEqual(
      { ...rec, time: undefined },
      {
        time: undefined,
        level: 'info',
        msg: 'call closed',
        thread: 1,
        callId: 'abc',
        reason: 'delete',
        n: 3,
        ok: true,
      },
    );
    assert.ok(!Number.isNaN(Date.parse(rec.time)));
  });

  test('errors and bigints, at the top or one level down, are written readably', () => {
    const { logger, lines } = capture();
    logger.err('failed', {
      error: new TypeError('boom'),
      big: 12n,
      nested: { error: new Error('inner'), big: 7n },
    });
    const rec = JSON.parse(lines[0] ?? '');
    assert.equal(rec.error.name, 'TypeError');
    assert.equal(rec.error.message, 'boom');
    assert.match(rec.error.stack, /boom/);
    assert.equal(rec.big, '12');
    assert.equal(rec.nested.error.message, 'inner');
    assert.equal(rec.nested.big, '7');
  });

  test('records above the level are not written', () => {
    const lines: string[] = [];
    const logger = new Logger({ level: 5, sink: (l) => lines.push(l) });
    logger.info('not shown');
    logger.notice('shown');
    assert.deepEqual(
      lines.map((l) => JSON.parse(l).msg),
      ['shown'],
    );
  });
});

describe('batchedFdSink', () => {
  const turn = () => new Promise((r) => setImmediate(r));
  /** The `msg` of every line in one write. */
  const messagesOf = (write: string): string[] =>
    write
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l).msg);
  function recording(): { writes: string[]; logger: Logger } {
    const writes: string[] = [];
    const sink = batchedFdSink(2, (fd, text) => {
      assert.equal(fd, 2);
      writes.push(text);
    });
    return { writes, logger: new Logger({ level: 7, sink }) };
  }

  test("one turn's lines go out in one write, after the turn", async () => {
    const { writes, logger } = recording();
    logger.info('a');
    logger.info('b');
    logger.notice('c');
    assert.equal(writes.length, 0, 'nothing written during the turn');
    await turn();
    assert.equal(writes.length, 1);
    assert.deepEqual(messagesOf(writes[0] ?? ''), ['a', 'b', 'c']);
    logger.info('d');
    await turn();
    assert.equal(writes.length, 2, 'a later turn gets a write of its own');
  });

  test('no write exceeds 4096 bytes unless one line alone does; lines stay whole and in order', async () => {
    const { writes, logger } = recording();
    const fill = 'é'.repeat(300); // two bytes each in UTF-8: the limit counts bytes
    for (let i = 0; i < 40; i++) logger.info(`m${i}`, { fill });
    logger.info('huge', { fill: 'x'.repeat(10_000) });
    await turn();
    assert.ok(writes.length > 1);
    for (const w of writes) {
      assert.ok(w.endsWith('\n'), 'a write ends with a whole line');
      const lines = w.split('\n').filter(Boolean);
      assert.ok(Buffer.byteLength(w) <= 4096 || lines.length === 1, 'over 4096 bytes only alone');
    }
    const msgs = writes.flatMap(messagesOf);
    assert.deepEqual(msgs, [...Array.from({ length: 40 }, (_, i) => `m${i}`), 'huge']);
  });

  test('an error is written at once, with the lines logged before it', () => {
    const { writes, logger } = recording();
    logger.info('before');
    logger.err('failed', { error: new Error('boom') });
    assert.equal(writes.length, 1);
    assert.deepEqual(messagesOf(writes[0] ?? ''), ['before', 'failed']);
  });
});
