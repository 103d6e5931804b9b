/**
 * The daemon's counters, one table read by ng `statistics` (and later the CLI and Prometheus). Updated in place
 * by whoever observes the event; reading never blocks anyone.
 */
import type { CallEndReason } from '../call/model.ts';
import { type IntervalFigures, IntervalWindow } from './interval.ts';

/** Per command (by its statistics name): how many requests, and the seconds spent answering them. */
export interface CommandCounters {
  count: Record<string, number>;
  seconds: Record<string, number>;
  errors: number;
}

/**
 * Which directions of a call carried packets when it ended: rtpengine 10.5 counts a call with none as a
 * zero-way stream and one where a single party sent as a one-way stream.
 */
export type CallPacketFlow = 'none' | 'one-way' | 'both-ways';

function newCommandCounters(): CommandCounters {
  return { count: Object.create(null), seconds: Object.create(null), errors: 0 };
}

export class Counters {
  readonly started = Date.now();
  managedSessions = 0;
  rejectedSessions = 0;
  readonly closed: Record<CallEndReason, number> = {
    regular: 0,
    forced: 0,
    timeout: 0,
    'silent-timeout': 0,
    'final-timeout': 0,
    'offer-timeout': 0,
  };
  totalCallDurationMs = 0;
  /** Sum of each closed call's duration squared, in seconds², the duration cut to whole ms first (as 10.5 does). */
  totalCallDurationSquared = 0;
  zeroWayStreams = 0;
  oneWayStreams = 0;
  /** ng requests of every proxy together. */
  readonly requests: CommandCounters = newCommandCounters();
  ngErrors = 0;
  /** Datagrams on the control port that were not ng messages at all. */
  ngDropped = 0;
  /** Per proxy IP address (controlstatistics). */
  readonly proxies = new Map<string, CommandCounters>();
  /** Calls open now, for the interval's least and most managed sessions. */
  #openCalls = 0;
  #window = new IntervalWindow(0);
  /**
   * The figures of the last interval closed by `closeInterval`, shown as `intervalstatistics`. rtpengine 10.5
   * closes one per graphite report and shows zeros when no graphite server is configured; we send no graphite
   * reports, so without a caller this stays null and the section reads zero like 10.5's.
   */
  lastInterval: IntervalFigures | null = null;

  countRequest(proxy: string, statsName: string, seconds: number, failed: boolean): void {
    let p = this.proxies.get(proxy);
    if (!p) {
      p = newCommandCounters();
      this.proxies.set(proxy, p);
    }
    for (const c of [this.requests, p]) {
      c.count[statsName] = (c.count[statsName] ?? 0) + 1;
      c.seconds[statsName] = (c.seconds[statsName] ?? 0) + seconds;
      if (failed) c.errors++;
    }
    this.#window.request(statsName, seconds);
  }

  callStarted(): void {
    this.managedSessions++;
    this.#openCalls++;
    this.#window.sessions(this.#openCalls);
  }

  callClosed(reason: CallEndReason, durationMs: number, flow: CallPacketFlow = 'both-ways'): void {
    this.closed[reason]++;
    this.totalCallDurationMs += durationMs;
    const wholeMs = Math.floor(durationMs) / 1000;
    this.totalCallDurationSquared += wholeMs * wholeMs;
    if (flow === 'none') this.zeroWayStreams++;
    else if (flow === 'one-way') this.oneWayStreams++;
    this.#openCalls = Math.max(0, this.#openCalls - 1);
    this.#window.sessions(this.#openCalls);
    this.#window.callClosed(durationMs / 1000);
  }

  /** Ends the current interval of `seconds` (a graphite report's) and starts the next one. */
  closeInterval(seconds: number): IntervalFigures {
    this.lastInterval = this.#window.close(seconds);
    this.#window = new IntervalWindow(this.#openCalls);
    return this.lastInterval;
  }

  get closedTotal(): number {
    let n = 0;
    for (const v of Object.values(this.closed)) n += v;
    return n;
  }
}
