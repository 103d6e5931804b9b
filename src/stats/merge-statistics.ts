/**
 * One `statistics` reply from the replies of several call threads (actors/threads/): counts and durations add
 * up, the average call duration is computed again from the sums, per-proxy counters are merged by proxy, and
 * what all threads share (the port pools of `interfaces`, the uptime) is taken once. Pure.
 */
import type { NgDict, NgValue } from '../ng/types.ts';

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
  for (const p of rest) if (isDict(p.totalstatistics)) merged = mergeTwo(merged, p);
  const t = merged.totalstatistics;
  if (isDict(t)) {
    let closed = 0;
    for (const k of CLOSED_KEYS) closed += typeof t[k] === 'number' ? t[k] : 0;
    const total = typeof t.totalcallsduration === 'string' ? Number(t.totalcallsduration) : 0;
    t.avgcallduration = fixed6(closed > 0 ? total / closed : 0);
  }
  return merged;
}
