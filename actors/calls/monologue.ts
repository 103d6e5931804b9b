/**
 * A monologue actor: one party's side of a call. It supervises one media actor per m= line (the call spawns them
 * under it and binds their sockets); its own failures and theirs go up to the call, which ends cleanly.
 */
import { dispatch, type Ref, spawn } from 'nact';
import type { MediaMsg, MonologueMsg } from '../messages.ts';
import { type AnyRef, escalateToParent } from '../runtime.ts';

/** Nothing of its own: the party's state is the call's model (src/call/model.ts Monologue). */
type MonologueState = null;

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

const monologueOnCrash = escalateToParent<MonologueMsg>();

export function spawnMonologue(parent: AnyRef, name: string): Ref<MonologueMsg> {
  return spawn(parent, monologueActor, name, { initialState: null, onCrash: monologueOnCrash });
}
