/**
 * A monologue actor: one party's side of a call. It supervises one media actor per m= line (the call spawns them
 * under it and sends them socket work directly); its own failures and theirs go up to the call, which ends cleanly.
 */
import { dispatch, type Ref, spawn } from 'nact';
import type { DaemonContext } from '../context.ts';
import type { MediaMsg, MonologueMsg } from '../messages.ts';
import { type AnyRef, escalateToParent } from '../runtime.ts';

interface MonologueState {
  readonly ctx: DaemonContext;
}

function monologueActor(
  state: MonologueState,
  msg: MonologueMsg,
  actx: { self: Ref<MonologueMsg>; children: Map<string, Ref<unknown>> },
): MonologueState {
  switch (msg.kind) {
    case 'fault-media': {
      const first = actx.children.values().next();
      if (first.done) throw new Error(msg.error);
      dispatch(first.value as Ref<MediaMsg>, { kind: 'fault', error: msg.error });
      break;
    }
  }
  return state;
}

// A monologue handles no request that waits for a reply: nothing to answer before escalating.
const monologueOnCrash = escalateToParent<MonologueMsg>(() => {});

export function spawnMonologue(parent: AnyRef, ctx: DaemonContext, name: string): Ref<MonologueMsg> {
  return spawn(parent, monologueActor, name, { initialState: { ctx }, onCrash: monologueOnCrash });
}
