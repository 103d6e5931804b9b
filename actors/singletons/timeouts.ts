/**
 * The timeouts singleton: it scans the call registry (read only), a tenth of it every tenth of the interval so
 * that thousands of calls never stall the event loop at once, and tells each call that is due to end why: delete-delay elapsed, no media for `--timeout` (or `--silent-timeout` while on hold),
 * `--final-timeout` reached, or no answer within `--offer-timeout`.
 */
import { dispatch, type Ref, spawn } from 'nact';
import { type Call, type CallEndReason, lastPacketOf, type PacketStream } from '../../src/call/model.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext } from '../context.ts';
import { type AnyRef, supervise } from '../runtime.ts';

export type TimeoutsMsg = { kind: 'scan' };

interface ScanState {
  /** The call-ids of this round, taken when it started; `next` is the first not yet looked at. */
  round: string[];
  next: number;
}

function onHold(call: Call): boolean {
  for (const m of call.monologues.values())
    for (const media of m.medias) if (!media.rejected && media.direction !== 'sendrecv') return true;
  return false;
}

/** Pure: why this call must end now, if it must. */
export function dueReason(
  call: Call,
  nowMs: number,
  s: DaemonContext['settings'],
  kernelLastMs?: (stream: PacketStream) => number,
): CallEndReason | null {
  if (call.destroyAt > 0) return nowMs >= call.destroyAt ? 'regular' : null;
  const ageS = nowMs / 1000 - call.created;
  if (s.finalTimeout > 0 && ageS >= s.finalTimeout) return 'final-timeout';
  if (!call.answered) return s.offerTimeout > 0 && ageS >= s.offerTimeout ? 'offer-timeout' : null;
  const last = Math.max(lastPacketOf(call, kernelLastMs), call.lastSignal);
  const idle = nowMs / 1000 - last;
  if (onHold(call)) return s.silentTimeout > 0 && idle >= s.silentTimeout ? 'silent-timeout' : null;
  return s.timeout > 0 && idle >= s.timeout ? 'timeout' : null;
}

export function spawnTimeouts(
  parent: AnyRef,
  ctx: DaemonContext,
  registry: CallRegistry,
  intervalMs = 1000,
): { ref: Ref<TimeoutsMsg>; timer: NodeJS.Timeout } {
  const SLICES = 10;
  const ref = spawn(
    parent,
    (state: ScanState, _msg: TimeoutsMsg) => {
      const now = ctx.now();
      const counters = ctx.kernel?.counters;
      const kernelLast = counters ? (st: PacketStream) => counters.get(st.id)?.lastPacketMs ?? 0 : undefined;
      // A round looks at the calls there were when it started, by call-id. It must not hold an iterator of the
      // registry across slices: a live Map iterator keeps every table the Map outgrows meanwhile, and with them
      // every call that passed through the registry during the round (megabytes a second under setup load,
      // promoted to the old generation and collected there).
      const budget = Math.ceil(registry.size / SLICES);
      for (let n = 0; n < budget; n++) {
        if (state.next >= state.round.length) {
          state.round = Array.from(registry.entries(), (e) => e.callId);
          state.next = 0;
          if (state.round.length === 0) break;
        }
        const entry = registry.get(state.round[state.next++] as string);
        if (!entry) continue;
        const reason = dueReason(entry.call, now, ctx.settings, kernelLast);
        if (reason) dispatch(entry.ref, { kind: 'terminate', reason });
      }
      return state;
    },
    'timeouts',
    {
      initialState: { round: [], next: 0 } satisfies ScanState,
      onCrash: supervise<TimeoutsMsg>({ log: ctx.supervision, decide: () => 'resume' }),
    },
  );
  const timer = setInterval(
    () => dispatch(ref, { kind: 'scan' }),
    Math.max(1, Math.floor(intervalMs / SLICES)),
  );
  timer.unref();
  return { ref, timer };
}
