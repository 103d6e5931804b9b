/**
 * The nft scripts of one instance's table, as text; pure, so every byte sent to the kernel is unit-tested.
 *
 * Design (stateless NAT, no conntrack): one `inet` table `rtpengine_ts_<N>` holds maps only, two rules per
 * family that never change, and per forwarded direction one element in each of five maps:
 *
 *   prerouting, priority raw:   (src addr . src port . dst addr . dst port) -> mark, via @fwd_v4 / @fwd_v6
 *                               (the element carries the direction's counter); on a hit: notrack, and the
 *                               destination becomes @to_addr_vX[mark] : @to_port[mark]. The new destination is
 *                               not local, so the packet is forwarded and never reaches the daemon's socket.
 *   postrouting:                a mark of this table (its prefix holds N) -> the source becomes
 *                               @from_addr_vX[mark] : @from_port[mark], our own port on the far side.
 *
 * The key holds the learned source, so only the learned endpoint is forwarded (strict source in the kernel);
 * anything else reaches the daemon's socket as before, where learning and `strict source` are applied.
 * `notrack` keeps conntrack out of it: no entry is ever made for a forwarded packet, so no stale entry can
 * forward a reused port, and entries made while the stream was in userspace (un-NATed) are simply not consulted.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { Family } from '../src/ng/request.ts';

export interface HostPort {
  address: string;
  port: number;
}

/** One direction of a stream that the kernel forwards. */
export interface KernelDirection {
  /** This table's mark for the direction (see `markOf`). */
  mark: number;
  family: Family;
  /** The learned endpoint the packets come from. */
  source: HostPort;
  /** Our address and port they arrive on. */
  local: HostPort;
  /** Our address and port on the other side, which they leave from. */
  egress: HostPort;
  /** The other side's endpoint, where they go. */
  destination: HostPort;
}

export interface DirectionCounters {
  packets: number;
  bytes: number;
}

/** Table numbers 0..MAX_TABLE fit the 11 bits of the mark that name the table. */
export const MAX_TABLE = 0x7ff;
/** Directions per table: the 20 low bits of the mark (slot 0 is unused). */
export const MAX_SLOT = 0xfffff;
const MARK_TABLE_MASK = 0xfff00000;

export function tableName(table: number): string {
  checkTable(table);
  return `rtpengine_ts_${table}`;
}

/** The bits every mark of table N carries: bit 31 set, N in bits 30..20. */
export function markPrefix(table: number): number {
  checkTable(table);
  return (0x80000000 | (table << 20)) >>> 0;
}

export function markOf(table: number, slot: number): number {
  if (!Number.isInteger(slot) || slot < 1 || slot > MAX_SLOT)
    throw new RangeError(`bad direction slot ${slot}`);
  return (markPrefix(table) | slot) >>> 0;
}

function checkTable(table: number): void {
  if (!Number.isInteger(table) || table < 0 || table > MAX_TABLE)
    throw new RangeError(`kernel table must be an integer in 0..${MAX_TABLE}, got ${table}`);
}

const hex = (mark: number) => `0x${(mark >>> 0).toString(16).padStart(8, '0')}`;

/** Validates before text reaches nft: an address that is not a literal of the family would change the script. */
function addr(family: Family, a: string): string {
  if (family === 'IP4' ? !isIPv4(a) : !isIPv6(a))
    throw new TypeError(`not an ${family} address: ${JSON.stringify(a)}`);
  return a;
}

function port(p: number): string {
  if (!Number.isInteger(p) || p < 1 || p > 65535) throw new RangeError(`bad UDP port ${p}`);
  return String(p);
}

const v = (family: Family) => (family === 'IP4' ? 'v4' : 'v6');

/**
 * Creates the table, flushing a leftover one of a crashed run first (add-then-delete is the 1.0.6 spelling of
 * `destroy`), all in one transaction.
 */
