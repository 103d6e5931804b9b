/**
 * `play DTMF`: RFC 4733 events injected into a party's outgoing stream, as if that party had sent them. The
 * packets continue the stream's numbering (StreamControl.out): the first event packet takes the next sequence
 * number and a timestamp one frame on from the last packet (more when time has passed), every injected packet
 * raises the offset applied to the party's later packets, and the party's own audio is held back while the
 * event plays. Timers drive it, never a mailbox; events asked for while one plays queue up, `pause` apart.
 */
import type { PacketStream } from '../call/model.ts';
import type { StreamControl } from './media-control.ts';
import { buildEventPacket, planEvent } from './rfc4733.ts';
import { amplitudeOfDb, dtmfFrequencies } from './tone.ts';

export interface DtmfToPlay {
  event: number;
  durationMs: number;
  volume: number;
  pauseMs: number;
}

export interface Injection {
  payloadType: number;
  clockRate: number;
}

interface Queue {
  items: DtmfToPlay[];
  playing: boolean;
}

const queues = new WeakMap<StreamControl, Queue>();
const FRAME_MS = 20;

/** Where the injected packets go: out of the sink's socket to its endpoint, as a relayed packet would. */
function sendOut(from: PacketStream, pkt: Buffer): void {
  const out = from.sink;
  const ep = out?.endpoint;
  if (!out?.socket || !ep || ep.port === 0) return;
  try {
    out.socket.send(pkt, ep.port, ep.address);
  } catch {
    from.stats.errors++;
  }
}

function playOne(
  stream: PacketStream,
  c: StreamControl,
  inj: Injection,
  d: DtmfToPlay,
  now: () => number,
  done: () => void,
): void {
  const o = c.out;
  const frame = (inj.clockRate * FRAME_MS) / 1000;
  if (!o.seen) {
    o.ssrc = (Math.random() * 0x100000000) >>> 0;
    o.lastSeq = (Math.random() * 0x10000) & 0xffff;
    o.lastTimestamp = (Math.random() * 0x100000000) >>> 0;
    o.lastAt = now();
    o.seen = true;
  }
  const elapsedFrames = Math.max(1, Math.round((now() - o.lastAt) / FRAME_MS));
  const timestamp = (o.lastTimestamp + elapsedFrames * frame) >>> 0;
  const { durations } = planEvent(d.durationMs, inj.clockRate, FRAME_MS);
  o.injecting = true;
  let i = 0;
  const next = () => {
    const duration = durations[i];
    if (duration === undefined) {
      o.injecting = false;
      o.lastTimestamp = timestamp;
      o.lastAt = now();
      done();
      return;
    }
    const seq = (o.lastSeq + 1) & 0xffff;
    o.lastSeq = seq;
    o.seqOffset++;
    sendOut(
      stream,
      buildEventPacket({
        payloadType: inj.payloadType,
        marker: i === 0,
        seq,
        timestamp,
        ssrc: o.ssrc,
        block: { event: d.event, end: i >= durations.length - 3, volume: d.volume, duration },
      }),
    );
    i++;
    // the three end packets go out back to back (RFC 4733 §2.5.1.4 repeats them for loss, not pacing)
    const delay = i >= durations.length - 2 ? 0 : FRAME_MS;
    setTimeout(next, delay).unref();
  };
  next();
}

/** Queues one event on `stream` (the sending party's RTP stream). */
export function injectDtmf(
  stream: PacketStream,
  c: StreamControl,
  inj: Injection,
  d: DtmfToPlay,
  now: () => number = Date.now,
): void {
  let q = queues.get(c);
  if (!q) {
    q = { items: [], playing: false };
    queues.set(c, q);
  }
  q.items.push(d);
  const queue = q;
  const pump = () => {
    const item = queue.items.shift();
    if (!item) {
      queue.playing = false;
      return;
    }
    queue.playing = true;
    playOne(stream, c, inj, item, now, () => setTimeout(pump, item.pauseMs).unref());
  };
  if (!queue.playing) pump();
}

/** 10.5's tones for a `play DTMF` without `volume` are 15 dB below full scale (measured on its output). */
export const INBAND_DEFAULT_VOLUME = 15;

const inbandQueues = new WeakMap<StreamControl, DtmfToPlay[]>();

/**
 * Queues one digit as in-band audio on a stream without telephone-event: rtpengine 10.5 then writes the digit's
 * two tones over the party's own G.711 frames (no packet added, numbering and timestamps untouched), both tones at
 * half the peak of `volume` dB below full scale, the phase running on across frames; the frames of `pause` pass
 * as sent before the next digit.
 */
export function injectInbandDtmf(c: StreamControl, clockRate: number, d: DtmfToPlay): void {
  let q = inbandQueues.get(c);
  if (!q) {
    q = [];
    inbandQueues.set(c, q);
  }
  q.push(d);
  const queue = q;
  const next = () => {
    const item = queue.shift();
    if (!item) return;
    c.inband = {
      frequencies: dtmfFrequencies(item.event) ?? [],
      peak: amplitudeOfDb(item.volume),
      remaining: Math.max(1, Math.round((item.durationMs * clockRate) / 1000)),
      pauseSamples: Math.round((item.pauseMs * clockRate) / 1000),
      written: 0,
      done: next,
    };
  };
  if (!c.inband) next();
}
