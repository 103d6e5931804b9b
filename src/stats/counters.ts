/**
 * The daemon's counters, one table read by ng `statistics` (and later the CLI and Prometheus). Updated in place
 * by whoever observes the event; reading never blocks anyone.
 */
import type { CallEndReason } from '../call/model.ts';

/** Per command (by its statistics name): how many requests, and the seconds spent answering them. */
export interface CommandCounters {
  count: Record<string, number>;
  seconds: Record<string, number>;
  errors: number;
}

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
  /** ng requests of every proxy together. */
  readonly requests: CommandCounters = newCommandCounters();
  ngErrors = 0;
  /** Datagrams on the control port that were not ng messages at all. */
  ngDropped = 0;
  /** Per proxy IP address (controlstatistics). */
  readonly proxies = new Map<string, CommandCounters>();

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
  }

  callClosed(reason: CallEndReason, durationMs: number): void {
    this.closed[reason]++;
    this.totalCallDurationMs += durationMs;
  }

  get closedTotal(): number {
    let n = 0;
    for (const v of Object.values(this.closed)) n += v;
    return n;
  }
}
