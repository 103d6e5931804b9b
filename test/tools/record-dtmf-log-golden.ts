/**
 * Records what Debian's real rtpengine 10.5 sends to `--dtmf-log-dest` (the JSON datagrams Kamailio's
 * `dtmf_events_sock` reads) for the DTMF scenario below, into GOLDEN_PATH; test/differential/dtmf-log.test.ts
 * replays the same scenario against our daemon and compares.
 *
 *   npx tsx test/tools/record-dtmf-log-golden.ts            # prints what rtpengine sent, step by step
 *   npx tsx test/tools/record-dtmf-log-golden.ts --write    # stores it in GOLDEN_PATH
 *
 * The scenario: calls between two loopback phones (PCMU + telephone-event), with and without labels; RFC 4733
 * events both ways, with and without end packets, changing volume and duration; `play DTMF` with and without
 * `inject DTMF`; events under `block DTMF` (drop and other modes). rtpengine is stopped by its PID at the end,
 * also when the run fails.
 */
import type { Socket } from 'node:dgram';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgValue } from '../../src/ng/types.ts';
import { RtpPeer } from '../helpers/rtp-peer.ts';
import { callAliceBob, rtp } from './loopback-call.ts';
import { loopbackSocket, OracleNgClient, printOrWrite, randomPortRange, withRtpengine } from './oracle.ts';

export const GOLDEN_PATH = join(
  dirname(fileURLToPath(import.meta.url)),
  '../golden/dtmf-log/rtpengine-10.5.json',
);

type Phone = 'alice' | 'bob';

/** One step of the scenario; every datagram arriving while it runs (and shortly after) belongs to it. */
export type DtmfLogStep =
  | {
      kind: 'call';
      name: string;
      callId: string;
      offerLabel?: string;
      answerLabel?: string;
      flags?: string[];
      /** The phones send no media before the next steps (the daemon has learnt no address yet). */
      silent?: boolean;
    }
  | {
      kind: 'event';
      name: string;
      callId: string;
      from: Phone;
      event: number;
      /** Volume of each progress packet (one frame, 160 samples, apart); their count is the event's length. */
      volumes: number[];
      /** End packets repeating the final duration (0: the sender never ends the event). */
      ends: number;
      /** Volume of the end packets (default: the last progress volume). */
      endVolume?: number;
      /** Audio frames after the event. */
      audioAfter?: number;
    }
  | { kind: 'audio'; name: string; callId: string; from: Phone; frames: number }
  | { kind: 'ng'; name: string; request: Record<string, NgValue>; waitMs?: number };

export interface RecordedStep {
  name: string;
  /** An ng step's reply: `result`, and `: error-reason` when there is one. */
  result?: string;
  /** The datagrams as sent (raw text), with the generated values normalized (see normalizeDatagram). */
  datagrams: string[];
}

