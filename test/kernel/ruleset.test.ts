import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDirectionsScript,
  createTableScript,
  deleteTableScript,
  type KernelDirection,
  listCountersScript,
  MAX_TABLE,
  markOf,
  markPrefix,
  parseCounterListing,
  removeDirectionsScript,
  tableName,
} from '../../kernel/ruleset.ts';

const dir = (slot: number, over: Partial<KernelDirection> = {}): KernelDirection => ({
  mark: markOf(0, slot),
  family: 'IP4',
  source: { address: '192.0.2.10', port: 5000 + slot },
  local: { address: '198.51.100.1', port: 30000 + 2 * slot },
  egress: { address: '203.0.113.1', port: 40000 + 2 * slot },
  destination: { address: '203.0.113.20', port: 6000 + slot },
  ...over,
});

test('table names and mark prefixes differ per instance, so two instances never share a table or a mark', () => {
  assert.equal(tableName(0), 'rtpengine_ts_0');
  assert.equal(tableName(7), 'rtpengine_ts_7');
  const prefixes = new Set([0, 1, 2, MAX_TABLE].map(markPrefix));
  assert.equal(prefixes.size, 4);
  for (const t of [0, 1, MAX_TABLE]) assert.equal((markOf(t, 1) & 0xfff00000) >>> 0, markPrefix(t));
  assert.throws(() => tableName(-1), RangeError);
  assert.throws(() => tableName(MAX_TABLE + 1), RangeError);
  assert.throws(() => markOf(0, 0), RangeError);
});

test('the table script flushes a leftover table first and hooks prerouting at raw priority with notrack', () => {
  const s = createTableScript(3);
  const lines = s.split('\n');
  assert.equal(lines[0], 'add table inet rtpengine_ts_3');
  assert.equal(lines[1], 'delete table inet rtpengine_ts_3');
  assert.match(s, /hook prerouting priority raw/);
  assert.match(s, /map @fwd_v4 notrack ip daddr set/);
  assert.match(s, /map @fwd_v6 notrack ip6 daddr set/);
  // The postrouting rewrite only acts on marks carrying this table's number.
  assert.ok(s.includes(`== 0x${markPrefix(3).toString(16)} ip saddr set`));
  assert.equal(deleteTableScript(3), 'add table inet rtpengine_ts_3\ndelete table inet rtpengine_ts_3\n');
});

test('a batch of directions is one command per map, whatever its size', () => {
  const s = addDirectionsScript(
    0,
    Array.from({ length: 100 }, (_, i) => dir(i + 1)),
  );
  const lines = s.trim().split('\n');
  assert.equal(lines.length, 5);
  assert.ok(lines.every((l) => l.startsWith('add element inet rtpengine_ts_0 ')));
  const fwd = lines.find((l) => l.includes(' fwd_v4 '));
  assert.ok(fwd?.includes('192.0.2.10 . 5001 . 198.51.100.1 . 30002 : 0x80000001'));
  assert.equal(fwd?.split(' : ').length, 101);
});

test('each direction maps its mark to the destination and to our egress address and port', () => {
  const s = addDirectionsScript(0, [dir(1)]);
  assert.match(s, /to_addr_v4 \{ 0x80000001 : 203\.0\.113\.20 \}/);
  assert.match(s, /to_port \{ 0x80000001 : 6001 \}/);
  assert.match(s, /from_addr_v4 \{ 0x80000001 : 203\.0\.113\.1 \}/);
  assert.match(s, /from_port \{ 0x80000001 : 40002 \}/);
});

test('IPv6 directions go to the v6 maps and share the port maps', () => {
  const d = dir(2, {
    family: 'IP6',
    source: { address: '2001:db8::10', port: 5002 },
    local: { address: '2001:db8::1', port: 30004 },
    egress: { address: '2001:db8:1::1', port: 40004 },
    destination: { address: '2001:db8:1::20', port: 6002 },
  });
  const s = addDirectionsScript(0, [d]);
  assert.match(s, /fwd_v6 \{ 2001:db8::10 \. 5002 \. 2001:db8::1 \. 30004 : 0x80000002 \}/);
  assert.match(s, /to_addr_v6 \{ 0x80000002 : 2001:db8:1::20 \}/);
  assert.match(s, / to_port \{/);
  assert.doesNotMatch(s, /_v4/);
});

test('removal deletes keys only, forwarding key first', () => {
  const s = removeDirectionsScript(0, [dir(1), dir(2)]);
  const lines = s.trim().split('\n');
  assert.match(
    lines[0] ?? '',
    /^delete element inet rtpengine_ts_0 fwd_v4 \{ 192\.0\.2\.10 \. 5001 \. 198\.51\.100\.1 \. 30002, /,
  );
  assert.ok(lines.slice(1).every((l) => /\{ 0x80000001, 0x80000002 \}$/.test(l)));
  assert.equal(removeDirectionsScript(0, []), '');
});

test('nothing but address and port literals reaches the script: injection and wrong families are refused', () => {
  assert.throws(
    () => addDirectionsScript(0, [dir(1, { source: { address: '1.2.3.4 } ; flush ruleset ; {', port: 1 } })]),
    TypeError,
  );
  assert.throws(() => addDirectionsScript(0, [dir(1, { family: 'IP6' })]), TypeError);
  assert.throws(
    () => addDirectionsScript(0, [dir(1, { destination: { address: '203.0.113.20', port: 0 } })]),
    RangeError,
  );
  assert.throws(
    () => addDirectionsScript(0, [dir(1, { egress: { address: '203.0.113.1', port: 1.5 } })]),
    RangeError,
  );
  assert.throws(() => addDirectionsScript(1, [dir(1)]), RangeError, 'a mark of table 0 in table 1');
});

test('the counter listing of nft 1.0.6 JSON is read back as counters by mark', () => {
  // Shape recorded from `list map inet rtpengine_ts_0 fwd_v4` through libnftables 1.0.6 with JSON output.
  const listing = JSON.stringify({
    nftables: [
      { metainfo: { version: '1.0.6', release_name: 'Lester Gooch #5', json_schema_version: 1 } },
      {
        map: {
          family: 'inet',
          name: 'fwd_v4',
          table: 'rtpengine_ts_0',
          type: ['ipv4_addr', 'inet_service', 'ipv4_addr', 'inet_service'],
          handle: 3,
          map: 'mark',
          elem: [
            [
              {
                elem: {
                  val: { concat: ['10.91.1.2', 5000, '10.91.1.1', 30000] },
                  counter: { packets: 1, bytes: 33 },
                },
              },
              2147483649,
            ],
            [
              {
                elem: {
                  val: { concat: ['10.91.2.2', 6000, '10.91.2.1', 30002] },
                  counter: { packets: 7, bytes: 700 },
                },
              },
              2147483650,
            ],
          ],
          stmt: [{ counter: null }],
        },
      },
    ],
  });
  const c = parseCounterListing(listing);
  assert.deepEqual(
    [...c.entries()],
    [
      [markOf(0, 1), { packets: 1, bytes: 33 }],
      [markOf(0, 2), { packets: 7, bytes: 700 }],
    ],
  );
  assert.equal(listCountersScript(0, 'IP6'), 'list map inet rtpengine_ts_0 fwd_v6\n');
  assert.equal(parseCounterListing('{"nftables":[{"map":{"name":"fwd_v4"}}]}').size, 0, 'an empty map');
  assert.throws(() => parseCounterListing('{"x":1}'), TypeError);
  assert.throws(
    () => parseCounterListing('{"nftables":[{"map":{"elem":[[{"elem":{"val":"1.2.3.4"}},1]]}}]}'),
    TypeError,
  );
});
