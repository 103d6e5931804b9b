/**
 * `media echo` and `drop-traffic` on offer and answer, packet by packet over real UDP. The expectations are what
 * Debian's rtpengine 10.5 did with the same requests and packets: alice (the offerer) and bob (the answerer)
 * each send five packets of their own SSRC, and we look at which packets each of them gets back, and through
 * which of our ports.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { type TwoPartyCall, twoPartyCall } from '../helpers/call.ts';
import { sdpFor } from '../helpers/daemon.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { type RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

const ALICE = 0xaaaa;
const BOB = 0xbbbb;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Call = TwoPartyCall;
type Extra = Record<string, NgValue>;

function setUp(callId: string, offer: Extra, answer: Extra): Promise<Call> {
  return twoPartyCall(live.ng, callId, { offer, answer });
}

async function tearDown(c: Call): Promise<void> {
  await live.ng.request({ command: 'delete', 'call-id': c.callId });
  c.alice.close();
  c.bob.close();
}

/** A re-offer from alice or a re-answer from bob, with the same SDP as before plus `extra`. */
async function resignal(c: Call, command: 'offer' | 'answer', extra: Extra): Promise<void> {
  const r = await live.ng.request({
    command,
    'call-id': c.callId,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: command === 'offer' ? sdpFor(c.alice.port, 'alice') : sdpFor(c.bob.port, 'bob'),
    ...extra,
  });
  assert.equal(r.result, 'ok');
}

/** What each party got: `<alice|bob>:<seq>` by SSRC, `via-alice`/`via-bob` naming our port it came from. */
interface Seen {
  alice: string[];
  bob: string[];
}

/** Both parties send five packets (seq base..base+4), interleaved; returns what each received. */
async function exchange(c: Call, base: number): Promise<Seen> {
  c.alice.received.length = 0;
  c.bob.received.length = 0;
  for (let i = 0; i < 5; i++) {
    await c.alice.send(rtpPacket(base + i, ALICE), c.toAlice);
    await c.bob.send(rtpPacket(base + i, BOB), c.toBob);
    await sleep(5);
  }
  // long enough for every packet a relay would send to be back; what is missing by then was dropped
  await sleep(150);
  const describe = (p: RtpPeer) =>
    p.received.map((r) => {
      const via = r.port === c.toAlice ? 'via-alice' : r.port === c.toBob ? 'via-bob' : `via-${r.port}`;
      const ssrc = r.data.readUInt32BE(8);
      const who = ssrc === ALICE ? 'alice' : ssrc === BOB ? 'bob' : ssrc.toString(16);
      return `${who}:${r.data.readUInt16BE(2)}:${via}`;
    });
  return { alice: describe(c.alice), bob: describe(c.bob) };
}

const from = (who: 'alice' | 'bob', via: 'alice' | 'bob', base: number): string[] =>
  [0, 1, 2, 3, 4].map((i) => `${who}:${base + i}:via-${via}`);

/** The usual relay: each party gets the other's packets through the port it sends to. */
const relayed = (base: number): Seen => ({
  alice: from('bob', 'alice', base),
  bob: from('alice', 'bob', base),
});
/** A party's own packets come back to it through the port it sends to. */
const echoed = (who: 'alice' | 'bob', base: number): string[] => from(who, who, base);

async function rtpPackets(c: Call): Promise<Record<string, number>> {
  const q = await live.ng.request({ command: 'query', 'call-id': c.callId });
  const out: Record<string, number> = {};
  for (const [tag, m] of Object.entries(q.tags as NgDict)) {
    const media = ((m as NgDict).medias as NgDict[])[0] as NgDict;
    const rtp = (media.streams as NgDict[])[0] as NgDict;
    out[tag] = (rtp.stats as NgDict).packets as number;
  }
  return out;
}

// What rtpengine 10.5 did, per mode: `forward` reflects the media of the party the SDP goes to and drops the
// sender's, `backwards` the other way round, `both` reflects both, `blackhole` (alias `sinkhole`) drops both.
const CASES: { mode: string; onOffer: Seen; onAnswer: Seen }[] = [
  { mode: 'blackhole', onOffer: { alice: [], bob: [] }, onAnswer: { alice: [], bob: [] } },
  { mode: 'sinkhole', onOffer: { alice: [], bob: [] }, onAnswer: { alice: [], bob: [] } },
  {
    mode: 'forward',
    onOffer: { alice: [], bob: echoed('bob', 0) },
    onAnswer: { alice: echoed('alice', 0), bob: [] },
  },
  {
    mode: 'backwards',
    onOffer: { alice: echoed('alice', 0), bob: [] },
    onAnswer: { alice: [], bob: echoed('bob', 0) },
  },
  {
    mode: 'both',
    onOffer: { alice: echoed('alice', 0), bob: echoed('bob', 0) },
    onAnswer: { alice: echoed('alice', 0), bob: echoed('bob', 0) },
  },
  { mode: 'bogus', onOffer: relayed(0), onAnswer: relayed(0) },
  // rtpengine matches the value case-sensitively
  { mode: 'Both', onOffer: relayed(0), onAnswer: relayed(0) },
];

