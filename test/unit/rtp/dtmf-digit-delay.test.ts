/**
 * `--dtmf-digit-delay`: parsed as rtpengine 10.5 parses it (any integer, default 2500 ms; 10.5 also starts with 0
 * or a negative value and refuses a non-number), and carried into each DTMF trigger, whose digit match restarts
 * when two digits are further apart than it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadConfig } from '../../../src/config/config.ts';
import { newTriggerState, noteDigit } from '../../../src/rtp/dtmf-trigger.ts';

// --config-file=none: no file is read
const noFile = {
  readFile: (path: string): string => {
    throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  },
};
const base = ['--config-file=none', '-i', '127.0.0.1', '-n', '127.0.0.1:2223'];

test('--dtmf-digit-delay is read as milliseconds, 2500 by default, negative accepted, text refused', () => {
  assert.equal(loadConfig(base, noFile).config.dtmfDigitDelay, 2500);
  assert.equal(loadConfig([...base, '--dtmf-digit-delay=700'], noFile).config.dtmfDigitDelay, 700);
  assert.equal(loadConfig([...base, '--dtmf-digit-delay', '-5'], noFile).config.dtmfDigitDelay, -5);
  assert.throws(() => loadConfig([...base, '--dtmf-digit-delay=abc'], noFile));
});

const spec = { trigger: [1, 2], end: [], endTimeMs: 0, endDigits: 0, mode: null };

test('a trigger set with a 500 ms digit delay restarts its match on digits 600 ms apart, not on 400 ms', () => {
  const s = newTriggerState(spec, 500);
  assert.equal(
    noteDigit(s, 1, 0, () => {}),
    null,
  );
  assert.equal(
    noteDigit(s, 2, 600, () => {}),
    null,
    '600 ms after the 1: the match restarted',
  );
  assert.equal(
    noteDigit(s, 1, 1000, () => {}),
    null,
  );
  assert.deepEqual(
    noteDigit(s, 2, 1400, () => {}),
    { kind: 'on', mode: null },
    '400 ms apart: matched',
  );
});

test('the default digit delay (2500 ms) still matches digits 600 ms apart', () => {
  const s = newTriggerState(spec);
  assert.equal(
    noteDigit(s, 1, 0, () => {}),
    null,
  );
  assert.deepEqual(
    noteDigit(s, 2, 600, () => {}),
    { kind: 'on', mode: null },
  );
});
