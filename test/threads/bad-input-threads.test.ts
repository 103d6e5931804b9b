/**
 * Hostile ng input against the daemon with call threads (the default shape), where the main thread routes on a
 * peek at command and call-id instead of a full decode: every malformed, truncated, oversized or mistyped frame
 * gets exactly the reply (or the silence) a one-thread daemon gives, and afterwards a call in each thread still
 * relays RTP both ways and ping is answered.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { startThreadedDaemon, type ThreadedDaemon } from '../../actors/threads/threaded-daemon.ts';
import { silentLogger } from '../../src/log/logger.ts';
import { type TwoPartyCall, twoPartyCall } from '../helpers/call.ts';
import { callIdsInBothThreads } from '../helpers/call-ids.ts';
import { loopbackSettings, testDaemon } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

const PORT_MIN = 46000 + (process.pid % 20) * 20;

let threaded: ThreadedDaemon;
let single: Daemon;
let sock: Socket;
const calls: TwoPartyCall[] = [];

before(async () => {
  threaded = await startThreadedDaemon({
    threads: 2,
    settings: loopbackSettings(PORT_MIN, PORT_MIN + 19),
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: silentLogger,
  });
  single = await testDaemon();
  sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const ng = new NgClient('127.0.0.1', threaded.ngPorts[0]!);
  for (const id of callIdsInBothThreads('hostile')) calls.push(await twoPartyCall(ng, id));
  ng.close();
});

after(async () => {
  for (const c of calls) c.close();
  sock.close();
  await threaded.stop();
  await single.stop();
});

/** Every reply that comes back to one frame within the wait (normally one, or none). */
async function replies(port: number, frame: Buffer, waitMs = 300): Promise<string[]> {
  const got: string[] = [];
  const onMessage = (m: Buffer) => got.push(m.toString('latin1'));
  sock.on('message', onMessage);
  sock.send(frame, port, '127.0.0.1');
  await new Promise((r) => setTimeout(r, waitMs));
  sock.off('message', onMessage);
  return got;
}

const bstr = (s: string) => `${Buffer.byteLength(s, 'latin1')}:${s}`;

function hostileFrames(): [string, Buffer][] {
  const deep = `${'l'.repeat(100)}${'e'.repeat(100)}`;
  return [
    ['empty', Buffer.alloc(0)],
    ['no cookie', Buffer.from('d7:command4:pinge')],
    ['empty cookie', Buffer.from(' d7:command4:pinge')],
    ['cookie only', Buffer.from('h1 ')],
    ['not a dictionary', Buffer.from('h2 x')],
    ['truncated bencode', Buffer.from('h3 d7:command4:pin')],
    ['trailing bytes', Buffer.from('h4 d7:command4:pingeXX')],
    ['string length past the end', Buffer.from('h5 d7:call-id999:x7:command5:offere')],
    ['command of the wrong type', Buffer.from('h6 d7:commandi1ee')],
    ['no command', Buffer.from('h7 d7:call-id3:abce')],
    ['unknown command', Buffer.from(`h8 d7:command${bstr('make coffee')}e`)],
    ['__proto__ key', Buffer.from(`h9 d9:__proto__d7:command4:pinge7:command4:pinge`)],
    ['call-id as a list', Buffer.from('h10 d7:call-idl1:ae7:command5:querye')],
    ['nesting 100 deep', Buffer.from(`h11 d5:extra${deep}7:command4:pinge`)],
    ['broken JSON', Buffer.from('h12 {"command":"ping"')],
    ['JSON with a call-id of the wrong type', Buffer.from('h13 {"command":"query","call-id":7}')],
    [
      'answer without to-tag',
      Buffer.from(`h14 d7:command6:answer7:call-id2:zz8:from-tag1:a3:sdp${bstr('v=0\r\n')}e`),
    ],
    [
      'offer for a call with SDP that does not parse',
      Buffer.from(`h15 d7:command5:offer7:call-id2:zz8:from-tag1:a3:sdp3:xyze`),
    ],
    ['query of an unknown call', Buffer.from('h16 d7:command5:query7:call-id7:nowheree')],
    [
      '64 KiB of padding',
      Buffer.concat([
        Buffer.from(`h17 d3:pad${65000}:`),
        Buffer.alloc(65000, 0x41),
        Buffer.from('7:command4:pinge'),
      ]),
    ],
  ];
}

test('each hostile frame gets exactly the reply (or silence) a one-thread daemon gives', async () => {
  let answered = 0;
  for (const [what, frame] of hostileFrames()) {
    const theirs = await replies(single.ngPorts[0]!, frame);
    const ours = await replies(threaded.ngPorts[0]!, frame);
    assert.deepEqual(ours, theirs, what);
    if (ours.length > 0) answered++;
  }
  // only the three frames without a usable cookie go unanswered; every other one gets its error (or pong)
  assert.equal(answered, hostileFrames().length - 3);
});

test('after the attack both threads still relay their call both ways and ping is answered', async () => {
  for (const c of calls) {
    const a0 = c.alice.received.length;
    const b0 = c.bob.received.length;
    for (let i = 0; i < 3; i++) {
      await c.alice.send(rtpPacket(i, 1), c.toAlice);
      await c.bob.send(rtpPacket(i, 2), c.toBob);
    }
    await c.bob.waitFor(b0 + 3);
    await c.alice.waitFor(a0 + 3);
    assert.equal(c.bob.received.length - b0, 3, `${c.callId}: bob gets alice's RTP`);
    assert.equal(c.alice.received.length - a0, 3, `${c.callId}: alice gets bob's RTP`);
  }
  assert.deepEqual(await replies(threaded.ngPorts[0]!, Buffer.from('p1 d7:command4:pinge')), [
    'p1 d6:result4:ponge',
  ]);
});
