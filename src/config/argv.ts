/**
 * The command line, parsed the way GLib's option parser parses rtpengine's: the option table decides whether an
 * option takes a value, and an option that takes one always takes the next argument, so `-t -1` means table -1.
 * Values stay strings here; `config.ts` checks them, so every error can name its option.
 */
import { OPTIONS, type OptionSpec } from './options.ts';

export class ArgvError extends Error {
  override readonly name = 'ArgvError';
}

export type ArgValue = string | string[] | boolean;

export interface ParsedArgv {
  /** By long name, in the order first given. Lists accumulate; any other option given twice keeps the last. */
  readonly values: ReadonlyMap<string, ArgValue>;
  /** Arguments that are not options, and everything after `--`; rtpengine ignores them. */
  readonly positionals: readonly string[];
  /** Set when `--help`, `-h` or `-?` was reached: GLib stops there and later arguments are not looked at. */
  readonly help: boolean;
}

export function parseArgv(argv: readonly string[], options: readonly OptionSpec[] = OPTIONS): ParsedArgv {
  const byLong = new Map(options.map((o) => [o.long, o]));
  const byShort = new Map(options.filter((o) => o.short !== null).map((o) => [o.short as string, o]));
  const values = new Map<string, ArgValue>();
  const positionals: string[] = [];

  const store = (spec: OptionSpec, value: string | true): void => {
    if (spec.kind === 'list') {
      const list = values.get(spec.long);
      values.set(spec.long, [...(Array.isArray(list) ? list : []), String(value)]);
    } else {
      values.set(spec.long, value);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      const spec = byLong.get(name);
      if (spec === undefined) throw new ArgvError(`Unknown option --${name}`);
      if (spec.kind === 'flag') {
        if (spec.long === 'help') return { values, positionals, help: true };
        // rtpengine (GLib) accepts `--foreground=anything` and sets the flag, whatever the text says.
        store(spec, true);
        continue;
      }
      if (eq >= 0) {
        store(spec, arg.slice(eq + 1));
        continue;
      }
      const next = argv[i + 1];
      if (next === undefined) throw new ArgvError(`Missing argument for --${name}`);
      store(spec, next);
      i++;
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A bundle of short options: `-fE`. A letter that takes a value ends the bundle: the rest of the word is
      // the value (`-t-1`, an extension: GLib refuses it), or else the next argument is (`-t -1`).
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const spec = byShort.get(letter === '?' ? 'h' : letter);
        if (spec === undefined) throw new ArgvError(`Unknown option -${letter}`);
        if (spec.kind === 'flag') {
          if (spec.long === 'help') return { values, positionals, help: true };
          store(spec, true);
          continue;
        }
        const rest = arg.slice(j + 1);
        if (rest !== '') {
          store(spec, rest);
        } else {
          const next = argv[i + 1];
          if (next === undefined) throw new ArgvError(`Missing argument for -${letter}`);
          store(spec, next);
          i++;
        }
        break;
      }
      continue;
    }
    positionals.push(arg);
  }
  return { values, positionals, help: false };
}
