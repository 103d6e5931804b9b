import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTriggerState, noteDigit, parseTriggerDigits } from '../../../src/rtp/dtmf-trigger.ts';

const spec = (over = {}) => ({ trigger: [1, 2], end: [9], endTimeMs: 0, endDigits: 0, mode: null, ...over });

test('trigger digits parse 0-9 * # A-D into events and refuse anything else', () => {
  assert.deepEqual(parseTriggerDigits('19*#aD'), [1, 9, 10, 11, 12, 15]);
  assert.equal(parseTriggerDigits('1x'), null);
  assert.equal(parseTriggerDigits(''), null);
});

test('digits further apart than the digit delay restart the match', () => {
  const s = newTriggerState(spec());
  assert.equal(
    noteDigit(s, 1, 0, () => {}),
    null,
  );
  assert.equal(
    noteDigit(s, 2, 3000, () => {}),
    null,
    '2 came 3 s after 1',
  );
  assert.equal(
    noteDigit(s, 1, 3100, () => {}),
    null,
  );
  assert.deepEqual(
    noteDigit(s, 2, 3200, () => {}),
    { kind: 'on', mode: null },
  );
  assert.deepEqual(
    noteDigit(s, 9, 3300, () => {}),
    { kind: 'off' },
  );
  assert.equal(
    noteDigit(s, 1, 3400, () => {}),
    null,
    'disarmed after the end',
  );
  assert.equal(s.phase, 'done');
});
