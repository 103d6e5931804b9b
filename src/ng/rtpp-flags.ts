/**
 * `rtpp-flags`: the one string of Kamailio-style flags that Kamailio 6 sends instead of a dictionary
 * (`rtpengine_offer(flags, via-branch)`), parsed here into the dictionary keys Kamailio's module would have sent:
 *
 *   replace-origin replace-session-connection ICE=remove RTP/AVP direction=int direction=ext
 *   codec=[strip=[EVS] transcode=[PCMA PCMU]] codec-mask-opus trust-address label=caller TOS=184
 *
 * - a bare word is a flag (`flags[]`), except the prefix forms below and transport protocols;
 * - `key=value` sets a key; `key=[a b]` a list; `key=[k=v k=[x]]` a dictionary; `direction=` accumulates;
 * - prefix forms: `replace-X` → replace[X], `rtcp-mux-X` → rtcp-mux[X], `SDES-X` → SDES[X], `OSRTP-X` → OSRTP[X],
 *   `T.38-X` → T.38[X], `codec-VERB-X` and `codec-VERB=X` → codec{VERB: [X]}, `from-tags-X` → from-tags[X];
 * - `--` inside a value stands for `=` (so a value can carry an equals sign).
 * Pure; a malformed string (an unclosed bracket) is an NgError with rtpengine's wording.
 */
import { NgError } from './errors.ts';
import type { NgDict, NgValue } from './types.ts';

const LIST_PREFIXES: readonly [string, string][] = [
  ['replace-', 'replace'],
  ['rtcp-mux-', 'rtcp-mux'],
  ['SDES-', 'SDES'],
  ['OSRTP-', 'OSRTP'],
  ['T.38-', 'T.38'],
  ['from-tags-', 'from-tags'],
];

const CODEC_VERBS = ['strip', 'offer', 'transcode', 'mask', 'consume', 'accept', 'set', 'except', 'ignore'];

const TRANSPORT = /^(RTP|UDP\/TLS\/RTP)\/S?AVPF?$/;

type Token = string | Token[];

/** Splits on blanks, grouping `[ ... ]` (nested) into arrays; `key=[...]` keeps the key on the group. */
function tokenize(text: string): { key: string | null; value: Token }[] {
  let pos = 0;
  const readList = (): Token[] => {
    const out: Token[] = [];
    for (;;) {
      while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
      if (pos >= text.length) throw new NgError('Unclosed bracket in rtpp-flags');
      if (text[pos] === ']') {
        pos++;
        return out;
      }
      out.push(readItem());
    }
  };
  const readItem = (): Token => {
    if (text[pos] === '[') {
      pos++;
      return readList();
    }
    let word = '';
    while (pos < text.length && !/[\s\]]/.test(text[pos] as string)) {
      if (text[pos] === '=' && text[pos + 1] === '[') {
        pos += 2;
        const inner = readList();
        return [`${word}=`, ...inner];
      }
      word += text[pos];
      pos++;
    }
    return word;
  };
  const items: { key: string | null; value: Token }[] = [];
  for (;;) {
    while (pos < text.length && /\s/.test(text[pos] as string)) pos++;
    if (pos >= text.length) break;
    if (text[pos] === ']') throw new NgError('Unbalanced bracket in rtpp-flags');
    const item = readItem();
    items.push(asKeyed(item));
  }
  return items;
}

/** `key=value` words and `key=[...]` groups become keyed items. */
function asKeyed(item: Token): { key: string | null; value: Token } {
  if (Array.isArray(item)) {
    const head = item[0];
    if (typeof head === 'string' && head.endsWith('='))
      return { key: head.slice(0, -1), value: item.slice(1) };
    return { key: null, value: item };
  }
  const eq = item.indexOf('=');
  if (eq > 0) return { key: item.slice(0, eq), value: item.slice(eq + 1) };
  return { key: null, value: item };
}

function unescapeEquals(s: string): string {
  return s.replaceAll('--', '=');
}

/** A bracketed group: a dictionary when every item is keyed, else a list. */
function toValue(t: Token): NgValue {
  if (!Array.isArray(t)) return unescapeEquals(t);
  const keyed = t.map(asKeyed);
  if (keyed.length > 0 && keyed.every((k) => k.key !== null)) {
    const d: NgDict = Object.create(null);
    for (const k of keyed) d[k.key as string] = toValue(k.value);
    return d;
  }
  return t.map(toValue);
}

function pushTo(dict: NgDict, key: string, value: NgValue): void {
  const cur = dict[key];
  if (Array.isArray(cur)) cur.push(value);
  else dict[key] = [value];
}

function codecVerb(dict: NgDict, verb: string, value: NgValue): void {
  let codec = dict.codec;
  if (codec === undefined || typeof codec !== 'object' || codec === null || Array.isArray(codec)) {
    codec = Object.create(null) as NgDict;
    dict.codec = codec;
  }
  const values = Array.isArray(value) ? value : [value];
  const cur = (codec as NgDict)[verb];
  (codec as NgDict)[verb] = Array.isArray(cur) ? [...cur, ...values] : values;
}

export function parseRtppFlags(text: string): NgDict {
  const out: NgDict = Object.create(null);
  for (const { key, value } of tokenize(text)) {
    if (key === null) {
      if (Array.isArray(value)) throw new NgError('Unexpected bracket in rtpp-flags');
      const word = value;
      if (word === '') continue;
      if (TRANSPORT.test(word)) {
        out['transport-protocol'] = word;
        continue;
      }
      const codec = /^codec-([a-z]+)-(.+)$/.exec(word);
      if (codec && CODEC_VERBS.includes(codec[1] as string)) {
        codecVerb(out, codec[1] as string, unescapeEquals(codec[2] as string));
        continue;
      }
      const prefix = LIST_PREFIXES.find(([p]) => word.startsWith(p) && word.length > p.length);
      if (prefix) {
        pushTo(out, prefix[1], word.slice(prefix[0].length));
        continue;
      }
      pushTo(out, 'flags', word);
      continue;
    }
    const v = toValue(value);
    const codec = /^codec-([a-z]+)$/.exec(key);
    if (codec && CODEC_VERBS.includes(codec[1] as string)) codecVerb(out, codec[1] as string, v);
    else if (key === 'direction') pushTo(out, 'direction', v);
    else if (key === 'flags' && Array.isArray(v)) for (const f of v) pushTo(out, 'flags', f);
    else out[key] = v;
  }
  return out;
}

/**
 * Merges a parsed rtpp-flags dictionary into the request: keys the request already has win, except lists
 * (`flags`, `replace`, `direction`, ...), which are joined.
 */
export function withRtppFlags(request: NgDict, parsed: NgDict): NgDict {
  const merged: NgDict = Object.create(null);
  for (const k of Object.keys(request)) if (k !== 'rtpp-flags') merged[k] = request[k] as NgValue;
  for (const k of Object.keys(parsed)) {
    const mine = merged[k];
    const theirs = parsed[k] as NgValue;
    if (mine === undefined) merged[k] = theirs;
    else if (Array.isArray(mine) && Array.isArray(theirs)) merged[k] = [...mine, ...theirs];
  }
  return merged;
}
