/**
 * play DTMF checked packet by packet (RFC 4733 events continuing the sender's stream), and DTMF events reaching
 * a `--dtmf-log-dest` UDP listener as rtpengine's JSON datagrams.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import type { NgValue } from '../../src/ng/types.ts';
import { buildEventPacket, readEventBlock } from '../../src/rtp/rfc4733.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

const reports: Record<string, unknown>[] = [];
const listener = createSocket('udp4');

const live = useTestDaemon(
  async () => {
    await new Promise<void>((r) => listener.bind(0, '127.0.0.1', () => r()));
    listener.on('message', (m) => reports.push(JSON.parse(m.toString()) as Record<string, unknown>));
    return { dtmfLogDest: { address: '127.0.0.1', port: listener.address().port } };
  },
  {
    stopping: () => {
      listener.close();
    },
  },
);

function setUp(callId: string, flags: string[]) {
  return twoPartyCall(live.ng, callId, { offer: { flags }, answer: { flags, label: 'blab' } });
}

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('play DTMF injects the exact RFC 4733 sequence into the party stream and renumbers what follows', async () => {
  const { alice, bob, toAlice } = await setUp('dtmf-1', ['inject DTMF']);
  try {
    for (let i = 0; i < 3; i++) await alice.send(rtpPacket(100 + i, 0x1234), toAlice);
    await bob.waitFor(3);
    const r = await live.ng.request({
      command: 'play DTMF',
      'call-id': 'dtmf-1',
      'from-tag': 'A',
      code: '#',
      duration: 100,
      volume: 20,
    });
    assert.equal(r.result, 'ok');
    await bob.waitFor(3 + 8, 3000);
    const events = bob.received.slice(3, 11).map((x) => x.data);
    assert.equal(events.length, 8, '5 progress packets of 20 ms for 100 ms, then 3 end packets');
    for (const [i, p] of events.entries()) {
      assert.equal(p[1]! & 0x7f, 101, 'telephone-event payload type');
      assert.equal((p[1]! & 0x80) !== 0, i === 0, 'marker on the first packet only');
      assert.equal(p.readUInt16BE(2), 103 + i, 'sequence numbers continue the stream');
      assert.equal(p.readUInt32BE(4), 102 * 160 + 160, 'one timestamp: the next frame of the stream');
      assert.equal(p.readUInt32BE(8), 0x1234, 'the party SSRC');
      const block = readEventBlock(p);
      assert.deepEqual(block, { event: 11, end: i >= 5, volume: 20, duration: 160 * Math.min(i + 1, 6) });
    }
    await alice.send(rtpPacket(103, 0x1234), toAlice);
    await bob.waitFor(12);
    assert.equal(bob.received[11]!.data.readUInt16BE(2), 111, 'later packets shifted by the injected count');
  } finally {
    alice.close();
    bob.close();
  }
});

test('play DTMF without inject DTMF answers ok but injects nothing; without a party it is refused', async () => {
  const { alice, bob, toAlice } = await setUp('dtmf-2', []);
  try {
    // 10.5 refuses play DTMF until the party's stream has a packet (test/golden/dtmf-log/)
    await alice.send(rtpPacket(1, 0x1234), toAlice);
    await bob.waitFor(1);
    const r = await live.ng.request({
      command: 'play DTMF',
      'call-id': 'dtmf-2',
      'from-tag': 'A',
      digit: '5',
    });
    assert.equal(r.result, 'ok');
    await wait(100);
    assert.equal(bob.received.length, 1);
    const none = await live.ng.request({ command: 'play DTMF', 'call-id': 'dtmf-2', digit: '5' });
    assert.deepEqual([none.result, none['error-reason']], ['error', 'No participant party specified']);
    const bad = await live.ng.request({
      command: 'play DTMF',
      'call-id': 'dtmf-2',
      'from-tag': 'A',
      code: 'X',
    });
    assert.deepEqual([bad.result, bad['error-reason']], ['error', "Out of range 'code' specified"]);
  } finally {
    alice.close();
    bob.close();
  }
});

test('DTMF events relayed in RFC 4733 packets reach the dtmf-log-dest listener as JSON, once per event', async () => {
  const { alice, bob, toBob } = await setUp('dtmf-3', []);
  try {
    reports.length = 0;
    const ev = (seq: number, end: boolean) =>
      buildEventPacket({
        payloadType: 101,
        marker: seq === 1,
        seq,
        timestamp: 8000,
        ssrc: 9,
        block: { event: 3, end, volume: 10, duration: end ? 480 : 160 },
      });
    for (const [seq, end] of [
      [1, false],
      [2, true],
      [3, true],
      [4, true],
    ] as const)
      await bob.send(ev(seq, end), toBob);
    await alice.waitFor(4);
    const end = Date.now() + 2000;
    while (reports.length < 1 && Date.now() < end) await wait(10);
    await wait(50);
    assert.equal(reports.length, 1, 'repeated end packets report one event');
    const r = reports[0]!;
    assert.deepEqual(Object.keys(r), [
      'callid',
      'source_tag',
      'tags',
      'type',
      'timestamp',
      'source_ip',
      'event',
      'duration',
      'volume',
    ]);
    const expected: Record<string, NgValue | string[]> = {
      callid: 'dtmf-3',
      source_tag: 'B',
      tags: ['A', 'B'],
      type: 'DTMF',
      source_ip: '127.0.0.1',
      event: 3,
      duration: 60,
      volume: 10,
    };
    for (const [k, v] of Object.entries(expected)) assert.deepEqual(r[k], v, k);
    assert.ok(Math.abs((r.timestamp as number) - Date.now() / 1000) < 5, 'unix seconds');
  } finally {
    alice.close();
    bob.close();
  }
});
