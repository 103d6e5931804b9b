/**
 * The port allocator: the one owner of the media port range. Streams ask it for an even/odd pair and give the
 * pair back when their media actor stops.
 */
import { type Ref, spawn } from 'nact';
import type { SupervisionLog } from '../../src/log/supervision.ts';
import { PortPool } from '../../src/net/port-pool.ts';
import type { PortMsg } from '../messages.ts';
import { type AnyRef, supervise } from '../runtime.ts';
export function spawnPortAllocator(
  parent: AnyRef,
  portMin: number,
  portMax: number,
  log: SupervisionLog,
): Ref<PortMsg> {
  const pool = new PortPool(portMin, portMax);
  return spawn(
    parent,
    (state: PortPool, msg: PortMsg) => {
      switch (msg.kind) {
        case 'allocate':
          msg.reply(state.allocate());
          break;
        case 'release':
          state.release(msg.port);
          break;
        case 'usage':
          msg.reply({ used: state.inUse, free: state.free, capacity: state.capacity });
          break;
      }
      return state;
    },
    'port-allocator',
    {
      initialState: pool,
      // The pool is bookkeeping only: after an unexpected error keep it (restarting would forget ports in use).
      onCrash: supervise<PortMsg>({ log, decide: () => 'resume' }),
    },
  );
}
