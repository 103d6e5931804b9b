/**
 * The bench's C tools (load generators, ng client) are compiled into bench/bin/ on first use, and again whenever a
 * source is newer than the binary.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const benchDir = dirname(fileURLToPath(import.meta.url));

/** Builds bench/bin/`name` from `sources` (the first is compiled; the others are files it includes). */
export function buildC(name: string, sources: readonly string[]): string {
  const binary = join(benchDir, 'bin', name);
  const paths = sources.map((s) => join(benchDir, s));
  const built = existsSync(binary) ? statSync(binary).mtimeMs : 0;
  if (paths.some((source) => statSync(source).mtimeMs > built)) {
    mkdirSync(dirname(binary), { recursive: true });
    execFileSync('cc', ['-O2', '-Wall', '-o', binary, paths[0] as string], {
      cwd: benchDir,
      stdio: 'inherit',
    });
  }
  return binary;
}
