import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';
import { preflight } from '../../kernel/preflight.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

/** A fake /proc with the given files. */
function proc(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'kproc-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), `${content}\n`);
  }
  return root;
}

const ALL_CAPS = 'Name:\tnode\nCapEff:\t000001ffffffffff\n';
const NO_CAPS = 'Name:\tnode\nCapEff:\t0000000000000000\n';

test('everything in place: ok, with a note about ICMP redirects when they are on', () => {
  const r = preflight({
    families: new Set(['IP4']),
    procRoot: proc({
      'self/status': ALL_CAPS,
      'sys/net/ipv4/ip_forward': '1',
      'sys/net/ipv4/conf/all/send_redirects': '1',
    }),
    probeNftables: () => null,
  });
  assert.equal(r.ok, true);
  assert.equal(r.notes.length, 1);
  assert.match(r.notes[0] ?? '', /send_redirects/);
});

test('without CAP_NET_ADMIN and forwarding it names both, and does not probe nft', () => {
  let probed = false;
  const r = preflight({
    families: new Set(['IP4', 'IP6']),
    procRoot: proc({
      'self/status': NO_CAPS,
      'sys/net/ipv4/ip_forward': '0',
      'sys/net/ipv6/conf/all/forwarding': '0',
    }),
    probeNftables: () => {
      probed = true;
      return null;
    },
  });
  assert.equal(r.ok, false);
  assert.equal(probed, false);
  assert.deepEqual(r.ok ? [] : r.missing.map((m) => m.split(' ')[0]), [
    'the',
    'net.ipv4.ip_forward',
    'net.ipv6.conf.all.forwarding',
  ]);
  assert.match(r.ok ? '' : (r.missing[0] ?? ''), /CAP_NET_ADMIN/);
});

test('an nftables failure is reported in its own words; IPv6 forwarding only matters with IPv6 interfaces', () => {
  const r = preflight({
    families: new Set(['IP4']),
    procRoot: proc({ 'self/status': ALL_CAPS, 'sys/net/ipv4/ip_forward': '1' }),
    probeNftables: () => 'libnftables is not usable: libnftables.so.1 cannot be loaded',
  });
  assert.deepEqual(r, {
    ok: false,
    missing: ['libnftables is not usable: libnftables.so.1 cannot be loaded'],
    notes: [],
  });
});

test('the real probe works here when run as root (creates and removes a throwaway table)', {
  skip: process.getuid?.() !== 0 ? 'needs root' : false,
}, () => {
  const r = preflight({
    families: new Set(['IP4']),
    procRoot: proc({ 'self/status': ALL_CAPS, 'sys/net/ipv4/ip_forward': '1' }),
  });
  assert.deepEqual(r, { ok: true, notes: [] });
});
