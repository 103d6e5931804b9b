/**
 * The caller - proxy - callee topology of `netns.ts`, addressed with IPv6 (fd00:77:1::/64 and fd00:77:2::/64)
 * instead of IPv4, for the IPv6 kernel-forwarding test. Addresses are added with `nodad` so they are usable at
 * once (duplicate address detection would hold them "tentative" for about a second); the proxy forwards IPv6.
 * Everything made here is removed by `destroy()`.
 */
import { execFileSync } from 'node:child_process';
import type { Topology } from './netns.ts';

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createIpv6Topology(tag: string): Topology {
  const p = `k${tag}${process.pid % 100000}`;
  const caller = `${p}c`;
  const proxy = `${p}p`;
  const callee = `${p}e`;
  const t: Topology = {
    caller,
    proxy,
    callee,
    callerAddress: 'fd00:77:1::2',
    proxyCallerSide: 'fd00:77:1::1',
    proxyCalleeSide: 'fd00:77:2::1',
    calleeAddress: 'fd00:77:2::2',
    inProxy: (cmd) => execFileSync('ip', ['netns', 'exec', proxy, ...cmd]).toString(),
    destroy() {
      // Deleting a namespace deletes its veth ends, its tables and its sysctls.
      for (const ns of [caller, proxy, callee]) {
        try {
          ip(['netns', 'del', ns]);
        } catch {
          // already gone
        }
      }
    },
  };
  try {
    for (const ns of [caller, proxy, callee]) ip(['netns', 'add', ns]);
    ip(['link', 'add', `${p}a`, 'netns', caller, 'type', 'veth', 'peer', 'name', `${p}b`, 'netns', proxy]);
    ip(['link', 'add', `${p}x`, 'netns', proxy, 'type', 'veth', 'peer', 'name', `${p}y`, 'netns', callee]);
    const setup: [string, string, string][] = [
      [caller, `${p}a`, `${t.callerAddress}/64`],
      [proxy, `${p}b`, `${t.proxyCallerSide}/64`],
      [proxy, `${p}x`, `${t.proxyCalleeSide}/64`],
      [callee, `${p}y`, `${t.calleeAddress}/64`],
    ];
    for (const [ns, dev, cidr] of setup) {
      ip(['-n', ns, '-6', 'addr', 'add', cidr, 'dev', dev, 'nodad']);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    }
    t.inProxy(['sysctl', '-qw', 'net.ipv6.conf.all.forwarding=1']);
  } catch (e) {
    t.destroy();
    throw e;
  }
  return t;
}
