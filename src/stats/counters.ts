/**
 * The daemon's counters, one table read by ng `statistics` (and later the CLI and Prometheus). Updated in place
 * by whoever observes the event; reading never blocks anyone.
 */
import type { CallEndReason } from '../call/model.ts';

export interface ControlCounters {
  [command: string]: number;
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
  /** ng requests per command name, and errors. */
  readonly requests: ControlCounters = Object.create(null);
  ngErrors = 0;
  /** Datagrams on the control port that were not ng messages at all. */
  ngDropped = 0;
  /** Per proxy address: requests per command (controlstatistics). */
  readonly proxies = new Map<string, ControlCounters>();

  countRequest(proxy: string, statsName: string): void {
    this.requests[statsName] = (this.requests[statsName] ?? 0) + 1;
    let p = this.proxies.get(proxy);
    if (!p) {
      p = Object.create(null) as ControlCounters;
      this.proxies.set(proxy, p);
    }
    p[statsName] = (p[statsName] ?? 0) + 1;
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
