/**
 * A reader for GLib's key-file format, the format of rtpengine.conf. It is not INI: `;` separates list items
 * (`interface = a/1.2.3.4;b/5.6.7.8`) instead of starting a comment, so a generic INI parser loses data.
 *
 * Pure: text in, groups out. Values are kept raw (escapes still in) because whether `\;` splits depends on
 * whether the option is a list; the typed readers below decode them.
 */

export class KeyFileError extends Error {
  override readonly name = 'KeyFileError';
  constructor(
    message: string,
    /** 1-based line of the file, or 0 when the problem has no single line. */
    readonly line: number,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

export interface KeyFileEntry {
  readonly key: string;
  /** The text after `=`, leading blanks removed, escapes not yet decoded. */
  readonly raw: string;
  readonly line: number;
}

export interface KeyFileGroup {
  readonly name: string;
  /** The line of the group's first header. */
  readonly line: number;
  /** A key given twice keeps its last value, as GLib does. */
  readonly entries: ReadonlyMap<string, KeyFileEntry>;
}

export interface KeyFile {
  /** In the order of first appearance; a group whose header repeats is one group. */
  readonly groups: ReadonlyMap<string, KeyFileGroup>;
}

export function parseKeyFile(text: string): KeyFile {
  const groups = new Map<string, { name: string; line: number; entries: Map<string, KeyFileEntry> }>();
  let current: { entries: Map<string, KeyFileEntry> } | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    // GLib skips leading blanks before deciding what a line is; trailing ones belong to the value.
    const line = (lines[i] ?? '').replace(/^[ \t]+/, '');
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      const close = line.indexOf(']');
      if (close < 0 || line.slice(close + 1).trim() !== '') {
        throw new KeyFileError(`invalid group header '${line}'`, lineNo);
      }
      const name = line.slice(1, close);
      if (name === '' || /[[\]]/.test(name)) throw new KeyFileError(`invalid group name '${name}'`, lineNo);
      let group = groups.get(name);
      if (group === undefined) {
        group = { name, line: lineNo, entries: new Map() };
        groups.set(name, group);
      }
      current = group;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new KeyFileError(`'${line}' is not a key-value pair, group, or comment`, lineNo);
    const key = line.slice(0, eq).replace(/[ \t]+$/, '');
    if (key === '') throw new KeyFileError('empty key name', lineNo);
    if (current === null) throw new KeyFileError('key file does not start with a group', lineNo);
    const raw = line.slice(eq + 1).replace(/^[ \t]+/, '');
    current.entries.set(key, { key, raw, line: lineNo });
  }
  return { groups };
}

/** Decodes `\s \n \t \r \\` (and `\;` outside lists); any other escape is an error, as in GLib. */
function decodeEscapes(raw: string, line: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const next = raw[++i];
    switch (next) {
      case 's':
        out += ' ';
        break;
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case ';':
        out += ';';
        break;
      case undefined:
        throw new KeyFileError('value ends with a lone backslash', line);
      default:
        throw new KeyFileError(`invalid escape sequence '\\${next}'`, line);
    }
  }
  return out;
}

/**
 * rtpengine trims trailing blanks off every value it reads; it does so before decoding, so a `\s` at the end
 * survives.
 */
function trimEnd(raw: string): string {
  return raw.replace(/[ \t]+$/, '');
}

export function keyFileString(entry: KeyFileEntry): string {
  return decodeEscapes(trimEnd(entry.raw), entry.line);
}

/** Items split at unescaped `;`; a trailing `;` ends the list (GLib writes lists that way). Items are not trimmed. */
export function keyFileStringList(entry: KeyFileEntry): string[] {
  const raw = trimEnd(entry.raw);
  const items: string[] = [];
  let item = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\' && i + 1 < raw.length) {
      item += c + raw[++i];
    } else if (c === ';') {
      items.push(item);
      item = '';
    } else {
      item += c;
    }
  }
  if (item !== '') items.push(item);
  return items.map((i) => decodeEscapes(i, entry.line));
}

/** Only `true`, `false`, `1` and `0`, case-sensitive: rtpengine refuses to start on `yes` or `TRUE`. */
export function keyFileBoolean(entry: KeyFileEntry): boolean {
  const value = trimEnd(entry.raw);
  if (value === 'true' || value === '1') return true;
  if (value === 'false' || value === '0') return false;
  throw new KeyFileError(
    `value '${value}' of key '${entry.key}' is not a boolean (true/false/1/0)`,
    entry.line,
  );
}

/** The names after `PREFIX-` of the groups `[PREFIX-name]`, which rtpengine reads as sub-sections. */
export function subSectionNames(file: KeyFile, prefix: string): string[] {
  const start = `${prefix}-`;
  return [...file.groups.keys()].filter((g) => g.startsWith(start)).map((g) => g.slice(start.length));
}
