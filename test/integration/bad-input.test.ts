/**
 * Hostile and malformed input against a running daemon: garbage and malformed ng frames, prototype-pollution
 * keys, 64 KiB messages, thousands of mutated Kamailio captures, hostile RTP, port exhaustion and the session
 * limit. After each attack an established call must still relay RTP both ways and the daemon must answer ping.
 * Where the real rtpengine 10.5 is installed, error replies are compared with its replies byte for byte.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { decodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { relayTotals } from '../../src/rtp/relay.ts';
import { mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';
import { RTPENGINE, spawnRtpengine } from '../helpers/oracle.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const FIXTURES = new URL('../fixtures/kamailio-ng', import.meta.url).pathname;

/** Sends raw frames and collects raw replies by cookie; unlike NgClient it never decodes (JSON replies too). */
class RawNg {
  readonly #sock: Socket = createSocket('udp4');
  readonly #waiting = new Map<string, (b: Buffer) => void>();
  /** Every reply received, whether or not someone waited for it. */
  readonly replies: Buffer[] = [];

  constructor(readonly port: number) {
    this.#sock.on('message', (buf) => {
      this.replies.push(buf);
      const cookie = buf.toString('latin1', 0, Math.max(0, buf.indexOf(0x20)));
      this.#waiting.get(cookie)?.(buf);
      this.#waiting.delete(cookie);
    });
  }

  send(bytes: Buffer): Promise<void> {
    return new Promise((res) => this.#sock.send(bytes, this.port, '127.0.0.1', () => res()));
  }

  /** The reply body (after `cookie SP`) as latin1, or null when none came within `timeoutMs`. */
  ask(cookie: string, body: Buffer | string, timeoutMs = 1500): Promise<string | null> {
    const bytes = Buffer.concat([
      Buffer.from(`${cookie} `, 'latin1'),
      typeof body === 'string' ? Buffer.from(body, 'latin1') : body,
    ]);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(cookie);
        resolve(null);
      }, timeoutMs);
      this.#waiting.set(cookie, (b) => {
        clearTimeout(timer);
        resolve(b.toString('latin1', cookie.length + 1));
      });
      void this.send(bytes);
    });
  }

  close(): void {
    this.#sock.close();
  }
}

const bstr = (s: string): string => `${Buffer.byteLength(s, 'latin1')}:${s}`;
const PONG = 'd6:result4:ponge';
const BAD_BENCODE = 'Could not decode bencode dictionary';
const NO_COMMAND = 'Dictionary contains no key "command"';
const err = (reason: string): string => `d6:result5:error12:error-reason${bstr(reason)}e`;

let daemon: Daemon;
let ng: NgClient;
let raw: RawNg;
let seq = 0;
const cookie = (): string => `bad${process.pid}_${++seq}`;

async function statistics(): Promise<NgDict> {
  const r = await ng.request({ command: 'statistics' });
  return (r.statistics as NgDict).totalstatistics as NgDict;
}

/** A call set up through offer and answer with its two phones, kept open for the whole file. */
interface LiveCall {
  alice: RtpPeer;
  bob: RtpPeer;
  toAlice: number;
  toBob: number;
  close(): void;
}

async function establish(callId: string, extra: Record<string, NgValue> = {}): Promise<LiveCall> {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  const base = {
    supports: ['load limit'],
    replace: ['origin', 'session-connection'],
    'call-id': callId,
    'from-tag': `${callId}-a`,
    ...extra,
  };
  const offer = await ng.request({ ...base, sdp: sdpFor(alice.port, 'alice'), command: 'offer' });
  assert.equal(offer.result, 'ok', `offer of ${callId}: ${JSON.stringify(offer)}`);
  const answer = await ng.request({
    ...base,
    sdp: sdpFor(bob.port, 'bob'),
    'to-tag': `${callId}-b`,
    command: 'answer',
  });
  assert.equal(answer.result, 'ok', `answer of ${callId}: ${JSON.stringify(answer)}`);
  return {
    alice,
    bob,
    toBob: mediaPort(str(offer.sdp)),
    toAlice: mediaPort(str(answer.sdp)),
    close() {
      alice.close();
      bob.close();
    },
  };
}

