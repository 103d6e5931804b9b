/**
 * Supervision records: one structured record for every actor failure and the decision taken about it.
 * Operators read these for fault analysis, so the shape is fixed and versioned by its `event` name.
 */
import type { Logger } from './logger.ts';

export type SupervisionDecision = 'stop' | 'restart' | 'resume' | 'escalate';

export interface SupervisionRecord {
  event: 'actor.crash';
  /** The path of the actor that failed, e.g. `/shard-12/call-5/monologue-0/media-1`. */
  path: string;
  /** The path of the supervisor that decided (the failed actor itself, or the ancestor it escalated to). */
  decidedBy: string;
  /** The call the actor belongs to, when it belongs to one. */
  callId: string | null;
  /** What the actor was handling when it failed (the message's kind), when known. */
  message: string | null;
  error: { name: string; message: string; stack?: string | undefined };
  decision: SupervisionDecision;
  time: string;
}

/** Keeps the last records in memory (for `statistics` and tests) and writes each as a log line. */
export class SupervisionLog {
  readonly #recent: SupervisionRecord[] = [];
  readonly #max: number;
  #count = 0;

  constructor(
    private readonly logger: Logger,
    max = 256,
  ) {
    this.#max = max;
  }

  record(r: Omit<SupervisionRecord, 'event' | 'time'>): SupervisionRecord {
    const rec: SupervisionRecord = { event: 'actor.crash', time: new Date().toISOString(), ...r };
    this.#count++;
    this.#recent.push(rec);
    if (this.#recent.length > this.#max) this.#recent.shift();
    this.logger.log('err', 'actor failed', { supervision: rec });
    return rec;
  }

  get count(): number {
    return this.#count;
  }

  recent(): readonly SupervisionRecord[] {
    return this.#recent;
  }
}

export function describeError(e: unknown): SupervisionRecord['error'] {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'NonError', message: String(e) };
}
