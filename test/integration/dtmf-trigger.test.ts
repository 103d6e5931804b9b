/**
 * `block DTMF` triggers and in-band `play DTMF`, against the packet sequences rtpengine 10.5 produced for the same
 * input (recorded by driving the real daemon on loopback; the expectations below are what it relayed).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgValue } from '../../src/ng/types.ts';
import { buildEventPacket } from '../../src/rtp/rfc4733.ts';
import { amplitudeOfDb, toneSamples, ulawToLinear } from '../../src/rtp/tone.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { goertzel } from '../helpers/goertzel.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { str } from '../helpers/ng-client.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const live = useTestDaemon();

const wait = (ms: number) => new Promise((r) => setTimeout(r, ms));

function setUp(callId: string, sdp: (port: number, user: string) => string, flags: string[] = []) {
  return twoPartyCall(live.ng, callId, { sdp, offer: { flags }, answer: { flags } });
}

/**
 * Alice sends three audio frames, then per digit an event (3 progress packets 20 ms apart, 3 end packets) and two
 * audio frames; returns which sequence numbers of each event bob got, as `digit:seq,seq…`.
 */
async function digitsThrough(
  callId: string,
  block: Record<string, NgValue>,
  digits: string,
  gapMs = 20,
): Promise<string[]> {
  const c = await setUp(callId, sdpFor);
  try {
    const r = await live.ng.request({ command: 'block DTMF', 'call-id': callId, ...block });
    assert.equal(r.result, 'ok');
    let seq = 1;
    let ts = 0;
    const audio = async () => {
      const p = rtpPacket(seq++, 0x1234);
      p.writeUInt32BE(ts, 4);
      ts += 160;
      await c.alice.send(p, c.toAlice);
      await wait(gapMs);
    };
    for (let i = 0; i < 3; i++) await audio();
    for (const d of digits) {
      const event = '0123456789*#'.indexOf(d);
      for (let i = 1; i <= 6; i++) {
        const end = i > 3;
        const p = buildEventPacket({
          payloadType: 101,
          marker: i === 1,
          seq: seq++,
          timestamp: ts,
          ssrc: 0x1234,
          block: { event, end, volume: 10, duration: end ? 640 : 160 * i },
        });
        await c.alice.send(p, c.toAlice);
        if (i < 4) await wait(gapMs);
      }
      ts += 640;
      await audio();
      await audio();
    }
    await wait(100);
    const byEvent = new Map<number, string[]>();
    for (const { data } of c.bob.received) {
      if ((data[1]! & 0x7f) !== 101) continue;
      const key = data.readUInt32BE(4);
      const list = byEvent.get(key) ?? [];
      list.push(`${data[12]}:${data.readUInt16BE(2)}`);
      byEvent.set(key, list);
    }
    return [...byEvent.values()].map(
      (l) => `${l[0]!.split(':')[0]}:${l.map((x) => x.split(':')[1]).join(',')}`,
    );
  } finally {
    c.close();
  }
}

/** The first packet of each event (marker set, not ended, 20 ms in), one event after another. */
async function sendEventStarts(from: RtpPeer, port: number, events: readonly number[]): Promise<void> {
  for (const [i, event] of events.entries()) {
    const p = buildEventPacket({
      payloadType: 101,
      marker: true,
      seq: i + 1,
      timestamp: 1000 * (i + 1),
      ssrc: 7,
      block: { event, end: false, volume: 10, duration: 160 },
    });
    await from.send(p, port);
  }
}

test('trigger 12 switches drop on from the packet after the first of digit 2; trigger-end 9 switches it off after its first packet', async () => {
  const got = await digitsThrough(
    'trig-1',
    { trigger: '12', 'DTMF-security-trigger': 'drop', 'trigger-end': '9' },
    '125967',
  );
  // 10.5 relayed: all of 1, the first packet of 2, nothing of 5, 9 without its first packet, 6 and 7
  assert.deepEqual(got, [
    '1:4,5,6,7,8,9',
    '2:12',
    '9:29,30,31,32,33',
    '6:36,37,38,39,40,41',
    '7:44,45,46,47,48,49',
  ]);
});