/** Sends 5 RTP packets each way and asserts they arrived, with the payload unchanged. */
async function assertRelays(c: LiveCall, what: string): Promise<void> {
  const a0 = c.alice.received.length;
  const b0 = c.bob.received.length;
  for (let i = 0; i < 5; i++) {
    await c.alice.send(rtpPacket(1000 + i, 1), c.toAlice);
    await c.bob.send(rtpPacket(2000 + i, 2), c.toBob);
  }
  await c.bob.waitFor(b0 + 5);
  await c.alice.waitFor(a0 + 5);
  const fromAlice = c.bob.received.slice(b0).filter((r) => r.data.readUInt32BE(8) === 1);
  const fromBob = c.alice.received.slice(a0).filter((r) => r.data.readUInt32BE(8) === 2);
  assert.equal(fromAlice.length, 5, `${what}: bob still gets alice's RTP`);
  assert.equal(fromBob.length, 5, `${what}: alice still gets bob's RTP`);
}

/** The daemon's health after an attack: ping answered, the established call relays both ways. */
async function assertHealthy(c: LiveCall, what: string): Promise<void> {
  assert.equal((await ng.request({ command: 'ping' })).result, 'pong', `${what}: ping answered`);
  await assertRelays(c, what);
}

let live: LiveCall;

/** The real rtpengine 10.5 on a free port, as the oracle for error replies (null when not installed). */
let oracle: { proc: ChildProcess; ng: RawNg } | null = null;

async function startOracle(): Promise<{ proc: ChildProcess; ng: RawNg } | null> {
  if (!existsSync(RTPENGINE)) return null;
  const port = await freeUdpPort();
  const min = 44000 + (process.pid % 100) * 20;
  const proc = spawnRtpengine(port, min, min + 19);
  const client = new RawNg(port);
  for (let i = 0; i < 50; i++) {
    if ((await client.ask(`oracle-ping-${i}`, 'd7:command4:pinge', 100)) !== null)
      return { proc, ng: client };
  }
  client.close();
  proc.kill('SIGKILL');
  return null;
}

before(async () => {
  daemon = await testDaemon();
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0]!);
  raw = new RawNg(daemon.ngPorts[0]!);
  // Immediate learning confirms the phones at their first packet, so that attack packets later cannot take over
  // the endpoint during the 3 s learning window (which rtpengine's delayed learning allows by design).
  live = await establish('established-call', { 'endpoint-learning': 'immediate' });
  await assertRelays(live, 'before any attack');
  oracle = await startOracle();
});

after(async () => {
  live?.close();
  ng?.close();
  raw?.close();
  if (oracle) {
    oracle.ng.close();
    oracle.proc.kill('SIGKILL');
  }
  await daemon?.stop();
});

