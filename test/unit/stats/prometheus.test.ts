/**
 * The /metrics renderer against rtpengine 10.5: fed 10.5's own statistics tree it must print 10.5's page byte for
 * byte; fed a tree shaped like ours, every figure lands in the series 10.5 uses for it, and figures we lack are
 * left out rather than invented.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import { NG_COMMANDS } from '../../../src/ng/commands.ts';
import type { NgDict } from '../../../src/ng/types.ts';
import {
  escapeLabelValue,
  METRIC_FAMILIES,
  metricSamples,
  renderPrometheus,
} from '../../../src/stats/prometheus.ts';
import { familyShapes, parseExposition, sampleValue, UNMEASURED_FAMILIES } from '../../helpers/exposition.ts';

const FIXTURES = new URL('../../fixtures/prometheus/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIXTURES), 'utf8');
const tree = (name: string) => JSON.parse(fixture(name)) as NgDict;

for (const moment of ['idle', 'calls'] as const) {
  test(`10.5's own ${moment} statistics tree renders to 10.5's ${moment} /metrics page byte for byte`, () => {
    const page = fixture(`rtpengine-10.5-metrics-${moment}.txt`);
    assert.equal(renderPrometheus(tree(`rtpengine-10.5-jsonstats-${moment}.json`)), page);
  });

  test(`10.5's ${moment} page is valid exposition text and every family in it is one we describe`, () => {
    const families = parseExposition(fixture(`rtpengine-10.5-metrics-${moment}.txt`));
    for (const [name, f] of families) {
      const ours = METRIC_FAMILIES[name];
      assert.ok(ours, `${name} is described`);
      assert.equal(f.type, ours.type, `${name} type`);
      assert.equal(f.help, ours.help ?? null, `${name} HELP`);
    }
  });
}

/** A tree with the keys actors/control/statistics.ts fills today, every figure distinct. */
function oursShaped(): NgDict {
  const proxy: NgDict = { proxy: '10.0.0.7' };
  NG_COMMANDS.forEach((c, i) => {
    proxy[`${c.statsName}count`] = 100 + i;
    proxy[`${c.statsName}duration`] = (i / 1000).toFixed(6);
  });
  proxy.errorcount = 9;
  return {
    currentstatistics: {
      sessionsown: 3,
      sessionsforeign: 0,
      sessionstotal: 3,
      transcodedmedia: 0,
      media_userspace: 5,
      media_kernel: 1,
      media_mixed: 0,
    },
    totalstatistics: {
      uptime: '77',
      managedsessions: 11,
      rejectedsessions: 12,
      timeoutsessions: 13,
      silenttimeoutsessions: 14,
      finaltimeoutsessions: 15,
      offertimeoutsessions: 16,
      regularterminatedsessions: 17,
      forcedterminatedsessions: 18,
      relayedpackets_user: 1001,
      relayedpacketerrors_user: 2,
      relayedbytes_user: 172172,
      relayedpackets_kernel: 2002,
      relayedpacketerrors_kernel: 0,
      relayedbytes_kernel: 344344,
      relayedpackets: 3003,
      relayedpacketerrors: 2,
      relayedbytes: 516516,
      zerowaystreams: 21,
      onewaystreams: 22,
      avgcallduration: '1.500000',
      totalcallsduration: '16.500000',
      totalcallsduration2: '40.250000',
      totalcallsduration_stddev: '0.500000',
      droppedpackets: 4,
      ngerrors: 1,
    },
    mos: {
      mos_total: '3.500000',
      mos2_total: '12.250000',
      mos_samples_total: 1,
      mos_average: '3.500000',
      mos_stddev: '0.000000',
    },
    controlstatistics: { proxies: [proxy], totalpingcount: 100 },
    interfaces: [
      {
        name: 'pub',
        address: '192.0.2.1',
        ports: { min: 30000, max: 30099, used: 6, free: 94, totals: 100 },
      },
    ],
    transcoders: [],
  };
}

test('a tree shaped like ours yields 10.5 families with the same types and label names, minus the unmeasured', () => {
  const ours = familyShapes(parseExposition(renderPrometheus(oursShaped())));
  const theirs = familyShapes(parseExposition(fixture('rtpengine-10.5-metrics-calls.txt')));
  for (const name of UNMEASURED_FAMILIES) theirs.delete(name);
  assert.deepEqual(new Map([...ours].sort()), new Map([...theirs].sort()));
});

