/** Loads the golden cases recorded from rtpengine 10.5 by test/tools/record-sdp-golden.ts. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgDict } from '../../../src/ng/types.ts';

export interface GoldenExchange {
  readonly request: NgDict & {
    readonly sdp: string;
    readonly command: string;
    readonly 'from-tag': string;
    readonly 'to-tag'?: string;
  };
  readonly reply: NgDict & {
    readonly result: string;
    readonly sdp?: string;
    readonly 'error-reason'?: string;
  };
}

export interface GoldenCase {
  readonly name: string;
  readonly description: string;
  readonly interfaces: readonly string[];
  readonly exchanges: readonly GoldenExchange[];
}

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'golden', 'sdp');

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as GoldenCase);
}

/** Every SDP in the golden files, requests and replies, with where it came from. */
export function allGoldenSdps(): { where: string; sdp: string }[] {
  const out: { where: string; sdp: string }[] = [];
  for (const c of loadGoldenCases()) {
    c.exchanges.forEach((x, i) => {
      out.push({ where: `${c.name}#${i} ${x.request.command} request`, sdp: x.request.sdp });
      if (typeof x.reply.sdp === 'string')
        out.push({ where: `${c.name}#${i} ${x.request.command} reply`, sdp: x.reply.sdp });
    });
  }
  return out;
}