export const SCENARIO: readonly DtmfLogStep[] = [
  { kind: 'call', name: 'call with a label on the answer', callId: 'dlog-1', answerLabel: 'blab' },
  {
    kind: 'event',
    name: 'alice: event 5, 4 frames at volume 10, 3 end packets',
    callId: 'dlog-1',
    from: 'alice',
    event: 5,
    volumes: [10, 10, 10, 10],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'event',
    name: 'bob (labelled): event 1, 3 frames at volume 20, 3 end packets',
    callId: 'dlog-1',
    from: 'bob',
    event: 1,
    volumes: [20, 20, 20],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'event',
    name: 'alice: event 11 (#), volume changing 5 -> 30, end at volume 7',
    callId: 'dlog-1',
    from: 'alice',
    event: 11,
    volumes: [5, 15, 30],
    ends: 3,
    endVolume: 7,
    audioAfter: 3,
  },
  {
    kind: 'event',
    name: 'alice: event 9 without end packets, then audio',
    callId: 'dlog-1',
    from: 'alice',
    event: 9,
    volumes: [12, 12, 12, 12, 12],
    ends: 0,
    audioAfter: 5,
  },
  {
    kind: 'event',
    name: 'alice: event 0 right after, one end packet only',
    callId: 'dlog-1',
    from: 'alice',
    event: 0,
    volumes: [0, 0],
    ends: 1,
    audioAfter: 3,
  },
  {
    kind: 'event',
    name: 'bob: event 16 (flash), 10 frames, 3 end packets',
    callId: 'dlog-1',
    from: 'bob',
    event: 16,
    volumes: [63, 63, 63, 63, 63, 63, 63, 63, 63, 63],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'event',
    name: 'bob: event 4 with only end packets',
    callId: 'dlog-1',
    from: 'bob',
    event: 4,
    volumes: [],
    ends: 3,
    endVolume: 9,
    audioAfter: 3,
  },
  {
    kind: 'ng',
    name: 'play DTMF from alice without inject DTMF',
    request: {
      command: 'play DTMF',
      'call-id': 'dlog-1',
      'from-tag': 'A',
      code: '7',
      duration: 200,
      volume: 15,
    },
    waitMs: 600,
  },
  {
    kind: 'ng',
    name: 'block DTMF drop on alice',
    request: { command: 'block DTMF', 'call-id': 'dlog-1', 'from-tag': 'A', 'DTMF-security': 'drop' },
  },
  {
    kind: 'event',
    name: 'alice (blocked, drop): event 2, 3 end packets',
    callId: 'dlog-1',
    from: 'alice',
    event: 2,
    volumes: [10, 10, 10],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'ng',
    name: 'block DTMF silence on alice',
    request: { command: 'block DTMF', 'call-id': 'dlog-1', 'from-tag': 'A', 'DTMF-security': 'silence' },
  },
  {
    kind: 'event',
    name: 'alice (blocked, silence): event 3, 3 end packets',
    callId: 'dlog-1',
    from: 'alice',
    event: 3,
    volumes: [10, 10, 10],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'ng',
    name: 'unblock DTMF on alice',
    request: { command: 'unblock DTMF', 'call-id': 'dlog-1', 'from-tag': 'A' },
  },
  {
    kind: 'event',
    name: 'alice (unblocked): event 6, 3 end packets',
    callId: 'dlog-1',
    from: 'alice',
    event: 6,
    volumes: [10, 10, 10],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'call',
    name: 'call with labels on both sides and inject DTMF',
    callId: 'dlog-2',
    offerLabel: 'alab',
    answerLabel: 'blab',
    flags: ['inject DTMF'],
  },
  {
    kind: 'event',
    name: 'alice (labelled): event 8, 2 frames, 3 end packets',
    callId: 'dlog-2',
    from: 'alice',
    event: 8,
    volumes: [25, 25],
    ends: 3,
    audioAfter: 3,
  },
  {
    kind: 'ng',
    name: 'play DTMF from bob with inject DTMF',
    request: {
      command: 'play DTMF',
      'call-id': 'dlog-2',
      'from-tag': 'B',
      code: '#',
      duration: 100,
      volume: 20,
    },
    waitMs: 600,
  },
  {
    kind: 'audio',
    name: 'bob: audio while the injected event plays out',
    callId: 'dlog-2',
    from: 'bob',
    frames: 15,
  },
  { kind: 'call', name: 'call without labels', callId: 'dlog-3' },
  {
    kind: 'event',
    name: 'bob: event 12 (A), 3 frames at volume 0, 3 end packets',
    callId: 'dlog-3',
    from: 'bob',
    event: 12,
    volumes: [0, 0, 0],
    ends: 3,
    audioAfter: 3,
  },
  { kind: 'call', name: 'call where nobody has sent media yet', callId: 'dlog-4', silent: true },
  {
    kind: 'ng',
    name: 'play DTMF from alice before she sent anything',
    request: { command: 'play DTMF', 'call-id': 'dlog-4', 'from-tag': 'A', code: '1', duration: 100 },
    waitMs: 300,
  },
  {
    kind: 'ng',
    name: 'play DTMF from bob, digit and volume defaults',
    request: { command: 'play DTMF', 'call-id': 'dlog-4', 'from-tag': 'B', digit: '*' },
    waitMs: 300,
  },
  { kind: 'audio', name: 'alice: first audio', callId: 'dlog-4', from: 'alice', frames: 3 },
  {
    kind: 'ng',
    name: 'play DTMF from alice once she has sent',
    request: { command: 'play DTMF', 'call-id': 'dlog-4', 'from-tag': 'A', code: '1', duration: 100 },
    waitMs: 300,
  },
  {
    kind: 'ng',
    name: 'play DTMF from bob, who still has not sent',
    request: { command: 'play DTMF', 'call-id': 'dlog-4', 'from-tag': 'B', digit: '*' },
    waitMs: 300,
  },
];

/**
 * Values rtpengine generates: the send time, kept as what it is (whole or fractional seconds, close to the
 * clock or not). Everything else in a datagram is determined by the scenario.
 */
