/**
 * Binding UDP sockets for media. Node's dgram binds asynchronously; a port already taken by another process
 * shows up as an 'error' event, which we turn into a rejected promise so the caller can try the next pair.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Family } from '../ng/request.ts';
import { setTos } from './sockopt.ts';

/** Binds a media socket; `tos` > 0 sets its TOS / traffic class byte (`--tos`, or the call's `TOS`). */
export function bindUdp(address: string, family: Family, port: number, tos = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: family === 'IP6' ? 'udp6' : 'udp4', ipv6Only: family === 'IP6' });
    const onError = (err: Error) => {
      sock.close();
      reject(err);
    };
    sock.once('error', onError);
    sock.bind({ address, port, exclusive: true }, () => {
      sock.off('error', onError);
      if (tos > 0 && tos < 256) setTos(sock, family, tos);
      resolve(sock);
    });
  });
}

export function closeQuietly(sock: Socket | null): void {
  if (!sock) return;
  try {
    sock.close();
  } catch {
    // already closed
  }
}