test('a trigger fires once: typing it again after the end trigger blocks nothing', async () => {
  const got = await digitsThrough(
    'trig-2',
    { trigger: '12', 'DTMF-security-trigger': 'drop', 'trigger-end': '9' },
    '1259125',
  );
  assert.deepEqual(got.slice(3), ['1:36,37,38,39,40,41', '2:44,45,46,47,48,49', '5:52,53,54,55,56,57']);
});

test('trigger-end-digits ends the block at the start of the Nth digit, but only with a trigger-end set', async () => {
  const withEnd = await digitsThrough(
    'trig-3',
    { trigger: '12', 'DTMF-security-trigger': 'drop', 'trigger-end': '9', 'trigger-end-digits': 2 },
    '125673',
  );
  assert.deepEqual(withEnd, [
    '1:4,5,6,7,8,9',
    '2:12',
    '6:29,30,31,32,33',
    '7:36,37,38,39,40,41',
    '3:44,45,46,47,48,49',
  ]);
  const without = await digitsThrough(
    'trig-4',
    { trigger: '12', 'DTMF-security-trigger': 'drop', 'trigger-end-digits': 2 },
    '125673',
  );
  assert.deepEqual(without, ['1:4,5,6,7,8,9', '2:12'], 'without trigger-end the block stays on');
});

test('trigger-end-time switches the block off that many ms after the trigger', async () => {
  const got = await digitsThrough(
    'trig-5',
    { trigger: '12', 'DTMF-security-trigger': 'drop', 'trigger-end': '9', 'trigger-end-time': 100 },
    '1256',
  );
  assert.deepEqual(got, ['1:4,5,6,7,8,9', '2:12', '5:20,21,22,23,24,25', '6:28,29,30,31,32,33']);
});

test('a trigger without DTMF-security-trigger switches to off; without DTMF-security nothing is blocked before it', async () => {
  const got = await digitsThrough('trig-6', { trigger: '12' }, '125');
  assert.equal(got.length, 3, 'every event relayed');
  const dropFirst = await digitsThrough('trig-7', { 'DTMF-security': 'drop', trigger: '12' }, '1256');
  assert.deepEqual(dropFirst, [], 'the call-wide drop stays; the trigger only switches the party off');
});

test('a mismatched digit restarts the match: 1 1 2 completes trigger 12; unblock DTMF removes the trigger', async () => {
  const got = await digitsThrough('trig-8', { trigger: '12', 'DTMF-security-trigger': 'drop' }, '11256');
  assert.deepEqual(got, ['1:4,5,6,7,8,9', '1:12,13,14,15,16,17', '2:20']);
  const c = await setUp('trig-9', sdpFor);
  try {
    await live.ng.request({
      command: 'block DTMF',
      'call-id': 'trig-9',
      trigger: '1',
      'DTMF-security-trigger': 'drop',
    });
    const un = await live.ng.request({ command: 'unblock DTMF', 'call-id': 'trig-9' });
    assert.equal(un.result, 'ok');
    await sendEventStarts(c.alice, c.toAlice, [1, 1, 2]);
    await c.bob.waitFor(3);
    assert.equal(c.bob.received.length, 3, 'nothing dropped once the trigger is gone');
  } finally {
    c.close();
  }
});

function pcmuOnly(port: number, user: string): string {
  return sdpFor(port, user)
    .replace(' RTP/AVP 0 101', ' RTP/AVP 0')
    .replace(/a=rtpmap:101[^\r]*\r\na=fmtp:101[^\r]*\r\n/, '');
}