test('each figure of our tree lands in the series 10.5 uses for it', () => {
  const m = parseExposition(renderPrometheus(oursShaped()));
  const expect: [string, Record<string, string>, number][] = [
    ['rtpengine_sessions', { type: 'own' }, 3],
    ['rtpengine_sessions', { type: 'foreign' }, 0],
    ['rtpengine_mediastreams', { type: 'userspace' }, 5],
    ['rtpengine_mediastreams', { type: 'kernel' }, 1],
    ['rtpengine_uptime_seconds', {}, 77],
    ['rtpengine_sessions_total', {}, 11],
    ['rtpengine_closed_sessions_total', { reason: 'rejected' }, 12],
    ['rtpengine_closed_sessions_total', { reason: 'timeout' }, 13],
    ['rtpengine_closed_sessions_total', { reason: 'silent_timeout' }, 14],
    ['rtpengine_closed_sessions_total', { reason: 'final_timeout' }, 15],
    ['rtpengine_closed_sessions_total', { reason: 'offer_timeout' }, 16],
    ['rtpengine_closed_sessions_total', { reason: 'terminated' }, 17],
    ['rtpengine_closed_sessions_total', { reason: 'force_terminated' }, 18],
    ['rtpengine_packets_total', { type: 'userspace' }, 1001],
    ['rtpengine_packet_errors_total', { type: 'userspace' }, 2],
    ['rtpengine_bytes_total', { type: 'userspace' }, 172172],
    ['rtpengine_packets_total', { type: 'kernel' }, 2002],
    ['rtpengine_bytes_total', { type: 'kernel' }, 344344],
    ['rtpengine_call_duration_avg', {}, 1.5],
    ['rtpengine_call_duration_total', {}, 16.5],
    ['rtpengine_zero_packet_streams_total', {}, 21],
    ['rtpengine_one_way_sessions_total', {}, 22],
    ['rtpengine_call_duration2_total', {}, 40.25],
    ['rtpengine_mos_total', {}, 3.5],
    ['rtpengine_mos2_total', {}, 12.25],
    ['rtpengine_mos_samples_total', {}, 1],
    ['rtpengine_errors_total', { proxy: '10.0.0.7' }, 9],
    ['rtpengine_ports_used', { name: 'pub', address: '192.0.2.1' }, 6],
    ['rtpengine_ports_free', { name: 'pub', address: '192.0.2.1' }, 94],
    ['rtpengine_ports', { name: 'pub', address: '192.0.2.1' }, 100],
  ];
  NG_COMMANDS.forEach((c, i) => {
    expect.push(['rtpengine_requests_total', { proxy: '10.0.0.7', request: c.wire }, 100 + i]);
    expect.push(['rtpengine_request_seconds_total', { proxy: '10.0.0.7', request: c.wire }, i / 1000]);
  });
  for (const [name, labels, value] of expect)
    assert.equal(sampleValue(m, name, labels), value, `${name} ${JSON.stringify(labels)}`);
  assert.equal(m.get('rtpengine_requests_total')?.samples.length, NG_COMMANDS.length);
});

test('figures missing from the tree are left out together with their HELP and TYPE lines', () => {
  const t = oursShaped();
  const totals = t.totalstatistics as NgDict;
  for (const k of ['zerowaystreams', 'onewaystreams', 'totalcallsduration2']) delete totals[k];
  delete t.mos;
  const page = renderPrometheus(t);
  for (const name of [
    ...UNMEASURED_FAMILIES,
    'rtpengine_zero_packet_streams_total',
    'rtpengine_one_way_sessions_total',
    'rtpengine_call_duration2_total',
    'rtpengine_mos_total',
    'rtpengine_mos2_total',
    'rtpengine_mos_samples_total',
  ])
    assert.ok(!page.includes(name), `${name} absent`);
  assert.ok(!page.includes('droppedpackets') && !page.includes('ngerrors'), 'our own additions stay out');
  assert.equal(renderPrometheus({}), '');
});

test('a proxy or interface name with quotes, backslashes or line feeds comes back intact from the labels', () => {
  const t = oursShaped();
  const odd = 'a"b\\c\nd';
  const controls = t.controlstatistics as NgDict;
  ((controls.proxies as NgDict[])[0] as NgDict).proxy = odd;
  ((t.interfaces as NgDict[])[0] as NgDict).name = odd;
  const m = parseExposition(renderPrometheus(t));
  assert.equal(sampleValue(m, 'rtpengine_errors_total', { proxy: odd }), 9);
  assert.equal(sampleValue(m, 'rtpengine_ports', { name: odd }), 100);
  assert.equal(escapeLabelValue(odd), 'a\\"b\\\\c\\nd');
});

test('any counters and proxy names render to valid exposition text that gives the same numbers back', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.string(), fc.nat(), fc.nat()), { maxLength: 4 }),
      fc.nat(),
      (proxies, packets) => {
        const t = oursShaped();
        (t.totalstatistics as NgDict).relayedpackets_user = packets;
        const unique = [...new Map(proxies.map((p) => [p[0], p])).values()];
        (t.controlstatistics as NgDict).proxies = unique.map(([proxy, offers, errors]) => ({
          proxy,
          offercount: offers,
          errorcount: errors,
        }));
        const m = parseExposition(renderPrometheus(t));
        assert.equal(sampleValue(m, 'rtpengine_packets_total', { type: 'userspace' }), packets);
        for (const [proxy, offers, errors] of unique) {
          assert.equal(sampleValue(m, 'rtpengine_requests_total', { proxy, request: 'offer' }), offers);
          assert.equal(sampleValue(m, 'rtpengine_errors_total', { proxy }), errors);
        }
        assert.equal(
          metricSamples(t).length,
          [...m.values()].reduce((n, f) => n + f.samples.length, 0),
        );
      },
    ),
    { numRuns: 200 },
  );
});
