/**
 * The libc calls the daemon makes through koffi, bound once per thread: socket options Node lacks (`--tos`),
 * `sendto` on another thread's socket (ng replies from call threads), and the relay thread's epoll, eventfd,
 * recvfrom/sendto, dup/close and inet_ntop on descriptors that Node's dgram sockets opened. Linux only;
 * `loadLibc()` is null elsewhere (or when koffi cannot load libc), and each caller then does without.
 */
import koffi from 'koffi';

type Fn<A extends unknown[]> = (...args: A) => number;

export interface Libc {
  epollCreate1: Fn<[flags: number]>;
  epollCtl: Fn<[epfd: number, op: number, fd: number, event: Buffer | null]>;
  epollWait: Fn<[epfd: number, events: Buffer, max: number, timeoutMs: number]>;
  eventfd: Fn<[initval: number, flags: number]>;
  read: Fn<[fd: number, buf: Buffer, count: number]>;
  write: Fn<[fd: number, buf: Buffer, count: number]>;
  recvfrom: Fn<[fd: number, buf: Buffer, len: number, flags: number, from: Buffer, fromLen: Buffer]>;
  sendto: Fn<[fd: number, buf: Buffer, len: number, flags: number, to: Buffer, toLen: number]>;
  dup: Fn<[fd: number]>;
  close: Fn<[fd: number]>;
  inetNtop: (family: number, src: Buffer, dst: Buffer, size: number) => string | null;
  setsockopt: Fn<[fd: number, level: number, name: number, value: Buffer, length: number]>;
  getsockopt: Fn<[fd: number, level: number, name: number, value: Buffer, length: number[]]>;
}

let loaded: Libc | null | undefined;

export function loadLibc(): Libc | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== 'linux') return null;
  try {
    const lib = koffi.load('libc.so.6');
    loaded = {
      epollCreate1: lib.func('int epoll_create1(int)') as Libc['epollCreate1'],
      epollCtl: lib.func('int epoll_ctl(int, int, int, void *)') as Libc['epollCtl'],
      epollWait: lib.func('int epoll_wait(int, void *, int, int)') as Libc['epollWait'],
      eventfd: lib.func('int eventfd(unsigned int, int)') as Libc['eventfd'],
      read: lib.func('long read(int, void *, size_t)') as Libc['read'],
      write: lib.func('long write(int, const void *, size_t)') as Libc['write'],
      recvfrom: lib.func('long recvfrom(int, void *, size_t, int, void *, void *)') as Libc['recvfrom'],
      sendto: lib.func(
        'long sendto(int, const void *, size_t, int, const void *, uint32_t)',
      ) as Libc['sendto'],
      dup: lib.func('int dup(int)') as Libc['dup'],
      close: lib.func('int close(int)') as Libc['close'],
      inetNtop: lib.func('const char *inet_ntop(int, const void *, char *, uint32_t)') as Libc['inetNtop'],
      setsockopt: lib.func('int setsockopt(int, int, int, const void *, uint32_t)') as Libc['setsockopt'],
      getsockopt: lib.func(
        'int getsockopt(int, int, int, _Out_ void *, _Inout_ uint32_t *)',
      ) as Libc['getsockopt'],
    };
  } catch {
    loaded = null;
  }
  return loaded;
}

const EVENTFD_ONE = Buffer.alloc(8);
EVENTFD_ONE.writeBigUInt64LE(1n);

/** Adds one to an eventfd's counter, which wakes whoever polls it (the relay thread); nothing without libc. */
export function signalEventfd(fd: number): void {
  loadLibc()?.write(fd, EVENTFD_ONE, 8);
}

export const AF_INET = 2;
export const AF_INET6 = 10;
export const EPOLL_CTL_ADD = 1;
export const EPOLL_CTL_DEL = 2;
export const EPOLLIN = 1;
export const EFD_NONBLOCK = 0x800;
export const EFD_CLOEXEC = 0x80000;
export const MSG_DONTWAIT = 0x40;

/**
 * `struct epoll_event` is packed on x86-64 (12 bytes, data at offset 4) and naturally aligned elsewhere
 * (16 bytes, data at offset 8).
 */
export const EPOLL_EVENT_BYTES = process.arch === 'x64' ? 12 : 16;
export const EPOLL_DATA_OFFSET = process.arch === 'x64' ? 4 : 8;

/** An epoll_event asking for readability, carrying `data` (a u32 index) back. */
export function epollEvent(data: number): Buffer {
  const e = Buffer.alloc(EPOLL_EVENT_BYTES);
  e.writeUInt32LE(EPOLLIN, 0);
  e.writeUInt32LE(data >>> 0, EPOLL_DATA_OFFSET);
  return e;
}
