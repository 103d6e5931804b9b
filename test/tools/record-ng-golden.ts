/**
 * Records the ng differential scenarios (test/differential/scenarios.ts) from Debian's real rtpengine 10.5:
 * for each scenario it starts a fresh rtpengine in userspace on free loopback ports with the scenario's
 * interfaces, sends the requests in order, and writes the requests and rtpengine's replies verbatim to
 * test/golden/ng/<scenario>.json.
 *
 *   npx tsx test/tools/record-ng-golden.ts             # record every scenario
 *   npx tsx test/tools/record-ng-golden.ts NAME...     # record only these
 *
 * Each rtpengine is stopped by its PID when its scenario ends, also when it fails (./oracle.ts).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgDict } from '../../src/ng/types.ts';
import { type NgScenario, SCENARIOS } from '../differential/scenarios.ts';
import { withRtpengine } from './oracle.ts';

export interface NgExchange {
  request: NgDict;
  reply: NgDict;
}

export interface NgGolden {
  name: string;
  description: string;
  rtpengine: string;
  interfaces: string[];
  /** rtpengine's media port range for this recording (`-m`, `-M`): the replay maps these to ours. */
  portRange: [number, number];
  exchanges: NgExchange[];
}

const PORT_SPAN = 100;

export async function recordScenario(sc: NgScenario, portMin: number): Promise<NgGolden> {
  const portRange: [number, number] = [portMin, portMin + PORT_SPAN - 1];
  const opts = { interfaces: sc.interfaces, portRange, options: ['--delete-delay=0'] };
  return withRtpengine(opts, async ({ ng }) => {
    const exchanges: NgExchange[] = [];
    for (const request of sc.steps) exchanges.push({ request, reply: await ng.request(request) });
    return {
      name: sc.name,
      description: sc.description,
      rtpengine: '10.5.3.5',
      interfaces: sc.interfaces,
      portRange,
      exchanges,
    };
  });
}

async function main(only: readonly string[]): Promise<void> {
  const outDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'ng');
  mkdirSync(outDir, { recursive: true });
  const unknown = only.filter((n) => !SCENARIOS.some((s) => s.name === n));
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')}`);
  // A port range away from the test daemons' (41000+) so a recording can run beside the tests.
  let portMin = 32000 + (process.pid % 20) * PORT_SPAN;
  for (const sc of SCENARIOS) {
    if (only.length > 0 && !only.includes(sc.name)) continue;
    const golden = await recordScenario(sc, portMin);
    portMin = 32000 + ((portMin - 32000 + PORT_SPAN) % (20 * PORT_SPAN));
    writeFileSync(join(outDir, `${sc.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
    console.log(`recorded ${sc.name}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2));
