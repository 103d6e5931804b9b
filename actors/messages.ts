/**
 * Every message the actors exchange, as discriminated unions. Replies travel as callbacks inside the message
 * (see runtime.ts: `ask`).
 */
import type { CallEndReason } from '../src/call/model.ts';
import type { MediaControlRequest } from '../src/ng/media-control.ts';
import type { AnswerRequest, DeleteRequest, OfferRequest, QueryRequest } from '../src/ng/request.ts';
import type { NgDict } from '../src/ng/types.ts';
import type { Reply } from './runtime.ts';

/**
 * The result of a call-scoped ng command: the reply dictionary, or an error reason. `keepCall` on an error: the
 * call was set up all the same and stays (rtpengine keeps the call of an offer whose SDP has no m= line, whose
 * rewrite fails with "Error rewriting SDP"), so the dispatcher must not end a call whose first offer failed so.
 */
export type CallReply = { ok: true; dict: NgDict } | { ok: false; reason: string; keepCall?: true };

export type CallRequest = OfferRequest | AnswerRequest | DeleteRequest | QueryRequest | MediaControlRequest;

export type CallMsg =
  | { kind: 'ng'; request: CallRequest; reply: Reply<CallReply> }
  /** A stream of this call confirmed its endpoint: its pair may move to the kernel now. */
  | { kind: 'kernelize' }
  /** Sent by the timeouts singleton or by an operator (terminate). */
  | { kind: 'terminate'; reason: CallEndReason }
  /** Test and operator hook: makes the call actor fail, to exercise supervision. */
  | { kind: 'fault'; where: 'call' | 'media'; error: string };

/** A monologue actor only supervises its media actors: socket work goes to them directly (see call.ts). */
export type MonologueMsg = { kind: 'fault-media'; error: string };

/** A media actor holds its sockets (bound by its call, see calls/media.ts openMedia) and closes them when it stops. */
export type MediaMsg = { kind: 'fault'; error: string };

export interface PortUsage {
  used: number;
  free: number;
  capacity: number;
}

/**
 * Ports are counted in RTP/RTCP pairs, one pool per logical interface (`interfaceName`, the `NAME` of
 * `--interface=NAME/IP`): rtpengine hands out the same port numbers on two interfaces.
 */
export type PortMsg =
  /** One interface's pool; without `interfaceName` the sums over every interface's pool. */
  { kind: 'usage'; interfaceName?: string; reply: Reply<PortUsage> };
