/**
 * PortPool: even/odd pairs handed out round-robin, and the same pool in shared memory for call threads:
 * two pools over one SharedArrayBuffer never hand out the same pair (also under real contention between worker
 * threads), and the pairs of an owner that died are taken back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { PortPool, sharedPortBuffer } from '../../../src/net/port-pool.ts';

test('a pool hands out even RTP ports round-robin and says when the range is exhausted', () => {
  const p = new PortPool(30001, 30008);
  assert.equal(p.capacity, 3, '30002, 30004, 30006 (30008 has no odd partner)');
  assert.deepEqual([p.allocate(), p.allocate(), p.allocate(), p.allocate()], [30002, 30004, 30006, null]);
  p.release(30004);
  assert.equal(p.free, 1);
  assert.equal(p.allocate(), 30004);
  p.release(30005);
  assert.equal(p.inUse, 3, 'an odd or foreign port is ignored');
});

test('two pools over one shared buffer split the range without handing out a pair twice', () => {
  const buf = sharedPortBuffer(40000, 40019);
  const a = new PortPool(40000, 40019, buf, 1);
  const b = new PortPool(40000, 40019, buf, 2);
  const got = new Set<number>();
  const fromA: number[] = [];
  for (;;) {
    const x = a.allocate();
    const y = b.allocate();
    if (x !== null) {
      got.add(x);
      fromA.push(x);
    }
    if (y !== null) got.add(y);
    if (x === null && y === null) break;
  }
  assert.equal(got.size, 10);
  assert.equal(a.inUse, 10, 'the count is the whole range, seen from either pool');
  assert.equal(b.free, 0);
  b.release(fromA[0]!);
  assert.equal(a.isUsed(fromA[0]!), true, 'a pool cannot free a pair another owner holds');
  a.release(fromA[0]!);
  assert.equal(b.isUsed(fromA[0]!), false);
});

test('releaseOwner frees exactly the pairs of an owner that is gone', () => {
  const buf = sharedPortBuffer(40000, 40019);
  const a = new PortPool(40000, 40019, buf, 1);
  const b = new PortPool(40000, 40019, buf, 2);
  const mine = [a.allocate(), a.allocate(), a.allocate()];
  const theirs = [b.allocate(), b.allocate()];
  assert.equal(PortPool.releaseOwner(buf, 1), 3);
  for (const p of mine) assert.equal(b.isUsed(p!), false);
  for (const p of theirs) assert.equal(b.isUsed(p!), true);
  assert.equal(b.inUse, 2);
});

test('worker threads claiming from one shared buffer at the same time never get the same pair', async () => {
  const buf = sharedPortBuffer(20000, 29999);
  const poolUrl = new URL('../../../src/net/port-pool.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  // each worker claims until the range is exhausted and reports what it got
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(poolUrl)}); })
      .then(({ PortPool }) => {
        const pool = new PortPool(20000, 29999, workerData.buf, workerData.owner);
        const got = [];
        for (let p = pool.allocate(); p !== null; p = pool.allocate()) got.push(p);
        parentPort.postMessage(got);
      });`;
  const run = (owner: number) =>
    new Promise<number[]>((resolve, reject) => {
      const w = new Worker(code, { eval: true, workerData: { buf, owner } });
      w.once('message', (got: number[]) => {
        resolve(got);
        void w.terminate();
      });
      w.once('error', reject);
    });
  const [a, b] = await Promise.all([run(1), run(2)]);
  const all = [...a, ...b];
  assert.equal(all.length, 5000, 'every pair of the range claimed once');
  assert.equal(new Set(all).size, 5000, 'no pair claimed by both threads');
});