for (const { mode, onOffer, onAnswer } of CASES) {
  test(`media echo "${mode}" in the offer gives each party what rtpengine 10.5 gave it`, async () => {
    const c = await setUp(`echo-offer-${mode}`, { 'media echo': mode }, {});
    try {
      assert.deepEqual(await exchange(c, 0), onOffer);
      // reflected or dropped, rtpengine counts every packet it received
      assert.deepEqual(await rtpPackets(c), { A: 5, B: 5 });
    } finally {
      await tearDown(c);
    }
  });

  test(`media-echo "${mode}" in the answer gives each party what rtpengine 10.5 gave it`, async () => {
    const c = await setUp(`echo-answer-${mode}`, {}, { 'media-echo': mode });
    try {
      assert.deepEqual(await exchange(c, 0), onAnswer);
      assert.deepEqual(await rtpPackets(c), { A: 5, B: 5 });
    } finally {
      await tearDown(c);
    }
  });
}

test('media echo stays through an answer and a re-offer without it, and a re-offer with another mode changes it', async () => {
  const c = await setUp('echo-later', { 'media echo': 'forward' }, {});
  try {
    assert.deepEqual(await exchange(c, 0), { alice: [], bob: echoed('bob', 0) });
    await resignal(c, 'offer', {});
    assert.deepEqual(await exchange(c, 100), { alice: [], bob: echoed('bob', 100) });
    await resignal(c, 'offer', { 'media echo': 'both' });
    assert.deepEqual(await exchange(c, 200), { alice: echoed('alice', 200), bob: echoed('bob', 200) });
  } finally {
    await tearDown(c);
  }
});

test('media echo shows no flag in query (rtpengine 10.5 reports neither "echo" nor "blackhole")', async () => {
  const c = await setUp('echo-query', { 'media echo': 'both' }, {});
  try {
    await exchange(c, 0);
    const q = await live.ng.request({ command: 'query', 'call-id': c.callId });
    for (const m of Object.values(q.tags as NgDict)) {
      const media = ((m as NgDict).medias as NgDict[])[0] as NgDict;
      const flags = [
        ...(media.flags as string[]),
        ...(media.streams as NgDict[]).flatMap((s) => s.flags as string[]),
      ];
      assert.ok(!flags.includes('echo') && !flags.includes('blackhole'), JSON.stringify(flags));
    }
  } finally {
    await tearDown(c);
  }
});

for (const on of ['offer', 'answer'] as const) {
  test(`drop-traffic start in the ${on} drops all media both ways, uncounted`, async () => {
    const start = { 'drop-traffic': 'start' };
    const c = await setUp(`drop-${on}`, on === 'offer' ? start : {}, on === 'answer' ? start : {});
    try {
      assert.deepEqual(await exchange(c, 0), { alice: [], bob: [] });
      assert.deepEqual(await rtpPackets(c), { A: 0, B: 0 });
    } finally {
      await tearDown(c);
    }
  });
}

test('drop-traffic stop in the answer undoes a start in the offer', async () => {
  const c = await setUp('drop-stop', { 'drop-traffic': 'start' }, { 'drop-traffic': 'stop' });
  try {
    assert.deepEqual(await exchange(c, 0), relayed(0));
    assert.deepEqual(await rtpPackets(c), { A: 5, B: 5 });
  } finally {
    await tearDown(c);
  }
});

test('drop-traffic started in a re-offer holds through a re-offer without it, until a stop', async () => {
  const c = await setUp('drop-later', {}, {});
  try {
    assert.deepEqual(await exchange(c, 0), relayed(0));
    await resignal(c, 'offer', { 'drop-traffic': 'start' });
    assert.deepEqual(await exchange(c, 100), { alice: [], bob: [] });
    await resignal(c, 'offer', {});
    assert.deepEqual(await exchange(c, 200), { alice: [], bob: [] });
    await resignal(c, 'answer', { 'drop-traffic': 'stop' });
    assert.deepEqual(await exchange(c, 300), relayed(300));
    // only the relayed packets count: 5 before the start and 5 after the stop
    assert.deepEqual(await rtpPackets(c), { A: 10, B: 10 });
  } finally {
    await tearDown(c);
  }
});
