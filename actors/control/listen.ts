/**
 * What every control listener does the same way: bind its UDP socket or TCP server on the configured address
 * (an error, e.g. the port in use, becomes the `bind` reply's error instead of an exception), and name a peer as
 * rtpengine logs it.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import type { Server } from 'node:net';
import { isIPv6 } from 'node:net';

export async function bindControlSocket(host: string, port: number): Promise<Socket> {
  const sock = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4' });
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind({ address: host, port, exclusive: true }, () => {
        sock.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    sock.close();
    throw e;
  }
  return sock;
}

/** Starts a TCP server listening and resolves with the port it got (useful with port 0). */
export async function listenOn(server: Server, host: string, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : port;
}

/** `IP:PORT`, or `[IPv6]:PORT`. */
export function peerOf(rinfo: RemoteInfo): string {
  return rinfo.family === 'IPv6' ? `[${rinfo.address}]:${rinfo.port}` : `${rinfo.address}:${rinfo.port}`;
}
