/**
 * Where a call lives among the call threads (actors/threads/placement.ts): by its call-id's hash, unless its
 * hashed thread is busier than the idlest by the threshold when its first offer arrives; such calls are
 * remembered for their later requests and forgotten once their thread reports them ended, but not when a later
 * message routed the same call-id there again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CallPlacement, requestAnswered, threadOf } from '../../../actors/threads/placement.ts';

/** Two threads; call-ids 'x0…' hash to thread 0 and 'x1…' to thread 1 in this test's own hash. */
function twoThreads(threshold = 3): { placement: CallPlacement; inFlight: Int32Array } {
  const inFlight = new Int32Array(new SharedArrayBuffer(8));
  const placement = new CallPlacement(inFlight, (callId) => Number(callId[1]), threshold);
  return { placement, inFlight };
}

function busy(placement: CallPlacement, thread: number, requests: number): void {
  for (let i = 0; i < requests; i++) placement.requestSent(thread);
}

test('with the threads about as busy, every request goes where its call-id hashes and nothing is remembered', () => {
  const { placement } = twoThreads();
  busy(placement, 0, 2);
  assert.equal(placement.route('x0-a', 'offer'), 0);
  assert.equal(placement.route('x1-a', 'offer'), 1);
  assert.equal(placement.route('x0-a', 'answer'), 0);
  assert.equal(placement.remembered, 0);
});

test('an offer whose hashed thread has the threshold more in flight goes to the idlest thread, and its call stays there', () => {
  const { placement, inFlight } = twoThreads();
  busy(placement, 0, 3);
  assert.equal(placement.route('x0-b', 'offer'), 1, 'placed on the idle thread');
  assert.equal(placement.remembered, 1);
  // the load evens out: the call's later requests still go to its thread
  requestAnswered(inFlight, 0);
  requestAnswered(inFlight, 0);
  requestAnswered(inFlight, 0);
  for (const command of ['answer', 'query', 'offer', 'delete'])
    assert.equal(placement.route('x0-b', command), 1);
  assert.equal(placement.ownerOf('x0-b'), 1);
  assert.equal(placement.ownerOf('x0-unknown'), 0, 'a call-id never placed is owned by its hashed thread');
});

test('only an offer is placed by load: any other request for an unknown call-id goes to its hashed thread', () => {
  const { placement } = twoThreads();
  busy(placement, 0, 10);
  for (const command of ['answer', 'delete', 'query', null])
    assert.equal(placement.route('x0-c', command), 0);
  assert.equal(placement.remembered, 0);
});

test('a reported end forgets the call, unless a message for it was sent after the thread reported', () => {
  const { placement } = twoThreads();
  busy(placement, 0, 3);
  assert.equal(placement.route('x0-d', 'offer'), 1);
  placement.sent(1, 'x0-d'); // message 1: the offer
  placement.sent(1, null); // message 2: something else
  assert.equal(placement.route('x0-e', 'offer'), 1);
  placement.sent(1, 'x0-e'); // message 3
  // thread 1 reports both ended after receiving two messages: x0-e was sent a third, later one
  placement.ended(1, ['x0-d', 'x0-e'], 2);
  assert.equal(placement.ownerOf('x0-d'), 0, 'forgotten: back to its hashed thread');
  assert.equal(placement.ownerOf('x0-e'), 1, 'kept: its offer was still on the way');
  placement.ended(0, ['x0-e'], 99);
  assert.equal(placement.ownerOf('x0-e'), 1, 'a report from another thread changes nothing');
  placement.ended(1, ['x0-e'], 3);
  assert.equal(placement.remembered, 0);
});

test('a thread that died takes its placed calls with it and starts again with nothing in flight', () => {
  const { placement, inFlight } = twoThreads();
  busy(placement, 0, 5);
  assert.equal(placement.route('x0-f', 'offer'), 1);
  busy(placement, 1, 2);
  placement.threadGone(1);
  assert.equal(placement.remembered, 0);
  assert.equal(Atomics.load(inFlight, 1), 0);
  assert.equal(Atomics.load(inFlight, 0), 5, 'the other thread keeps its count');
});

test('with more threads the idlest is chosen; threadOf spreads call-ids over every thread', () => {
  const inFlight = new Int32Array(new SharedArrayBuffer(12));
  const placement = new CallPlacement(inFlight, () => 0, 3);
  Atomics.store(inFlight, 0, 6);
  Atomics.store(inFlight, 1, 4);
  Atomics.store(inFlight, 2, 1);
  assert.equal(placement.route('any', 'offer'), 2);
  const seen = new Set<number>();
  for (let i = 0; i < 200; i++) seen.add(threadOf(`call-${i}@host`, 3));
  assert.deepEqual([...seen].sort(), [0, 1, 2]);
});
