/**
 * The ng listener on UDP (`--listen-ng`): an actor that owns the control socket. Each datagram is handed to the
 * dispatcher; replies go back to the sender. Replies larger than one datagram are sent as one (the kernel
 * fragments them, as rtpengine's delete replies are).
 */
import type { Socket } from 'node:dgram';
import { type Ref, spawn } from 'nact';
import type { DaemonContext } from '../context.ts';
import { type AnyRef, ask, type Reply, supervise } from '../runtime.ts';
import type { NgDispatcher } from './dispatcher.ts';
import { bindControlSocket, peerOf } from './listen.ts';

export type ListenerMsg = {
  kind: 'bind';
  reply: Reply<{ ok: true; port: number } | { ok: false; error: string }>;
};

interface ListenerState {
  socket: Socket | null;
}

export function spawnNgUdp(
  parent: AnyRef,
  ctx: DaemonContext,
  dispatcher: NgDispatcher,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  return spawn(
    parent,
    async (state: ListenerState, msg: ListenerMsg) => {
      if (msg.kind !== 'bind' || state.socket) return state;
      let sock: Socket;
      try {
        sock = await bindControlSocket(host, port);
      } catch (e) {
        msg.reply({ ok: false, error: (e as Error).message });
        return state;
      }
      sock.on('error', (e) => ctx.log.warn('ng socket error', { error: e }));
      sock.on('message', (buf, rinfo) => {
        const from = peerOf(rinfo);
        dispatcher.handle(buf, from).then(
          (reply) => {
            if (reply) sock.send(reply, rinfo.port, rinfo.address);
          },
          (e) => ctx.log.err('ng dispatch failed', { error: e }),
        );
      });
      state.socket = sock;
      msg.reply({ ok: true, port: sock.address().port });
      return state;
    },
    name,
    {
      initialState: { socket: null },
      afterStop: (state: ListenerState) => {
        try {
          state.socket?.close();
        } catch {
          // closed already
        }
      },
      onCrash: supervise<ListenerMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
}

export function bindListener(
  ref: Ref<ListenerMsg>,
): Promise<{ ok: true; port: number } | { ok: false; error: string }> {
  return ask(ref, (reply) => ({ kind: 'bind', reply }));
}
