/**
 * Thin helpers over nact: typed asks with a reply callback carried in the message (nact's own `query` leaves a
 * timed-out message queued, so we never rely on it for correctness), and the supervision policy that turns a
 * crash into one structured record plus a named decision instead of nact's console default.
 */
import type { Ref, SupervisionContext } from 'nact';
import { dispatch } from 'nact';
import { describeError, type SupervisionDecision, type SupervisionLog } from '../src/log/supervision.ts';

export type Reply<T> = (value: T) => void;

/** Sends a message that carries its own reply callback and waits for the reply (or rejects after `timeoutMs`). */
export function ask<M, T>(ref: Ref<M>, build: (reply: Reply<T>) => M, timeoutMs = 10_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      reject(new Error('actor did not reply in time'));
    }, timeoutMs);
    const reply: Reply<T> = (v) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(v);
    };
    dispatch(ref, build(reply));
  });
}

export function messageKind(msg: unknown): string | null {
  if (msg !== null && typeof msg === 'object' && 'kind' in msg && typeof msg.kind === 'string')
    return msg.kind;
  return null;
}

type Decide = SupervisionDecision;

const ORIGIN = new WeakMap<object, string>();

function originOf(err: unknown): string | undefined {
  return err !== null && typeof err === 'object' ? ORIGIN.get(err) : undefined;
}

/**
 * Builds an nact onCrash function that records the failure and maps our decision name to nact's symbol.
 * `onFailedMessage` lets the failing actor answer the message it was handling, so a client never waits for a
 * reply that will not come.
 */
export function supervise<Msg>(opts: {
  log: SupervisionLog;
  callId?: (msg: Msg | undefined) => string | null;
  decide: (msg: Msg | undefined, err: unknown, escalatedFromChild: boolean) => Decide;
  onFailedMessage?: (msg: Msg | undefined, err: unknown) => void;
}) {
  return (
    msg: Msg | undefined,
    err: Error | undefined,
    ctx: SupervisionContext<Msg, AnyRef>,
    child: unknown,
  ): symbol => {
    const escalated = child !== undefined;
    const decision = opts.decide(msg, err, escalated);
    try {
      opts.onFailedMessage?.(msg, err);
    } catch {
      // answering the failed message is best effort
    }
    const here = ctx.path.toString();
    // An escalation is recorded once, by the supervisor that finally decides, naming where it started.
    const origin = originOf(err) ?? here;
    if (decision === 'escalate') {
      if (err) ORIGIN.set(err, origin);
    } else {
      opts.log.record({
        path: origin,
        decidedBy: here,
        callId: opts.callId?.(msg) ?? null,
        message: messageKind(msg),
        error: describeError(err),
        decision,
      });
    }
    switch (decision) {
      case 'stop':
        return ctx.stop as symbol;
      case 'restart':
        return ctx.reset as symbol;
      case 'resume':
        return ctx.resume as symbol;
      default:
        return ctx.escalate as symbol;
    }
  };
}

/**
 * An onCrash policy that hands every failure to the parent (the call decides for its monologues and medias). Their
 * messages wait for no reply, so there is nothing to answer first. Built once per actor kind, not per actor.
 */
export function escalateToParent<Msg>() {
  return (
    _msg: Msg | undefined,
    err: Error | undefined,
    ctx: SupervisionContext<Msg, AnyRef>,
    _child: unknown,
  ): symbol => {
    if (err && !ORIGIN.has(err)) ORIGIN.set(err, ctx.path.toString());
    return ctx.escalate as symbol;
  };
}

/** Any actor's reference, as a parent to spawn under (nact's Ref carries no members, so any Ref fits). */
export type AnyRef = Ref<unknown>;
