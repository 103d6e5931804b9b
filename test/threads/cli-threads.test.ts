/**
 * `--listen-cli` and `--listen-http` with `--num-threads=2`: Debian's real `rtpengine-ctl` (raw TCP where it is
 * not installed), HTTP /cli, /metrics and WebSocket against a daemon whose calls live in two call threads. The
 * CLI's answers are compared with those of a one-thread daemon given the same calls; terminate, set and the
 * ng-over-WebSocket path are shown to reach the calls of either thread.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { start, stop } from 'nact';
import { spawnCliListener } from '../../actors/control/cli.ts';
import { bindListener } from '../../actors/control/ng-udp.ts';
import type { Daemon } from '../../actors/system.ts';
import { threadOf } from '../../actors/threads/placement.ts';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { loopbackSettings, mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import { parseExposition, sampleValue } from '../helpers/exposition.ts';
import { httpRequest, type WsClient, wsClient } from '../helpers/http.ts';
import { NgClient, str } from '../helpers/ng-client.ts';

const CTL = '/usr/bin/rtpengine-ctl';
const PORT_MIN = 52000 + (process.pid % 40) * 40;

let threaded: ThreadedDaemon;
let single: Daemon;
let singleSystem: ReturnType<typeof start>;
let singleCliRef: ReturnType<typeof spawnCliListener>;
let singleCliPort = 0;
let ng: NgClient;
let ngSingle: NgClient;

before(async () => {
  threaded = await startThreadedDaemon({
    threads: 2,
    settings: loopbackSettings(PORT_MIN, PORT_MIN + 39),
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    listenCli: [{ host: '127.0.0.1', port: 0 }],
    listenHttp: [{ host: '127.0.0.1', port: 0 }],
    log: silentLogger,
  });
  ng = new NgClient('127.0.0.1', threaded.ngPorts[0] ?? 0);
  single = await testDaemon();
  ngSingle = new NgClient('127.0.0.1', single.ngPorts[0] ?? 0);
  singleSystem = start();
  singleCliRef = spawnCliListener(singleSystem, single.ctx, single.surfaces.cli, '127.0.0.1', 0, 'cli-0');
  const r = await bindListener(singleCliRef);
  assert.ok(r.ok);
  singleCliPort = r.port;
});

after(async () => {
  ng.close();
  ngSingle.close();
  stop(singleCliRef);
  stop(singleSystem);
  await single.stop();
  await threaded.stop();
});

/** One command to a CLI port: through rtpengine-ctl where installed, else the same line over raw TCP. */
function ctlAt(port: number, ...args: string[]): Promise<string> {
  if (existsSync(CTL))
    return new Promise((resolve, reject) =>
      execFile(CTL, ['-ip', '127.0.0.1', '-port', String(port), ...args], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port }, () => s.write(`${args.join(' ')}\n`));
    let out = '';
    s.on('data', (d) => {
      out += d.toString();
    });
    s.on('close', () => resolve(out));
    s.on('error', reject);
  });
}

const ctl = (...args: string[]) => ctlAt(threaded.cliPorts[0] ?? 0, ...args);
const ctlSingle = (...args: string[]) => ctlAt(singleCliPort, ...args);

/** `n` call-ids that the hash puts in each of the two threads, named by `prefix`. */
function callIdsPerThread(prefix: string, n: number): [string[], string[]] {
  const out: [string[], string[]] = [[], []];
  for (let i = 0; out[0].length < n || out[1].length < n; i++) {
    const id = `${prefix}-${i}`;
    const list = out[threadOf(id, 2) as 0 | 1];
    if (list.length < n) list.push(id);
  }
  return out;
}

function offer(callId: string, port: number): Record<string, NgValue> {
  return { command: 'offer', 'call-id': callId, 'from-tag': 'A', sdp: sdpFor(port, 'alice') };
}

/** Offer and answer; returns the media ports the daemon gave both sides. */
async function setUp(client: NgClient, callId: string, port: number): Promise<number[]> {
  const o = await client.request(offer(callId, port));
  assert.equal(o.result, 'ok', JSON.stringify(o));
  const a = await client.request({ ...offer(callId, port + 2), command: 'answer', 'to-tag': 'B' });
  assert.equal(a.result, 'ok', JSON.stringify(a));
  return [mediaPort(str(o.sdp)), mediaPort(str(a.sdp))];
}

