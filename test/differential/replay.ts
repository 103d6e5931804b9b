/**
 * Replays one recorded scenario against a fresh in-process daemon configured like the recording's rtpengine
 * (same interfaces, delete-delay 0), and normalizes both sides' replies for comparison.
 */
import type { InterfaceSpec } from '../../src/call/negotiate.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { testDaemon } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';
import type { NgGolden } from '../tools/record-ng-golden.ts';
import { normalizeReplies } from './normalize.ts';

/** rtpengine's `-i [NAME/]ADDRESS` as our daemon's interface list; an unnamed one is "default". */
export function interfacesOf(specs: readonly string[]): InterfaceSpec[] {
  return specs.map((spec) => {
    const slash = spec.indexOf('/');
    const name = slash >= 0 ? spec.slice(0, slash) : 'default';
    const address = slash >= 0 ? spec.slice(slash + 1) : spec;
    return { name, address, advertised: null, family: address.includes(':') ? 'IP6' : 'IP4' };
  });
}

export interface Replayed {
  /** rtpengine's replies, normalized. */
  theirs: NgDict[];
  /** Ours, normalized the same way. */
  ours: NgDict[];
}

export async function replay(golden: NgGolden): Promise<Replayed> {
  const daemon = await testDaemon({ interfaces: interfacesOf(golden.interfaces), deleteDelay: 0 });
  const client = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
  const ours: NgDict[] = [];
  try {
    for (const x of golden.exchanges) {
      try {
        ours.push(await client.request(x.request));
      } catch (e) {
        ours.push({ 'no reply': String(e) });
      }
    }
  } finally {
    client.close();
    await daemon.stop();
  }
  const { portMin, portMax } = daemon.ctx.settings;
  return {
    theirs: normalizeReplies(
      golden.exchanges.map((x) => x.reply),
      golden.portRange,
    ),
    ours: normalizeReplies(ours, [portMin, portMax]),
  };
}
