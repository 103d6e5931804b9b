/** The delay queue (bounded, ordered FIFO with due times) and the one-timer delay line on a fake clock. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type DelayClock, DelayLine, DelayQueue } from '../../../src/rtp/delay-buffer.ts';

test('DelayQueue hands out only the items due, in the order they were pushed', () => {
  const q = new DelayQueue<string>(8);
  q.push('a', 100);
  q.push('b', 120);
  q.push('c', 140);
  const got: string[] = [];
  assert.equal(
    q.popDue(99, (x) => got.push(x)),
    0,
  );
  assert.equal(
    q.popDue(125, (x) => got.push(x)),
    2,
  );
  assert.deepEqual(got, ['a', 'b']);
  assert.equal(q.nextDue(), 140);
  assert.equal(q.size, 1);
});

test('DelayQueue never lets a later item overtake: an earlier due time is moved up to the last one', () => {
  const q = new DelayQueue<string>(8);
  q.push('long', 300);
  q.push('short', 150);
  const got: string[] = [];
  q.popDue(200, (x) => got.push(x));
  assert.equal(got.length, 0, 'not due yet: the later push waits for the earlier');
  q.popDue(300, (x) => got.push(x));
  assert.deepEqual(got, ['long', 'short']);
});

test('DelayQueue refuses pushes beyond its capacity and keeps what it holds', () => {
  const q = new DelayQueue<number>(3);
  assert.equal(q.push(1, 0), true);
  assert.equal(q.push(2, 0), true);
  assert.equal(q.push(3, 0), true);
  assert.equal(q.push(4, 0), false);
  const got: number[] = [];
  q.drain((x) => got.push(x));
  assert.deepEqual(got, [1, 2, 3]);
  assert.equal(q.size, 0);
});

test('DelayQueue keeps FIFO order across ring wrap-around and growth', () => {
  const q = new DelayQueue<number>(40);
  const got: number[] = [];
  let next = 0;
  let t = 0;
  // interleave pushes and pops so the head moves round the ring while it grows from 16 to 40
  for (let round = 0; round < 50; round++) {
    for (let i = 0; i < 3; i++) q.push(next++, t++);
    q.popDue(t - 2, (x) => got.push(x));
  }
  q.drain((x) => got.push(x));
  assert.deepEqual(
    got,
    Array.from({ length: next }, (_, i) => i),
  );
});

test('DelayQueue clear empties it and resets the order floor', () => {
  const q = new DelayQueue<number>(4);
  q.push(1, 500);
  q.clear();
  q.push(2, 10);
  assert.equal(q.nextDue(), 10);
});

/** A clock whose timers run only when the test advances time. */
function fakeClock() {
  let now = 0;
  let nextId = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  const clock: DelayClock = {
    now: () => now,
    setTimer: (fn, ms) => {
      const id = nextId++;
      timers.set(id, { at: now + ms, fn });
      return id;
    },
    clearTimer: (h) => {
      timers.delete(h as number);
    },
  };
  const advance = (to: number) => {
    for (;;) {
      const due = [...timers.entries()].filter(([, t]) => t.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      timers.delete(due[0]);
      now = due[1].at;
      due[1].fn();
    }
    now = to;
  };
  return { clock, advance, timers, setNow: (t: number) => (now = t) };
}

test('DelayLine delivers each packet exactly its delay after it was pushed, with one timer at a time', () => {
  const { clock, advance, timers, setNow } = fakeClock();
  const out: [number, number][] = [];
  const line = new DelayLine<number>(200, (x) => out.push([x, clock.now()]), clock);
  for (let i = 0; i < 10; i++) {
    setNow(i * 20);
    line.push(i);
    assert.ok(timers.size <= 1, 'never more than one timer per line');
  }
  advance(1000);
  assert.deepEqual(
    out,
    Array.from({ length: 10 }, (_, i) => [i, i * 20 + 200]),
  );
  assert.equal(timers.size, 0);
});

test('DelayLine with a shortened delay keeps waiting packets ahead of new ones', () => {
  const { clock, advance, setNow } = fakeClock();
  const out: number[] = [];
  const line = new DelayLine<number>(200, (x) => out.push(x), clock);
  line.push(1);
  setNow(10);
  line.setDelay(50);
  line.push(2);
  advance(100);
  assert.deepEqual(out, []);
  advance(200);
  assert.deepEqual(out, [1, 2]);
});

test('DelayLine flush sends everything now; close drops everything and stops its timer', () => {
  const { clock, advance, timers } = fakeClock();
  const out: number[] = [];
  const line = new DelayLine<number>(200, (x) => out.push(x), clock);
  line.push(1);
  line.push(2);
  line.flush();
  assert.deepEqual(out, [1, 2]);
  assert.equal(timers.size, 0);
  line.push(3);
  line.close();
  assert.equal(timers.size, 0);
  assert.equal(line.pending, 0);
  assert.equal(line.push(4), false);
  advance(1000);
  assert.deepEqual(out, [1, 2]);
});

test('DelayLine drops what does not fit its capacity', () => {
  const { clock, advance } = fakeClock();
  const out: number[] = [];
  const line = new DelayLine<number>(100, (x) => out.push(x), clock, 2);
  assert.equal(line.push(1), true);
  assert.equal(line.push(2), true);
  assert.equal(line.push(3), false);
  advance(100);
  assert.deepEqual(out, [1, 2]);
});