/** What differs between two daemons by nature: the time, the uptime and the media ports they chose. */
function maskVolatile(s: string): string {
  return s
    .replace(/(Uptime of rtpengine\s+:)\d+/g, '$1N')
    .replace(/(created|last_signal): *\d+/g, '$1: N')
    .replace(/callduration [\d.]+/g, 'callduration N')
    .replace(/Port (\s*[\d.]+):\d+\s*<>/g, 'Port $1:N <>')
    .replace(/, \d+ ts$/gm, ', N ts');
}

async function until(what: string, check: () => Promise<boolean>, tries = 100): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 30));
  }
  assert.fail(`timed out waiting for: ${what}`);
}

async function udpFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.bind(port, '127.0.0.1', () => {
      s.close();
      resolve(true);
    });
  });
}

function portsUsed(interfaces: string): number {
  return Number(/Ports used:\s+(\d+)/.exec(interfaces)?.[1] ?? Number.NaN);
}

test('with calls in both threads, rtpengine-ctl list numsessions, sessions, session, totals, counters and interfaces answer as one thread does', async () => {
  const [t0, t1] = callIdsPerThread('list', 2);
  const ids = [t0[0], t1[0], t0[1], t1[1]] as string[];
  for (const [i, id] of ids.entries()) {
    await setUp(ng, id, 30000 + i * 10);
    await setUp(ngSingle, id, 30000 + i * 10);
  }
  assert.equal(threaded.calls, 4);
  for (const cmd of [['numsessions'], ['totals'], ['counters']]) {
    const mine = await ctl('list', ...cmd);
    assert.equal(maskVolatile(mine), maskVolatile(await ctlSingle('list', ...cmd)), `list ${cmd.join(' ')}`);
  }
  assert.match(await ctl('list', 'numsessions'), /^Current sessions own: 4$/m);

  const sessions = await ctl('list', 'sessions', 'all');
  const lines = sessions.trim().split('\n');
  assert.equal(lines.length, 4, sessions);
  assert.deepEqual(
    lines.map((l) => /callid:\s+(\S+) \|/.exec(l)?.[1]).sort(),
    [...ids].sort(),
    'every call of both threads is listed once',
  );
  const singleLines = (await ctlSingle('list', 'sessions', 'all')).trim().split('\n');
  assert.deepEqual(lines.map(maskVolatile).sort(), singleLines.map(maskVolatile).sort());

  for (const id of [t0[0], t1[0]] as string[]) {
    const one = await ctl('list', 'sessions', id);
    assert.match(one, new RegExp(`^callid: ${id}$`, 'm'));
    assert.match(one, /--- Tag 'A', type: FROM_TAG/);
    assert.equal(maskVolatile(one), maskVolatile(await ctlSingle('list', 'sessions', id)), `session ${id}`);
  }

  const ifaces = await ctl('list', 'interfaces');
  assert.equal(portsUsed(ifaces), 16, 'four calls, two sides, RTP and RTCP each');
  assert.equal(portsUsed(ifaces), portsUsed(await ctlSingle('list', 'interfaces')));
  const json = JSON.parse(await ctl('list', 'jsonstats')) as NgDict;
  assert.equal((json.currentstatistics as NgDict).sessionsown, 4);

  for (const id of ids) {
    assert.equal((await ng.request({ command: 'delete', 'call-id': id })).result, 'ok');
    assert.equal((await ngSingle.request({ command: 'delete', 'call-id': id })).result, 'ok');
  }
  await until('no calls left', async () => threaded.calls === 0);
});

test('terminate ends a call in either thread and frees its ports; terminate all ends the rest', async () => {
  const [t0, t1] = callIdsPerThread('term', 2);
  const ports = new Map<string, number[]>();
  for (const [i, id] of [...t0, ...t1].entries()) ports.set(id, await setUp(ng, id, 31000 + i * 10));
  assert.match(await ctl('list', 'numsessions'), /^Current sessions own: 4$/m);

  for (const id of [t0[0], t1[0]] as string[]) {
    assert.equal(
      await ctl('terminate', id),
      `\nCall Id (${id}) successfully terminated by operator.\n\n`,
      `terminate ${id} (thread ${threadOf(id, 2)})`,
    );
    await until(`${id} gone`, async () => (await ctl('list', 'sessions', id)).includes('Call ID not found'));
    for (const p of ports.get(id) ?? []) assert.ok(await udpFree(p), `media port ${p} of ${id} is closed`);
  }
  assert.match(await ctl('list', 'numsessions'), /^Current sessions own: 2$/m);
  assert.equal(portsUsed(await ctl('list', 'interfaces')), 8, 'two calls left hold 8 ports');
  assert.equal(await ctl('terminate', 'nope'), '\nCall Id not found (nope).\n\n');

  assert.equal(await ctl('terminate', 'all'), 'All calls terminated by operator.\n');
  await until('every call ended', async () => threaded.calls === 0);
  assert.equal(await ctl('list', 'sessions', 'all'), 'No sessions on this media relay.\n');
  assert.equal(portsUsed(await ctl('list', 'interfaces')), 0, 'every port is free again');
  const totals = await ctl('list', 'totals');
  assert.match(totals, /Total forced terminated sessions\s+:4$/m, 'counted in both threads and merged');
});

