/**
 * The port allocator: the one owner of the media port ranges. Each logical interface has its own pool over the
 * same `--port-min`..`--port-max` range (as in rtpengine, two interfaces may use the same port number on their
 * own addresses). Streams ask it for an even/odd pair on their interface and give the pair back when their
 * media actor stops or is rebound.
 */
import { type Ref, spawn } from 'nact';
import type { SupervisionLog } from '../../src/log/supervision.ts';
import { PortPool } from '../../src/net/port-pool.ts';
import type { PortMsg, PortUsage } from '../messages.ts';
import { type AnyRef, supervise } from '../runtime.ts';

/** The pools of every logical interface, made on first use. */
export class InterfacePorts {
  readonly #pools = new Map<string, PortPool>();

  constructor(
    readonly portMin: number,
    readonly portMax: number,
  ) {}

  pool(interfaceName: string): PortPool {
    let p = this.#pools.get(interfaceName);
    if (!p) {
      p = new PortPool(this.portMin, this.portMax);
      this.#pools.set(interfaceName, p);
    }
    return p;
  }

  usage(interfaceName?: string): PortUsage {
    const pools = interfaceName !== undefined ? [this.pool(interfaceName)] : [...this.#pools.values()];
    if (pools.length === 0) pools.push(new PortPool(this.portMin, this.portMax));
    const used = pools.reduce((n, p) => n + p.inUse, 0);
    const capacity = pools.reduce((n, p) => n + p.capacity, 0);
    return { used, free: capacity - used, capacity };
  }
}

export function spawnPortAllocator(
  parent: AnyRef,
  portMin: number,
  portMax: number,
  log: SupervisionLog,
): Ref<PortMsg> {
  return spawn(
    parent,
    (state: InterfacePorts, msg: PortMsg) => {
      switch (msg.kind) {
        case 'allocate':
          msg.reply(state.pool(msg.interfaceName).allocate());
          break;
        case 'release':
          state.pool(msg.interfaceName).release(msg.port);
          break;
        case 'usage':
          msg.reply(state.usage(msg.interfaceName));
          break;
      }
      return state;
    },
    'port-allocator',
    {
      initialState: new InterfacePorts(portMin, portMax),
      // The pools are bookkeeping only: after an unexpected error keep them (restarting would forget ports in use).
      onCrash: supervise<PortMsg>({ log, decide: () => 'resume' }),
    },
  );
}
