/**
 * Structured logging: one JSON object per line on stderr (rtpengine's `-E`/`--log-stderr`), so an operator's
 * tooling can read it. Levels follow syslog numbering as rtpengine's `--log-level` does (0 emerg … 7 debug).
 */
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

export class Logger {
  #threshold: number;
  #sink: LogSink;
  readonly #base: LogFields;

  constructor(opts: { level?: number; sink?: LogSink; base?: LogFields } = {}) {
    this.#threshold = opts.level ?? 6;
    this.#sink = opts.sink ?? ((line) => process.stderr.write(line));
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
      line = JSON.stringify(rec, errorReplacer);
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

function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A logger that drops everything: for tests that do not look at logs. */
export const silentLogger = new Logger({ level: -1, sink: () => {} });
