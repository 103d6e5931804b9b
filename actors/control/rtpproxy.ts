/**
 * The legacy rtpproxy protocol on UDP (`--listen-udp`), as Kamailio's rtpproxy module drives rtpengine: `U`
 * and `L` become ng offers and answers with a synthetic SDP (one m= line per media number), `D` a delete and
 * `Q` a look at the call's counters, all through the same dispatcher and call actors as ng (legacy-calls.ts: this
 * thread's, or the call threads' with `--num-threads`). The reply to U/L is the port and address the other side
 * must send to. A retransmitted datagram (same cookie) gets the first reply. Parsing and formatting are in
 * src/rtpproxy/.
 */
import type { Ref } from 'nact';
import { NgError, NgLoadLimit } from '../../src/ng/errors.ts';
import { type AnswerRequest, type OfferRequest, plainMediaFlags } from '../../src/ng/request.ts';
import {
  ERROR_ANSWER,
  formatReply,
  NO_STREAM_ANSWER,
  parseRtpproxy,
  RTPPROXY_VERSION,
  type RtpproxyCommand,
  SUPPORTED_CAPABILITIES,
  streamAnswer,
  streamOfSdp,
  syntheticSdp,
  type UpdateCommand,
} from '../../src/rtpproxy/command.ts';
import type { DaemonContext } from '../context.ts';
import type { AnyRef } from '../runtime.ts';
import type { LegacyCalls } from './legacy-calls.ts';
import { type ListenerContext, spawnDatagramListener } from './listen.ts';
import type { ListenerMsg } from './ng-udp.ts';

/** How long a reply is kept for retransmissions, and how many parties' streams are remembered at most. */
const REPLY_CACHE_MS = 30_000;
const MAX_PARTIES = 100_000;

type Stream = { address: string; port: number };

/** The protocol's state and its answers; the actor below only owns the socket. */
export class RtpproxyHandler {
  /** What each party announced so far, per media number: its SDP is rebuilt from it on every U/L. */
  readonly #streams = new Map<string, Stream[]>();
  readonly #replies = new Map<string, { at: number; answer: Promise<string> }>();

  constructor(
    private readonly ctx: Pick<DaemonContext, 'log'>,
    private readonly calls: LegacyCalls,
  ) {}

  /** The reply datagram, or null when the datagram has no cookie to answer. */
  async handle(text: string, from: string): Promise<string | null> {
    const parsed = parseRtpproxy(text);
    if (!parsed) return null;
    const key = `${from} ${parsed.cookie}`;
    const now = Date.now();
    for (const [k, v] of this.#replies) {
      if (now - v.at < REPLY_CACHE_MS) break;
      this.#replies.delete(k);
    }
    let cached = this.#replies.get(key);
    if (!cached) {
      cached = { at: now, answer: this.#answer(parsed.command, from) };
      this.#replies.set(key, cached);
    }
    return formatReply(parsed.cookie, await cached.answer);
  }

  async #answer(cmd: RtpproxyCommand, from: string): Promise<string> {
    try {
      switch (cmd.kind) {
        case 'version':
          return RTPPROXY_VERSION;
        case 'capability':
          return SUPPORTED_CAPABILITIES.has(cmd.date) ? '1' : '0';
        case 'passthrough':
          return `${cmd.port} ${cmd.address}`;
        case 'error':
          return ERROR_ANSWER;
        case 'update':
        case 'lookup':
          return await this.#update(cmd, from);
        case 'delete': {
          const r = await this.calls.route({
            command: 'delete',
            callId: cmd.callId,
            fromTag: cmd.fromTag,
            toTag: cmd.toTag,
            viaBranch: null,
            flags: new Set(),
            deleteDelay: null,
          });
          if (r.warning !== undefined) return ERROR_ANSWER;
          for (const k of [...this.#streams.keys()])
            if (k.startsWith(`${cmd.callId}\0`)) this.#streams.delete(k);
          return '0';
        }
        case 'query':
          return await this.#query(cmd.callId, cmd.fromTag, cmd.toTag);
      }
    } catch (e) {
      if (!(e instanceof NgError) && !(e instanceof NgLoadLimit))
        this.ctx.log.err('rtpproxy command failed', { error: e });
      else this.ctx.log.info('rtpproxy command refused', { reason: e.reason });
      return ERROR_ANSWER;
    }
  }

  #remember(callId: string, tag: string, media: number, stream: Stream): Stream[] {
    const key = `${callId}\0${tag}`;
    const list = this.#streams.get(key) ?? [];
    list[media - 1] = stream;
    this.#streams.delete(key);
    this.#streams.set(key, list);
    if (this.#streams.size > MAX_PARTIES) {
      const oldest = this.#streams.keys().next().value;
      if (oldest !== undefined) this.#streams.delete(oldest);
    }
    return list;
  }

  async #update(cmd: UpdateCommand, from: string): Promise<string> {
    if (cmd.kind === 'lookup' && !(await this.calls.exists(cmd.callId))) return NO_STREAM_ANSWER;
    // L carries the SDP of the to-tag party (the answerer); U that of the from-tag party
    const sender = cmd.kind === 'lookup' && cmd.to ? cmd.to : cmd.from;
    const streams = this.#remember(cmd.callId, sender.tag, sender.media, {
      address: cmd.address,
      port: cmd.port,
    });
    const sdp = syntheticSdp(Array.from(streams, (s) => s));
    const base = {
      callId: cmd.callId,
      fromTag: cmd.from.tag,
      viaBranch: null,
      sdp,
      ...plainMediaFlags(cmd.direction),
    };
    const req: OfferRequest | AnswerRequest =
      cmd.kind === 'update'
        ? { command: 'offer', toTag: cmd.to?.tag ?? null, ...base }
        : { command: 'answer', toTag: (cmd.to as NonNullable<UpdateCommand['to']>).tag, ...base };
    const r = await this.calls.route(req, { createdFrom: from, xmlrpcCallback: null });
    const out = typeof r.sdp === 'string' ? streamOfSdp(r.sdp, sender.media) : null;
    return out ? streamAnswer(out.port, out.address) : ERROR_ANSWER;
  }

  /** `ttl packets-from-caller packets-from-callee relayed dropped`. */
  async #query(callId: string, fromTag: string, toTag: string | null): Promise<string> {
    const c = await this.calls.counters(callId, fromTag, toTag);
    if (!c) return ERROR_ANSWER;
    return `${c.ttl} ${c.fromPackets} ${c.toPackets} ${c.fromPackets + c.toPackets} ${c.errors}`;
  }
}

/** The rtpproxy listener over any LegacyCalls: this thread's calls, or the call threads'. */
export function spawnRtpproxyListener(
  parent: AnyRef,
  ctx: ListenerContext,
  calls: LegacyCalls,
  host: string,
  port: number,
  name: string,
): Ref<ListenerMsg> {
  const handler = new RtpproxyHandler(ctx, calls);
  return spawnDatagramListener(parent, ctx, {
    host,
    port,
    name,
    protocol: 'rtpproxy',
    // an empty answer is still sent (as an empty datagram); null means no answer at all
    answer: async (buf, from) => {
      const reply = await handler.handle(buf.toString('latin1'), from);
      return reply === null ? null : Buffer.from(reply, 'latin1');
    },
  });
}
