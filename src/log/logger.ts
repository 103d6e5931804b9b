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

/** Takes one line (with its newline); `flush`, when present, writes out whatever the sink still holds. */
export type LogSink = ((line: string) => void) & { flush?: () => void };

/**
 * Writes lines to a file descriptor in batches: the lines of one turn of the event loop go out in one write when
 * the turn ends. Under a call setup load a call thread logs a line or two per call, and a write per line cost 7%
 * of the thread's time. A batch never exceeds PIPE_BUF (4096 bytes), so a batch written to a pipe lands whole and
 * the lines of different threads still never interleave mid-line; a longer line goes alone. What the sink holds
 * when the thread is killed from outside (or runs out of memory) is lost: at most one turn's lines.
 */
export function batchedFdSink(fd: number, write: (fd: number, text: string) => void = writeSync): LogSink {
  const PIPE_BUF = 4096;
  let pending = '';
  let pendingBytes = 0;
  let scheduled = false;
  const flush = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    pendingBytes = 0;
    try {
      write(fd, text);
    } catch {
      // the descriptor is gone (closed pipe): nothing better to do with log lines
    }
  };
  const sink = (line: string): void => {
    const bytes = Buffer.byteLength(line);
    if (pendingBytes + bytes > PIPE_BUF) flush();
    pending += line;
    pendingBytes += bytes;
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => {
        scheduled = false;
        flush();
      });
    }
  };
  return Object.assign(sink, { flush });
}

/**
 * stderr, from any thread. A worker thread's process.stderr is a stream that hands every chunk to the main thread
 * over a message port; a call thread writes its lines to fd 2 itself, batched per turn of its event loop (the main
 * thread's stderr is synchronous for files and pipes on Linux, and it logs little once calls run in threads).
 */
function stderrSink(): LogSink {
  if (isMainThread) return (line) => process.stderr.write(line);
  const sink = batchedFdSink(2);
  process.once('exit', () => sink.flush?.());
  return sink;
}

let sharedStderr: LogSink | undefined;

/** One stderr sink per thread, whichever loggers write to it (their lines share its batches). */
function threadStderr(): LogSink {
  if (!sharedStderr) sharedStderr = stderrSink();
  return sharedStderr;
}

export class Logger {
  #threshold: number;
  #sink: LogSink;
  readonly #base: LogFields;

  constructor(opts: { level?: number; sink?: LogSink; base?: LogFields } = {}) {
    this.#threshold = opts.level ?? 6;
    this.#sink = opts.sink ?? threadStderr();
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
    // what is worse than a warning is written before anything else happens (the thread may be about to die)
    if (LEVELS[level] <= LEVELS.err) this.#sink.flush?.();
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
