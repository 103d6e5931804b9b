import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bytesPerSecond,
  cpuPercent,
  exceededLimit,
  parseLoadavg,
  parseProcStat,
} from '../../../src/control/load-limits.ts';

const limits = { maxLoad: 2, maxCpu: 50, maxBandwidth: 1000 };

test('a zero limit never refuses, and the first limit exceeded names the reply', () => {
  const high = { load1: 99, cpuPercent: 99, bytesPerSecond: 1e9 };
  assert.equal(exceededLimit({ maxLoad: 0, maxCpu: 0, maxBandwidth: 0 }, high), null);
  assert.equal(exceededLimit(limits, high), 'Load limit exceeded');
  assert.equal(exceededLimit(limits, { ...high, load1: 2 }), 'CPU usage limit exceeded');
  assert.equal(
    exceededLimit(limits, { load1: 1, cpuPercent: 50, bytesPerSecond: 1001 }),
    'Bandwidth limit exceeded',
  );
  assert.equal(
    exceededLimit(limits, { load1: 2, cpuPercent: 50, bytesPerSecond: 1000 }),
    null,
    'equal is not above',
  );
});

test('/proc/loadavg and /proc/stat texts give the 1-minute load and CPU percent between readings', () => {
  assert.equal(parseLoadavg('0.52 0.40 0.33 1/234 5678\n'), 0.52);
  assert.equal(parseLoadavg('garbage'), null);
  const a = parseProcStat('cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3 4\n');
  const b = parseProcStat('cpu  200 0 200 1400 200 0 0 0 0 0\ncpu0 1 2 3 4\n');
  assert.ok(a && b);
  assert.equal(cpuPercent(a, b), 20);
  assert.equal(cpuPercent(a, a), 0);
  assert.equal(parseProcStat('intr 1 2 3'), null);
  assert.equal(bytesPerSecond(1000, 3000, 500), 4000);
});
