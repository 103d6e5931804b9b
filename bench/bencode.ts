/**
 * Just enough bencode for the ng protocol. Kamailio sends dictionary keys in insertion order (not
 * sorted), so the encoder keeps the caller's order; strings travel as latin1 so every byte survives.
 */
export type BValue = string | number | BValue[] | { [key: string]: BValue };

export function bencode(value: BValue): string {
  if (typeof value === 'number') return `i${Math.trunc(value)}e`;
  if (typeof value === 'string') return `${Buffer.byteLength(value, 'latin1')}:${value}`;
  if (Array.isArray(value)) return `l${value.map(bencode).join('')}e`;
  let out = 'd';
  for (const [key, item] of Object.entries(value)) out += bencode(key) + bencode(item);
  return `${out}e`;
}

/** Decodes one bencoded value from a latin1 string; throws on malformed input. */
export function bdecode(text: string): BValue {
  const [value, end] = decodeAt(text, 0);
  if (end !== text.length) throw new Error(`trailing bytes after bencoded value at ${end}`);
  return value;
}

function decodeAt(text: string, at: number): [BValue, number] {
  const head = text[at];
  if (head === 'i') {
    const end = text.indexOf('e', at);
    if (end < 0) throw new Error('unterminated integer');
    return [Number(text.slice(at + 1, end)), end + 1];
  }
  if (head === 'l') {
    const list: BValue[] = [];
    let pos = at + 1;
    while (text[pos] !== 'e') {
      if (pos >= text.length) throw new Error('unterminated list');
      const [item, next] = decodeAt(text, pos);
      list.push(item);
      pos = next;
    }
    return [list, pos + 1];
  }
  if (head === 'd') {
    const dict: { [key: string]: BValue } = Object.create(null);
    let pos = at + 1;
    while (text[pos] !== 'e') {
      if (pos >= text.length) throw new Error('unterminated dictionary');
      const [key, afterKey] = decodeAt(text, pos);
      if (typeof key !== 'string') throw new Error('dictionary key is not a string');
      const [item, next] = decodeAt(text, afterKey);
      dict[key] = item;
      pos = next;
    }
    return [dict, pos + 1];
  }
  const colon = text.indexOf(':', at);
  if (colon < 0) throw new Error(`bad bencode at ${at}`);
  const length = Number(text.slice(at, colon));
  if (!Number.isInteger(length) || length < 0) throw new Error(`bad string length at ${at}`);
  const end = colon + 1 + length;
  if (end > text.length) throw new Error('truncated string');
  return [text.slice(colon + 1, end), end];
}
