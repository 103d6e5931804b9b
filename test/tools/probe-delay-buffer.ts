/**
 * Probes Debian's real rtpengine 10.5 for what `delay-buffer` and `DTMF-delay` do on a plain passthrough
 * PCMU + telephone-event call between two loopback RTP sockets. For each scenario it starts a fresh rtpengine in
 * userspace, makes the call with the scenario's offer/answer keys, optionally sends `block DTMF` with its keys,
 * then has Alice send the stream of probe-dtmf-security.ts (audio, two RFC 4733 events, audio; one packet every
 * 20 ms) while Bob sends plain audio, and prints per direction what arrived: each packet's payload type,
 * sequence, timestamp, marker, a short payload prefix and its delay (arrival minus send time, ms).
 *
 *   npx tsx test/tools/probe-delay-buffer.ts               # every scenario, summarised
 *   npx tsx test/tools/probe-delay-buffer.ts --full        # with every packet
 *   npx tsx test/tools/probe-delay-buffer.ts offer-delay   # only scenarios whose name contains this
 *
 * Each rtpengine is stopped by its PID when its scenario ends, also when it fails.
 */
import { createHash } from 'node:crypto';
import type { Socket } from 'node:dgram';
import type { NgDict } from '../../src/ng/types.ts';
import { callAliceBob, phoneSdp, rtp } from './loopback-call.ts';
import { loopbackSocket, randomPortRange, withRtpengine } from './oracle.ts';
import { aliceStream, type ProbedPacket, parse } from './probe-dtmf-security.ts';

export interface Scenario {
  name: string;
  offer: NgDict;
  answer: NgDict;
  /** Sent after both phones were learned; null: no block DTMF. */
  block: NgDict | null;
  /** Requests sent after the block (call-id and from-tag added), to see whether a later request changes it. */
  after?: NgDict[];
}

export const SCENARIOS: Scenario[] = [
  { name: 'baseline', offer: {}, answer: {}, block: null },
  { name: 'offer-delay-buffer', offer: { 'delay-buffer': 200 }, answer: {}, block: null },
  { name: 'answer-delay-buffer', offer: {}, answer: { 'delay-buffer': 200 }, block: null },
  { name: 'offer-delay-buffer+block-drop', offer: { 'delay-buffer': 200 }, answer: {}, block: {} },
  {
    name: 'offer-delay-buffer+block-silence',
    offer: { 'delay-buffer': 200 },
    answer: {},
    block: { 'DTMF-security': 'silence' },
  },
  { name: 'block-drop-with-delay-buffer', offer: {}, answer: {}, block: { 'delay-buffer': 200 } },
  {
    name: 'block-silence-with-delay-buffer',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'silence', 'delay-buffer': 200 },
  },
  {
    name: 'block-zero-with-delay-buffer',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'zero', 'delay-buffer': 200 },
  },
  { name: 'offer-dtmf-delay', offer: { 'DTMF-delay': 200 }, answer: {}, block: null },
  { name: 'block-drop-with-dtmf-delay', offer: {}, answer: {}, block: { 'DTMF-delay': 200 } },
  {
    name: 'block-silence-with-dtmf-delay',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'silence', 'DTMF-delay': 200 },
  },
  {
    name: 'block-off-with-dtmf-delay',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'off', 'DTMF-delay': 200 },
  },
  { name: 'block-silence', offer: {}, answer: {}, block: { 'DTMF-security': 'silence' } },
  {
    name: 'block-zero-with-dtmf-delay',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'zero', 'DTMF-delay': 200 },
  },
  {
    name: 'block-tone-with-dtmf-delay',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'tone', 'DTMF-delay': 200 },
  },
  {
    name: 'delay-buffer-then-unblock',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200 },
    after: [{ command: 'unblock DTMF' }],
  },
  {
    name: 'delay-buffer-then-reinvite',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200 },
    after: [
      { command: 'offer', sdp: 'ALICE' },
      { command: 'answer', 'to-tag': 'B', sdp: 'BOB' },
    ],
  },
  {
    name: 'delay-buffer-then-zero',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200 },
    after: [{ command: 'block DTMF', 'delay-buffer': 0 }],
  },
  {
    name: 'delay-buffer-then-block-again',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200 },
    after: [{ command: 'block DTMF' }],
  },
  {
    name: 'block-other-tag-with-delay-buffer',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200, 'from-tag': 'B' },
  },
  {
    name: 'block-call-with-delay-buffer',
    offer: {},
    answer: {},
    block: { 'delay-buffer': 200, 'from-tag': '' },
  },
  { name: 'block-zero', offer: {}, answer: {}, block: { 'DTMF-security': 'zero' } },
  {
    name: 'block-dtmf-with-dtmf-delay',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'DTMF', digit: '3', 'DTMF-delay': 200 },
  },
  {
    name: 'block-tone-with-delay-buffer',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'tone', 'delay-buffer': 200 },
  },
  {
    name: 'block-zero-with-both',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'zero', 'DTMF-delay': 100, 'delay-buffer': 200 },
  },
  {
    name: 'block-silence-with-both',
    offer: {},
    answer: {},
    block: { 'DTMF-security': 'silence', 'DTMF-delay': 100, 'delay-buffer': 200 },
  },
];

