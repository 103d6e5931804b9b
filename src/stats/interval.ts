/**
 * One reporting interval's figures (rtpengine's `intervalstatistics`, what it last sent to graphite): the least
 * and most calls open at once, the calls' duration, and per command the shortest, longest and mean time to
 * answer and the requests per second.
 */

export interface DelayFigures {
  min: number;
  max: number;
  avg: number;
}

export interface IntervalFigures {
  /** Seconds of the calls that closed in the interval. */
  callsDuration: number;
  minManagedSessions: number;
  maxManagedSessions: number;
  /** By command statistics name; commands without requests are absent. */
  delays: Record<string, DelayFigures>;
  /** Requests per second by command statistics name, rounded to whole requests as 10.5 prints them. */
  rates: Record<string, number>;
}

interface DelaySums {
  count: number;
  seconds: number;
  min: number;
  max: number;
}

export class IntervalWindow {
  #callsDuration = 0;
  #minSessions: number;
  #maxSessions: number;
  readonly #delays = new Map<string, DelaySums>();

  constructor(openCalls: number) {
    this.#minSessions = openCalls;
    this.#maxSessions = openCalls;
  }

  request(statsName: string, seconds: number): void {
    const d = this.#delays.get(statsName);
    if (!d) this.#delays.set(statsName, { count: 1, seconds, min: seconds, max: seconds });
    else {
      d.count++;
      d.seconds += seconds;
      d.min = Math.min(d.min, seconds);
      d.max = Math.max(d.max, seconds);
    }
  }

  sessions(open: number): void {
    this.#minSessions = Math.min(this.#minSessions, open);
    this.#maxSessions = Math.max(this.#maxSessions, open);
  }

  callClosed(seconds: number): void {
    this.#callsDuration += seconds;
  }

  close(seconds: number): IntervalFigures {
    const delays: Record<string, DelayFigures> = {};
    const rates: Record<string, number> = {};
    for (const [name, d] of this.#delays) {
      delays[name] = { min: d.min, max: d.max, avg: d.seconds / d.count };
      rates[name] = seconds > 0 ? Math.round(d.count / seconds) : 0;
    }
    return {
      callsDuration: this.#callsDuration,
      minManagedSessions: this.#minSessions,
      maxManagedSessions: this.#maxSessions,
      delays,
      rates,
    };
  }
}
