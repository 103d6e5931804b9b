/**
 * One `statistics` reply from the replies of several call threads (actors/threads/): counts and durations add
 * up, the average call duration and the standard deviations are computed again from the sums (of squares),
 * per-proxy counters are merged by proxy, the interval's least delays are the least of the threads' and its
 * longest the longest, and what all threads share (the port pools of `interfaces`, the uptime) is taken once.
 * Pure.
 */
import type { NgDict, NgValue } from '../ng/types.ts';
import { stddev } from './stddev.ts';

const CLOSED_KEYS = [
  'timeoutsessions',
  'silenttimeoutsessions',
  'finaltimeoutsessions',
  'offertimeoutsessions',
  'regularterminatedsessions',
  'forcedterminatedsessions',
] as const;

const fixed6 = (n: number) => n.toFixed(6);

function isDict(v: NgValue | undefined): v is NgDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Adds `b`'s figures into a copy of `a`: numbers add, `%.6f` duration strings add, anything else stays `a`'s. */
function addFigures(a: NgDict, b: NgDict): NgDict {
  const out: NgDict = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const mine = out[k];
    if (typeof v === 'number') out[k] = (typeof mine === 'number' ? mine : 0) + v;
    else if (typeof v === 'string' && /^\d+\.\d{6}$/.test(v))
      out[k] = fixed6((typeof mine === 'string' ? Number(mine) : 0) + Number(v));
    else if (!(k in out)) out[k] = v;
  }
  return out;
}

function mergeProxies(a: NgValue | undefined, b: NgValue | undefined): NgValue[] {
  const byProxy = new Map<string, NgDict>();
  for (const list of [a, b])
    for (const p of Array.isArray(list) ? list : []) {
      if (!isDict(p) || typeof p.proxy !== 'string') continue;
      const seen = byProxy.get(p.proxy);
      byProxy.set(p.proxy, seen ? addFigures(seen, p) : p);
    }
  return [...byProxy.values()];
}

const num = (v: NgValue | undefined): number =>
  typeof v === 'number' ? v : typeof v === 'string' && v !== '' ? Number(v) || 0 : 0;

/** Writes `n` in the type `like` has: a number stays a number, a "%.6f" string stays one, a whole-number string too. */
function sameType(like: NgValue | undefined, n: number): NgValue {
  if (typeof like === 'number') return n;
  if (typeof like === 'string' && like.includes('.')) return fixed6(n);
  return String(Math.round(n));
}

/**
 * Each thread's interval covers the same span of time: requests per second, closed calls' seconds and open
 * sessions add (the threads' calls are disjoint); a command's least delay is the least among threads that
 * answered one (a thread without requests shows 0), its longest the longest, its mean weighted by the rates.
 */
function mergeInterval(parts: readonly NgDict[]): NgDict {
  const [first] = parts;
  if (!first) return {};
  const out: NgDict = {};
  for (const k of Object.keys(first)) {
    const vals = parts.map((p) => num(p[k]));
    const m = /^(min|max|avg)(.*)delay$/.exec(k);
    if (m) {
      const [, kind, command] = m;
      const answered = parts.filter((p) => num(p[`max${command}delay`]) > 0);
      let v = 0;
      if (kind === 'min') v = answered.length ? Math.min(...answered.map((p) => num(p[k]))) : 0;
      else if (kind === 'max') v = Math.max(0, ...vals);
      else {
        const weights = answered.map((p) => num(p[`avg${command}requestrate`]));
        const total = weights.reduce((x, y) => x + y, 0);
        v =
          total > 0
            ? answered.reduce((acc, p, i) => acc + num(p[k]) * (weights[i] ?? 0), 0) / total
            : answered.length
              ? answered.reduce((acc, p) => acc + num(p[k]), 0) / answered.length
              : 0;
      }
      out[k] = sameType(first[k], v);
    } else
      out[k] = sameType(
        first[k],
        vals.reduce((x, y) => x + y, 0),
      );
  }
  return out;
}

/** MOS sums add; the mean and standard deviation come again from the sums. */
function mergeMos(parts: readonly NgDict[]): NgDict {
  const [first] = parts;
  if (!first) return {};
  const sum = (k: string) => parts.reduce((acc, p) => acc + num(p[k]), 0);
  const total = sum('mos_total');
  const squares = sum('mos2_total');
  const samples = sum('mos_samples_total');
  return {
    ...first,
    mos_total: sameType(first.mos_total, total),
    mos2_total: sameType(first.mos2_total, squares),
    mos_samples_total: sameType(first.mos_samples_total, samples),
    mos_average: sameType(first.mos_average, samples > 0 ? total / samples : 0),
    mos_stddev: sameType(first.mos_stddev, stddev(samples, total, squares)),
  };
}

function mergeTwo(a: NgDict, b: NgDict): NgDict {
  const out: NgDict = { ...a };
  if (isDict(a.currentstatistics) && isDict(b.currentstatistics))
    out.currentstatistics = addFigures(a.currentstatistics, b.currentstatistics);
  if (isDict(a.totalstatistics) && isDict(b.totalstatistics)) {
    const t = addFigures(a.totalstatistics, b.totalstatistics);
    // every thread started with the daemon: the uptime is one figure, not a sum
    t.uptime = a.totalstatistics.uptime ?? b.totalstatistics.uptime ?? '0';
    out.totalstatistics = t;
  }
  if (isDict(a.controlstatistics) && isDict(b.controlstatistics)) {
    const c = addFigures(a.controlstatistics, b.controlstatistics);
    c.proxies = mergeProxies(a.controlstatistics.proxies, b.controlstatistics.proxies);
    out.controlstatistics = c;
  }
  return out;
}

/** The daemon's `statistics` from its threads' (the first one answered the request itself). */
export function mergeStatistics(parts: readonly NgDict[]): NgDict {
  const [first, ...rest] = parts;
  if (!first) return {};
  let merged = first;
  const counted = [first, ...rest.filter((p) => isDict(p.totalstatistics))];
  for (const p of counted.slice(1)) merged = mergeTwo(merged, p);
  const t = merged.totalstatistics;
  if (isDict(t)) {
    let closed = 0;
    for (const k of CLOSED_KEYS) closed += typeof t[k] === 'number' ? t[k] : 0;
    const total = num(t.totalcallsduration);
    t.avgcallduration = fixed6(closed > 0 ? total / closed : 0);
    if ('totalcallsduration_stddev' in t)
      t.totalcallsduration_stddev = fixed6(stddev(closed, total, num(t.totalcallsduration2)));
  }
  const intervals = counted.map((p) => p.intervalstatistics).filter(isDict);
  if (isDict(merged.intervalstatistics) && intervals.length === counted.length)
    merged.intervalstatistics = mergeInterval(intervals);
  const mos = counted.map((p) => p.mos).filter(isDict);
  if (isDict(merged.mos) && mos.length === counted.length) merged.mos = mergeMos(mos);
  return merged;
}
