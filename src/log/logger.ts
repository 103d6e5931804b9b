/**
 * Structured logging: one JSON object per line on stderr (rtpengine's `-E`/`--log-stderr`), so an operator's
 * tooling can read it. Levels follow syslog numbering as rtpengine's `--log-level` does (0 emerg … 7 debug).
 */
import { writeSync } from 'node:fs';
import { isMainThread } from 'node:worker_threads';

export type LogLevelName = 'emerg' | 'alert' | 'crit' | 'err' | 'warning' | 'notice' | 'info' | 'debug';

const LEVELS: Record<LogLevelName, number> = {
  emerg: 0,
  alert: 1,
  crit: 2,
  err: 3,
  warning: 4,
  notice: 5,
  info: 6,
  debug: 7,
};

export type LogFields = Record<string, unknown>;

export type LogSink = (line: string) => void;

/**
 * stderr, from any thread. A worker thread's process.stderr is a stream that hands every chunk to the main thread
 * over a message port; a call thread writes its lines to fd 2 itself (synchronously, as the main thread's stderr
 * does for files and pipes on Linux; one line is one write, so lines of different threads do not interleave).
 */
const stderrSink: LogSink = isMainThread
  ? (line) => process.stderr.write(line)
  : (line) => {
      try {
        writeSync(2, line);
      } catch {
        // stderr gone (closed pipe): nothing better to do with a log line
      }
    };

export class Logger {
  #threshold: number;
  #sink: LogSink;
  readonly #base: LogFields;

  constructor(opts: { level?: number; sink?: LogSink; base?: LogFields } = {}) {
    this.#threshold = opts.level ?? 6;
    this.#sink = opts.sink ?? stderrSink;
    this.#base = opts.base ?? {};
  }

  get level(): number {
    return this.#threshold;
  }

  set level(n: number) {
    this.#threshold = n;
  }

  child(fields: LogFields): Logger {
    const c = new Logger({ level: this.#threshold, sink: this.#sink, base: { ...this.#base, ...fields } });
    return c;
  }

  enabled(level: LogLevelName): boolean {
    return LEVELS[level] <= this.#threshold;
  }

  log(level: LogLevelName, msg: string, fields?: LogFields): void {
    if (LEVELS[level] > this.#threshold) return;
    const rec = { time: new Date().toISOString(), level, msg, ...this.#base, ...fields };
    let line: string;
    try {
      // A replacer function takes JSON.stringify off its fast path: only records that need one get it.
      line =
        fields !== undefined && needsReplacer(fields)
          ? JSON.stringify(rec, errorReplacer)
          : JSON.stringify(rec);
    } catch {
      line = JSON.stringify({ time: rec.time, level, msg, note: 'unserialisable fields dropped' });
    }
    this.#sink(line + '\n');
  }

  err(msg: string, fields?: LogFields): void {
    this.log('err', msg, fields);
  }
  warn(msg: string, fields?: LogFields): void {
    this.log('warning', msg, fields);
  }
  notice(msg: string, fields?: LogFields): void {
    this.log('notice', msg, fields);
  }
  info(msg: string, fields?: LogFields): void {
    this.log('info', msg, fields);
  }
  debug(msg: string, fields?: LogFields): void {
    this.log('debug', msg, fields);
  }
}

/** Errors and bigints anywhere in the fields need errorReplacer (one level down is as deep as our fields go). */
function needsReplacer(fields: LogFields): boolean {
  for (const key in fields) {
    const v = fields[key];
    if (typeof v === 'bigint') return true;
    if (typeof v === 'object' && v !== null) {
      if (v instanceof Error) return true;
      for (const inner of Object.values(v)) {
        if (typeof inner === 'bigint' || (typeof inner === 'object' && inner !== null)) return true;
      }
    }
  }
  return false;
}

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger = new Logger({ level: -1, sink: () => {} });
