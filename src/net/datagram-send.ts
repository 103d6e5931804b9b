/**
 * Sends a datagram on a UDP socket by its file descriptor, through koffi's `sendto`: how a call thread answers
 * an ng request on the main thread's control socket (file descriptors belong to the process, and a reply must
 * leave from the port the request came to). Node cannot wrap that socket in a second thread without also
 * reading from it, which would steal requests from the main thread.
 */
import { isIPv4 } from 'node:net';
import { AF_INET, AF_INET6, loadLibc, MSG_DONTWAIT } from './libc.ts';

/** The 16 bytes of an IPv6 address in text form (with `::` and a dotted IPv4 tail), or null. */
export function ipv6Bytes(text: string): Buffer | null {
  let s = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = s.indexOf('%');
  if (zone >= 0) s = s.slice(0, zone);
  const groups: number[] = [];
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const parse = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const pieces = part.split(':');
    for (const [i, p] of pieces.entries()) {
      if (i === pieces.length - 1 && isIPv4(p)) {
        const [a, b, c, d] = p.split('.').map(Number) as [number, number, number, number];
        out.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
      else return null;
    }
    return out;
  };
  const head = parse(halves[0] ?? '');
  const tail = halves.length === 2 ? parse(halves[1] ?? '') : [];
  if (!head || !tail) return null;
  if (halves.length === 2) {
    const zeros = 8 - head.length - tail.length;
    if (zeros < 1) return null;
    groups.push(...head, ...new Array<number>(zeros).fill(0), ...tail);
  } else groups.push(...head);
  if (groups.length !== 8) return null;
  const b = Buffer.alloc(16);
  for (const [i, g] of groups.entries()) b.writeUInt16BE(g, i * 2);
  return b;
}

/** A `struct sockaddr_in` / `sockaddr_in6` for address:port (Linux layout), or null for a bad address. */
export function sockaddrOf(address: string, port: number): Buffer | null {
  if (isIPv4(address)) {
    const b = Buffer.alloc(16);
    b.writeUInt16LE(AF_INET, 0);
    b.writeUInt16BE(port, 2);
    for (const [i, o] of address.split('.').entries()) b[4 + i] = Number(o);
    return b;
  }
  const ip = ipv6Bytes(address);
  if (!ip) return null;
  const b = Buffer.alloc(28);
  b.writeUInt16LE(AF_INET6, 0);
  b.writeUInt16BE(port, 2);
  ip.copy(b, 8);
  return b;
}

/**
 * Sends `buf` to the peer whose sockaddr is `addr` on socket `fd` without blocking. False when it could not
 * be sent (no koffi, a full socket buffer, a closed socket): the caller then sends it another way.
 */
export function sendDatagram(fd: number, buf: Buffer, addr: Buffer): boolean {
  const libc = loadLibc();
  if (!libc || fd < 0 || addr.length === 0) return false;
  return libc.sendto(fd, buf, buf.length, MSG_DONTWAIT, addr, addr.length) === buf.length;
}
