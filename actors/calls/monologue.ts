/**
 * A monologue actor: one party's side of a call. It supervises one media actor per m= line and routes socket
 * work to them; its own failures and theirs go up to the call, which ends cleanly.
 */
import { dispatch, type Ref, spawn } from 'nact';
import type { DaemonContext } from '../context.ts';
import type { MediaMsg, MonologueMsg } from '../messages.ts';
import { type AnyRef, escalateToParent } from '../runtime.ts';
import { spawnMedia } from './media.ts';

interface MonologueState {
  readonly ctx: DaemonContext;
}

function monologueActor(
  state: MonologueState,
  msg: MonologueMsg,
  actx: { self: Ref<MonologueMsg>; children: Map<string, Ref<unknown>> },
): MonologueState {
  switch (msg.kind) {
    case 'open-media': {
      let ref = actx.children.get(`media-${msg.media.index}`) as Ref<MediaMsg> | undefined;
      if (!ref) ref = spawnMedia(actx.self, state.ctx, msg.media);
      dispatch(ref, { kind: 'open', local: msg.local, fresh: msg.fresh, reply: msg.reply });
      break;
    }
    case 'fault-media': {
      const first = actx.children.values().next();
      if (first.done) throw new Error(msg.error);
      dispatch(first.value as Ref<MediaMsg>, { kind: 'fault', error: msg.error });
      break;
    }
  }
  return state;
}

const monologueOnCrash = escalateToParent<MonologueMsg>((msg) => {
  if (msg?.kind === 'open-media') msg.reply({ ok: false, reason: 'Internal error' });
});

export function spawnMonologue(parent: AnyRef, ctx: DaemonContext, name: string): Ref<MonologueMsg> {
  return spawn(parent, monologueActor, name, { initialState: { ctx }, onCrash: monologueOnCrash });
}
