/**
 * The legacy control protocols with `--num-threads=2`: the rtpproxy (UDP) and mediaproxy (TCP) listeners in the
 * main thread route to the call threads. The same exchanges, with calls in both threads, are run against a
 * one-thread daemon and a two-thread one: the answers are the same once media ports and clock-dependent
 * figures are masked, and RTP is relayed both ways for the calls of either thread.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { DaemonSettings } from '../../actors/context.ts';
import type { Daemon } from '../../actors/system.ts';
import { liveSettingsOf } from '../../actors/threads/messages.ts';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { Logger } from '../../src/log/logger.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { loopbackSettings, testDaemon } from '../helpers/daemon.ts';
import { type Listeners, listenersOn, mediaproxyExchange, udpSocket } from '../helpers/listeners.ts';

const PORT_MIN = 54000 + (process.pid % 30) * 60;
const PORT_MAX = PORT_MIN + 59;

/** Where each daemon under test listens, and its media port range (masked in the answers). */
interface Target {
  rtpproxy: number;
  mediaproxy: number;
  portMin: number;
  portMax: number;
}

let single: Daemon;
let singleListeners: Listeners | undefined;
let threaded: ThreadedDaemon;
let one: Target;
/** The main thread's log lines (the listeners'): the call threads stay silent. */
const mainLog: string[] = [];
let two: Target;

const udp = udpSocket;

