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
