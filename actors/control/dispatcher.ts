/**
 * The ng dispatcher: one datagram (or TCP message) in, one reply out. Framing and decoding, the retransmission
 * cookie cache, request parsing, the session limit, and routing: call-scoped commands go to their call actor's
 * mailbox, the rest are answered here from the registry and counters. Never throws: every failure becomes
 * rtpengine's error reply, or a counted drop when there is no cookie to answer.
 */
import { dispatch } from 'nact';
import { lookupCommand } from '../../src/ng/commands.ts';
import { CookieCache } from '../../src/ng/cookie-cache.ts';
import { NG_REASON, NgError, NgLoadLimit } from '../../src/ng/errors.ts';
import { encodeNgReply, parseNgDatagram } from '../../src/ng/frame.ts';
import { canon, type NgRequest, parseRequest } from '../../src/ng/request.ts';
import type { NgDict, NgEncoding } from '../../src/ng/types.ts';
import { NOT_FOUND_WARNING } from '../calls/call.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext } from '../context.ts';
import type { CallMsg, CallReply, PortMsg } from '../messages.ts';
import { ask } from '../runtime.ts';
import { loadLimitReached } from '../singletons/load-monitor.ts';
import { type CallOrigin, noteCallOrigin } from './call-end.ts';
import { statisticsReply } from './statistics.ts';

/** rtpengine counts requests per proxy IP address, without the port. */
function hostOf(from: string): string {
  if (from.startsWith('[')) return from.slice(1, from.indexOf(']'));
  const colon = from.lastIndexOf(':');
  return colon > 0 ? from.slice(0, colon) : from;
}

/**
 * The encoding of a frame that failed to decode: rtpengine 10.5 answers a body that starts like JSON in JSON
 * (even when the JSON is broken), anything else in bencode.
 */
function frameEncoding(buf: Buffer): NgEncoding {
  const space = buf.indexOf(0x20);
  return space >= 0 && buf[space + 1] === 0x7b ? 'json' : 'bencode';
}

/** Who sent the request, and the `xmlrpc-callback` it names (any spelling of the key). */
function originOf(dict: NgDict, from: string): CallOrigin {
  let xmlrpcCallback: string | null = null;
  // runs for every request: look only at keys of the right length before canonicalising
  for (const k in dict) {
    if (k.length !== 15 || canon(k) !== 'xmlrpc-callback') continue;
    const v = dict[k];
    if (typeof v === 'string' && v !== '') xmlrpcCallback = v;
  }
  return { createdFrom: from, xmlrpcCallback };
}

/** Where a UDP request came from, so that whoever answers it may send the reply itself. */
export interface DatagramReplyPath {
  /** The control socket's file descriptor. */
  fd: number;
  address: string;
  port: number;
}

/** What the ng listeners (UDP, TCP) hand their messages to: one daemon's dispatcher, or the call threads. */
export interface NgHandler {
  /**
   * Returns the bytes the listener sends back, or null when there is nothing (left) to send: no reply is due,
   * or the handler sent it already through `via`.
   */
  handle(buf: Buffer, from: string, via?: DatagramReplyPath): Promise<Buffer | null>;
}

export class NgDispatcher implements NgHandler {
  readonly cookies: CookieCache;

  constructor(
    private readonly ctx: DaemonContext,
    private readonly registry: CallRegistry,
  ) {
    this.cookies = new CookieCache({ now: ctx.now });
  }

