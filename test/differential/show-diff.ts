/**
 * Prints, for one recorded scenario, where our normalized replies differ from rtpengine's (a line diff of
 * the pretty-printed JSON, SDP split into lines):
 *
 *   npx tsx test/differential/show-diff.ts SCENARIO...
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgDict } from '../../src/ng/types.ts';
import type { NgGolden } from '../tools/record-ng-golden.ts';
import { replay } from './replay.ts';

const goldenDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden', 'ng');

function pretty(d: NgDict | undefined): string {
  const text = JSON.stringify(d ?? null, null, 2);
  return text.replace(
    /"sdp": "(.*)"/g,
    (_, s: string) => `"sdp":\n    ${s.split('\\r\\n').join('\\r\\n\n    ')}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'ng-diff-'));
try {
  for (const name of process.argv.slice(2)) {
    const golden = JSON.parse(readFileSync(join(goldenDir, `${name}.json`), 'utf8')) as NgGolden;
    const { theirs, ours } = await replay(golden);
    for (const [i, x] of golden.exchanges.entries()) {
      const a = join(dir, 'rtpengine');
      const b = join(dir, 'ours');
      writeFileSync(a, `${pretty(theirs[i])}\n`);
      writeFileSync(b, `${pretty(ours[i])}\n`);
      let out = '';
      try {
        execFileSync('diff', ['-u', a, b], { encoding: 'utf8' });
      } catch (e) {
        out = (e as { stdout: string }).stdout;
      }
      console.log(`== ${name} #${i + 1} ${String(x.request.command)}: ${out === '' ? 'same' : 'DIFFERENT'}`);
      if (out !== '') console.log(out.split('\n').slice(2).join('\n'));
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
