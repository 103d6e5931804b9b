/**
 * `--table=0` without the privileges the kernel path needs (run as nobody): with `--no-fallback` the daemon
 * refuses to start, exit 1, saying what is missing; without it, it says why once and serves in userspace.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const canDrop = process.getuid?.() === 0 && spawnSync('setpriv', ['--version']).status === 0;
const asNobody = [
  'setpriv',
  '--reuid=65534',
  '--regid=65534',
  '--clear-groups',
  process.execPath,
  'bin/rtpengine-ts.js',
];
const common = ['--config-file=none', '-f', '-E', '--table=0', '-i', '127.0.0.1', '--listen-ng=127.0.0.1:0'];

test('--no-fallback without CAP_NET_ADMIN: exit 1 before serving, naming what is missing', {
  skip: canDrop ? false : 'needs root and setpriv to run the daemon as nobody',
}, () => {
  const r = spawnSync(asNobody[0] as string, [...asNobody.slice(1), ...common, '--no-fallback'], {
    cwd: ROOT,
    timeout: 20_000,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr.toString(), /--table=0 with --no-fallback: .*CAP_NET_ADMIN/);
});

test('without --no-fallback it logs why and falls back to userspace forwarding', {
  skip: canDrop ? false : 'needs root and setpriv to run the daemon as nobody',
}, async () => {
  const child = spawn(asNobody[0] as string, [...asNobody.slice(1), ...common], { cwd: ROOT });
  let err = '';
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  for (let i = 0; i < 100 && !err.includes('rtpengine-ts started'); i++)
    await new Promise((r) => setTimeout(r, 100));
  child.kill('SIGTERM');
  const code = await new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
  const lines = err
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { msg: string; why?: string[]; forwarding?: string });
  const fallback = lines.find(
    (l) => l.msg === 'kernel forwarding unavailable, falling back to userspace forwarding',
  );
  assert.ok(
    fallback?.why?.some((w) => w.includes('CAP_NET_ADMIN')),
    err,
  );
  assert.equal(lines.find((l) => l.msg === 'rtpengine-ts started')?.forwarding, 'userspace');
  assert.equal(code, 0);
});
