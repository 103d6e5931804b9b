/**
 * Every message the actors exchange, as discriminated unions. Replies travel as callbacks inside the message
 * (see runtime.ts: `ask`).
 */
import type { CallEndReason, CallMedia } from '../src/call/model.ts';
import type { InterfaceSpec } from '../src/call/negotiate.ts';
import type { AnswerRequest, DeleteRequest, OfferRequest, QueryRequest } from '../src/ng/request.ts';
import type { NgDict } from '../src/ng/types.ts';
import type { Reply } from './runtime.ts';

/** The result of a call-scoped ng command: the reply dictionary, or an error reason. */
export type CallReply = { ok: true; dict: NgDict } | { ok: false; reason: string };

export type CallRequest = OfferRequest | AnswerRequest | DeleteRequest | QueryRequest;

export type CallMsg =
  | { kind: 'ng'; request: CallRequest; reply: Reply<CallReply> }
  /** Sent by the timeouts singleton or by an operator (terminate). */
  | { kind: 'terminate'; reason: CallEndReason }
  /** Test and operator hook: makes the call actor fail, to exercise supervision. */
  | { kind: 'fault'; where: 'call' | 'media'; error: string };

export type MonologueMsg =
  | { kind: 'open-media'; media: CallMedia; local: InterfaceSpec; reply: Reply<OpenResult> }
  | { kind: 'fault-media'; error: string };

export type MediaMsg =
  | { kind: 'open'; local: InterfaceSpec; reply: Reply<OpenResult> }
  | { kind: 'fault'; error: string };

export type OpenResult = { ok: true } | { ok: false; reason: string };

export type PortMsg =
  | { kind: 'allocate'; reply: Reply<number | null> }
  | { kind: 'release'; port: number }
  | { kind: 'usage'; reply: Reply<{ used: number; free: number; capacity: number }> };