test('set maxsessions limits new calls in both threads, also in a thread started again after a crash; get and params see it', async () => {
  const [t0, t1] = callIdsPerThread('max', 3);
  try {
    assert.equal(await ctl('set', 'maxsessions', '2'), 'Success setting maxsessions to 2\n');
    assert.equal(await ctl('get', 'maxsessions'), 'Maximum sessions configured on rtpengine: 2\n');
    assert.equal(await ctl('params', 'diff'), 'max-sessions: -1 => 2\n');
    await setUp(ng, t0[0] ?? '', 32000);
    await setUp(ng, t1[0] ?? '', 32010);
    for (const id of [t0[1], t1[1]] as string[]) {
      const r = await ng.request(offer(id, 32020));
      assert.equal(r.result, 'error', `thread ${threadOf(id, 2)} refuses a third call`);
      assert.equal(r['error-reason'], 'Parallel session limit reached');
    }
    assert.equal((await ng.request({ command: 'delete', 'call-id': t0[0] ?? '' })).result, 'ok');
    assert.equal((await ng.request({ command: 'delete', 'call-id': t1[0] ?? '' })).result, 'ok');
    await until('no calls left', async () => threaded.calls === 0);

    assert.equal(await ctl('set', 'maxsessions', '0'), 'Success setting maxsessions to 0\n');
    const crashes = threaded.supervision.count;
    await threaded.threads.kill(1);
    await until('thread 1 started again', async () => threaded.supervision.count > crashes);
    const r = await ng.request(offer(t1[2] ?? '', 32030));
    assert.equal(
      r['error-reason'],
      'Parallel session limit reached',
      'the new thread has the limit in force',
    );

    assert.equal(
      await ctl('set', 'maxsessions', '-1'),
      'Success setting maxsessions to -1; disable feature\n',
    );
    await setUp(ng, t0[2] ?? '', 32040);
    await setUp(ng, t1[2] ?? '', 32050);
    assert.equal(threaded.calls, 2);
  } finally {
    await ctl('set', 'maxsessions', '-1');
    await ctl('terminate', 'all');
    await until('no calls left', async () => threaded.calls === 0);
  }
});

test('set loglevel and the timeouts are answered back by get and reach the settings the threads start with', async () => {
  assert.equal(await ctl('set', 'loglevel', '7'), 'Success setting loglevel to 7\n');
  assert.equal(await ctl('get', 'loglevel', 'core'), '7\n');
  assert.equal(await ctl('set', 'timeout', '77'), 'Success setting timeout to 77\n');
  assert.equal(await ctl('get', 'timeout'), 'TIMEOUT=77\n');
  assert.match(await ctl('params', 'current'), /^timeout = 77$/m);
  assert.equal(await ctl('params', 'revert'), '');
  assert.equal(await ctl('get', 'timeout'), 'TIMEOUT=60\n');
  assert.equal(await ctl('params', 'diff'), '');
});

const http = (method: string, path: string, body?: string, type?: string) =>
  httpRequest(threaded.httpPorts[0] ?? 0, method, path, body, type);

/** A WebSocket client to the threaded daemon's HTTP port; the upgrade must succeed. */
async function ws(proto: string): Promise<WsClient> {
  const client = await wsClient(threaded.httpPorts[0] ?? 0, proto);
  assert.ok(client, 'closed before the upgrade');
  return client;
}

