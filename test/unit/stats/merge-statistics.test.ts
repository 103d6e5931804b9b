/**
 * mergeStatistics: the `statistics` of a daemon with several call threads is what one thread holding every call
 * would have answered: counts and durations add, the average duration is recomputed, proxies merge by address,
 * and the shared port pools and uptime are taken once.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NgDict } from '../../../src/ng/types.ts';
import { mergeStatistics } from '../../../src/stats/merge-statistics.ts';

function threadStats(o: {
  sessions: number;
  closed: number;
  seconds: number;
  packets: number;
  proxies: NgDict[];
}): NgDict {
  return {
    currentstatistics: {
      sessionsown: o.sessions,
      sessionstotal: o.sessions,
      media_userspace: o.sessions * 2,
    },
    totalstatistics: {
      uptime: '42',
      managedsessions: o.sessions + o.closed,
      regularterminatedsessions: o.closed,
      timeoutsessions: 0,
      relayedpackets_user: o.packets,
      avgcallduration: (o.closed > 0 ? o.seconds / o.closed : 0).toFixed(6),
      totalcallsduration: o.seconds.toFixed(6),
    },
    controlstatistics: { proxies: o.proxies, totaloffercount: o.sessions + o.closed },
    interfaces: [{ name: 'default', address: '127.0.0.1', ports: { used: 8, free: 92, totals: 100 } }],
    transcoders: [],
  };
}

test('counts add, the average call duration is recomputed, shared figures are taken once', () => {
  const merged = mergeStatistics([
    threadStats({ sessions: 2, closed: 1, seconds: 10, packets: 100, proxies: [] }),
    threadStats({ sessions: 3, closed: 3, seconds: 50, packets: 250, proxies: [] }),
  ]);
  const cur = merged.currentstatistics as NgDict;
  assert.deepEqual({ ...cur }, { sessionsown: 5, sessionstotal: 5, media_userspace: 10 });
  const tot = merged.totalstatistics as NgDict;
  assert.equal(tot.managedsessions, 9);
  assert.equal(tot.relayedpackets_user, 350);
  assert.equal(tot.totalcallsduration, '60.000000');
  assert.equal(tot.avgcallduration, '15.000000', '60 s over 4 closed calls, not the sum of the averages');
  assert.equal(tot.uptime, '42');
  assert.equal(
    ((merged.interfaces as NgDict[])[0]!.ports as NgDict).used,
    8,
    'one shared pool, counted once',
  );
  assert.equal((merged.controlstatistics as NgDict).totaloffercount, 9);
});

test('per-proxy counters merge by proxy address', () => {
  const p = (proxy: string, offers: number, secs: string): NgDict => ({
    proxy,
    offercount: offers,
    offerduration: secs,
    errorcount: 0,
  });
  const merged = mergeStatistics([
    threadStats({ sessions: 0, closed: 0, seconds: 0, packets: 0, proxies: [p('10.0.0.1', 2, '0.001000')] }),
    threadStats({
      sessions: 0,
      closed: 0,
      seconds: 0,
      packets: 0,
      proxies: [p('10.0.0.2', 1, '0.000500'), p('10.0.0.1', 3, '0.002000')],
    }),
  ]);
  const proxies = (merged.controlstatistics as NgDict).proxies as NgDict[];
  assert.deepEqual(
    proxies.map((x) => ({ ...x })),
    [p('10.0.0.1', 5, '0.003000'), p('10.0.0.2', 1, '0.000500')],
  );
});

test('one thread: its statistics unchanged', () => {
  const one = threadStats({ sessions: 1, closed: 2, seconds: 3, packets: 4, proxies: [] });
  assert.deepEqual(mergeStatistics([one]), one);
});

function intervalPart(o: { min: number; max: number; avg: number; rate: number; sessions: number }): NgDict {
  return {
    totalcallsduration: '2.000000',
    minmanagedsessions: o.sessions,
    maxmanagedsessions: o.sessions + 1,
    minofferdelay: o.min.toFixed(6),
    maxofferdelay: o.max.toFixed(6),
    avgofferdelay: o.avg.toFixed(6),
    minofferrequestrate: String(o.rate),
    maxofferrequestrate: String(o.rate),
    avgofferrequestrate: String(o.rate),
  };
}

function withNewFigures(
  closed: number,
  seconds: number,
  squares: number,
  interval: NgDict,
  mos: NgDict,
): NgDict {
  const t = threadStats({ sessions: 0, closed, seconds, packets: 0, proxies: [] });
  const tot = t.totalstatistics as NgDict;
  Object.assign(tot, {
    zerowaystreams: closed,
    onewaystreams: 1,
    totalcallsduration2: squares.toFixed(6),
    totalcallsduration_stddev: '9.999999',
  });
  return { ...t, intervalstatistics: interval, mos };
}

const noMos = (): NgDict => ({
  mos_total: '0.000000',
  mos2_total: '0.000000',
  mos_samples_total: 0,
  mos_average: '0.000000',
  mos_stddev: '0.000000',
});

test('zero-way, one-way and squared durations add; the duration stddev comes again from the sums', () => {
  // thread 1: calls of 1 s and 3 s; thread 2: one of 2 s
  const merged = mergeStatistics([
    withNewFigures(2, 4, 10, intervalPart({ min: 0, max: 0, avg: 0, rate: 0, sessions: 0 }), noMos()),
    withNewFigures(1, 2, 4, intervalPart({ min: 0, max: 0, avg: 0, rate: 0, sessions: 0 }), noMos()),
  ]);
  const t = merged.totalstatistics as NgDict;
  assert.equal(t.zerowaystreams, 3);
  assert.equal(t.onewaystreams, 2);
  assert.equal(t.totalcallsduration2, '14.000000');
  const mean = 6 / 3;
  assert.equal(t.totalcallsduration_stddev, Math.sqrt(14 / 3 - mean * mean).toFixed(6));
  const input = withNewFigures(0, 0, 0, {}, noMos()).totalstatistics as NgDict;
  assert.deepEqual(Object.keys(t), Object.keys(input), 'the keys keep their order');
});

test('interval delays merge as least of the least, longest of the longest, mean weighted by request rate', () => {
  const merged = mergeStatistics([
    withNewFigures(
      0,
      0,
      0,
      intervalPart({ min: 0.002, max: 0.004, avg: 0.003, rate: 3, sessions: 2 }),
      noMos(),
    ),
    withNewFigures(
      0,
      0,
      0,
      intervalPart({ min: 0.001, max: 0.009, avg: 0.007, rate: 1, sessions: 5 }),
      noMos(),
    ),
    // a thread that answered no offer shows zeros: it must not pull the least delay down
    withNewFigures(0, 0, 0, intervalPart({ min: 0, max: 0, avg: 0, rate: 0, sessions: 1 }), noMos()),
  ]);
  const i = merged.intervalstatistics as NgDict;
  assert.equal(i.minofferdelay, '0.001000');
  assert.equal(i.maxofferdelay, '0.009000');
  assert.equal(i.avgofferdelay, ((0.003 * 3 + 0.007 * 1) / 4).toFixed(6));
  assert.equal(i.avgofferrequestrate, '4', 'requests per second of the daemon add');
  assert.equal(i.minmanagedsessions, 8, 'the threads hold disjoint calls');
  assert.equal(i.totalcallsduration, '6.000000');
  assert.deepEqual(
    Object.keys(i),
    Object.keys(intervalPart({ min: 0, max: 0, avg: 0, rate: 0, sessions: 0 })),
  );
});

test('MOS sums add and the average and stddev are recomputed; with no samples all stay zero', () => {
  const mos = (total: number, squares: number, n: number): NgDict => ({
    ...noMos(),
    mos_total: total.toFixed(6),
    mos2_total: squares.toFixed(6),
    mos_samples_total: n,
  });
  const iv = intervalPart({ min: 0, max: 0, avg: 0, rate: 0, sessions: 0 });
  const merged = mergeStatistics([
    withNewFigures(0, 0, 0, iv, mos(8, 32.5, 2)),
    withNewFigures(0, 0, 0, iv, mos(3, 9, 1)),
  ]);
  const m = merged.mos as NgDict;
  assert.equal(m.mos_total, '11.000000');
  assert.equal(m.mos_samples_total, 3);
  assert.equal(m.mos_average, (11 / 3).toFixed(6));
  assert.equal(m.mos_stddev, Math.sqrt(Math.abs(41.5 / 3 - (11 / 3) ** 2)).toFixed(6));
  const none = mergeStatistics([withNewFigures(0, 0, 0, iv, noMos()), withNewFigures(0, 0, 0, iv, noMos())]);
  assert.deepEqual({ ...(none.mos as NgDict) }, noMos());
});
