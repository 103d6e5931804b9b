/**
 * The real process, `node bin/rtpengine-ts.js`: wrong options exit 1 naming the option before anything is bound;
 * valid ones answer ping, log JSON lines on stderr, write and remove the pidfile, exit 0 on SIGTERM and SIGINT
 * with their ports closed; an rtpengine-style INI config file with named interfaces works.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NgClient, str } from '../helpers/ng-client.ts';

const BIN = fileURLToPath(new URL('../../bin/rtpengine-ts.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'rtpengine-ts-cli-'));
const started = new Set<ChildProcess>();

after(() => {
  for (const p of started) if (p.exitCode === null) p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  const port = s.address().port;
  s.close();
  return port;
}

/** Whether the UDP port can be bound again (nothing holds it). */
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

async function tcpFree(port: number): Promise<boolean> {
  const s = createServer();
  return new Promise((resolve) => {
    s.once('error', () => resolve(false));
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
  });
}

interface Run {
  proc: ChildProcess;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function run(args: string[]): Run {
  const proc = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(proc);
  let err = '';
  proc.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  proc.stdout?.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    proc.once('exit', (code, signal) => r({ code, signal })),
  );
  return { proc, stderr: () => err, exited };
}

const portBase = 48_000 + (process.pid % 100) * 16;

test('wrong option values and unknown options exit 1, name the option on stderr and bind nothing', async () => {
  const ng = await freePort();
  const cases: [string[], RegExp][] = [
    [['--port-min=abc'], /port-min/],
    [['--port-min=40000', '--port-max=30000'], /port-(min|max)/],
    [['--no-such-option'], /no-such-option/],
    [['--timeout=soon'], /timeout/],
  ];
  for (const [bad, names] of cases) {
    const r = run([
      '--config-file=none',
      '-f',
      '-E',
      `--listen-ng=127.0.0.1:${ng}`,
      '-i',
      '127.0.0.1',
      ...bad,
    ]);
    const { code } = await r.exited;
    assert.equal(code, 1, `${bad.join(' ')}: exit code`);
    assert.match(r.stderr(), names, `${bad.join(' ')}: stderr names the option`);
    assert.ok(await udpFree(ng), `${bad.join(' ')}: the ng port was never bound`);
  }
});

for (const [i, [signal, threads]] of (
  [
    ['SIGTERM', 1],
    ['SIGINT', 1],
    ['SIGTERM', 2],
  ] as const
).entries()) {
  test(`with valid options (${threads} call thread${threads > 1 ? 's' : ''}) it answers ping, logs JSON on stderr, writes its pidfile, and on ${signal} exits 0 within 3 s with ports closed`, async () => {
    const ngPort = await freePort();
    const tcpPort = await freePort();
    const pidfile = join(dir, `rtpengine-${signal}-${threads}.pid`);
    const min = portBase + i * 4;
    const r = run([
      '--config-file=none',
      '-f',
      '-E',
      '-t',
      '-1',
      `--listen-ng=127.0.0.1:${ngPort}`,
      `--listen-tcp-ng=127.0.0.1:${tcpPort}`,
      '-i',
      '127.0.0.1',
      '-m',
      String(min),
      '-M',
      String(min + 3),
      `--pidfile=${pidfile}`,
      `--num-threads=${threads}`,
    ]);
    const ng = new NgClient('127.0.0.1', ngPort);
    try {
      let pong = false;
      for (let i = 0; i < 100 && !pong; i++) {
        try {
          pong = (await ng.raw(Buffer.from(`p${i} d7:command4:pinge`), `p${i}`, 100)).result === 'pong';
        } catch {
          // not up yet
        }
      }
      assert.ok(pong, 'answers ping');
      const offer = await ng.request({
        command: 'offer',
        'call-id': 'cli',
        'from-tag': 'a',
        sdp: 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n',
      });
      assert.equal(offer.result, 'ok', 'a call holds media ports when the signal comes');
      const mediaPort = Number(/^m=audio (\d+)/m.exec(str(offer.sdp))?.[1]);
      assert.equal(readFileSync(pidfile, 'utf8').trim(), String(r.proc.pid), 'the pidfile holds the pid');
      const lines = r.stderr().trim().split('\n');
      assert.ok(lines.length > 0);
      for (const line of lines) {
        const entry = JSON.parse(line) as { level?: unknown; msg?: unknown };
        assert.equal(typeof entry.level, 'string', line);
        assert.equal(typeof entry.msg, 'string', line);
      }
      const t0 = Date.now();
      r.proc.kill(signal);
      const { code } = await r.exited;
      assert.equal(code, 0, 'exit code 0');
      assert.ok(Date.now() - t0 < 3000, 'exits within 3 s');
      assert.ok(await udpFree(ngPort), 'the ng UDP port is closed');
      assert.ok(await tcpFree(tcpPort), 'the ng TCP port is closed');
      assert.ok(await udpFree(mediaPort), 'the media port of the call is closed');
      assert.equal(existsSync(pidfile), false, 'the pidfile is removed');
    } finally {
      ng.close();
      if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
    }
  });
}

test('an rtpengine INI config file with interface = a/127.0.0.1;b/127.0.0.2 works, and direction picks them', async () => {
  const ngPort = await freePort();
  const conf = join(dir, 'rtpengine.conf');
  const min = portBase + 12;
  writeFileSync(
    conf,
    [
      '# rtpengine style',
      '[rtpengine]',
      'table = -1',
      'interface = a/127.0.0.1;b/127.0.0.2',
      `listen-ng = 127.0.0.1:${ngPort}`,
      `port-min = ${min}`,
      `port-max = ${min + 1}`,
      'foreground = true',
      'log-stderr = true',
      '',
    ].join('\n'),
  );
  // The INI range is 2 ports; the command line widens it (the command line beats the file).
  const r = run([`--config-file=${conf}`, `--port-max=${min + 7}`]);
  const ng = new NgClient('127.0.0.1', ngPort);
  try {
    let up = false;
    for (let i = 0; i < 100 && !up; i++) {
      try {
        up = (await ng.raw(Buffer.from(`c${i} d7:command4:pinge`), `c${i}`, 100)).result === 'pong';
      } catch {
        // not up yet
      }
    }
    assert.ok(up, `answers ping; stderr: ${r.stderr()}`);
    const sdp =
      'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';
    const offer = await ng.request({
      command: 'offer',
      'call-id': 'ini',
      'from-tag': 'x',
      sdp,
      direction: ['a', 'b'],
    });
    assert.equal(offer.result, 'ok', JSON.stringify(offer));
    assert.match(str(offer.sdp), /^c=IN IP4 127\.0\.0\.2\r$/m, 'the offer goes out on interface b');
    const answer = await ng.request({
      command: 'answer',
      'call-id': 'ini',
      'from-tag': 'x',
      'to-tag': 'y',
      sdp,
    });
    assert.equal(answer.result, 'ok');
    assert.match(str(answer.sdp), /^c=IN IP4 127\.0\.0\.1\r$/m, 'the answer goes back on interface a');
    r.proc.kill('SIGTERM');
    assert.equal((await r.exited).code, 0);
  } finally {
    ng.close();
    if (r.proc.exitCode === null) r.proc.kill('SIGKILL');
  }
});
