/**
 * The kernel-table driver against a fake nft that records scripts and keeps the fwd maps' elements, so
 * batching, replacement, failure isolation and counter mapping are checked without a kernel.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { markOf, parseCounterListing } from '../../kernel/ruleset.ts';
import { type KernelStreamPair, KernelTable, type NftRunner } from '../../kernel/table.ts';

class FakeNft implements NftRunner {
  scripts: string[] = [];
  /** Marks present in fwd_v4, with the packets/bytes the fake kernel reports for them. */
  readonly counters = new Map<number, { packets: number; bytes: number }>();
  failWhen: ((script: string) => boolean) | null = null;
  closed = false;

  run(script: string): string {
    if (this.failWhen?.(script)) throw new Error('Error: Could not process rule: Device or resource busy');
    this.scripts.push(script);
    if (script.startsWith('list map')) {
      const elem = [...this.counters].map(([mark, c]) => [
        { elem: { val: { concat: [] }, counter: c } },
        mark,
      ]);
      return JSON.stringify({ nftables: [{ map: { name: 'fwd_v4', elem } }] });
    }
    for (const line of script.split('\n')) {
      const m = /^(add|delete) element \S+ \S+ fwd_v4 \{ (.*) \}$/.exec(line);
      if (!m) continue;
      for (const e of m[2]?.split(', ') ?? []) {
        if (m[1] === 'add') this.counters.set(Number(e.split(' : ')[1]), { packets: 0, bytes: 0 });
      }
      if (m[1] === 'delete') this.counters.clear();
    }
    return '';
  }

  close(): void {
    this.closed = true;
  }

  get changes(): string[] {
    return this.scripts.filter((s) => s.includes(' element '));
  }
}

const pair = (n: number, callId = `call-${n}`): KernelStreamPair => ({
  pairId: `${callId}/rtp/${n}`,
  callId,
  family: 'IP4',
  a: {
    streamId: `${n}/a`,
    endpoint: { address: '192.0.2.10', port: 5000 + n },
    local: { address: '198.51.100.1', port: 30000 + 4 * n },
  },
  b: {
    streamId: `${n}/b`,
    endpoint: { address: '203.0.113.20', port: 6000 + n },
    local: { address: '203.0.113.1', port: 30002 + 4 * n },
  },
});

test('open creates the table (flushing a leftover) and close deletes it and frees the context', () => {
  const nft = new FakeNft();
  const t = KernelTable.open(4, { nft });
  assert.match(
    nft.scripts[0] ?? '',
    /^add table inet rtpengine_ts_4\ndelete table inet rtpengine_ts_4\ntable inet/,
  );
  t.close();
  assert.equal(nft.scripts.at(-1), 'add table inet rtpengine_ts_4\ndelete table inet rtpengine_ts_4\n');
  assert.ok(nft.closed);
});

test('changes made in one event-loop turn reach nft as one transaction', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  const results = await Promise.all([1, 2, 3].map((n) => t.install(pair(n))));
  assert.deepEqual(results, [{ ok: true }, { ok: true }, { ok: true }]);
  assert.equal(nft.changes.length, 1);
  assert.equal(nft.changes[0]?.split('\n').filter(Boolean).length, 5, 'one command per map');
  assert.equal(t.size, 3);
  await Promise.all([t.remove(pair(1).pairId), t.removeCall('call-2')]);
  assert.equal(nft.changes.length, 2);
  assert.equal(t.size, 1);
  assert.ok(t.has(pair(3).pairId));
});

test('installing and removing the same pair in one turn sends nothing; removing an unknown pair succeeds', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  const [a, b, c] = await Promise.all([t.install(pair(1)), t.remove(pair(1).pairId), t.remove('nope')]);
  assert.deepEqual([a, b, c], [{ ok: true }, { ok: true }, { ok: true }]);
  assert.equal(nft.changes.length, 0);
  assert.equal(t.size, 0);
});

test('reinstalling a pair id replaces its elements (old keys deleted, new ones added) in one transaction', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  await t.install(pair(1));
  const moved = pair(1);
  moved.a.endpoint = { address: '192.0.2.99', port: 7000 };
  await t.install(moved);
  const last = nft.changes.at(-1) ?? '';
  assert.match(last, /^delete element .* fwd_v4 \{ 192\.0\.2\.10 \. 5001 /);
  assert.match(last, /add element .* fwd_v4 \{ 192\.0\.2\.99 \. 7000 /);
  assert.equal(t.size, 1);
});

test('a reused local port whose old pair was never removed: the new pair evicts the old one', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  await t.install(pair(1, 'old'));
  const reused = { ...pair(1, 'new'), pairId: 'new/rtp' };
  assert.deepEqual(await t.install(reused), { ok: true });
  assert.ok(!t.has(pair(1, 'old').pairId));
  assert.ok(t.has('new/rtp'));
  assert.match(nft.changes.at(-1) ?? '', /^delete element/);
});

test('a change nft refuses fails alone: the rest of its batch is applied one by one', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  nft.failWhen = (s) => s.includes('5002 .');
  const [r1, r2, r3] = await Promise.all([1, 2, 3].map((n) => t.install(pair(n))));
  assert.deepEqual(r1, { ok: true });
  assert.equal(r2?.ok, false);
  assert.deepEqual(r3, { ok: true });
  assert.equal(t.size, 2);
  assert.ok(!t.has(pair(2).pairId));
});

test('an invalid pair is refused with a reason and does not reach nft', async () => {
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft });
  const bad = pair(1);
  bad.b.endpoint = { address: 'callee.example', port: 6000 };
  const r = await t.install(bad);
  assert.equal(r.ok, false);
  assert.match(r.ok ? '' : r.error, /not an IP4 address/);
  assert.equal(nft.changes.length, 0);
});

test('counters are read with one listing, published per stream id, payload bytes only, last packet when they grow', async () => {
  let now = 1_000;
  const nft = new FakeNft();
  const t = KernelTable.open(0, { nft, now: () => now });
  await t.install(pair(1));
  assert.deepEqual(t.counters.get('1/a'), { pairId: pair(1).pairId, packets: 0, bytes: 0, lastPacketMs: 0 });
  nft.counters.set(markOf(0, 1), { packets: 10, bytes: 10 * (28 + 160) });
  const before = nft.scripts.length;
  t.readCounters();
  assert.equal(nft.scripts.length - before, 1, 'one listing');
  assert.deepEqual(t.counters.get('1/a'), {
    pairId: pair(1).pairId,
    packets: 10,
    bytes: 1600,
    lastPacketMs: 1_000,
  });
  assert.equal(t.counters.get('1/b')?.lastPacketMs, 0);
  now = 2_000;
  t.readCounters();
  assert.equal(t.counters.get('1/a')?.lastPacketMs, 1_000, 'no new packets, last packet unchanged');
  await t.remove(pair(1).pairId);
  assert.equal(t.counters.size, 0);
  assert.ok(parseCounterListing(nft.run('list map x')).size === 0);
});

test('after close, changes are refused and removals are no-ops', async () => {
  const t = KernelTable.open(0, { nft: new FakeNft() });
  t.close();
  assert.equal((await t.install(pair(1))).ok, false);
  assert.deepEqual(await t.remove('x'), { ok: true });
  assert.equal(await t.removeCall('c'), 0);
});
