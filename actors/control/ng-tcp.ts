/**
 * The ng listener on TCP (`--listen-tcp-ng`): each connection carries a stream of `cookie SP dict` messages.
 * A message split over many reads, or many messages in one read, are both fine; a stream that can never be
 * valid closes that one connection only.
 */
import type { Ref } from 'nact';
import { NgStreamSplitter } from '../../src/ng/tcp-splitter.ts';
import type { AnyRef } from '../runtime.ts';
import type { NgHandler } from './dispatcher.ts';
import { type ListenerContext, spawnStreamListener, streamPeerOf } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';

export function spawnNgTcp(
  parent: AnyRef,
  ctx: ListenerContext,
  dispatcher: NgHandler,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  return spawnStreamListener(parent, ctx, {
    host,
    port,
    name,
    protocol: 'ng TCP',
    onConnection: (conn) => {
      const splitter = new NgStreamSplitter();
      const from = streamPeerOf(conn);
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
    },
  });
}
