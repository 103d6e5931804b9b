/**
 * The legacy OpenSER mediaproxy protocol on TCP (`--listen-tcp`): `request` and `lookup` become ng offers and
 * answers with a synthetic SDP (one m= line per stream), `delete` an ng delete, all through the same
 * dispatcher and call actors as ng (legacy-calls.ts: this thread's, or the call threads' with `--num-threads`). Like rtpengine, each connection carries one command: the reply (if any)
 * is written and the connection closed; a line that does not parse closes that connection with no reply.
 * Parsing and formatting are in src/mediaproxy/.
 */
import type { Ref } from 'nact';
import {
  formatControls,
  formatStatus,
  formatStreamsReply,
  formatVersion,
  type MediaproxyCommand,
  parseMediaproxy,
  type SessionCommand,
  sessionSdp,
} from '../../src/mediaproxy/command.ts';
import { NgError, NgLoadLimit } from '../../src/ng/errors.ts';
import { type AnswerRequest, type OfferRequest, plainMediaFlags } from '../../src/ng/request.ts';
import { streamOfSdp } from '../../src/rtpproxy/command.ts';
import type { DaemonContext } from '../context.ts';
import type { AnyRef } from '../runtime.ts';
import type { LegacyCalls } from './legacy-calls.ts';
import { type ListenerContext, spawnStreamListener, streamPeerOf } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';

/** A peer that sends this much without a line end is not speaking the protocol. */
const MAX_LINE = 64 * 1024;

/** The protocol's answers; the actor below only owns the server and its connections. */
export class MediaproxyHandler {
  constructor(
    private readonly ctx: Pick<DaemonContext, 'log' | 'now'>,
    private readonly calls: LegacyCalls,
  ) {}

  /** The reply to one line, or null when the daemon answers nothing (the connection is closed either way). */
  async handle(line: string, from: string, peers: () => string[]): Promise<string | null> {
    const cmd = parseMediaproxy(line);
    if (!cmd) {
      this.ctx.log.warn('unable to parse mediaproxy command line', { from, line });
      return null;
    }
    try {
      return await this.#answer(cmd, from, peers);
    } catch (e) {
      if (!(e instanceof NgError) && !(e instanceof NgLoadLimit))
        this.ctx.log.err('mediaproxy command failed', { error: e });
      else this.ctx.log.info('mediaproxy command refused', { reason: e.reason });
      return null;
    }
  }

  async #answer(cmd: MediaproxyCommand, from: string, peers: () => string[]): Promise<string | null> {
    switch (cmd.kind) {
      case 'version':
        return formatVersion();
      case 'controls':
        return formatControls(peers());
      case 'quit':
        return null;
      case 'status': {
        const nowS = this.ctx.now() / 1000;
        const calls = (await this.calls.summaries()).map((c) => ({
          callId: c.callId,
          ageSeconds: nowS - Math.floor(c.createdMs / 1000),
        }));
        return formatStatus(calls);
      }
      case 'delete':
        await this.calls.route({
          command: 'delete',
          callId: cmd.callId,
          fromTag: cmd.fromTag,
          toTag: cmd.toTag,
          viaBranch: null,
          flags: new Set(),
          deleteDelay: null,
        });
        return null;
      case 'request':
      case 'lookup':
        return this.#session(cmd, from);
    }
  }

  async #session(cmd: SessionCommand, from: string): Promise<string | null> {
    if (cmd.fromTag === null) {
      this.ctx.log.warn('mediaproxy command without from-tag', { callId: cmd.callId });
      return null;
    }
    // rtpengine answers a request or lookup whose streams are all unusable with an empty list
    if (cmd.streams.length === 0) return formatStreamsReply([]);
    if (cmd.kind === 'lookup' && !(await this.calls.exists(cmd.callId))) {
      this.ctx.log.warn('mediaproxy lookup for unknown call-id', { callId: cmd.callId });
      return null;
    }
    const base = {
      callId: cmd.callId,
      fromTag: cmd.fromTag,
      viaBranch: null,
      sdp: sessionSdp(cmd.streams),
      ...plainMediaFlags(),
    };
    let req: OfferRequest | AnswerRequest;
    if (cmd.kind === 'request') req = { command: 'offer', toTag: cmd.toTag, ...base };
    else if (cmd.toTag !== null) req = { command: 'answer', toTag: cmd.toTag, ...base };
    else return null;
    const r = await this.calls.route(req, { createdFrom: from, xmlrpcCallback: null });
    if (typeof r.sdp !== 'string') return null;
    const out: { address: string; port: number }[] = [];
    for (let i = 1; i <= cmd.streams.length; i++) {
      const s = streamOfSdp(r.sdp, i);
      if (!s) return null;
      out.push(s);
    }
    return formatStreamsReply(out);
  }
}

/** The mediaproxy listener over any LegacyCalls: this thread's calls, or the call threads'. */
export function spawnMediaproxyListener(
  parent: AnyRef,
  ctx: ListenerContext & Pick<DaemonContext, 'now'>,
  calls: LegacyCalls,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  const handler = new MediaproxyHandler(ctx, calls);
  return spawnStreamListener(parent, ctx, {
    host,
    port,
    name,
    protocol: 'mediaproxy',
    onConnection: (conn, open) => {
      const peers = () => [...open].map(streamPeerOf);
      const from = streamPeerOf(conn);
      let pending = '';
      let busy = false;
      conn.on('data', (chunk) => {
        if (busy) return;
        pending += chunk.toString('latin1');
        const nl = pending.indexOf('\n');
        if (nl < 0) {
          if (pending.length > MAX_LINE) conn.destroy();
          return;
        }
        // one command per connection, as rtpengine: anything after the first line is ignored
        busy = true;
        handler.handle(pending.slice(0, nl), from, peers).then(
          (reply) => {
            if (conn.destroyed) return;
            if (reply) conn.end(Buffer.from(reply, 'latin1'));
            else conn.end();
          },
          (e) => {
            ctx.log.err('mediaproxy dispatch failed', { error: e });
            conn.destroy();
          },
        );
      });
    },
  });
}
