/**
 * The ng listener on TCP (`--listen-tcp-ng`): each connection carries a stream of `cookie SP dict` messages.
 * A message split over many reads, or many messages in one read, are both fine; a stream that can never be
 * valid closes that one connection only.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { type Ref, spawn } from 'nact';
import { NgStreamSplitter } from '../../src/ng/tcp-splitter.ts';
import type { DaemonContext } from '../context.ts';
import { type AnyRef, supervise } from '../runtime.ts';
import type { NgDispatcher } from './dispatcher.ts';
import { listenOn } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';

interface TcpState {
  server: Server | null;
  connections: Set<Socket>;
}

export function spawnNgTcp(
  parent: AnyRef,
  ctx: DaemonContext,
  dispatcher: NgDispatcher,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  return spawn(
    parent,
    async (state: TcpState, msg: ListenerMsg) => {
      if (msg.kind !== 'bind' || state.server) return state;
      const server = createServer((conn) => {
        state.connections.add(conn);
        conn.on('close', () => state.connections.delete(conn));
        const splitter = new NgStreamSplitter();
        const from = `${conn.remoteAddress}:${conn.remotePort}`;
        conn.on('error', () => conn.destroy());
        conn.on('data', (chunk) => {
          let messages: Buffer[];
          try {
            messages = splitter.push(chunk);
          } catch (e) {
            ctx.log.warn('closing ng TCP connection: unparsable stream', { from, error: e });
            conn.destroy();
            return;
          }
          for (const m of messages) {
            dispatcher.handle(m, from).then(
              (reply) => {
                if (reply && !conn.destroyed) conn.write(reply);
              },
              (e) => ctx.log.err('ng dispatch failed', { error: e }),
            );
          }
        });
      });
      let boundPort: number;
      try {
        boundPort = await listenOn(server, host, port);
      } catch (e) {
        msg.reply({ ok: false, error: (e as Error).message });
        return state;
      }
      state.server = server;
      msg.reply({ ok: true, port: boundPort });
      return state;
    },
    name,
    {
      initialState: { server: null, connections: new Set<Socket>() },
      afterStop: (state: TcpState) => {
        state.server?.close();
        for (const c of state.connections) c.destroy();
      },
      onCrash: supervise<ListenerMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
}
