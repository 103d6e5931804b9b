/**
 * The log record format operators read with `-E`: one JSON object per line, with errors and bigints anywhere in the
 * fields written readably, whichever way the logger serialises the record.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Logger } from '../../../src/log/logger.ts';

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
