/**
 * What every control listener does the same way: bind its UDP socket or TCP server on the configured address
 * (an error, e.g. the port in use, becomes the `bind` reply's error instead of an exception), name a peer as
 * rtpengine logs it, and for datagram protocols the whole listener actor.
 */
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { createServer, isIPv6, type Server, type Socket as StreamSocket } from 'node:net';
import { type Ref, spawn } from 'nact';
import { socketFd } from '../../src/net/socket-handle.ts';
import { closeQuietly } from '../../src/net/udp.ts';
import type { DaemonContext } from '../context.ts';
import { type AnyRef, supervise } from '../runtime.ts';
import type { DatagramReplyPath } from './dispatcher.ts';
import type { ListenerMsg } from './ng-udp.ts';

/** What a listener needs of the daemon: where to log (a listener may front several call threads). */
export type ListenerContext = Pick<DaemonContext, 'log' | 'supervision'>;

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

/** The same for a TCP connection's far end. */
export function streamPeerOf(c: StreamSocket): string {
  return c.remoteFamily === 'IPv6'
    ? `[${c.remoteAddress}]:${c.remotePort}`
    : `${c.remoteAddress}:${c.remotePort}`;
}

/**
 * A datagram protocol's listener actor (ng over UDP, the legacy rtpproxy protocol): it owns the socket, hands each
 * datagram to `answer` and sends the reply, if any, back to the sender; its socket closes when it stops.
 */
export function spawnDatagramListener(
  parent: AnyRef,
  ctx: ListenerContext,
  opts: {
    host: string;
    port: number;
    name: string;
    /** For log lines: "ng", "rtpproxy". */
    protocol: string;
    answer: (datagram: Buffer, from: string, via: DatagramReplyPath) => Promise<Buffer | null>;
  },
): Ref<ListenerMsg> {
  const { host, port, protocol, answer } = opts;
  return spawn(
    parent,
    async (state: { socket: Socket | null }, msg: ListenerMsg) => {
      if (msg.kind !== 'bind' || state.socket) return state;
      let sock: Socket;
      try {
        sock = await bindControlSocket(host, port);
      } catch (e) {
        msg.reply({ ok: false, error: (e as Error).message });
        return state;
      }
      sock.on('error', (e) => ctx.log.warn(`${protocol} socket error`, { error: e }));
      const fd = socketFd(sock);
      sock.on('message', (buf, rinfo) => {
        answer(buf, peerOf(rinfo), { fd, address: rinfo.address, port: rinfo.port }).then(
          (reply) => {
            if (reply) sock.send(reply, rinfo.port, rinfo.address);
          },
          (e) => ctx.log.err(`${protocol} dispatch failed`, { error: e }),
        );
      });
      state.socket = sock;
      msg.reply({ ok: true, port: sock.address().port });
      return state;
    },
    opts.name,
    {
      initialState: { socket: null },
      afterStop: (state: { socket: Socket | null }) => closeQuietly(state.socket),
      onCrash: supervise<ListenerMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
}

/**
 * A stream protocol's listener actor (ng over TCP, the CLI, mediaproxy): it owns the server and every open
 * connection, hands each new connection to `onConnection` (with the set of open ones), and closes them all when
 * it stops. A connection's error ends that connection only.
 */
export function spawnStreamListener(
  parent: AnyRef,
  ctx: ListenerContext,
  opts: {
    host: string;
    port: number;
    name: string;
    /** For log lines: "ng TCP", "CLI", "mediaproxy". */
    protocol: string;
    onConnection: (conn: StreamSocket, open: ReadonlySet<StreamSocket>) => void;
  },
): Ref<ListenerMsg> {
  interface State {
    server: Server | null;
    connections: Set<StreamSocket>;
  }
  return spawn(
    parent,
    async (state: State, msg: ListenerMsg) => {
      if (msg.kind !== 'bind' || state.server) return state;
      const server = createServer((conn) => {
        state.connections.add(conn);
        conn.on('close', () => state.connections.delete(conn));
        conn.on('error', () => conn.destroy());
        opts.onConnection(conn, state.connections);
      });
      let boundPort: number;
      try {
        boundPort = await listenOn(server, opts.host, opts.port);
      } catch (e) {
        msg.reply({ ok: false, error: (e as Error).message });
        return state;
      }
      server.on('error', (e) => ctx.log.warn(`${opts.protocol} listener error`, { error: e }));
      state.server = server;
      msg.reply({ ok: true, port: boundPort });
      return state;
    },
    opts.name,
    {
      initialState: { server: null, connections: new Set<StreamSocket>() },
      afterStop: (state: State) => {
        state.server?.close();
        for (const c of state.connections) c.destroy();
      },
      onCrash: supervise<ListenerMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
}
