/**
 * Counters: closed calls add their squared durations (cut to whole ms) and their zero-way / one-way flow; an
 * interval holds each command's least, longest and mean delay, its requests per second and the least and most
 * calls open, and the statistics tree shows the last closed interval in 10.5's types.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { intervalSection } from '../../../actors/control/statistics.ts';
import { Counters } from '../../../src/stats/counters.ts';

test('closed calls add squared durations cut to whole milliseconds and count zero-way and one-way calls', () => {
  const c = new Counters();
  c.callStarted();
  c.callStarted();
  c.callStarted();
  c.callClosed('regular', 363.9, 'both-ways');
  c.callClosed('regular', 2000, 'one-way');
  c.callClosed('timeout', 1500.2, 'none');
  assert.ok(Math.abs(c.totalCallDurationSquared - (0.363 ** 2 + 4 + 1.5 ** 2)) < 1e-12);
  assert.equal(c.zeroWayStreams, 1);
  assert.equal(c.oneWayStreams, 1);
  assert.equal(c.managedSessions, 3);
});

test('an interval reports per command min/max/mean delay and requests per second, and sessions open', () => {
  const c = new Counters();
  c.callStarted();
  c.countRequest('10.0.0.1', 'offer', 0.002, false);
  c.countRequest('10.0.0.2', 'offer', 0.004, false);
  c.countRequest('10.0.0.1', 'offer', 0.009, true);
  c.countRequest('10.0.0.1', 'ping', 0.0001, false);
  c.callStarted();
  c.callStarted();
  c.callClosed('regular', 4000);
  const f = c.closeInterval(2);
  assert.deepEqual(f.delays.offer, { min: 0.002, max: 0.009, avg: 0.005 });
  assert.equal(f.rates.offer, 2, '3 offers in 2 s, rounded');
  assert.equal(f.rates.ping, 1, '1 ping in 2 s, rounded half up');
  assert.equal(f.minManagedSessions, 0);
  assert.equal(f.maxManagedSessions, 3);
  assert.equal(f.callsDuration, 4);
  const tree = intervalSection(c.lastInterval);
  assert.equal(tree.minofferdelay, '0.002000');
  assert.equal(tree.maxofferdelay, '0.009000');
  assert.equal(tree.avgofferdelay, '0.005000');
  assert.equal(tree.avgofferrequestrate, '2');
  assert.equal(tree.maxmanagedsessions, 3);
  assert.equal(tree.totalcallsduration, '4.000000');
  assert.equal(tree.minanswerdelay, '0.000000', 'a command without requests reads zero');
  const next = c.closeInterval(2);
  assert.deepEqual(next.delays, {}, 'the next interval starts empty');
  assert.equal(next.minManagedSessions, 2, 'and from the calls still open');
});

test('without a closed interval (no graphite reports) the section reads zero, as 10.5 without graphite', () => {
  const c = new Counters();
  c.countRequest('10.0.0.1', 'offer', 0.002, false);
  const tree = intervalSection(c.lastInterval);
  assert.equal(tree.minofferdelay, '0.000000');
  assert.equal(tree.minofferrequestrate, '0');
  assert.equal(tree.minmanagedsessions, 0);
});
