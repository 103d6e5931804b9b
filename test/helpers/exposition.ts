/**
 * A strict reader of Prometheus text exposition format (0.0.4), for tests: it throws on anything a scraper
 * would reject (bad names, unquoted or badly escaped label values, a value that is not a float, a second TYPE
 * or HELP for one name, a TYPE after that name's first sample, a duplicate series). Families may be split by
 * other families, as rtpengine 10.5 prints them and Prometheus accepts.
 */

export interface ExpositionSample {
  labels: Record<string, string>;
  value: number;
}

export interface ExpositionFamily {
  type: string | null;
  help: string | null;
  samples: ExpositionSample[];
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

function parseValue(s: string, line: string): number {
  if (s === '+Inf' || s === 'Inf') return Number.POSITIVE_INFINITY;
  if (s === '-Inf') return Number.NEGATIVE_INFINITY;
  if (s === 'NaN') return Number.NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) throw new Error(`bad value in: ${line}`);
  return Number(s);
}

/** Reads `{a="x",b="y"}` from the start of `s`; returns the labels and what follows the closing brace. */
function parseLabels(s: string, line: string): [Record<string, string>, string] {
  const labels: Record<string, string> = {};
  let i = 1;
  while (s[i] !== '}') {
    const eq = s.indexOf('=', i);
    if (eq < 0) throw new Error(`bad labels in: ${line}`);
    const name = s.slice(i, eq);
    if (!LABEL_NAME.test(name)) throw new Error(`bad label name "${name}" in: ${line}`);
    if (Object.hasOwn(labels, name)) throw new Error(`label "${name}" twice in: ${line}`);
    if (s[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`);
    let v = '';
    let j = eq + 2;
    for (;;) {
      const c = s[j];
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`);
      if (c === '"') break;
      if (c === '\\') {
        const e = s[j + 1];
        if (e === '\\') v += '\\';
        else if (e === '"') v += '"';
        else if (e === 'n') v += '\n';
        else throw new Error(`bad escape in: ${line}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    labels[name] = v;
    i = j + 1;
    if (s[i] === ',') i++;
    else if (s[i] !== '}') throw new Error(`expected , or } in: ${line}`);
  }
  return [labels, s.slice(i + 1)];
}

export function parseExposition(text: string): Map<string, ExpositionFamily> {
  const families = new Map<string, ExpositionFamily>();
  const seriesSeen = new Set<string>();
  const family = (name: string) => {
    let f = families.get(name);
    if (!f) {
      f = { type: null, help: null, samples: [] };
      families.set(name, f);
    }
    return f;
  };
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition must end with a line feed');
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
      if (!m) continue; // a plain comment
      const [, kind, name = '', rest = ''] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`bad metric name in: ${line}`);
      const f = family(name);
      if (kind === 'HELP') {
        if (f.help !== null) throw new Error(`second HELP for ${name}`);
        f.help = rest;
      } else {
        if (f.type !== null) throw new Error(`second TYPE for ${name}`);
        if (f.samples.length > 0) throw new Error(`TYPE for ${name} after its samples`);
        if (!TYPES.has(rest)) throw new Error(`bad type in: ${line}`);
        f.type = rest;
      }
      continue;
    }
    const nameMatch = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line);
    if (!nameMatch) throw new Error(`bad sample line: ${line}`);
    const name = nameMatch[0];
    let rest = line.slice(name.length);
    let labels: Record<string, string> = {};
    if (rest.startsWith('{')) [labels, rest] = parseLabels(rest, line);
    const parts = rest.trim().split(/\s+/);
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2)
      throw new Error(`bad sample line: ${line}`);
    const value = parseValue(parts[0] ?? '', line);
    if (parts[1] !== undefined && !/^-?\d+$/.test(parts[1])) throw new Error(`bad timestamp in: ${line}`);
    const series = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seriesSeen.has(series)) throw new Error(`duplicate series: ${line}`);
    seriesSeen.add(series);
    family(name).samples.push({ labels, value });
  }
  return families;
}

/** Finds the one sample of `name` whose labels include `labels`; undefined when none. */
export function sampleValue(
  families: Map<string, ExpositionFamily>,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const f = families.get(name);
  const s = f?.samples.find((x) => Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  return s?.value;
}

/** Per family: its type and the sorted set of label names its samples use (for comparing two exporters). */
export function familyShapes(families: Map<string, ExpositionFamily>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, f] of families) {
    const labelNames = new Set<string>();
    for (const s of f.samples) for (const k of Object.keys(s.labels)) labelNames.add(k);
    out.set(name, `${f.type ?? 'untyped'} {${[...labelNames].sort().join(',')}}`);
  }
  return out;
}

/**
 * Families rtpengine 10.5 prints from figures our statistics tree does not hold: none since the tree carries
 * zero-way and one-way streams, squared call durations and the MOS section (zeros: we take no MOS samples).
 */
export const UNMEASURED_FAMILIES: readonly string[] = [];
