import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CookieCache, CookieFailedError } from '../../../src/ng/cookie-cache.ts';

function fakeClock(start = 1_000_000) {
  let t = start;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('ng cookie cache', () => {
  test('a duplicate arriving while the command runs waits for it, and the command runs once', async () => {
    const cache = new CookieCache({ now: fakeClock().now });
    const gate = deferred<Buffer>();
    let runs = 0;
    const command = () => {
      runs++;
      return gate.promise;
    };
    const first = cache.run('c1', command);
    const duplicate = cache.run('c1', command);
    assert.equal(cache.lookup('c1').state, 'pending');
    gate.resolve(Buffer.from('reply-1'));
    const [a, b] = await Promise.all([first, duplicate]);
    assert.equal(runs, 1);
    assert.equal(a.cached, false);
    assert.equal(b.cached, true);
    assert.equal(b.reply.toString(), 'reply-1');
    const later = await cache.run('c1', command);
    assert.equal(runs, 1, 'a retransmission after completion is answered from the cache');
    assert.equal(later.cached, true);
    assert.equal(later.reply.toString(), 'reply-1');
  });

  test('different cookies run independently', async () => {
    const cache = new CookieCache({ now: fakeClock().now });
    const a = await cache.run('a', async () => Buffer.from('A'));
    const b = await cache.run('b', async () => Buffer.from('B'));
    assert.equal(a.reply.toString() + b.reply.toString(), 'AB');
    assert.equal(cache.size, 2);
  });

  test('a reply lives at least one and less than two generations (30-60 s)', () => {
    const clock = fakeClock();
    const cache = new CookieCache({ generationMs: 30_000, now: clock.now });
    cache.begin('early');
    cache.complete('early', Buffer.from('E'));
    clock.advance(29_999);
    cache.begin('late');
    cache.complete('late', Buffer.from('L'));
    clock.advance(1); // first swap: both move to the previous generation
    assert.equal(cache.lookup('early').state, 'done');
    assert.equal(cache.lookup('late').state, 'done');
    clock.advance(29_999); // 59.999 s after 'early'
    assert.equal(cache.lookup('early').state, 'done');
    clock.advance(1); // second swap: 60 s after 'early', 30 s after 'late'
    assert.equal(cache.lookup('early').state, 'absent');
    assert.equal(cache.lookup('late').state, 'absent');
    assert.equal(cache.size, 0);
  });

  test('after a long idle period both generations are gone, and the swap grid is kept', () => {
    const clock = fakeClock();
    const cache = new CookieCache({ generationMs: 30_000, now: clock.now });
    cache.complete('x', Buffer.from('X'));
    clock.advance(10 * 30_000 + 5_000);
    assert.equal(cache.lookup('x').state, 'absent');
    cache.complete('y', Buffer.from('Y'));
    clock.advance(25_000); // the next grid swap (at 11 generations) moves 'y' to previous
    assert.equal(cache.lookup('y').state, 'done');
    clock.advance(30_000);
    assert.equal(cache.lookup('y').state, 'absent');
  });

  test('a request still running never ages out', async () => {
    const clock = fakeClock();
    const cache = new CookieCache({ generationMs: 30_000, now: clock.now });
    cache.begin('slow');
    clock.advance(120_000);
    const found = cache.lookup('slow');
    assert.equal(found.state, 'pending');
    cache.complete('slow', Buffer.from('S'));
    assert.equal(found.state === 'pending' && (await found.wait).toString(), 'S');
  });

  test('a failed command rejects its waiting duplicates and a retransmission runs it again', async () => {
    const cache = new CookieCache({ now: fakeClock().now });
    const gate = deferred<Buffer>();
    let runs = 0;
    const first = cache.run('c', () => {
      runs++;
      return gate.promise;
    });
    const duplicate = cache.run('c', async () => Buffer.from('never'));
    gate.reject(new Error('boom'));
    await assert.rejects(first, /boom/);
    await assert.rejects(duplicate, CookieFailedError);
    assert.equal(cache.lookup('c').state, 'absent');
    const retry = await cache.run('c', async () => {
      runs++;
      return Buffer.from('ok');
    });
    assert.equal(runs, 2);
    assert.equal(retry.cached, false);
  });

  test('fail with nobody waiting rejects nothing (no unhandled rejection)', () => {
    const cache = new CookieCache({ now: fakeClock().now });
    cache.begin('c');
    cache.fail('c');
    assert.equal(cache.size, 0);
  });

  test('beginning a cookie that is already in flight is a caller error', () => {
    const cache = new CookieCache({ now: fakeClock().now });
    cache.begin('c');
    assert.throws(() => cache.begin('c'), /already in flight/);
  });

  test('replies spread over several chunks, with a large one between, come back byte for byte', () => {
    const cache = new CookieCache({ now: fakeClock().now });
    const replyFor = (i: number) => Buffer.alloc(i === 500 ? 100_000 : 300 + (i % 700), i & 0xff);
    // enough entries to double every shard's index several times, in several chunks
    for (let i = 0; i < 10_000; i++) cache.complete(`c${i}`, replyFor(i));
    assert.equal(cache.size, 10_000);
    for (let i = 0; i < 10_000; i++) {
      const found = cache.lookup(`c${i}`);
      assert.equal(found.state, 'done');
      if (found.state === 'done') assert.ok(found.reply.equals(replyFor(i)), `reply ${i}`);
    }
    const source = Buffer.from('first');
    cache.complete('again', source);
    source.write('XXXXX');
    const kept = cache.lookup('again');
    assert.equal(kept.state === 'done' && kept.reply.toString(), 'first', 'the cache keeps a copy');
    cache.complete('again', Buffer.from('second'));
    const replaced = cache.lookup('again');
    assert.equal(replaced.state === 'done' && replaced.reply.toString(), 'second');
    assert.equal(cache.size, 10_001, 'a replaced reply is one entry');
  });

  test('a forgotten cookie leaves the others on its probe path found, and it can be cached again', () => {
    // the index probes linearly over typed arrays: a forgotten entry must not cut the probe path of those after it
    const cache = new CookieCache({ now: fakeClock().now });
    for (let i = 0; i < 3000; i++) cache.complete(`k${i}`, Buffer.from(`r${i}`));
    for (let i = 0; i < 3000; i += 3) cache.fail(`k${i}`);
    assert.equal(cache.size, 2000);
    for (let i = 0; i < 3000; i++) {
      const found = cache.lookup(`k${i}`);
      if (i % 3 === 0) assert.equal(found.state, 'absent', `k${i} was forgotten`);
      else assert.equal(found.state === 'done' && found.reply.toString(), `r${i}`);
    }
    for (let i = 0; i < 3000; i += 3) cache.complete(`k${i}`, Buffer.from(`again${i}`));
    assert.equal(cache.size, 3000);
    const back = cache.lookup('k2997');
    assert.equal(back.state === 'done' && back.reply.toString(), 'again2997');
  });

  test('cookies that differ only in their last byte, or in length, are different entries', () => {
    const cache = new CookieCache({ now: fakeClock().now });
    cache.complete('abc\xff', Buffer.from('one'));
    cache.complete('abc\xfe', Buffer.from('two'));
    cache.complete('abc', Buffer.from('three'));
    const get = (c: string) => {
      const f = cache.lookup(c);
      return f.state === 'done' ? f.reply.toString() : f.state;
    };
    assert.deepEqual(
      [get('abc\xff'), get('abc\xfe'), get('abc'), get('ab')],
      ['one', 'two', 'three', 'absent'],
    );
  });

  test('a cookie with a character beyond latin1 (frame.ts never makes one) is not cached', () => {
    const cache = new CookieCache({ now: fakeClock().now });
    cache.complete('cookie\u0101', Buffer.from('reply'));
    assert.equal(cache.lookup('cookie\u0101').state, 'absent');
    assert.equal(
      cache.lookup('cookie\u0001').state,
      'absent',
      'nor mistaken for the byte it would truncate to',
    );
  });

  test('memory is bounded: a generation over its byte cap is swapped early', () => {
    const clock = fakeClock();
    const cache = new CookieCache({ now: clock.now, maxBytesPerGeneration: 10_000 });
    const reply = Buffer.alloc(1000);
    for (let i = 0; i < 1000; i++) cache.complete(`cookie-${i}`, reply);
    // Each entry is estimated at ~1.1 kB, so at most about two caps' worth stays.
    assert.ok(cache.size <= 20, `size ${cache.size}`);
    assert.equal(cache.lookup('cookie-999').state, 'done', 'the newest reply is kept');
    assert.equal(cache.lookup('cookie-0').state, 'absent', 'the oldest reply was dropped');
  });
});