  /** Returns the bytes to send back, or null when the datagram gets no reply. */
  async handle(buf: Buffer, from: string): Promise<Buffer | null> {
    const parsed = parseNgDatagram(buf);
    if (!parsed.ok) {
      if (parsed.cookie === null) {
        this.ctx.counters.ngDropped++;
        return null;
      }
      this.ctx.counters.ngErrors++;
      return encodeNgReply(parsed.cookie, frameEncoding(buf), {
        result: 'error',
        'error-reason': parsed.reason,
      });
    }
    const { cookie, encoding, dict } = parsed;
    try {
      const { reply } = await this.cookies.run(cookie, () => this.#execute(cookie, encoding, dict, from));
      return reply;
    } catch (e) {
      this.ctx.log.err('ng request failed unexpectedly', { error: e, cookie });
      return encodeNgReply(cookie, encoding, { result: 'error', 'error-reason': NG_REASON.internal });
    }
  }

  async #execute(cookie: string, encoding: NgEncoding, dict: NgDict, from: string): Promise<Buffer> {
    const started = performance.now();
    let reply: NgDict;
    let loadLimit = false;
    let failed = false;
    try {
      const { request, supportsLoadLimit } = parseRequest(dict);
      loadLimit = supportsLoadLimit;
      reply = await this.#route(request, originOf(dict, from));
    } catch (e) {
      failed = true;
      this.ctx.counters.ngErrors++;
      if (e instanceof NgLoadLimit) {
        reply = loadLimit
          ? { result: 'load limit', message: e.reason }
          : { result: 'error', 'error-reason': e.reason };
      } else if (e instanceof NgError) {
        reply = { result: 'error', 'error-reason': e.reason };
      } else {
        this.ctx.log.err('ng command failed', { error: e });
        reply = { result: 'error', 'error-reason': NG_REASON.internal };
      }
    }
    const info = typeof dict.command === 'string' ? lookupCommand(dict.command) : undefined;
    if (info)
      this.ctx.counters.countRequest(
        hostOf(from),
        info.statsName,
        (performance.now() - started) / 1000,
        failed,
      );
    return encodeNgReply(cookie, encoding, reply);
  }

  /**
   * A typed request from another control protocol (the rtpproxy listener), routed as an ng one. Throws NgError
   * or NgLoadLimit as the ng path does; counts nothing.
   */
  route(req: NgRequest, origin?: CallOrigin): Promise<NgDict> {
    return this.#route(req, origin);
  }

  async #route(req: NgRequest, origin?: CallOrigin): Promise<NgDict> {
    switch (req.command) {
      case 'ping':
        return { result: 'pong' };
      case 'list':
        return { calls: this.registry.callIds(req.limit), result: 'ok' };
      case 'statistics':
        return {
          statistics: statisticsReply(
            this.ctx,
            this.registry,
            await ask<PortMsg, { used: number; free: number; capacity: number }>(this.ctx.ports, (reply) => ({
              kind: 'usage',
              reply,
            })),
          ),
          result: 'ok',
        };
      case 'unimplemented':
        throw new NgError(`Command '${req.name}' is not implemented in rtpengine-ts yet`);
      case 'offer':
      case 'answer':
      case 'delete':
      case 'query':
      case 'media-control': {
        let entry = this.registry.get(req.callId);
        let created = false;
        if (!entry) {
          if (req.command === 'delete') {
            if (req.flags.has('fatal')) throw new NgError(NOT_FOUND_WARNING);
            return { result: 'ok', warning: NOT_FOUND_WARNING };
          }
          if (req.command !== 'offer') throw new NgError(NG_REASON.unknownCallId);
          const max = this.ctx.settings.maxSessions;
          if (max >= 0 && this.registry.daemonSessions >= max) {
            this.ctx.counters.rejectedSessions++;
            throw new NgLoadLimit(NG_REASON.sessionLimit);
          }
          const overload = loadLimitReached(this.ctx);
          if (overload !== null) {
            this.ctx.counters.rejectedSessions++;
            throw new NgLoadLimit(overload);
          }
          entry = this.registry.create(req.callId);
          if (origin) noteCallOrigin(entry.call, origin);
          created = true;
        }
        const r = await ask<CallMsg, CallReply>(
          entry.ref,
          (reply) => ({ kind: 'ng', request: req, reply }),
          30_000,
        );
        if (!r.ok) {
          // A call whose very first offer failed has nothing in it: do not leave it waiting for a timeout.
          if (created && !r.keepCall) {
            this.registry.retire(req.callId, entry.ref);
            dispatch(entry.ref, { kind: 'terminate', reason: 'forced' });
          }
          throw new NgError(r.reason);
        }
        return { ...r.dict, result: 'ok' };
      }
    }
  }
}
