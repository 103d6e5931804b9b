#!/usr/bin/env node
// Launcher: runs the compiled daemon (dist/, built by `npm run build`, which `npm ci`, `npm test` and
// `npm run bench` do first) and falls back to the TypeScript sources through tsx when there is no build, or when
// RTPENGINE_TS_SOURCE=1 asks for the sources.
import { existsSync } from 'node:fs';

const built = new URL('../dist/src/main.js', import.meta.url);
if (existsSync(built) && !process.env.RTPENGINE_TS_SOURCE) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
