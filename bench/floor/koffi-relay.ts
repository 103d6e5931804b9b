/**
 * A relay outside Node's dgram (bench/relay-floor.ts): non-blocking UDP sockets opened through koffi, one
 * `epoll_wait` loop blocking this process's only thread, `recvfrom` until EAGAIN and `sendto` per packet. It shows
 * what a packet costs when Node's per-datagram machinery (64 KiB receive allocation, address strings, `rinfo`,
 * events, SendWrap) is left out: the design a userspace relay thread of the daemon would follow.
 * Same stdin/stdout protocol as node-relay.ts. Linux x86-64 only (struct epoll_event is packed, 12 bytes).
 */
import { readFileSync } from 'node:fs';
import koffi from 'koffi';

const libc = koffi.load('libc.so.6');
type Fn = (...args: unknown[]) => number;
const socket = libc.func('int socket(int, int, int)') as Fn;
const bind = libc.func('int bind(int, const void *, uint32_t)') as Fn;
const getsockname = libc.func('int getsockname(int, void *, void *)') as Fn;
const epollCreate1 = libc.func('int epoll_create1(int)') as Fn;
const epollCtl = libc.func('int epoll_ctl(int, int, int, void *)') as Fn;
const epollWait = libc.func('int epoll_wait(int, void *, int, int)') as Fn;
const recvfrom = libc.func('long recvfrom(int, void *, size_t, int, void *, void *)') as Fn;
const sendto = libc.func('long sendto(int, const void *, size_t, int, const void *, uint32_t)') as Fn;

const AF_INET = 2;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0x800;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 1;
const EVENT_BYTES = 12;
const MAX_EVENTS = 64;

function loopback(port: number): Buffer {
  const sa = Buffer.alloc(16);
  sa.writeUInt16LE(AF_INET, 0);
  sa.writeUInt16BE(port, 2);
  sa.set([127, 0, 0, 1], 4);
  return sa;
}

function openSocket(): { fd: number; port: number } {
  const fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0 || bind(fd, loopback(0), 16) !== 0) throw new Error('cannot bind a UDP socket on 127.0.0.1');
  const name = Buffer.alloc(16);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(16);
  getsockname(fd, name, length);
  return { fd, port: name.readUInt16BE(2) };
}

const pairs = JSON.parse(readFileSync(0, 'utf8')) as [number, number][];
const epfd = epollCreate1(0);
/** Per socket, by the index epoll hands back: its fd, the fd it forwards from, and where to. */
const fds: number[] = [];
const outFds: number[] = [];
const destinations: Buffer[] = [];
const ports: [number, number][] = [];
for (const [callerPort, calleePort] of pairs) {
  const toCaller = openSocket();
  const toCallee = openSocket();
  for (const [s, out, dest] of [
    [toCaller, toCallee, calleePort],
    [toCallee, toCaller, callerPort],
  ] as const) {
    const event = Buffer.alloc(EVENT_BYTES);
    event.writeUInt32LE(EPOLLIN, 0);
    event.writeUInt32LE(fds.length, 4);
    if (epollCtl(epfd, EPOLL_CTL_ADD, s.fd, event) !== 0) throw new Error('epoll_ctl failed');
    fds.push(s.fd);
    outFds.push(out.fd);
    destinations.push(loopback(dest));
  }
  ports.push([toCaller.port, toCallee.port]);
}
process.stdout.write(`${JSON.stringify(ports)}\n`);

const events = Buffer.alloc(EVENT_BYTES * MAX_EVENTS);
const packet = Buffer.alloc(2048);
for (;;) {
  const ready = epollWait(epfd, events, MAX_EVENTS, -1);
  for (let i = 0; i < ready; i++) {
    const index = events.readUInt32LE(EVENT_BYTES * i + 4);
    const fd = fds[index] as number;
    for (;;) {
      const length = recvfrom(fd, packet, packet.length, 0, null, null);
      if (length < 0) break;
      sendto(outFds[index], packet, length, 0, destinations[index], 16);
    }
  }
}