describe('ng frames', () => {
  test('garbage datagrams without a cookie (empty, random bytes, no space) get no reply and count as dropped', async () => {
    const before = await statistics();
    const garbage = [Buffer.alloc(0), Buffer.from('nocookie'), Buffer.from(' d7:command4:pinge')];
    let seed = 7;
    for (let i = 0; i < 50; i++) {
      const b = Buffer.alloc(1 + (i % 40));
      // Random bytes without 0x20, so no cookie can be found in them.
      for (let j = 0; j < b.length; j++) {
        seed = (seed * 1103515245 + 12345) >>> 0;
        b[j] = (seed >>> 16) % 0x20;
      }
      garbage.push(b);
    }
    const n0 = raw.replies.length;
    for (const g of garbage) await raw.send(g);
    // A marker ping proves everything before it was processed.
    assert.equal(await raw.ask(cookie(), 'd7:command4:pinge'), 'd6:result4:ponge');
    assert.equal(raw.replies.length, n0 + 1, 'only the marker ping was answered');
    const after = await statistics();
    assert.equal(Number(after.ngdropped) - Number(before.ngdropped), garbage.length);
    await assertHealthy(live, 'after garbage');
  });

  // Each body was sent to rtpengine 10.5.3.5; `expected` is its reply (also compared live when it is installed).
  const cases: { name: string; body: string; expected: string }[] = [
    {
      name: 'empty payload',
      body: '',
      expected: 'd6:result5:error12:error-reason25:Invalid data (no payload)e',
    },
    { name: 'neither bencode nor JSON', body: 'xyz', expected: err('Invalid NG data format') },
    { name: 'a bencode list', body: 'le', expected: err('Invalid NG data format') },
    { name: 'a JSON array', body: '[1]', expected: err('Invalid NG data format') },
    { name: 'a stray d inside the dictionary', body: 'd7:command4:pingd', expected: err(BAD_BENCODE) },
    { name: 'truncated in a list', body: 'd7:command4:pingl', expected: err(BAD_BENCODE) },
    { name: 'truncated in an integer', body: 'd7:command4:pingi5', expected: err(BAD_BENCODE) },
    { name: 'a key without value', body: 'd7:command4:ping3:sdp', expected: err(BAD_BENCODE) },
    { name: 'no command', body: 'd3:abci1ee', expected: err(NO_COMMAND) },
    { name: 'command as an integer', body: 'd7:commandi5ee', expected: err(NO_COMMAND) },
    { name: 'command in upper case', body: 'd7:command4:PINGe', expected: err('Unrecognized command') },
    { name: 'flags as a dictionary on ping', body: 'd7:command4:ping5:flagsd1:ai1eee', expected: PONG },
    { name: 'an integer where ping ignores it', body: 'd7:command4:ping3:sdpi5ee', expected: PONG },
    { name: 'offer without anything', body: 'd7:command5:offere', expected: err('No SDP body in message') },
    {
      name: 'sdp as an integer',
      body: 'd7:command5:offer7:call-id1:x8:from-tag1:a3:sdpi5ee',
      expected: err('No SDP body in message'),
    },
    {
      name: 'call-id as a list',
      body: 'd7:command5:offer7:call-idl1:xe8:from-tag1:a3:sdpi5ee',
      expected: err('No SDP body in message'),
    },
    {
      name: 'call-id as an integer',
      body: 'd7:command5:offer7:call-idi5e8:from-tag1:a3:sdp3:abce',
      expected: err('No call-id in message'),
    },
    {
      name: 'from-tag as an integer',
      body: 'd7:command5:offer7:call-id1:x8:from-tagi5e3:sdp3:abce',
      expected: err('No from-tag in message'),
    },
    {
      name: 'flags as a dictionary on an offer with a broken SDP',
      body: 'd7:command5:offer7:call-id2:xy8:from-tag1:a3:sdp3:abc5:flagsd1:ai1eee',
      expected: err('Failed to parse SDP'),
    },
    {
      name: 'answer without to-tag',
      body: 'd7:command6:answer7:call-id1:x8:from-tag1:a3:sdp3:abce',
      expected: err('No to-tag in message'),
    },
    { name: 'delete without call-id', body: 'd7:command6:deletee', expected: err('No call-id in message') },
    { name: 'list limit as a list', body: 'd7:command4:listl5:limiti-1eee', expected: err(BAD_BENCODE) },
    {
      name: 'broken JSON (answered in JSON)',
      body: '{"command":',
      expected: '{"result":"error","error-reason":"Failed to parse JSON document"}',
    },
    {
      name: 'JSON with trailing bytes',
      body: '{"command":"ping"}xyz',
      expected: '{"result":"error","error-reason":"Failed to parse JSON document"}',
    },
    {
      name: 'JSON null',
      body: '{"command":"ping","x":null}',
      expected: '{"result":"error","error-reason":"Could not decode bencode dictionary"}',
    },
    {
      name: 'JSON fraction',
      body: '{"command":"ping","x":1.5}',
      expected: '{"result":"error","error-reason":"Could not decode bencode dictionary"}',
    },
    {
      name: 'JSON command as a number',
      body: '{"command":5}',
      expected: '{"result":"error","error-reason":"Dictionary contains no key \\"command\\""}',
    },
    { name: 'JSON ping', body: '{"command":"ping"}', expected: '{"result":"pong"}' },
  ];

  test('malformed frames and wrong types get rtpengine 10.5 error replies, byte for byte', async () => {
    const before = await statistics();
    let errors = 0;
    for (const c of cases) {
      const got = await raw.ask(cookie(), c.body);
      assert.equal(got, c.expected, c.name);
      if (c.expected.includes('error')) errors++;
      if (oracle) assert.equal(await oracle.ng.ask(cookie(), c.body), c.expected, `rtpengine: ${c.name}`);
    }
    const after = await statistics();
    assert.equal(Number(after.ngerrors) - Number(before.ngerrors), errors, 'each error reply is counted');
    await assertHealthy(live, 'after malformed frames');
  });

  test('the first of two duplicate keys wins, as in rtpengine 10.5', async () => {
    const body = 'd7:command4:ping7:command5:offere';
    if (oracle) assert.equal(await oracle.ng.ask(cookie(), body), PONG, 'rtpengine');
    assert.equal(await raw.ask(cookie(), body), PONG);
  });

  // rtpengine 10.5's decoder is lenient in ways src/ng/frame.ts deliberately is not (the design asks for a
  // strict decoder facing the network); recorded here as todo so the difference stays visible.
  const lenient: { name: string; body: string; expected: string }[] = [
    { name: 'bytes after the dictionary are ignored', body: 'd7:command4:pingexyz', expected: PONG },
    { name: 'a missing final e is forgiven', body: 'd7:command4:ping', expected: PONG },
    { name: 'a lone d is an empty dictionary', body: 'd', expected: err(NO_COMMAND) },
    { name: 'an unterminated inner list at the end', body: 'd7:command4:ping5:flagsl1:a', expected: PONG },
  ];
  for (const c of lenient) {
    test(`rtpengine 10.5 leniency: ${c.name}`, {
      todo: 'src/ng/frame.ts and bencode.ts are strict',
    }, async () => {
      if (oracle) assert.equal(await oracle.ng.ask(cookie(), c.body), c.expected, 'rtpengine');
      assert.equal(await raw.ask(cookie(), c.body), c.expected);
    });
  }

  test('__proto__ keys in bencode and JSON pollute no prototype and are ordinary keys', async () => {
    const bodies = [
      'd9:__proto__d8:pollutedi1ee7:command4:pinge',
      'd7:command4:ping9:__proto__d8:pollutedi1eee',
      'd7:command4:ping11:constructord9:prototyped8:pollutedi1eeee',
      '{"command":"ping","__proto__":{"polluted":1}}',
      '{"command":"ping","constructor":{"prototype":{"polluted":1}}}',
      `d7:command5:offer7:call-id5:proto8:from-tag1:a9:__proto__d8:pollutedi1ee5:flagsl9:__proto__e3:sdp${bstr(sdpFor(7000))}e`,
      `d7:command5:query7:call-id9:__proto__e`,
    ];
    for (const b of bodies) {
      const got = await raw.ask(cookie(), b);
      assert.notEqual(got, null, `a reply to ${b.slice(0, 40)}`);
      assert.doesNotMatch(got!, /Internal error/);
    }
    assert.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    assert.equal((Object.create(null) as Record<string, unknown>).polluted, undefined);
    const q = await ng.request({ command: 'query', 'call-id': 'proto' });
    assert.equal(q.result, 'ok', 'the offer with a __proto__ key made a call');
    await ng.request({ command: 'delete', 'call-id': 'proto' });
    await assertHealthy(live, 'after __proto__ payloads');
  });

  test('65,000-byte messages are handled: a padded ping is answered, a huge bogus SDP is an error', async () => {
    const pad = 'x'.repeat(64_900);
    const ping = `d7:command4:ping3:pad${bstr(pad)}e`;
    assert.equal(await raw.ask(cookie(), ping, 3000), PONG);
    const sdp = `v=0\r\n${'a=x\r\n'.repeat(12_900)}`;
    const offer = `d7:command5:offer7:call-id3:big8:from-tag1:a3:sdp${bstr(sdp)}e`;
    assert.ok(offer.length > 64_000);
    const got = await raw.ask(cookie(), offer, 3000);
    assert.match(got ?? '', /^d6:result5:error12:error-reason\d+:/, 'an error reply, not silence');
    assert.doesNotMatch(got ?? '', /Internal error/);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(daemon.registry.get('big'), undefined, 'no call left behind');
    await assertHealthy(live, 'after 64 KiB messages');
  });

  test('10,000 random mutations of the Kamailio captures, sent fast: replies are well formed, the daemon lives', async () => {
    const captures = readdirSync(FIXTURES)
      .filter((f) => f.endsWith('-request.ng'))
      .map((f) => readFileSync(`${FIXTURES}/${f}`));
    assert.ok(captures.length >= 4);
    const before = await statistics();
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed % n;
    };
    const n0 = raw.replies.length;
    const total = 10_000;
    for (let i = 0; i < total; i++) {
      const m = Buffer.from(captures[rnd(captures.length)]!);
      const kind = rnd(4);
      const edits = 1 + rnd(4);
      let b = m;
      for (let e = 0; e < edits; e++) {
        const at = rnd(b.length);
        if (kind === 0) b[at] = rnd(256);
        else if (kind === 1) b = b.subarray(0, at);
        else if (kind === 2) b = Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + rnd(8))]);
        else b = Buffer.concat([b.subarray(0, at), Buffer.from([rnd(256), rnd(256)]), b.subarray(at)]);
      }
      void raw.send(b);
      // Bounded bursts: let the daemon read its socket now and then so the test measures it, not the kernel.
      if (i % 200 === 199) await new Promise((r) => setTimeout(r, 5));
    }
    // Wait until replies stop arriving.
    let last = -1;
    while (raw.replies.length !== last) {
      last = raw.replies.length;
      await new Promise((r) => setTimeout(r, 300));
    }
    const replies = raw.replies.slice(n0);
    assert.ok(replies.length > 0, 'some mutations were answered');
    for (const r of replies) {
      const sp = r.indexOf(0x20);
      assert.ok(sp > 0, 'a reply starts with the cookie');
      const body = r.subarray(sp + 1);
      const dict = (body[0] === 0x7b ? JSON.parse(body.toString()) : decodeBencode(body)) as NgDict;
      assert.ok(['ok', 'pong', 'error', 'load limit'].includes(String(dict.result)), String(dict.result));
      if (dict.result === 'error') {
        assert.equal(typeof dict['error-reason'], 'string');
        assert.notEqual(
          dict['error-reason'],
          'Internal error',
          `no internal error for ${body.toString('latin1').slice(0, 80)}`,
        );
      }
    }
    const after = await statistics();
    const dropped = Number(after.ngdropped) - Number(before.ngdropped);
    const errors = Number(after.ngerrors) - Number(before.ngerrors);
    assert.ok(dropped + errors > 0, 'drops and errors are counted');
    assert.ok(dropped <= total && errors <= total);
    await assertHealthy(live, 'after 10,000 mutations');
  });

  test('a request right after a failed first offer of the same call-id is answered at once', async () => {
    const bad = 'd7:command5:offer7:call-id5:again8:from-tag1:a3:sdp5:helloe';
    assert.equal(await raw.ask(cookie(), bad), err('Failed to parse SDP'));
    const started = Date.now();
    const answer = await raw.ask(
      cookie(),
      `d7:command6:answer7:call-id5:again8:from-tag1:a6:to-tag1:b3:sdp${bstr(sdpFor(9000))}e`,
    );
    assert.equal(answer, err('Unknown call-id'));
    assert.ok(Date.now() - started < 1000, 'answered without waiting for a dead actor');
  });
});

