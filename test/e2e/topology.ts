/**
 * The three network namespaces of the scenario and the veth links between them:
 *
 *   alice (198.18.1.10) --veth-- core (198.18.1.1 | 198.18.2.1, service 198.18.3.1 on lo) --veth-- bob (198.18.2.10)
 *
 * Kamailio and the media proxy share the core's service address, which both agents reach through their
 * default route. The core does not forward, so the agents can only exchange media through the proxy.
 */
import { execFileSync } from 'node:child_process';

export interface Topology {
  readonly core: string;
  readonly alice: string;
  readonly bob: string;
  /** Kamailio's SIP address and the media proxy's media address. */
  readonly serviceAddress: string;
  readonly aliceAddress: string;
  readonly bobAddress: string;
}

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** True when this process may create namespaces: root, and an `ip` that knows `netns`. */
export function netnsUnavailableReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root to create network namespaces';
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: 'ignore' });
  } catch {
    return '`ip netns` is unavailable';
  }
  return undefined;
}

/**
 * Names carry `tag` (the test's pid) so parallel runs and leftovers of a crashed run never collide;
 * interface names stay within the kernel's 15 characters.
 */
export function createTopology(tag: string): Topology {
  const topology: Topology = {
    core: `e2e${tag}-core`,
    alice: `e2e${tag}-alice`,
    bob: `e2e${tag}-bob`,
    serviceAddress: '198.18.3.1',
    aliceAddress: '198.18.1.10',
    bobAddress: '198.18.2.10',
  };
  try {
    for (const ns of [topology.core, topology.alice, topology.bob]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    ip('-n', topology.core, 'addr', 'add', `${topology.serviceAddress}/32`, 'dev', 'lo');
    const links = [
      { agent: topology.alice, side: 'a', coreAddress: '198.18.1.1', agentAddress: topology.aliceAddress },
      { agent: topology.bob, side: 'b', coreAddress: '198.18.2.1', agentAddress: topology.bobAddress },
    ];
    for (const link of links) {
      const coreEnd = `e2e${tag}-c${link.side}`;
      const agentEnd = `e2e${tag}-${link.side}c`;
      ip(
        'link',
        'add',
        coreEnd,
        'netns',
        topology.core,
        'type',
        'veth',
        'peer',
        'name',
        agentEnd,
        'netns',
        link.agent,
      );
      ip('-n', topology.core, 'addr', 'add', `${link.coreAddress}/24`, 'dev', coreEnd);
      ip('-n', topology.core, 'link', 'set', coreEnd, 'up');
      ip('-n', link.agent, 'addr', 'add', `${link.agentAddress}/24`, 'dev', agentEnd);
      ip('-n', link.agent, 'link', 'set', agentEnd, 'up');
      ip('-n', link.agent, 'route', 'add', 'default', 'via', link.coreAddress);
    }
  } catch (err) {
    destroyTopology(topology);
    throw err;
  }
  return topology;
}

/** Deleting a namespace also deletes the veth ends inside it, and with them their peers. */
export function destroyTopology(topology: Topology): void {
  for (const ns of [topology.alice, topology.bob, topology.core]) {
    try {
      ip('netns', 'del', ns);
    } catch {
      // Already gone, or never created because setup failed half-way.
    }
  }
}
