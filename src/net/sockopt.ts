/**
 * Socket options Node's dgram API does not offer, set through koffi on the socket's file descriptor: the
 * TOS / traffic class byte of `--tos` (rtpengine sets it on every media socket; Debian's example config uses
 * 184, EF). Node 20 has no TOS API; the fd comes from socket-handle.ts.
 */
import type { Socket } from 'node:dgram';
import { loadLibc } from './libc.ts';
import { socketFd } from './socket-handle.ts';

const IPPROTO_IP = 0;
const IP_TOS = 1;
const IPPROTO_IPV6 = 41;
const IPV6_TCLASS = 67;

/** Sets the TOS (IPv4) or traffic class (IPv6) byte; returns whether it took effect. */
export function setTos(sock: Socket, family: 'IP4' | 'IP6', tos: number): boolean {
  const c = loadLibc();
  const fd = socketFd(sock);
  if (!c || fd < 0) return false;
  const v = Buffer.alloc(4);
  v.writeInt32LE(tos & 0xff);
  return family === 'IP6'
    ? c.setsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, v, 4) === 0
    : c.setsockopt(fd, IPPROTO_IP, IP_TOS, v, 4) === 0;
}

/** Reads the TOS / traffic class byte back (for tests and diagnostics), or -1. */
export function getTos(sock: Socket, family: 'IP4' | 'IP6'): number {
  const c = loadLibc();
  const fd = socketFd(sock);
  if (!c || fd < 0) return -1;
  const v = Buffer.alloc(4);
  const ok =
    family === 'IP6'
      ? c.getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, v, [4])
      : c.getsockopt(fd, IPPROTO_IP, IP_TOS, v, [4]);
  return ok === 0 ? v.readInt32LE() : -1;
}