function rtpproxyClient(client: Socket, port: number): (line: string) => Promise<string> {
  return (line) =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to ${line}`)), 3000);
      client.once('message', (buf) => {
        clearTimeout(timer);
        resolve(buf.toString('latin1'));
      });
      client.send(line, port, '127.0.0.1');
    });
}

const mediaproxy = (port: number, data: string) => mediaproxyExchange(port, data);

/** The media ports of the daemon's range become `P`: they differ between daemons, nothing else should. */
function maskPorts(t: Target, text: string): string {
  return text.replace(/\d+/g, (n) => (Number(n) >= t.portMin && Number(n) <= t.portMax ? 'P' : n));
}

/** Sends one RTP packet from `from` to the daemon's `port` and resolves with what `to` receives. */
async function relays(from: Socket, to: Socket, port: number, payload: string): Promise<boolean> {
  const got = new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), 2000);
    to.once('message', (b) => {
      clearTimeout(timer);
      resolve(b.toString('latin1').includes(payload));
    });
  });
  from.send(Buffer.from(`\x80\x00\x00\x01${payload}`, 'latin1'), port, '127.0.0.1');
  return got;
}

/** The rtpproxy exchanges of Kamailio's module for two calls (one per thread), as a masked transcript. */
async function rtpproxyTranscript(t: Target, calls: [string, string]): Promise<string[]> {
  const client = await udp();
  const send = rtpproxyClient(client, t.rtpproxy);
  const out: string[] = [];
  const note = (s: string) => out.push(maskPorts(t, s));
  try {
    note(await send('v1 V'));
    note(await send('v2 VF 20050322'));
    note(await send('v3 VF 20071218'));
    note(await send('v4 L rp-nosuch 10.0.0.2 6000 a;1 b;1'));
    note(await send('v5 Q rp-nosuch a b'));
    for (const [i, callId] of calls.entries()) {
      const caller = await udp();
      const callee = await udp();
      try {
        const u = await send(`u${i} U ${callId} 127.0.0.1 ${caller.address().port} ft;1`);
        note(u);
        assert.equal(
          await send(`u${i} U ${callId} 127.0.0.1 ${caller.address().port} ft;1`),
          u,
          'a retransmission gets the first answer',
        );
        const l = await send(`l${i} L ${callId} 127.0.0.1 ${callee.address().port} ft;1 tt;1`);
        note(l);
        const uPort = Number(/^\S+ (\d+) /.exec(u)?.[1]);
        const lPort = Number(/^\S+ (\d+) /.exec(l)?.[1]);
        assert.ok(uPort > 0 && lPort > 0, `${u} ${l}`);
        // the caller sends to the L port (its side), the callee to the U port
        assert.ok(await relays(caller, callee, lPort, `from-caller-${i}`), `${callId}: caller to callee`);
        assert.ok(await relays(callee, caller, uPort, `from-callee-${i}`), `${callId}: callee to caller`);
        note(await send(`s${i} U ${callId} 127.0.0.1 5002 ft;2`));
        const q = await send(`q${i} Q ${callId} ft tt`);
        const qm = /^(\S+) (\d+) (.*)$/s.exec(q);
        assert.ok(qm, q);
        assert.ok(Number(qm[2]) >= 58 && Number(qm[2]) <= 60, `ttl in ${q}`);
        note(`${qm[1]} TTL ${qm[3]}`);
      } finally {
        caller.close();
        callee.close();
      }
    }
    for (const [i, callId] of calls.entries()) {
      note(await send(`d${i} D ${callId} ft tt`));
      await new Promise((r) => setTimeout(r, 30));
      note(await send(`e${i} D ${callId} ft tt`));
      note(await send(`f${i} Q ${callId} ft tt`));
      note(await send(`g${i} L ${callId} 10.0.0.2 6000 ft;1 tt;1`));
    }
  } finally {
    client.close();
  }
  return out;
}

const line = (verb: string, callId: string, streams: string, info: string) =>
  `${verb} ${callId} ${streams} 127.0.0.1 a.example local b.example remote test-agent info=${info}\n`;

/** `status` with each session's age (seconds, clock-dependent) checked and masked. */
async function status(t: Target): Promise<string> {
  const s = await mediaproxy(t.mediaproxy, 'status\n');
  return maskPorts(
    t,
    s.replace(/^(session \S+ - - - - )(\d+)$/gm, (_, head: string, age: string) => {
      assert.ok(Number(age) <= 2, `age in ${s}`);
      return `${head}AGE`;
    }),
  );
}

/** The mediaproxy exchanges (request, lookup, status, delete) for two calls, one per thread. */
async function mediaproxyTranscript(t: Target, calls: [string, string]): Promise<string[]> {
  const out: string[] = [];
  const note = (s: string) => out.push(maskPorts(t, s));
  note(
    await mediaproxy(t.mediaproxy, line('lookup', 'mp-nosuch', '10.0.0.1:5000:audio', 'fromtag:a,totag:b')),
  );
  out.push(await status(t));
  const parties: Socket[] = [];
  try {
    for (const [i, callId] of calls.entries()) {
      const caller = await udp();
      const callee = await udp();
      parties.push(caller, callee);
      const r = await mediaproxy(
        t.mediaproxy,
        line('request', callId, `127.0.0.1:${caller.address().port}:audio`, `fromtag:ft${i}`),
      );
      note(r);
      const l = await mediaproxy(
        t.mediaproxy,
        line('lookup', callId, `127.0.0.1:${callee.address().port}:audio`, `fromtag:ft${i},totag:tt${i}`),
      );
      note(l);
      const rPort = Number(/^127\.0\.0\.1 (\d+)\n$/.exec(r)?.[1]);
      const lPort = Number(/^127\.0\.0\.1 (\d+)\n$/.exec(l)?.[1]);
      assert.ok(rPort > 0 && lPort > 0, `${r} ${l}`);
      assert.ok(await relays(caller, callee, lPort, `mp-caller-${i}`), `${callId}: caller to callee`);
      assert.ok(await relays(callee, caller, rPort, `mp-callee-${i}`), `${callId}: callee to caller`);
      // status lists the calls in the order they were created, whichever thread holds them
      out.push(await status(t));
    }
    for (const [i, callId] of calls.entries()) {
      note(await mediaproxy(t.mediaproxy, `delete ${callId} info=fromtag:ft${i},totag:tt${i}\n`));
      await new Promise((r) => setTimeout(r, 30));
      out.push(await status(t));
      note(
        await mediaproxy(
          t.mediaproxy,
          line('lookup', callId, '10.0.0.1:5000:audio', `fromtag:ft${i},totag:tt${i}`),
        ),
      );
    }
  } finally {
    for (const p of parties) p.close();
  }
  return out;
}

const settings = (): DaemonSettings => loopbackSettings(PORT_MIN, PORT_MAX);

before(async () => {
  single = await testDaemon();
  singleListeners = await listenersOn(single, 'udp', 'tcp');
  const ports = singleListeners.ports;
  one = {
    rtpproxy: ports[0] ?? 0,
    mediaproxy: ports[1] ?? 0,
    portMin: single.ctx.settings.portMin,
    portMax: single.ctx.settings.portMax,
  };
  threaded = await startThreadedDaemon({
    threads: 2,
    settings: settings(),
    listenNg: [],
    listenTcpNg: [],
    listenUdp: [{ host: '127.0.0.1', port: 0 }],
    listenTcp: [{ host: '127.0.0.1', port: 0 }],
    log: new Logger({ level: 6, sink: (l) => mainLog.push(l) }),
  });
  await threaded.threads.applySettings(liveSettingsOf(settings()), -1);
  two = {
    rtpproxy: threaded.rtpproxyPorts[0] ?? 0,
    mediaproxy: threaded.mediaproxyPorts[0] ?? 0,
    portMin: PORT_MIN,
    portMax: PORT_MAX,
  };
  assert.ok(one.rtpproxy && one.mediaproxy && two.rtpproxy && two.mediaproxy, 'every listener bound');
});

after(async () => {
  singleListeners?.stop();
  await single.stop();
  await threaded.stop();
});

test('rtpproxy U/L/Q/D/V/VF with calls in both threads answer as one thread does, and RTP is relayed', async () => {
  const calls = callIdsInBothThreads('rp-threads');
  const expected = await rtpproxyTranscript(one, calls);
  const got = await rtpproxyTranscript(two, calls);
  assert.deepEqual(got, expected);
  // the transcript holds real calls: both were set up (U and L answered with a port) before they were deleted
  assert.equal(expected.filter((s) => /^[ul]\d P 127\.0\.0\.1 4\n$/.test(s)).length, 4, expected.join(''));
  assert.equal(threaded.calls, 0, 'D ended the calls in both threads');
});

test('mediaproxy request/lookup/status/delete with calls in both threads answer as one thread does', async () => {
  const calls = callIdsInBothThreads('mp-threads');
  const expected = await mediaproxyTranscript(one, calls);
  const got = await mediaproxyTranscript(two, calls);
  assert.deepEqual(got, expected);
  const withBoth = expected.find((s) => s.startsWith('proxy 2 '));
  assert.ok(withBoth, 'status listed both calls at once');
  assert.ok(withBoth.indexOf(calls[0]) < withBoth.indexOf(calls[1]), 'oldest first');
  assert.equal(threaded.calls, 0, 'delete ended the calls in both threads');
});

test('a request refused in the call thread (session limit) is answered as one thread answers it', async () => {
  const [a, b] = callIdsInBothThreads('refused');
  const limit = async (maxSessions: number) => {
    single.ctx.settings.maxSessions = maxSessions;
    await threaded.threads.applySettings(liveSettingsOf({ ...settings(), maxSessions }), -1);
  };
  await limit(0);
  try {
    const answers = async (t: Target) => {
      const client = await udp();
      try {
        const send = rtpproxyClient(client, t.rtpproxy);
        return [
          await send(`r1 U ${a} 10.0.0.1 5000 ft;1`),
          await send(`r2 U ${b} 10.0.0.1 5000 ft;1`),
          await mediaproxy(t.mediaproxy, line('request', a, '10.0.0.1:5000:audio', 'fromtag:ft')),
        ];
      } finally {
        client.close();
      }
    };
    const expected = await answers(one);
    assert.deepEqual(expected, ['r1 E8\n', 'r2 E8\n', ''], 'one thread refuses new calls');
    mainLog.length = 0;
    assert.deepEqual(await answers(two), expected);
    assert.equal(threaded.calls, 0);
    // crossed back as the refusal it is (NgLoadLimit), not as a failure of the call thread
    assert.equal(mainLog.filter((l) => l.includes('command refused')).length, 3, mainLog.join(''));
    assert.equal(mainLog.filter((l) => l.includes('command failed')).length, 0, mainLog.join(''));
  } finally {
    await limit(-1);
  }
});
