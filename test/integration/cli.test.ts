/**
 * The CLI listener against a running daemon, driven by Debian's real `rtpengine-ctl` where it is installed
 * and by raw TCP otherwise: totals, sessions, terminate, set, and a client that never ends its line.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { start, stop } from 'nact';
import { spawnCliListener } from '../../actors/control/cli.ts';
import { bindListener } from '../../actors/control/ng-udp.ts';
import type { Daemon } from '../../actors/system.ts';
import { sdpFor, testDaemon } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';

let daemon: Daemon;
let ng: NgClient;
let system: ReturnType<typeof start>;
let cliPort = 0;
let cliRef: ReturnType<typeof spawnCliListener>;
const CTL = '/usr/bin/rtpengine-ctl';

/** One command over raw TCP, as rtpengine-ctl sends it; resolves with everything read until the close. */
function cli(line: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port: cliPort }, () => s.write(`${line}\n`));
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

function ctl(...args: string[]): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile(CTL, ['-ip', '127.0.0.1', '-port', String(cliPort), ...args], (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    ),
  );
}

before(async () => {
  daemon = await testDaemon();
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
  system = start();
  cliRef = spawnCliListener(system, daemon.ctx, daemon.surfaces.cli, '127.0.0.1', 0, 'cli-0');
  const r = await bindListener(cliRef);
  assert.ok(r.ok);
  cliPort = r.port;
});

after(async () => {
  ng.close();
  stop(cliRef);
  stop(system);
  await daemon.stop();
});

test('rtpengine-ctl list totals reads our totals and counts the offer we made', {
  skip: !existsSync(CTL),
}, async () => {
  const r = await ng.request({ command: 'offer', 'call-id': 'cli-1', 'from-tag': 'a', sdp: sdpFor(5000) });
  assert.equal(r.result, 'ok');
  const out = await ctl('list', 'totals');
  assert.match(out, /^ Owned sessions {34}:1$/m);
  assert.match(out, /^ Total managed sessions {26}:1$/m);
  assert.match(out, /^ {12}127\.0\.0\.1 \| {10}0 \| {10}1 \|/m);
});

test('list sessions shows the call and list numsessions counts it', async () => {
  await ng.request({ command: 'offer', 'call-id': 'cli-2', 'from-tag': 'a', sdp: sdpFor(5002) });
  assert.match(await cli('list sessions all'), /^callid: +cli-2 \| deletionmark: {2}no \|/m);
  const one = await cli('list sessions cli-2');
  assert.match(one, /^callid: cli-2$/m);
  assert.match(one, /^--- Tag 'a', type: FROM_TAG/m);
  assert.match(one, /^-------- Port {7}127\.0\.0\.1:\d+ <> {7}127\.0\.0\.1:5002 , SSRC 0/m);
  assert.match(await cli('list numsessions'), /^Current sessions total: \d+$/m);
});

test('terminate ends the call as forced and it leaves the registry', async () => {
  await ng.request({ command: 'offer', 'call-id': 'cli-3', 'from-tag': 'a', sdp: sdpFor(5004) });
  const before = daemon.ctx.counters.closed.forced;
  assert.equal(await cli('terminate cli-3'), '\nCall Id (cli-3) successfully terminated by operator.\n\n');
  for (let i = 0; i < 50 && daemon.registry.get('cli-3'); i++) await new Promise((r) => setTimeout(r, 10));
  assert.equal(daemon.registry.get('cli-3'), undefined);
  // the registry lets the call go at once; its end is counted when its actors have stopped
  for (let i = 0; i < 50 && daemon.ctx.counters.closed.forced === before; i++)
    await new Promise((r) => setTimeout(r, 10));
  assert.equal(daemon.ctx.counters.closed.forced, before + 1);
  const q = await ng.request({ command: 'query', 'call-id': 'cli-3' });
  assert.equal(q.result, 'error');
});

test('set maxsessions 0 makes the next offer fail with the session limit', async () => {
  assert.equal(await cli('set maxsessions 0'), 'Success setting maxsessions to 0\n');
  const r = await ng.request({ command: 'offer', 'call-id': 'cli-4', 'from-tag': 'a', sdp: sdpFor(5006) });
  assert.equal(r.result, 'error');
  assert.equal(await cli('set maxsessions -1'), 'Success setting maxsessions to -1; disable feature\n');
  assert.equal(daemon.ctx.settings.maxSessions, -1);
});

test('list jsonstats is JSON with the statistics tree', async () => {
  const tree = JSON.parse(await cli('list jsonstats'));
  assert.equal(typeof tree.totalstatistics.uptime, 'number');
  assert.ok(Array.isArray(tree.controlstatistics.proxies));
});

test('a client that never ends its line is dropped while another one is answered', async () => {
  const hog = connect({ host: '127.0.0.1', port: cliPort });
  const hogClosed = new Promise<void>((resolve) => hog.on('close', () => resolve()));
  hog.on('error', () => {});
  hog.write(Buffer.alloc(200_000, 0x61));
  assert.equal(await cli('list timeout'), 'TIMEOUT=60\n');
  await hogClosed;
});

test('an unknown command gets rtpengine error text and only the first line is answered', async () => {
  assert.equal(await cli('bogus\nlist timeout'), 'Unknown or incomplete command::bogus\n');
});
