/**
 * `block DTMF` DTMF-security modes on a passthrough PCMU + telephone-event call, replayed against what Debian's
 * rtpengine 10.5.3.5 did with the same packets (recorded by test/tools/probe-dtmf-security.ts into
 * test/golden/dtmf-security/rtpengine-10.5.json). The stream: 6 audio frames, event 5 at volume 10 (durations
 * 160, 320, 480, 640, then three end packets at 640; first packet marked), 4 audio frames, event 1 at volume 20
 * over 3 frames, 4 audio frames; every run of audio starts with its marker bit set. Observed, per mode:
 *
 * - drop: events dropped; audio relayed byte for byte, markers kept; sequence numbers NOT renumbered (gaps).
 * - off: exactly as drop (an explicit `DTMF-security: off` blocks; only a trigger's "off" lets events through).
 * - zero: events relayed UNCHANGED (event 5 stays 5, markers, sequence, timestamps, volume); audio payloads,
 *   sequence, timestamps and SSRC unchanged, but every audio marker bit is cleared (10.5's PCMU->PCMU
 *   transcoder is in the path). With contiguous input timestamps no renumbering of timestamps shows.
 * - DTMF (`digit: 3`): exactly as zero; the digit is not used.
 * - silence, tone (`frequencies: 1000, volume: 6`) and random: identical to each other. Each event becomes PCMU
 *   audio frames carrying in-band DTMF of the event's OWN digit (770+1336 Hz for 5, 697+1209 Hz for 1) at the
 *   event's own volume (-10 dB, -20 dB), one frame per new duration (ts = event ts + duration - 160, tone phase
 *   counted from the event start), none for the repeated end packets; the stream is renumbered contiguously,
 *   timestamps and SSRC kept; no marker bit anywhere. Mode options and randomness are ignored.
 *
 * What stays different in ours: the tone samples match 10.5's to within one G.711 quantisation step (a few bytes
 * a frame differ); streams without a G.711 audio type drop the event in silence/tone/random (10.5 would encode
 * the tone in that codec); whether 10.5 keeps its transcoder (and so clears markers) after `unblock DTMF` was not
 * probed — ours stops clearing them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseMediaControl } from '../../../src/ng/media-control.ts';
import { Keys } from '../../../src/ng/request.ts';
import {
  controlPacket,
  newOutputState,
  newSwitches,
  type StreamControl,
} from '../../../src/rtp/media-control.ts';
import { payloadTypesOfSdp } from '../../../src/rtp/payload-types.ts';
import { GOLDEN_PATH, type ProbedPacket, type ProbeResult } from '../../tools/probe-dtmf-security.ts';

const golden = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as ProbeResult[];

function packetOf(p: ProbedPacket): Buffer {
  const b = Buffer.concat([Buffer.alloc(12), Buffer.from(p.payload, 'hex')]);
  b[0] = 0x80;
  b[1] = (p.marker ? 0x80 : 0) | p.pt;
  b.writeUInt16BE(p.seq, 2);
  b.writeUInt32BE(p.ts, 4);
  b.writeUInt32BE(p.ssrc, 8);
  return b;
}

/** Ours, fed the probe's packets after `block DTMF` parsed from the same keys the probe sent 10.5. */
function replay(r: ProbeResult): ProbedPacket[] {
  const c: StreamControl = {
    call: newSwitches(),
    party: newSwitches(),
    payloadTypes: payloadTypesOfSdp(
      'm=audio 1 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n',
    )[0]!,
    out: newOutputState(),
    lastReportedEvent: -1,
    onDtmf: null,
  };
  const req = parseMediaControl('block DTMF', 'c', new Keys({ 'DTMF-security': r.mode, ...r.options }));
  c.party.blockDtmf = req.dtmfSecurity;
  const out: ProbedPacket[] = [];
  for (const p of r.sent) {
    const relayed = controlPacket(c, packetOf(p), '127.0.0.1:1', 0);
    if (!relayed) continue;
    out.push({
      pt: relayed[1]! & 0x7f,
      marker: (relayed[1]! & 0x80) !== 0,
      seq: relayed.readUInt16BE(2),
      ts: relayed.readUInt32BE(4),
      ssrc: relayed.readUInt32BE(8),
      payload: relayed.subarray(12).toString('hex'),
    });
  }
  return out;
}

/** How many bytes of two µ-law payloads differ, and by how many code words at most (µ-law codes are monotonic). */
function ulawDistance(a: string, b: string): { steps: number; bytes: number } {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  let steps = 0;
  let bytes = 0;
  for (let i = 0; i < x.length; i++) {
    if (x[i] === y[i]) continue;
    bytes++;
    steps = Math.max(steps, Math.abs(x[i]! - (y[i] ?? 0)));
  }
  return { steps, bytes };
}

assert.equal(golden.length, 7, 'the recording holds all seven modes');

for (const r of golden) {
  test(`DTMF-security ${r.mode}: ours relays the same packets, headers and payloads as rtpengine 10.5`, () => {
    const ours = replay(r);
    const header = (p: ProbedPacket) => [p.pt, p.marker, p.seq, p.ts, p.ssrc];
    assert.deepEqual(ours.map(header), r.received.map(header), 'payload types, markers, seq, ts, SSRC');
    for (const [i, theirs] of r.received.entries()) {
      const mine = ours[i]!;
      if (theirs.pt !== 0 || r.sent.some((s) => s.payload === theirs.payload)) {
        assert.equal(mine.payload, theirs.payload, `packet ${theirs.seq} byte for byte`);
        continue;
      }
      // a frame 10.5 synthesised: the same tone to within one G.711 quantisation step
      const d = ulawDistance(mine.payload, theirs.payload);
      assert.equal(mine.payload.length, theirs.payload.length);
      assert.ok(d.steps <= 1 && d.bytes <= 16, `frame ${theirs.seq}: ${JSON.stringify(d)}`);
    }
  });
}

test('the recording shows 10.5 ignores tone frequency/volume and randomness: silence, tone, random relay alike', () => {
  const of = (mode: string) => golden.find((r) => r.mode === mode)!.received;
  assert.deepEqual(of('tone'), of('silence'));
  assert.deepEqual(of('random'), of('silence'));
});