test('HTTP /cli, /metrics, POST /ng and WebSocket ng and cli see and reach the calls of both threads', async () => {
  const [t0, t1] = callIdsPerThread('http', 1);
  await setUp(ng, t0[0] ?? '', 33000);

  // an offer over WebSocket lands in the thread that owns its call-id, and the CLI finds it there
  const wsNg = await ws('ng.rtpengine.com');
  try {
    const body = `d7:command5:offer7:call-id${(t1[0] ?? '').length}:${t1[0]}8:from-tag1:A3:sdp${sdpFor(33010).length}:${sdpFor(33010)}e`;
    wsNg.send(`w1 ${body}`);
    const m = await wsNg.next();
    assert.equal(m.kind, 'binary');
    assert.match(m.kind === 'binary' ? m.data.toString() : '', /^w1 d.*6:result2:ok/s);
  } finally {
    wsNg.sock.destroy();
  }
  assert.equal(threaded.calls, 2);
  assert.match(await ctl('list', 'sessions', t1[0] ?? ''), new RegExp(`^callid: ${t1[0]}$`, 'm'));

  const viaHttp = await http('GET', '/cli/list+numsessions');
  assert.equal(viaHttp.status, 200);
  assert.equal(viaHttp.body, await ctl('list', 'numsessions'));
  assert.match(viaHttp.body, /^Current sessions own: 2$/m);

  const wsCli = await ws('cli.rtpengine.com');
  try {
    wsCli.send('list sessions all');
    const m = await wsCli.next();
    const text = m.kind === 'binary' ? m.data.toString() : '';
    for (const id of [t0[0], t1[0]] as string[]) assert.ok(text.includes(id), `${id} listed over WebSocket`);
  } finally {
    wsCli.sock.destroy();
  }

  const metrics = parseExposition((await http('GET', '/metrics')).body);
  assert.equal(sampleValue(metrics, 'rtpengine_sessions', { type: 'own' }), 2, 'sessions of both threads');
  const used = portsUsed(await ctl('list', 'interfaces'));
  assert.ok(used >= 6, 'both calls hold ports');
  assert.equal(
    sampleValue(metrics, 'rtpengine_ports_used', { name: 'default', address: '127.0.0.1' }),
    used,
    'the shared pool, counted once',
  );

  const ping = await http('POST', '/ng', 'c1 d7:command4:pinge', 'application/x-rtpengine-ng');
  assert.equal(ping.body, 'c1 d6:result4:ponge');
  const q = await http(
    'POST',
    '/ng',
    `c2 d7:command5:query7:call-id${(t1[0] ?? '').length}:${t1[0]}e`,
    'application/x-rtpengine-ng',
  );
  assert.match(q.body, /^c2 d.*6:result2:ok/s, 'POST /ng reaches the thread of the call');

  assert.equal(await ctl('terminate', 'all'), 'All calls terminated by operator.\n');
  await until('no calls left', async () => threaded.calls === 0);
});

const BIN = fileURLToPath(new URL('../../bin/rtpengine-ts.js', import.meta.url));

test('the daemon run with --num-threads=2 --listen-cli --listen-http keeps two threads and answers rtpengine-ctl', async () => {
  const free = async (type: 'udp' | 'tcp') => {
    if (type === 'udp') {
      const s = createSocket('udp4');
      await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
      const p = s.address().port;
      s.close();
      return p;
    }
    const { createServer } = await import('node:net');
    const srv = createServer();
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    const addr = srv.address();
    await new Promise((r) => srv.close(r));
    return typeof addr === 'object' && addr ? addr.port : 0;
  };
  const [ngPort, cliPort, httpPort] = [await free('udp'), await free('tcp'), await free('tcp')];
  const proc: ChildProcess = spawn(
    process.execPath,
    [
      BIN,
      '--config-file=none',
      '-f',
      '-E',
      '-t',
      '-1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--listen-cli=127.0.0.1:${cliPort}`,
      `--listen-http=127.0.0.1:${httpPort}`,
      '-i',
      '127.0.0.1',
      '-m',
      String(PORT_MIN + 40),
      '-M',
      String(PORT_MIN + 47),
      '--num-threads=2',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  proc.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<number | null>((r) => proc.once('exit', (code) => r(code)));
  try {
    await until('started', async () => stderr.includes('rtpengine-ts started'), 500);
    const started = stderr
      .split('\n')
      .filter((l) => l.includes('rtpengine-ts started'))
      .map((l) => JSON.parse(l) as { threads?: number })[0];
    assert.equal(started?.threads, 2, stderr);
    assert.ok(!stderr.includes('need the calls in one thread'), 'no fall-back to one thread');
    const client = new NgClient('127.0.0.1', ngPort);
    try {
      const [t0, t1] = callIdsPerThread('bin', 1);
      await setUp(client, t0[0] ?? '', 34000);
      await setUp(client, t1[0] ?? '', 34010);
    } finally {
      client.close();
    }
    assert.match(await ctlAt(cliPort, 'list', 'numsessions'), /^Current sessions own: 2$/m);
    proc.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (proc.exitCode === null) proc.kill('SIGKILL');
  }
});
