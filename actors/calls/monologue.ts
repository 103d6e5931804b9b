/**
 * A monologue actor: one party's side of a call. It supervises one media actor per m= line and routes socket
 * work to them; its own failures and theirs go up to the call, which ends cleanly.
 */
import { dispatch, type Ref, spawn } from 'nact';
import type { DaemonContext } from '../context.ts';
import type { MediaMsg, MonologueMsg } from '../messages.ts';
import { type AnyRef, supervise } from '../runtime.ts';
import { spawnMedia } from './media.ts';

interface MonologueState {
  medias: Map<number, Ref<MediaMsg>>;
}

export function spawnMonologue(
  parent: AnyRef,
  ctx: DaemonContext,
  callId: string,
  name: string,
): Ref<MonologueMsg> {
  return spawn(
    parent,
    (state: MonologueState, msg: MonologueMsg, actx) => {
      switch (msg.kind) {
        case 'open-media': {
          let ref = state.medias.get(msg.media.index);
          if (!ref) {
            ref = spawnMedia(actx.self, ctx, msg.media, callId);
            state.medias.set(msg.media.index, ref);
          }
          dispatch(ref, { kind: 'open', local: msg.local, fresh: msg.fresh, reply: msg.reply });
          break;
        }
        case 'fault-media': {
          const first = state.medias.values().next();
          if (first.done) throw new Error(msg.error);
          dispatch(first.value, { kind: 'fault', error: msg.error });
          break;
        }
      }
      return state;
    },
    name,
    {
      initialStateFunc: () => ({ medias: new Map() }),
      onCrash: supervise<MonologueMsg>({
        log: ctx.supervision,
        callId: () => callId,
        decide: () => 'escalate',
        onFailedMessage: (msg) => {
          if (msg?.kind === 'open-media') msg.reply({ ok: false, reason: 'Internal error' });
        },
      }),
    },
  );
}