test('play DTMF without telephone-event writes the digit as tones over the next G.711 frames, numbering untouched', async () => {
  const c = await setUp('inband-1', pcmuOnly, ['inject DTMF']);
  try {
    let seq = 1000;
    const send = () => c.alice.send(rtpPacket(seq++, 0x1234), c.toAlice);
    for (let i = 0; i < 3; i++) await send();
    await c.bob.waitFor(3);
    const r = await live.ng.request({
      command: 'play DTMF',
      'call-id': 'inband-1',
      'from-tag': 'A',
      code: '5',
      duration: 100,
      volume: 10,
    });
    assert.equal(r.result, 'ok');
    for (let i = 0; i < 10; i++) await send();
    await c.bob.waitFor(13);
    const got = c.bob.received.map((x) => x.data);
    assert.equal(got.length, 13, 'no packet added or dropped');
    assert.deepEqual(
      got.map((p) => [p.readUInt16BE(2), p.readUInt32BE(4)]),
      got.map((_, i) => [1000 + i, (1000 + i) * 160]),
      'sequence numbers and timestamps as sent',
    );
    const tone = got.slice(3, 8).flatMap((p) => [...p.subarray(12)].map(ulawToLinear));
    // 10.5's frames for digit 5 at volume 10: rms 5205, starting at phase 0; ours must match within µ-law steps
    const expected = toneSamples([770, 1336], amplitudeOfDb(10), 8000, 0, 800);
    for (let i = 0; i < 800; i += 37) assert.ok(Math.abs(tone[i]! - expected[i]!) <= 400, `sample ${i}`);
    const rms = Math.sqrt(tone.reduce((a, x) => a + x * x, 0) / tone.length);
    assert.ok(Math.abs(rms - 5205) < 150, `rms ${rms}`);
    assert.ok(
      goertzel(tone, 770) > 20 * goertzel(tone, 697) && goertzel(tone, 1336) > 20 * goertzel(tone, 1209),
    );
    for (const p of [...got.slice(0, 3), ...got.slice(8)])
      assert.ok(
        p.subarray(12).every((b) => b === 0xff),
        'frames outside the 100 ms pass as sent',
      );
  } finally {
    c.close();
  }
});

test('play DTMF over G.722 only answers ok as 10.5 does (which transcodes); the audio passes unchanged here', async () => {
  const g722 = (port: number, user: string) =>
    pcmuOnly(port, user)
      .replace(' RTP/AVP 0', ' RTP/AVP 9')
      .replace('a=rtpmap:0 PCMU/8000', 'a=rtpmap:9 G722/8000');
  const c = await setUp('inband-2', g722, ['inject DTMF']);
  try {
    const r = await live.ng.request({
      command: 'play DTMF',
      'call-id': 'inband-2',
      'from-tag': 'A',
      code: '1',
    });
    assert.equal(r.result, 'ok');
    await c.alice.send(rtpPacket(1, 0x1234, 9), c.toAlice);
    await c.bob.waitFor(1);
    assert.ok(c.bob.received[0]!.data.subarray(12).every((b) => b === 0xff));
  } finally {
    c.close();
  }
});

test('in-band tones without volume are 15 dB below full scale, as 10.5 plays them', async () => {
  const c = await setUp('inband-3', pcmuOnly, ['inject DTMF']);
  try {
    await live.ng.request({
      command: 'play DTMF',
      'call-id': 'inband-3',
      'from-tag': 'A',
      code: '5',
      duration: 100,
    });
    for (let i = 0; i < 5; i++) await c.alice.send(rtpPacket(i, 0x1234), c.toAlice);
    await c.bob.waitFor(5);
    const tone = c.bob.received.flatMap((x) => [...x.data.subarray(12)].map(ulawToLinear));
    const rms = Math.sqrt(tone.reduce((a, x) => a + x * x, 0) / tone.length);
    // 10.5 measured: rms 2927 for digit 5 without volume
    assert.ok(Math.abs(rms - 2927) < 100, `rms ${rms}`);
  } finally {
    c.close();
  }
});

test('trigger keys in the offer do nothing (10.5 reads them only in block DTMF)', async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const keys = { trigger: '1', 'DTMF-security-trigger': 'drop' };
    await live.ng.request({
      command: 'offer',
      'call-id': 'trig-offer',
      'from-tag': 'A',
      sdp: sdpFor(alice.port),
      ...keys,
    });
    const answer = await live.ng.request({
      command: 'answer',
      'call-id': 'trig-offer',
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(bob.port, 'bob'),
      ...keys,
    });
    const toAlice = mediaPort(str(answer.sdp));
    await sendEventStarts(alice, toAlice, [1, 2, 3]);
    await bob.waitFor(3);
    assert.equal(bob.received.length, 3);
  } finally {
    alice.close();
    bob.close();
  }
});
