/**
 * Socket options Node's dgram API does not offer, set through koffi on the socket's file descriptor: the
 * TOS / traffic class byte of `--tos` (rtpengine sets it on every media socket; Debian's example config uses
 * 184, EF). Node 20 has no TOS API and the fd is reached through the socket's internal state, read once.
 */
import type { Socket } from 'node:dgram';
import koffi from 'koffi';

const IPPROTO_IP = 0;
const IP_TOS = 1;
const IPPROTO_IPV6 = 41;
const IPV6_TCLASS = 67;

type SetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number) => number;
type GetSockOpt = (fd: number, level: number, name: number, value: Buffer, length: number[]) => number;

let libc: { setsockopt: SetSockOpt; getsockopt: GetSockOpt } | null | undefined;

function load(): typeof libc {
  if (libc !== undefined) return libc;
  try {
    const lib = koffi.load('libc.so.6');
    libc = {
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as SetSockOpt,
      getsockopt: lib.func('int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)') as GetSockOpt,
    };
  } catch {
    libc = null;
  }
  return libc;
}

/** The OS file descriptor of a bound dgram socket, or -1. */
export function socketFd(sock: Socket): number {
  const state = Object.getOwnPropertySymbols(sock).find((s) => s.description === 'state symbol');
  if (!state) return -1;
  const handle = (sock as unknown as Record<symbol, { handle?: { fd?: unknown } } | undefined>)[state]
    ?.handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/** Sets the TOS (IPv4) or traffic class (IPv6) byte; returns whether it took effect. */
export function setTos(sock: Socket, family: 'IP4' | 'IP6', tos: number): boolean {
  const c = load();
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
  const c = load();
  const fd = socketFd(sock);
  if (!c || fd < 0) return -1;
  const v = Buffer.alloc(4);
  const ok =
    family === 'IP6'
      ? c.getsockopt(fd, IPPROTO_IPV6, IPV6_TCLASS, v, [4])
      : c.getsockopt(fd, IPPROTO_IP, IP_TOS, v, [4]);
  return ok === 0 ? v.readInt32LE() : -1;
}
