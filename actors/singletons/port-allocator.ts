/**
 * The port allocator: the one owner of the media port ranges. Each logical interface has its own pool over the
 * same `--port-min`..`--port-max` range (as in rtpengine, two interfaces may use the same port number on their
 * own addresses). With `--num-threads` above 1 each call thread has its own allocator over pools in shared
 * memory (see PortPool), so the range is one for the whole daemon.
 *
 * Media actors take an even/odd pair and give it back directly on the allocator's pools (`pairs`), as socket
 * handlers forward through tables instead of mailboxes: nact runs one message per actor per turn of the event
 * loop, so a singleton asked twice per offer and told twice per delete queued behind the whole load (measured:
 * 2-3 ms per allocation under the setup bench, most of an offer's latency). The pools are synchronous and, across
 * threads, atomic, so this changes no ownership; the actor answers the questions about them (`usage`).
 */
import { type Ref, spawn } from 'nact';
import type { SupervisionLog } from '../../src/log/supervision.ts';
import { PortPool } from '../../src/net/port-pool.ts';
import type { PortMsg, PortUsage } from '../messages.ts';
import { type AnyRef, supervise } from '../runtime.ts';

/** Pools in shared memory, per interface name, and the owner mark of this thread's pairs (see PortPool). */
export interface SharedPorts {
  buffers: ReadonlyMap<string, SharedArrayBuffer>;
  owner: number;
}

/** The pools of every logical interface, made on first use. */
export class InterfacePorts {
  readonly #pools = new Map<string, PortPool>();

  /** `shared`: per interface name, the buffer the call threads share (see PortPool); absent = this thread's own. */
  constructor(
    readonly portMin: number,
    readonly portMax: number,
    private readonly shared?: SharedPorts,
  ) {}

  pool(interfaceName: string): PortPool {
    let p = this.#pools.get(interfaceName);
    if (!p) {
      p = new PortPool(
        this.portMin,
        this.portMax,
        this.shared?.buffers.get(interfaceName),
        this.shared?.owner,
      );
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

export interface PortAllocator {
  readonly ref: Ref<PortMsg>;
  /** The pools themselves: `pool(interfaceName).allocate()` / `.release(port)` for a media's pair. */
  readonly pairs: InterfacePorts;
}

export function spawnPortAllocator(
  parent: AnyRef,
  portMin: number,
  portMax: number,
  log: SupervisionLog,
  shared?: SharedPorts,
): PortAllocator {
  const pairs = new InterfacePorts(portMin, portMax, shared);
  const ref = spawn(
    parent,
    (state: InterfacePorts, msg: PortMsg) => {
      switch (msg.kind) {
        case 'usage':
          msg.reply(state.usage(msg.interfaceName));
          break;
      }
      return state;
    },
    'port-allocator',
    {
      initialState: pairs,
      // The pools are bookkeeping only: after an unexpected error keep them (restarting would forget ports in use).
      onCrash: supervise<PortMsg>({ log, decide: () => 'resume' }),
    },
  );
  return { ref, pairs };
}
