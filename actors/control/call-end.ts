/**
 * What the control side learns when a call is created (who created it, where its teardown callback goes) and
 * what it does when a call ends: the CDR line (`--log-facility-cdr`) and the XMLRPC teardown callback
 * (`--b2b-url`). The call actor calls `callEnded` from its afterStop, whatever ended the call.
 */
import type { Call, CallEndReason } from '../../src/call/model.ts';
import { cdrFields, cdrLine } from '../../src/log/cdr.ts';
import type { DaemonContext } from '../context.ts';
import { sendTeardown, TEARDOWN_REASONS } from '../singletons/teardown-callback.ts';

export interface CallOrigin {
  /** `IP:port` of the proxy whose first offer created the call. */
  createdFrom: string | null;
  /** The offer's `xmlrpc-callback` address, if it had one. */
  xmlrpcCallback: string | null;
}

const ORIGINS = new WeakMap<Call, CallOrigin>();

export function noteCallOrigin(call: Call, origin: CallOrigin): void {
  ORIGINS.set(call, origin);
}

export function callOrigin(call: Call): CallOrigin | undefined {
  return ORIGINS.get(call);
}

/** `1.2.3.4:5060` → `1.2.3.4`, `[::1]:5060` → `::1`. */
function hostOf(addr: string): string {
  if (addr.startsWith('[')) return addr.slice(1, addr.indexOf(']'));
  const colon = addr.lastIndexOf(':');
  return colon > 0 && addr.indexOf(':') === colon ? addr.slice(0, colon) : addr;
}

export function callEnded(ctx: DaemonContext, call: Call, reason: CallEndReason): void {
  const origin = ORIGINS.get(call);
  // the last reader: gone now rather than at the next full collection (see the call's afterStop, call.ts)
  ORIGINS.delete(call);
  const s = ctx.settings;
  if (s.cdr) {
    const fields = cdrFields({
      call,
      reason,
      endedMs: ctx.now(),
      createdFrom: origin?.createdFrom ?? null,
      tos: s.tos,
    });
    ctx.log.notice('CDR', { callId: call.callId, cdr: Object.fromEntries(fields), line: cdrLine(fields) });
  }
  if (s.b2bUrl && TEARDOWN_REASONS.has(reason)) {
    const address = origin?.xmlrpcCallback ?? (origin?.createdFrom ? hostOf(origin.createdFrom) : null);
    if (address === null) {
      ctx.log.warn('no address for the XMLRPC teardown callback', { callId: call.callId });
      return;
    }
    void sendTeardown({ url: s.b2bUrl, format: s.xmlrpcFormat ?? 0, address, log: ctx.log }, call);
  }
}