export function normalizeDatagram(text: string, nowSeconds: number): string {
  return text.replace(/"timestamp":(-?\d+(\.\d+)?)/, (_m, t: string, fraction: string | undefined) => {
    const near = Math.abs(Number(t) - nowSeconds) < 10 ? 'now' : 'not now';
    return `"timestamp":"<${near}, ${fraction === undefined ? 'whole' : 'fractional'} seconds>"`;
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A phone's media socket and where its stream stands (no audio is sent while an event plays, as phones do). */
interface PhoneStream {
  peer: RtpPeer;
  sendTo: number;
  ssrc: number;
  seq: number;
  ts: number;
}

async function sendAudio(p: PhoneStream, frames: number): Promise<void> {
  for (let i = 0; i < frames; i++) {
    void p.peer.send(rtp(0, i === 0, p.seq++, p.ts, p.ssrc, Buffer.alloc(160, 0xff)), p.sendTo);
    p.ts += 160;
    await sleep(20);
  }
}

async function sendEvent(p: PhoneStream, s: Extract<DtmfLogStep, { kind: 'event' }>): Promise<void> {
  const frames = s.volumes.length;
  const finalDuration = Math.max(frames, 1) * 160;
  const endVolume = s.endVolume ?? s.volumes[frames - 1] ?? 10;
  const blocks: { end: boolean; volume: number; duration: number }[] = [
    ...s.volumes.map((volume, i) => ({ end: false, volume, duration: (i + 1) * 160 })),
    ...Array.from({ length: s.ends }, () => ({ end: true, volume: endVolume, duration: finalDuration })),
  ];
  for (const [i, b] of blocks.entries()) {
    const payload = Buffer.from([s.event, (b.end ? 0x80 : 0) | b.volume, b.duration >> 8, b.duration & 0xff]);
    void p.peer.send(rtp(101, i === 0, p.seq++, p.ts, p.ssrc, payload), p.sendTo);
    await sleep(20);
  }
  p.ts += finalDuration;
}

/**
 * Plays SCENARIO against the ng port of a daemon whose `--dtmf-log-dest` is `listener`, and returns, step by
 * step, the datagrams that arrived.
 */
export async function playScenario(ngPort: number, listener: Socket): Promise<RecordedStep[]> {
  const ng = new OracleNgClient(ngPort);
  const calls = new Map<string, Record<Phone, PhoneStream>>();
  const peers: RtpPeer[] = [];
  const arrived: string[] = [];
  const onDatagram = (m: Buffer): void => {
    arrived.push(m.toString());
  };
  listener.on('message', onDatagram);
  try {
    await ng.awaitPing();
    const out: RecordedStep[] = [];
    let ssrc = 0x1000;
    for (const step of SCENARIO) {
      arrived.length = 0;
      let result: string | undefined;
      switch (step.kind) {
        case 'call': {
          const alice = await RtpPeer.open();
          const bob = await RtpPeer.open();
          peers.push(alice, bob);
          const flags = step.flags ?? [];
          const { aliceSendsTo, bobSendsTo } = await callAliceBob(
            ng,
            step.callId,
            { alice: alice.port, bob: bob.port },
            {
              offer: { flags, ...(step.offerLabel ? { label: step.offerLabel } : {}) },
              answer: { flags, ...(step.answerLabel ? { label: step.answerLabel } : {}) },
            },
          );
          const streams: Record<Phone, PhoneStream> = {
            alice: { peer: alice, sendTo: aliceSendsTo, ssrc: ssrc++, seq: 100, ts: 8000 },
            bob: { peer: bob, sendTo: bobSendsTo, ssrc: ssrc++, seq: 500, ts: 80000 },
          };
          calls.set(step.callId, streams);
          if (step.silent) break;
          // both phones send first, so that each side's address is learnt before any event
          await sendAudio(streams.alice, 3);
          await sendAudio(streams.bob, 3);
          break;
        }
        case 'event': {
          const p = calls.get(step.callId)?.[step.from];
          if (!p) throw new Error(`no call ${step.callId}`);
          await sendEvent(p, step);
          await sendAudio(p, step.audioAfter ?? 0);
          break;
        }
        case 'audio': {
          const p = calls.get(step.callId)?.[step.from];
          if (!p) throw new Error(`no call ${step.callId}`);
          await sendAudio(p, step.frames);
          break;
        }
        case 'ng': {
          const reply = await ng.request(step.request);
          result = String(reply.result);
          if (typeof reply['error-reason'] === 'string') result += `: ${reply['error-reason']}`;
          await sleep(step.waitMs ?? 0);
          break;
        }
      }
      await sleep(250);
      const now = Date.now() / 1000;
      const datagrams = arrived.map((d) => normalizeDatagram(d, now));
      out.push({ name: step.name, ...(result !== undefined ? { result } : {}), datagrams });
    }
    for (const callId of calls.keys()) await ng.request({ command: 'delete', 'call-id': callId });
    await sleep(200);
    return out;
  } finally {
    listener.off('message', onDatagram);
    ng.close();
    for (const p of peers) p.close();
  }
}

async function main(): Promise<void> {
  const write = process.argv.includes('--write');
  const listener = await loopbackSocket();
  const opts = {
    portRange: randomPortRange(),
    options: ['--delete-delay=0', `--dtmf-log-dest=127.0.0.1:${listener.address().port}`],
  };
  try {
    const steps = await withRtpengine(opts, ({ ngPort }) => playScenario(ngPort, listener));
    printOrWrite(`${JSON.stringify(steps, null, 1)}\n`, GOLDEN_PATH, write);
  } finally {
    listener.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
