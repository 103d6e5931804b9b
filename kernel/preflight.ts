/**
 * What the kernel path needs, checked once at start so the daemon can say exactly what is missing (and fall
 * back to userspace, or refuse to start with `--no-fallback`). Notes are facts worth one log line that do not
 * stop the kernel path.
 */
import { readFileSync } from 'node:fs';
import { NftContext } from './libnftables.ts';

export type PreflightResult =
  | { ok: true; notes: string[] }
  | { ok: false; missing: string[]; notes: string[] };

export interface PreflightOptions {
  /** The families of the media interfaces: IPv6 forwarding is only needed when an IPv6 interface exists. */
  families: ReadonlySet<'IP4' | 'IP6'>;
  /** Where /proc/sys and /proc/self/status are read (tests point it elsewhere). */
  procRoot?: string;
  /** Probes libnftables by creating and removing a throwaway table; tests replace it. */
  probeNftables?: () => string | null;
}

const CAP_NET_ADMIN = 12;

function read(path: string): string | null {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
}

/** Null when CAP_NET_ADMIN is in the effective set, else the sentence. */
function checkCapability(procRoot: string): string | null {
  const status = read(`${procRoot}/self/status`);
  const line = status?.split('\n').find((l) => l.startsWith('CapEff:'));
  if (!line)
    return 'cannot read the process capabilities (/proc/self/status): run as root or with CAP_NET_ADMIN';
  const eff = BigInt(`0x${line.slice('CapEff:'.length).trim()}`);
  return (eff >> BigInt(CAP_NET_ADMIN)) & 1n
    ? null
    : 'the process lacks CAP_NET_ADMIN: run as root or grant it (e.g. systemd AmbientCapabilities=CAP_NET_ADMIN)';
}

/** Creates and deletes a table named after our pid: proves library, nf_tables and privileges in one go. */
function probeNftables(): string | null {
  let nft: NftContext;
  try {
    nft = NftContext.open();
  } catch (e) {
    return `libnftables is not usable: ${(e as Error).message}`;
  }
  const t = `inet rtpengine_ts_probe_${process.pid}`;
  try {
    nft.run(`add table ${t}\ndelete table ${t}\n`);
    return null;
  } catch (e) {
    return `nftables refused a table (nf_tables module missing or no privileges): ${(e as Error).message}`;
  } finally {
    nft.close();
  }
}

export function preflight(opts: PreflightOptions): PreflightResult {
  const proc = opts.procRoot ?? '/proc';
  const missing: string[] = [];
  const notes: string[] = [];
  const cap = checkCapability(proc);
  if (cap) missing.push(cap);
  // Without the capability the probe can only repeat the same failure in nft's words.
  if (!cap) {
    const nft = (opts.probeNftables ?? probeNftables)();
    if (nft) missing.push(nft);
  }
  if (opts.families.has('IP4') && read(`${proc}/sys/net/ipv4/ip_forward`) !== '1')
    missing.push(
      'net.ipv4.ip_forward is not 1: kernel-forwarded packets are routed, so set `sysctl -w net.ipv4.ip_forward=1`',
    );
  if (opts.families.has('IP6') && read(`${proc}/sys/net/ipv6/conf/all/forwarding`) !== '1')
    missing.push(
      'net.ipv6.conf.all.forwarding is not 1: set `sysctl -w net.ipv6.conf.all.forwarding=1` (this also stops accepting router advertisements unless accept_ra=2)',
    );
  if (read(`${proc}/sys/net/ipv4/conf/all/send_redirects`) === '1')
    notes.push(
      'net.ipv4.conf.all.send_redirects is 1: when both parties sit on the same link the kernel sends them ICMP redirects; `sysctl -w net.ipv4.conf.all.send_redirects=0` avoids it',
    );
  if (read(`${proc}/sys/net/bridge/bridge-nf-call-iptables`) === '1')
    notes.push(
      'br_netfilter is loaded with bridge-nf-call-iptables=1: bridged media would pass through the table too; keep media interfaces off bridges or set it to 0',
    );
  return missing.length === 0 ? { ok: true, notes } : { ok: false, missing, notes };
}