describe('hostile RTP', () => {
  test('tiny, random and 65,000-byte datagrams to a call port are counted and do not disturb the call', async () => {
    const errors0 = relayTotals.errors;
    const attacker = await RtpPeer.open();
    try {
      for (const len of [0, 1, 2, 3]) await attacker.send(Buffer.alloc(len, 0x80), live.toBob);
      for (let i = 0; i < 50; i++) {
        const b = Buffer.alloc(1 + ((i * 37) % 300));
        for (let j = 0; j < b.length; j++) b[j] = (i * 31 + j * 17) & 0xff;
        await attacker.send(b, live.toAlice + 1);
      }
      await attacker.send(Buffer.alloc(65_000, 0x80), live.toBob);
      await new Promise((r) => setTimeout(r, 100));
      assert.ok(relayTotals.errors - errors0 >= 4, 'packets shorter than an RTP header count as errors');
    } finally {
      attacker.close();
    }
    await assertHealthy(live, 'after hostile datagrams');
  });

  test('packets from a third address are relayed without strict source and dropped with it', async () => {
    for (const strict of [false, true]) {
      const id = `third-${strict}`;
      const c = await establish(id, {
        flags: strict ? ['strict source'] : [],
        'endpoint-learning': 'immediate',
      });
      const intruder = await RtpPeer.open('127.0.0.3');
      try {
        await assertRelays(c, `${id} before the intruder`);
        const dropped0 = relayTotals.dropped;
        const b0 = c.bob.received.length;
        for (let i = 0; i < 10; i++) await intruder.send(rtpPacket(i, 0x66), c.toAlice);
        await new Promise((r) => setTimeout(r, 100));
        const intruded = c.bob.received.slice(b0).filter((r) => r.data.readUInt32BE(8) === 0x66).length;
        if (strict) {
          assert.equal(intruded, 0, 'strict source: nothing from the third address reaches bob');
          assert.equal(relayTotals.dropped - dropped0, 10, 'and each such packet counts as dropped');
        } else {
          assert.equal(
            intruded,
            10,
            'without strict source the third address is relayed (rtpengine does too)',
          );
        }
        await assertRelays(c, `${id} after the intruder (the learnt endpoint did not move)`);
      } finally {
        intruder.close();
        c.close();
        await ng.request({ command: 'delete', 'call-id': id });
      }
    }
    await assertHealthy(live, 'after third-address packets');
  });

  test('a flood of 20,000 packets at one call port leaves the other calls relaying', async () => {
    const victim = await establish('flooded');
    const flooder = await RtpPeer.open();
    try {
      const pkt = rtpPacket(1, 0x77);
      for (let i = 0; i < 20_000; i++) {
        void flooder.send(pkt, victim.toAlice);
        if (i % 1000 === 999) await new Promise((r) => setImmediate(r));
      }
      await assertHealthy(live, 'during and after a flood on another call');
      const q = await ng.request({ command: 'query', 'call-id': 'flooded' });
      assert.equal(q.result, 'ok', 'the flooded call itself is still there');
    } finally {
      flooder.close();
      victim.close();
      await ng.request({ command: 'delete', 'call-id': 'flooded' });
    }
  });
});

