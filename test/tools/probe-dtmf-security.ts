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
import { type ChildProcess, spawn } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeBencode, encodeBencode } from '../../src/ng/bencode.ts';
import type { NgDict } from '../../src/ng/types.ts';

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

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

let cookieSeq = 0;

function ngRequest(sock: dgram.Socket, port: number, msg: NgDict): Promise<NgDict> {
  const cookie = `probe_${process.pid}_${cookieSeq++}`;
  const payload = Buffer.concat([Buffer.from(`${cookie} `), encodeBencode(msg)]);
  return new Promise((resolve, reject) => {
    const onMessage = (data: Buffer): void => {
      const space = data.indexOf(0x20);
      if (data.subarray(0, space).toString() !== cookie) return;
      clearTimeout(timer);
      sock.off('message', onMessage);
      resolve(decodeBencode(data.subarray(space + 1)) as NgDict);
    };
    const timer = setTimeout(() => {
      sock.off('message', onMessage);
      reject(new Error(`no ng reply to ${cookie}`));
    }, 2000);
    sock.on('message', onMessage);
    sock.send(payload, port, '127.0.0.1');
  });
}

function sdp(port: number, user: string): string {
  return [
    'v=0',
    `o=${user} 1 1 IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

function mediaPort(s: unknown): number {
  const m = /m=audio (\d+)/.exec(String(s));
  if (!m) throw new Error(`no m=audio in ${String(s)}`);
  return Number(m[1]);
}

function parse(b: Buffer): ProbedPacket {
  return {
    pt: b[1]! & 0x7f,
    marker: (b[1]! & 0x80) !== 0,
    seq: b.readUInt16BE(2),
    ts: b.readUInt32BE(4),
    ssrc: b.readUInt32BE(8),
    payload: b.subarray(12).toString('hex'),
  };
}

function rtp(pt: number, marker: boolean, seq: number, ts: number, ssrc: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq, 2);
  h.writeUInt32BE(ts, 4);
  h.writeUInt32BE(ssrc, 8);
  return Buffer.concat([h, payload]);
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
  const ngPort = await freeUdpPort();
  const portMin = 40000 + Math.floor(Math.random() * 200) * 100;
  const args = ['--config-file=none', '-t', '-1', '-f', '-E', '--delete-delay=0', '-i', '127.0.0.1'];
  args.push(`--listen-ng=127.0.0.1:${ngPort}`, '-m', String(portMin), '-M', String(portMin + 99));
  const child: ChildProcess = spawn('/usr/bin/rtpengine', args, { stdio: ['ignore', 'ignore', 'ignore'] });
  const ng = dgram.createSocket('udp4');
  const alice = dgram.createSocket('udp4');
  const bob = dgram.createSocket('udp4');
  try {
    await new Promise<void>((r) => ng.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => alice.bind(0, '127.0.0.1', r));
    await new Promise<void>((r) => bob.bind(0, '127.0.0.1', r));
    for (let i = 0; ; i++) {
      try {
        await ngRequest(ng, ngPort, { command: 'ping' });
        break;
      } catch (e) {
        if (i > 10) throw e;
      }
    }
    const callId = `probe-${mode}`;
    const offer = await ngRequest(ng, ngPort, {
      command: 'offer',
      'call-id': callId,
      'from-tag': 'A',
      sdp: sdp(alice.address().port, 'alice'),
    });
    const answer = await ngRequest(ng, ngPort, {
      command: 'answer',
      'call-id': callId,
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdp(bob.address().port, 'bob'),
    });
    // the offer's SDP goes to Bob: its port is where Bob sends; the answer's is where Alice sends
    const bobSendsTo = mediaPort(offer.sdp);
    const aliceSendsTo = mediaPort(answer.sdp);
    const received: ProbedPacket[] = [];
    bob.on('message', (m) => received.push(parse(m)));
    // both phones send once so that rtpengine learns their addresses, before the block
    alice.send(rtp(0, true, 1, 0, 0x1111, audioFrame(99)), aliceSendsTo, '127.0.0.1');
    bob.send(rtp(0, true, 1, 0, 0x2222, audioFrame(98)), bobSendsTo, '127.0.0.1');
    await sleep(100);
    const block = await ngRequest(ng, ngPort, {
      command: 'block DTMF',
      'call-id': callId,
      'from-tag': 'A',
      'DTMF-security': mode,
      ...options,
    });
    if (block.result !== 'ok') throw new Error(`block DTMF ${mode}: ${JSON.stringify(block)}`);
    await sleep(50);
    received.length = 0;
    const stream = aliceStream(0x1111);
    for (const p of stream) {
      alice.send(p, aliceSendsTo, '127.0.0.1');
      await sleep(20);
    }
    await sleep(300);
    return { mode, options, sent: stream.map(parse), received: [...received] };
  } finally {
    ng.close();
    alice.close();
    bob.close();
    if (child.pid !== undefined) process.kill(child.pid, 'SIGTERM');
  }
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
  const text = `${JSON.stringify(results, null, 1)}\n`;
  if (!write) {
    process.stdout.write(text);
    return;
  }
  mkdirSync(dirname(GOLDEN_PATH), { recursive: true });
  writeFileSync(GOLDEN_PATH, text);
  process.stdout.write(`wrote ${GOLDEN_PATH}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