export interface ArrivedPacket extends ProbedPacket {
  /** Arrival minus the send time of the packet with this sequence number (null: no such packet sent). */
  delayMs: number | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function collect(sock: Socket, sentAt: Map<number, number>, into: ArrivedPacket[]): void {
  sock.on('message', (b) => {
    const now = performance.now();
    const seq = b.readUInt16BE(2);
    const sent = sentAt.get(seq);
    into.push({
      ...parse(b),
      // a prefix, the length and a hash: whole payloads would drown the --full listing
      payload: `${b.subarray(12, 20).toString('hex')}/${b.length - 12}/${createHash('md5').update(b.subarray(12)).digest('hex').slice(0, 6)}`,
      delayMs: sent === undefined ? null : Math.round(now - sent),
    });
  });
}

export interface ScenarioResult {
  name: string;
  replies: NgDict;
  aliceToBob: ArrivedPacket[];
  bobToAlice: ArrivedPacket[];
  sentAliceToBob: number;
  sentBobToAlice: number;
}

async function run(sc: Scenario): Promise<ScenarioResult> {
  const opts = { portRange: randomPortRange(), options: ['--delete-delay=0'] };
  return withRtpengine(opts, async ({ ng }) => {
    // plain sockets, not RtpPeer: the delay is measured when a packet arrives
    const alice = await loopbackSocket();
    const bob = await loopbackSocket();
    const replies: NgDict = {};
    try {
      const callId = `probe-${sc.name}`;
      const base = { 'call-id': callId, 'from-tag': 'A' };
      const ports = { alice: alice.address().port, bob: bob.address().port };
      const call = await callAliceBob(ng, callId, ports, { offer: sc.offer, answer: sc.answer });
      const { offer, answer, aliceSendsTo, bobSendsTo } = call;
      replies.offer = { result: offer.result ?? '', warning: offer.warning ?? '' };
      replies.answer = { result: answer.result ?? '', warning: answer.warning ?? '' };
      alice.send(rtp(0, true, 1, 0, 0x1111, Buffer.alloc(160, 0x55)), aliceSendsTo, '127.0.0.1');
      bob.send(rtp(0, true, 1, 0, 0x2222, Buffer.alloc(160, 0x66)), bobSendsTo, '127.0.0.1');
      await sleep(100);
      if (sc.block) {
        const msg: NgDict = { command: 'block DTMF', ...base, ...sc.block };
        // an empty from-tag stands for none: the whole call
        if (msg['from-tag'] === '') delete msg['from-tag'];
        const block = await ng.request(msg);
        replies.block = { result: block.result ?? '', 'error-reason': block['error-reason'] ?? '' };
      }
      for (const [i, req] of (sc.after ?? []).entries()) {
        const msg: NgDict = { ...base, ...req };
        if (msg.sdp === 'ALICE') msg.sdp = phoneSdp(ports.alice, 'alice', 2);
        if (msg.sdp === 'BOB') msg.sdp = phoneSdp(ports.bob, 'bob', 2);
        const r = await ng.request(msg);
        replies[`after${i}`] = { result: r.result ?? '', 'error-reason': r['error-reason'] ?? '' };
      }
      await sleep(300);
      const aliceToBob: ArrivedPacket[] = [];
      const bobToAlice: ArrivedPacket[] = [];
      const aliceSent = new Map<number, number>();
      const bobSent = new Map<number, number>();
      collect(bob, aliceSent, aliceToBob);
      collect(alice, bobSent, bobToAlice);
      const stream = aliceStream(0x1111);
      let bobSeq = 5000;
      for (let i = 0; i < stream.length; i++) {
        const p = stream[i]!;
        aliceSent.set(p.readUInt16BE(2), performance.now());
        alice.send(p, aliceSendsTo, '127.0.0.1');
        const b = rtp(0, false, bobSeq, bobSeq * 160, 0x2222, Buffer.alloc(160, 0x40 + (i % 32)));
        bobSent.set(bobSeq++, performance.now());
        bob.send(b, bobSendsTo, '127.0.0.1');
        await sleep(20);
      }
      await sleep(1000);
      return {
        name: sc.name,
        replies,
        aliceToBob,
        bobToAlice,
        sentAliceToBob: stream.length,
        sentBobToAlice: stream.length,
      };
    } finally {
      alice.close();
      bob.close();
    }
  });
}

function summary(ps: ArrivedPacket[]): string {
  const d = ps.map((p) => p.delayMs).filter((x): x is number => x !== null);
  const audio = ps.filter((p) => p.pt === 0).length;
  const events = ps.filter((p) => p.pt === 101).length;
  const min = d.length ? Math.min(...d) : 0;
  const max = d.length ? Math.max(...d) : 0;
  const med = d.length ? [...d].sort((a, b) => a - b)[Math.floor(d.length / 2)] : 0;
  return `${ps.length} packets (${audio} audio, ${events} events), delay ms min ${min} median ${med} max ${max}`;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const full = args.includes('--full');
  const only = args.filter((a) => !a.startsWith('--'));
  for (const sc of SCENARIOS) {
    if (only.length > 0 && !only.some((o) => sc.name.includes(o))) continue;
    const r = await run(sc);
    process.stdout.write(`== ${r.name} ${JSON.stringify(r.replies)}\n`);
    process.stdout.write(`  A->B sent ${r.sentAliceToBob}: ${summary(r.aliceToBob)}\n`);
    process.stdout.write(`  B->A sent ${r.sentBobToAlice}: ${summary(r.bobToAlice)}\n`);
    if (full)
      for (const p of r.aliceToBob)
        process.stdout.write(
          `    A->B pt ${p.pt}${p.marker ? 'M' : ' '} seq ${p.seq} ts ${p.ts} ssrc ${p.ssrc.toString(16)} ${p.payload} +${p.delayMs}\n`,
        );
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
