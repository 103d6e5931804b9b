/**
 * Cost of the kernel table's control path: one transaction installing N stream pairs (2 directions, 10 map
 * elements each), one counter read with N pairs installed, one transaction removing them all. Runs in a
 * throwaway network namespace (needs root): `tsx bench/kernel.ts [pairs...]`.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type KernelStreamPair, KernelTable } from '../kernel/table.ts';

const sizes = process.argv
  .slice(2)
  .filter((a) => /^\d+$/.test(a))
  .map(Number);
if (sizes.length === 0) sizes.push(100, 1000, 5000);

function pairOf(i: number): KernelStreamPair {
  const port = 10000 + 4 * i;
  return {
    pairId: `c${i}/rtp`,
    callId: `c${i}`,
    family: 'IP4',
    a: {
      streamId: `c${i}/a`,
      endpoint: { address: '10.1.0.2', port: 1024 + i },
      local: { address: '10.1.0.1', port },
    },
    b: {
      streamId: `c${i}/b`,
      endpoint: { address: '10.2.0.2', port: 1024 + i },
      local: { address: '10.2.0.1', port: port + 2 },
    },
  };
}

async function inside(): Promise<void> {
  const rows: string[] = [];
  for (const n of sizes) {
    const t = KernelTable.open(0);
    const pairs = Array.from({ length: n }, (_, i) => pairOf(i));
    let t0 = performance.now();
    await Promise.all(pairs.map((p) => t.install(p)));
    const install = performance.now() - t0;
    if (t.size !== n) throw new Error(`installed ${t.size} of ${n}`);
    const reads: number[] = [];
    for (let r = 0; r < 5; r++) {
      t0 = performance.now();
      t.readCounters();
      reads.push(performance.now() - t0);
    }
    reads.sort((a, b) => a - b);
    // One change on its own while the table is full: what a single call's handover costs.
    t0 = performance.now();
    await t.install(pairOf(n));
    const oneInstall = performance.now() - t0;
    t0 = performance.now();
    await t.remove(pairOf(n).pairId);
    const oneRemove = performance.now() - t0;
    t0 = performance.now();
    await Promise.all(pairs.map((p) => t.remove(p.pairId)));
    const remove = performance.now() - t0;
    t.close();
    rows.push(
      `| ${n} | ${install.toFixed(1)} ms (${((install * 1000) / n).toFixed(1)} µs/pair) | ${remove.toFixed(1)} ms | ${reads[2]?.toFixed(1)} ms | ${oneInstall.toFixed(2)} / ${oneRemove.toFixed(2)} ms |`,
    );
  }
  console.log(
    '| pairs | install, one transaction | remove all, one transaction | counter read (median of 5) | one install / one removal alone, table full |',
  );
  console.log('| --- | --- | --- | --- | --- |');
  for (const r of rows) console.log(r);
}

if (process.argv.includes('--inside')) {
  await inside();
} else {
  const ns = `kbench${process.pid}`;
  execFileSync('ip', ['netns', 'add', ns]);
  try {
    execFileSync(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        '--import',
        'tsx',
        fileURLToPath(import.meta.url),
        '--inside',
        ...sizes.map(String),
      ],
      { stdio: 'inherit' },
    );
  } finally {
    execFileSync('ip', ['netns', 'del', ns]);
  }
}
