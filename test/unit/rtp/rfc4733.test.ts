import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  controlPacket,
  newOutputState,
  newSwitches,
  type StreamControl,
} from '../../../src/rtp/media-control.ts';
import { payloadTypesOfSdp } from '../../../src/rtp/payload-types.ts';
import {
  buildEventPacket,
  dtmfCode,
  payloadOffset,
  planEvent,
  readEventBlock,
} from '../../../src/rtp/rfc4733.ts';

test('an event packet built and read back keeps event, end bit, volume and duration', () => {
  const block = { event: 11, end: true, volume: 20, duration: 960 };
  const p = buildEventPacket({
    payloadType: 101,
    marker: true,
    seq: 65535,
    timestamp: 2 ** 32 - 1,
    ssrc: 7,
    block,
  });
  assert.equal(p.length, 16);
  assert.equal(p[1], 0x80 | 101);
  assert.equal(p.readUInt16BE(2), 65535);
  assert.deepEqual(readEventBlock(p), block);
});

test('the payload offset skips CSRCs and a header extension, and refuses what is not RTP v2', () => {
  const p = Buffer.alloc(12 + 8 + 8 + 4);
  p[0] = 0x80 | 0x10 | 2; // two CSRCs, extension
  p.writeUInt16BE(1, 12 + 8 + 2); // extension of one word
  assert.equal(payloadOffset(p), 12 + 8 + 4 + 4);
  assert.equal(payloadOffset(Buffer.from([0x40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])), -1);
  assert.equal(readEventBlock(Buffer.alloc(13, 0x80)), null);
});

test('codes and digits map to RFC 4733 events as play DTMF accepts them', () => {
  assert.deepEqual(
    ['0', '9', '*', '#', 'A', 'D', 15, '12'].map((c) => dtmfCode(c)),
    [0, 9, 10, 11, 12, 15, 15, 12],
  );
  assert.deepEqual(
    ['X', 'a', 16, '16', '', -1].map((c) => dtmfCode(c)),
    [null, null, null, null, null, null],
  );
});

test('an event plan counts whole frames up to the duration, then three end packets one frame longer', () => {
  assert.deepEqual(planEvent(100, 8000).durations, [160, 320, 480, 640, 800, 960, 960, 960]);
  const p250 = planEvent(250, 8000).durations;
  assert.equal(p250.length, 13 + 3);
  assert.equal(p250.at(-1), 14 * 160);
  assert.equal(planEvent(100, 16000).durations[0], 320);
});

test('payload types are read per m= line with static types and telephone-event', () => {
  const sdp =
    'v=0\r\nm=audio 1 RTP/AVP 9 0 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 2 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\n';
  const [audio, video] = payloadTypesOfSdp(sdp);
  assert.equal(audio?.primary, 9);
  assert.deepEqual([...(audio?.dtmf ?? [])], [101]);
  assert.equal(audio?.byType.get(0)?.encoding, 'PCMU');
  assert.equal(video?.byType.get(96)?.clockRate, 90000);
  assert.equal(video?.dtmf.size, 0);
});

function control(): StreamControl {
  return {
    call: newSwitches(),
    party: newSwitches(),
    payloadTypes: payloadTypesOfSdp('m=audio 1 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\n')[0]!,
    out: newOutputState(),
    lastReportedEvent: -1,
    onDtmf: null,
  };
}

function audio(seq: number): Buffer {
  const b = Buffer.alloc(12 + 160, 0x11);
  b[0] = 0x80;
  b[1] = 8;
  b.writeUInt16BE(seq, 2);
  return b;
}

const event = (end: boolean) =>
  buildEventPacket({
    payloadType: 101,
    marker: false,
    seq: 5,
    timestamp: 99,
    ssrc: 1,
    block: { event: 4, end, volume: 9, duration: 320 },
  });

test('per-packet control: party block drops audio, silence writes A-law silence, DTMF silence mode makes an audio frame', () => {
  const c = control();
  c.party.blockMedia = true;
  assert.equal(controlPacket(c, audio(1), '1.2.3.4', 0), null);
  c.party.blockMedia = false;
  c.call.silenceMedia = true;
  const s = controlPacket(c, audio(2), '1.2.3.4', 0);
  assert.ok(s?.subarray(12).every((b) => b === 0xd5));
  c.call.blockDtmf = 'silence';
  const f = controlPacket(c, event(false), '1.2.3.4', 0);
  assert.equal(f?.[1], 8, 'primary payload type');
  assert.equal(f?.length, 12 + 160);
  assert.equal(f?.readUInt32BE(4), 99 + 160, 'the frame that ends at the event duration (320)');
});

test('per-packet control: an event is reported once on its first end packet, and the sequence offset applies', () => {
  const c = control();
  const seen: number[] = [];
  c.onDtmf = (e) => seen.push(e.block.event, e.block.duration, e.clockRate);
  controlPacket(c, event(false), 'x', 0);
  controlPacket(c, event(true), 'x', 0);
  controlPacket(c, event(true), 'x', 0);
  assert.deepEqual(seen, [4, 320, 8000]);
  c.out.seqOffset = 3;
  assert.equal(controlPacket(c, audio(65534), 'x', 0)?.readUInt16BE(2), 1, 'wraps at 16 bits');
  c.out.injecting = true;
  assert.equal(controlPacket(c, audio(7), 'x', 0), null, 'audio held back while an injected event plays');
  assert.equal(c.out.seqOffset, 2);
});
