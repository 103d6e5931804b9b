/**
 * Binding UDP sockets for media, synchronously: a media's port pair is bound inside its call actor's turn, and an
 * asynchronous bind would cost that call another turn of the event loop under load. Node's dgram resolves the
 * bind address through a lookup function first; ours answers an IP literal at once, so bind() completes (or
 * emits its 'error', e.g. EADDRINUSE for a port another process holds) before it returns.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Family } from '../ng/request.ts';
import { socketFd } from './socket-handle.ts';
import { setTos } from './sockopt.ts';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string, family: number) => void;

/**
 * An address of the other family (an IPv6 literal always has a colon, an IPv4 one never) is an error, as dns.lookup
 * made it: dgram then emits 'error' (counted by the stream), where the bare send would drop the packet silently.
 */
function wrongFamily(address: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${address} is not an address of this socket's family`), {
    code: 'EAFNOSUPPORT',
  });
}

const literal4 = (address: string, _family: unknown, callback: LookupCallback): void =>
  address.includes(':') ? callback(wrongFamily(address), address, 4) : callback(null, address, 4);
const literal6 = (address: string, _family: unknown, callback: LookupCallback): void =>
  address.includes(':') ? callback(null, address, 6) : callback(wrongFamily(address), address, 6);

/**
 * Binds a media socket on an IP literal and returns it bound, or throws the bind error (code EADDRINUSE when the
 * port is taken). `tos` > 0 sets its TOS / traffic class byte (`--tos`, or the call's `TOS`).
 */
export function bindUdpNow(address: string, family: Family, port: number, tos = 0): Socket {
  const v6 = family === 'IP6';
  const sock = createSocket({ type: v6 ? 'udp6' : 'udp4', ipv6Only: v6, lookup: v6 ? literal6 : literal4 });
  let failure: Error | null = null;
  const onError = (err: Error) => {
    failure = err;
  };
  sock.once('error', onError);
  sock.bind({ address, port, exclusive: true });
  sock.off('error', onError);
  if (failure === null && !isBound(sock)) failure = new Error('UDP bind did not complete synchronously');
  if (failure !== null) {
    closeQuietly(sock);
    throw failure;
  }
  if (tos > 0 && tos < 256) setTos(sock, family, tos);
  return sock;
}

function isBound(sock: Socket): boolean {
  // libuv creates the socket at bind: a descriptor means bound, read without getsockname (a syscall per socket)
  if (socketFd(sock) >= 0) return true;
  try {
    sock.address();
    return true;
  } catch {
    return false;
  }
}

export function closeQuietly(sock: Socket | null): void {
  if (!sock) return;
  try {
    sock.close();
  } catch {
    // already closed
  }
}
