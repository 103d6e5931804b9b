import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SlotTable } from '../../../src/heap/slot-table.ts';

describe('SlotTable', () => {
  test('behaves as a Map under a random mix of sets, overwrites, deletes and lookups', () => {
    // a deterministic pseudo-random sequence, so a failure replays
    let seed = 12345;
    const next = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    const table = new SlotTable<number>();
    const model = new Map<string, number>();
    for (let step = 0; step < 50_000; step++) {
      const key = `k${next(3000)}`;
      const op = next(10);
      if (op < 5) {
        table.set(key, step);
        model.set(key, step);
      } else if (op < 8) assert.equal(table.delete(key), model.delete(key), `delete ${key} at ${step}`);
      else assert.equal(table.get(key), model.get(key), `get ${key} at ${step}`);
      assert.equal(table.size, model.size);
    }
    for (const [k, v] of model) assert.equal(table.get(k), v);
    assert.deepEqual(
      [...table.values()].sort((a, b) => a - b),
      [...model.values()].sort((a, b) => a - b),
    );
  });

  test('churn with few live entries reuses its arrays: they stop growing once they fit the live count', () => {
    const table = new SlotTable<string>();
    let settled = 0;
    for (let i = 0; i < 100_000; i++) {
      table.set(`cookie-${i}`, 'in flight');
      if (i >= 4) assert.ok(table.delete(`cookie-${i - 4}`));
      if (i === 1000) settled = table.slots;
    }
    assert.equal(table.size, 4);
    assert.equal(table.slots, settled, 'tombstones were purged in place, not by growing');
    assert.ok(settled <= 32, `slots ${settled} for 5 live entries at most`);
    assert.equal(table.get('cookie-99999'), 'in flight');
    assert.equal(table.get('cookie-0'), undefined);
  });

  test('grows when live entries outgrow a quarter of the slots, and keeps every one', () => {
    const table = new SlotTable<number>(8);
    for (let i = 0; i < 10_000; i++) table.set(`call-${i}`, i);
    assert.equal(table.size, 10_000);
    assert.ok(table.slots >= 20_000 && table.slots <= 80_000, `slots ${table.slots}`);
    for (let i = 0; i < 10_000; i++) assert.equal(table.get(`call-${i}`), i);
    assert.equal(table.has('call-10000'), false);
  });

  test('a stored undefined or null value is still an entry', () => {
    const table = new SlotTable<null>();
    table.set('a', null);
    assert.equal(table.has('a'), true);
    assert.equal(table.size, 1);
    assert.equal(table.delete('a'), true);
    assert.equal(table.has('a'), false);
    assert.equal(table.delete('a'), false);
  });
});