export function createTableScript(table: number): string {
  const t = `inet ${tableName(table)}`;
  const prefix = hex(markPrefix(table));
  const key4 = 'ipv4_addr . inet_service . ipv4_addr . inet_service';
  const key6 = 'ipv6_addr . inet_service . ipv6_addr . inet_service';
  return [
    `add table ${t}`,
    `delete table ${t}`,
    `table ${t} {`,
    `  map fwd_v4 { type ${key4} : mark; counter; }`,
    `  map fwd_v6 { type ${key6} : mark; counter; }`,
    '  map to_addr_v4 { type mark : ipv4_addr; }',
    '  map to_addr_v6 { type mark : ipv6_addr; }',
    '  map from_addr_v4 { type mark : ipv4_addr; }',
    '  map from_addr_v6 { type mark : ipv6_addr; }',
    '  map to_port { type mark : inet_service; }',
    '  map from_port { type mark : inet_service; }',
    '  chain forward_in {',
    '    type filter hook prerouting priority raw; policy accept;',
    '    meta mark set ip saddr . udp sport . ip daddr . udp dport map @fwd_v4 notrack ip daddr set meta mark map @to_addr_v4 udp dport set meta mark map @to_port',
    '    meta mark set ip6 saddr . udp sport . ip6 daddr . udp dport map @fwd_v6 notrack ip6 daddr set meta mark map @to_addr_v6 udp dport set meta mark map @to_port',
    '  }',
    '  chain forward_out {',
    '    type filter hook postrouting priority srcnat + 10; policy accept;',
    `    meta mark & ${hex(MARK_TABLE_MASK)} == ${prefix} ip saddr set meta mark map @from_addr_v4 udp sport set meta mark map @from_port`,
    `    meta mark & ${hex(MARK_TABLE_MASK)} == ${prefix} ip6 saddr set meta mark map @from_addr_v6 udp sport set meta mark map @from_port`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** Removes the table whether or not it exists. */
export function deleteTableScript(table: number): string {
  const t = `inet ${tableName(table)}`;
  return `add table ${t}\ndelete table ${t}\n`;
}

function fwdKey(d: KernelDirection): string {
  return `${addr(d.family, d.source.address)} . ${port(d.source.port)} . ${addr(d.family, d.local.address)} . ${port(d.local.port)}`;
}

type Elements = Map<string, string[]>;

function push(m: Elements, map: string, element: string): void {
  const list = m.get(map);
  if (list) list.push(element);
  else m.set(map, [element]);
}

function commands(verb: 'add' | 'delete', table: number, m: Elements): string {
  const t = `inet ${tableName(table)}`;
  let out = '';
  for (const [map, elements] of m) out += `${verb} element ${t} ${map} { ${elements.join(', ')} }\n`;
  return out;
}

/** Adds directions: one command per map, whatever the number of directions. */
export function addDirectionsScript(table: number, directions: readonly KernelDirection[]): string {
  const m: Elements = new Map();
  const prefix = markPrefix(table);
  for (const d of directions) {
    if ((d.mark & MARK_TABLE_MASK) >>> 0 !== prefix)
      throw new RangeError(`mark ${hex(d.mark)} is not of table ${table}`);
    const mark = hex(d.mark);
    const f = v(d.family);
    push(m, `fwd_${f}`, `${fwdKey(d)} : ${mark}`);
    push(m, `to_addr_${f}`, `${mark} : ${addr(d.family, d.destination.address)}`);
    push(m, 'to_port', `${mark} : ${port(d.destination.port)}`);
    push(m, `from_addr_${f}`, `${mark} : ${addr(d.family, d.egress.address)}`);
    push(m, 'from_port', `${mark} : ${port(d.egress.port)}`);
  }
  return commands('add', table, m);
}

/**
 * Removes directions (which must be installed: nft refuses to delete a missing element, and then the whole
 * transaction). The forwarding key goes first, so no packet can find a mark whose rewrite data is gone.
 */
export function removeDirectionsScript(table: number, directions: readonly KernelDirection[]): string {
  const m: Elements = new Map();
  for (const d of directions) {
    const mark = hex(d.mark);
    const f = v(d.family);
    push(m, `fwd_${f}`, fwdKey(d));
    push(m, `to_addr_${f}`, mark);
    push(m, 'to_port', mark);
    push(m, `from_addr_${f}`, mark);
    push(m, 'from_port', mark);
  }
  return commands('delete', table, m);
}

/**
 * The listing that reads every direction's counter of one family. nft 1.0.6 cannot run two `list` commands
 * in one buffer, so the reader runs one per family in use.
 */
export function listCountersScript(table: number, family: Family): string {
  return `list map inet ${tableName(table)} fwd_${v(family)}\n`;
}

/** Parses the JSON of `listCountersScript`: each direction's counter by its mark. Throws on another shape. */
export function parseCounterListing(json: string): Map<number, DirectionCounters> {
  const out = new Map<number, DirectionCounters>();
  const doc: unknown = JSON.parse(json);
  const items = isRecord(doc) && Array.isArray(doc.nftables) ? doc.nftables : null;
  if (!items) throw new TypeError('not an nft JSON listing');
  for (const item of items) {
    if (!isRecord(item) || !isRecord(item.map)) continue;
    const elems = item.map.elem;
    if (elems === undefined) continue;
    if (!Array.isArray(elems)) throw new TypeError('map elements are not a list');
    for (const e of elems) {
      // A map element is [ {elem: {val, counter}}, data ].
      if (!Array.isArray(e) || e.length !== 2) throw new TypeError('unexpected map element');
      const [key, mark] = e as [unknown, unknown];
      const counter = isRecord(key) && isRecord(key.elem) ? key.elem.counter : undefined;
      if (typeof mark !== 'number' || !isRecord(counter))
        throw new TypeError('map element without mark or counter');
      const { packets, bytes } = counter;
      if (typeof packets !== 'number' || typeof bytes !== 'number') throw new TypeError('malformed counter');
      out.set(mark >>> 0, { packets, bytes });
    }
  }
  return out;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return x !== null && typeof x === 'object' && !Array.isArray(x);
}