describe('limits', () => {
  const offer = (callId: string, port: number, supports: string[]): Record<string, NgValue> => ({
    command: 'offer',
    'call-id': callId,
    'from-tag': 'a',
    sdp: sdpFor(port),
    ...(supports.length > 0 ? { supports } : {}),
  });

  test('with 4 media ports the second call gets "Ran out of ports", with or without supports load limit', async () => {
    // rtpengine 10.5 with --port-min=P --port-max=P+3 answers the second offer exactly like this: one call
    // takes both parties' RTP/RTCP pairs.
    const min = 47_000 + (process.pid % 100) * 8;
    const limited = await testDaemon({ portMin: min, portMax: min + 3 });
    const c = new NgClient('127.0.0.1', limited.ngPorts[0]!);
    try {
      const first = await c.request(offer('p1', 5000, ['load limit']));
      assert.equal(first.result, 'ok');
      const ans = await c.request({ ...offer('p1', 5002, []), command: 'answer', 'to-tag': 'b' });
      assert.equal(ans.result, 'ok');
      for (const supports of [[], ['load limit']]) {
        const r = await c.request(offer(`p2-${supports.length}`, 5004, supports));
        assert.deepEqual(
          { ...r },
          { result: 'error', 'error-reason': 'Ran out of ports' },
          `supports ${supports}`,
        );
      }
      await c.request({ command: 'delete', 'call-id': 'p1' });
      await new Promise((r) => setTimeout(r, 50));
      const again = await c.request(offer('p3', 5006, []));
      assert.equal(again.result, 'ok', 'the ports came back after delete');
    } finally {
      c.close();
      await limited.stop();
    }
    await assertHealthy(live, 'after port exhaustion elsewhere');
  });

  test('maxSessions 1: the second call gets "load limit" with supports load limit, an error without', async () => {
    const limited = await testDaemon({ maxSessions: 1 });
    const c = new NgClient('127.0.0.1', limited.ngPorts[0]!);
    try {
      assert.equal((await c.request(offer('s1', 5000, []))).result, 'ok');
      const withLimit = await c.request(offer('s2', 5002, ['load limit']));
      assert.deepEqual({ ...withLimit }, { result: 'load limit', message: 'Parallel session limit reached' });
      const without = await c.request(offer('s3', 5004, []));
      assert.deepEqual({ ...without }, { result: 'error', 'error-reason': 'Parallel session limit reached' });
      const stats = (await c.request({ command: 'statistics' })).statistics as NgDict;
      assert.equal((stats.totalstatistics as NgDict).rejectedsessions, 2);
      assert.equal(
        (await c.request(offer('s1', 5000, []))).result,
        'ok',
        're-offer of the existing call is fine',
      );
    } finally {
      c.close();
      await limited.stop();
    }
    await assertHealthy(live, 'after the session limit elsewhere');
  });
});
