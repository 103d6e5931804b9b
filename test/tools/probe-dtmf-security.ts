/**
 * Probes Debian's real rtpengine 10.5 for what `block DTMF` does to the packet stream in each DTMF-security mode,
 * on a plain passthrough PCMU + telephone-event call between two loopback RTP sockets. For each mode it starts a
 * fresh rtpengine in userspace, makes the call, blocks DTMF with the mode, sends audio frames with one RFC 4733
 * event in the middle (as a phone does: no audio while the event plays) and prints, as JSON, every packet that
 * arrives at the other side (payload type, sequence, timestamp, SSRC, marker, payload in hex).
 *
 *   npx tsx test/tools/probe-dtmf-security.ts              # every mode, printed
 *   npx tsx test/tools/probe-dtmf-security.ts zero tone    # only these
 *   npx tsx test/tools/probe-dtmf-security.ts --write      # every mode, into GOLDEN_PATH (the unit test's evidence)
 *
 * Each rtpengine is stopped by its PID when its probe ends, also when it fails.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgDict } from '../../src/ng/types.ts';
import { RtpPeer } from '../helpers/rtp-peer.ts';
import { callAliceBob, rtp } from './loopback-call.ts';
import { printOrWrite, randomPortRange, withRtpengine } from './oracle.ts';

export const GOLDEN_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../golden/dtmf-security/rtpengine-10.5.json',
);

export interface ProbedPacket {
  pt: number;
  marker: boolean;
  seq: number;
  ts: number;
  ssrc: number;
  payload: string;
}

export interface ProbeResult {
  mode: string;
  options: NgDict;
  sent: ProbedPacket[];
  received: ProbedPacket[];
}

/** Each mode with the options the probe gives it (rtpengine's docs: frequencies, volume, digit). */
export const PROBES: { mode: string; options: NgDict }[] = [
  { mode: 'drop', options: {} },
  { mode: 'silence', options: {} },
  { mode: 'tone', options: { frequencies: '1000', volume: 6 } },
  { mode: 'random', options: {} },
  { mode: 'zero', options: {} },
  { mode: 'DTMF', options: { digit: '3' } },
  { mode: 'off', options: {} },
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The header fields of an RTP packet, and its payload in hex. */
export function parse(b: Buffer): ProbedPacket {
  return {
    pt: b[1]! & 0x7f,
    marker: (b[1]! & 0x80) !== 0,
    seq: b.readUInt16BE(2),
    ts: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(12).toString('hex'),
  };
}

/** A recognisable, decodable audio frame: µ-law bytes counting through a range (k-th frame differs). */
function audioFrame(k: number): Buffer {
  const b = Buffer.alloc(160);
  for (let i = 0; i < 160; i++) b[i] = 0x20 + ((i + k * 7) % 64);
  return b;
}

/** The packets of one RFC 4733 event: progress packets one frame apart (the first marked), three end packets. */
function eventPackets(
  ssrc: number,
  seq: number,
  ts: number,
  event: number,
  volume: number,
  frames: number,
): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 1; i <= frames + 3; i++) {
    const end = i > frames;
    const d = Math.min(i, frames) * 160;
    const block = Buffer.from([event, (end ? 0x80 : 0) | volume, d >> 8, d & 0xff]);
    out.push(rtp(101, i === 1, seq + i - 1, ts, ssrc, block));
  }
  return out;
}

/**
 * The stream Alice sends: 6 audio frames, event 5 at volume 10 over 4 frames (durations 160..640, then three
 * end packets at 640), 4 audio frames, event 1 at volume 20 over 3 frames, 4 audio frames. The timestamps of the
 * audio go on after each event as a phone's do (no audio is sent while an event plays); each run of audio starts
 * with the marker bit set.
 */
export function aliceStream(ssrc: number): Buffer[] {
  const out: Buffer[] = [];
  let seq = 1000;
  let ts = 16000;
  let k = 0;
  // each talkspurt starts marked, as after an event phones mark the audio that resumes
  const audio = (n: number): void => {
    for (let i = 0; i < n; i++, ts += 160) out.push(rtp(0, i === 0, seq++, ts, ssrc, audioFrame(k++)));
  };
  const event = (digit: number, volume: number, frames: number): void => {
    const packets = eventPackets(ssrc, seq, ts, digit, volume, frames);
    out.push(...packets);
    seq += packets.length;
    ts += frames * 160;
  };
  audio(6);
  event(5, 10, 4);
  audio(4);
  event(1, 20, 3);
  audio(4);
  return out;
}

async function probe(mode: string, options: NgDict): Promise<ProbeResult> {
  const opts = { portRange: randomPortRange(), options: ['--delete-delay=0'] };
  return withRtpengine(opts, async ({ ng }) => {
    const alice = await RtpPeer.open();
    const bob = await RtpPeer.open();
    try {
      const callId = `probe-${mode}`;
      const { aliceSendsTo, bobSendsTo } = await callAliceBob(ng, callId, {
        alice: alice.port,
        bob: bob.port,
      });
      // both phones send once so that rtpengine learns their addresses, before the block
      void alice.send(rtp(0, true, 1, 0, 0x1111, audioFrame(99)), aliceSendsTo);
      void bob.send(rtp(0, true, 1, 0, 0x2222, audioFrame(98)), bobSendsTo);
      await sleep(100);
      const block = await ng.request({
        command: 'block DTMF',
        'call-id': callId,
        'from-tag': 'A',
        'DTMF-security': mode,
        ...options,
      });
      if (block.result !== 'ok') throw new Error(`block DTMF ${mode}: ${JSON.stringify(block)}`);
      await sleep(50);
      bob.received.length = 0;
      const stream = aliceStream(0x1111);
      for (const p of stream) {
        void alice.send(p, aliceSendsTo);
        await sleep(20);
      }
      await sleep(300);
      return { mode, options, sent: stream.map(parse), received: bob.received.map((r) => parse(r.data)) };
    } finally {
      alice.close();
      bob.close();
    }
  });
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const write = args.includes('--write');
  const only = args.filter((a) => a !== '--write').map((m) => m.toLowerCase());
  const results: ProbeResult[] = [];
  for (const p of PROBES) {
    if (only.length > 0 && !only.includes(p.mode.toLowerCase())) continue;
    results.push(await probe(p.mode, p.options));
  }
  printOrWrite(`${JSON.stringify(results, null, 1)}\n`, GOLDEN_PATH, write);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
