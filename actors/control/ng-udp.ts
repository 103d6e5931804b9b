/**
 * The ng listener on UDP (`--listen-ng`): an actor that owns the control socket. Each datagram is handed to the
 * dispatcher; replies go back to the sender. Replies larger than one datagram are sent as one (the kernel
 * fragments them, as rtpengine's delete replies are).
 */
import type { Ref } from 'nact';
import { type AnyRef, ask, type Reply } from '../runtime.ts';
import type { NgHandler } from './dispatcher.ts';
import { type ListenerContext, spawnDatagramListener } from './listen.ts';

export type ListenerMsg = {
  kind: 'bind';
  reply: Reply<{ ok: true; port: number } | { ok: false; error: string }>;
};

export function spawnNgUdp(
  parent: AnyRef,
  ctx: ListenerContext,
  dispatcher: NgHandler,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  return spawnDatagramListener(parent, ctx, {
    host,
    port,
    name,
    protocol: 'ng',
    answer: (buf, from, via) => dispatcher.handle(buf, from, via),
  });
}

export function bindListener(
  ref: Ref<ListenerMsg>,
): Promise<{ ok: true; port: number } | { ok: false; error: string }> {
  return ask(ref, (reply) => ({ kind: 'bind', reply }));
}
