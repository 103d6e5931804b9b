/**
 * Our ng `statistics` tree against rtpengine 10.5's (test/fixtures/prometheus/*-jsonstats-*.json): the same key
 * paths in the same order with the same JSON value types once written as `list jsonstats`, plus our four
 * additions; and the call figures 10.5 adds at a call's end (zero-way, one-way, squared durations) move as its do.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { statisticsJson } from '../../actors/control/cli-commands.ts';
import type { Daemon } from '../../actors/system.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { twoPartyCall } from '../helpers/call.ts';
import { testDaemon } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';
import { rtpPacket } from '../helpers/rtp-peer.ts';

const OUR_ADDITIONS = ['droppedpackets', 'ngerrors', 'ngdropped', 'actorfailures'].map(
  (k) => `.totalstatistics.${k}`,
);
/** Port figures of 10.5's interfaces we do not report yet. */
const KNOWN_MISSING = ['.interfaces[].ports.used_pct', '.interfaces[].ports.last'];

function typedPaths(v: unknown, p = ''): string[] {
  if (Array.isArray(v)) return v.length ? typedPaths(v[0], `${p}[]`) : [`${p}[]`];
  if (v && typeof v === 'object') return Object.entries(v).flatMap(([k, x]) => typedPaths(x, `${p}.${k}`));
  return [`${p}:${typeof v}`];
}

let daemon: Daemon;
let ng: NgClient;
before(async () => {
  daemon = await testDaemon();
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});
after(async () => {
  ng.close();
  await daemon.stop();
});

async function stats(): Promise<NgDict> {
  return (await ng.request({ command: 'statistics' })).statistics as NgDict;
}

for (const moment of ['idle', 'calls'] as const)
  test(`the tree written as jsonstats has 10.5's ${moment} key paths, order and value types plus our four`, async () => {
    // one call so that the proxies list has an entry to compare
    const call = await twoPartyCall(ng, `keys-${moment}`);
    call.close();
    const theirs = JSON.parse(
      readFileSync(`test/fixtures/prometheus/rtpengine-10.5-jsonstats-${moment}.json`, 'utf8'),
    );
    const ours = JSON.parse(statisticsJson(await stats()));
    const strip = (paths: string[]) => paths.filter((p) => !OUR_ADDITIONS.some((a) => p.startsWith(`${a}:`)));
    const theirPaths = typedPaths(theirs).filter((p) => !KNOWN_MISSING.some((k) => p.startsWith(`${k}:`)));
    const ourPaths = typedPaths(ours);
    // an empty proxies list in the idle capture is a list all the same
    const norm = (ps: string[]) => ps.filter((p) => !p.startsWith('.controlstatistics.proxies[]'));
    assert.deepEqual(norm(strip(ourPaths)), norm(theirPaths));
    for (const a of OUR_ADDITIONS) assert.ok(ourPaths.includes(`${a}:number`), a);
    if (moment === 'calls')
      assert.deepEqual(
        ourPaths.filter((p) => p.startsWith('.controlstatistics.proxies[]')),
        theirPaths.filter((p) => p.startsWith('.controlstatistics.proxies[]')),
      );
  });

test('ng types are 10.5s: interval delays and MOS sums "%.6f", request rates whole-number strings', async () => {
  const s = await stats();
  const i = s.intervalstatistics as NgDict;
  assert.equal(i.minofferdelay, '0.000000');
  assert.equal(i['avgstart recordingdelay'], '0.000000');
  assert.equal(i.maxpingrequestrate, '0');
  assert.equal(i.minmanagedsessions, 0);
  assert.deepEqual(
    { ...(s.mos as NgDict) },
    {
      mos_total: '0.000000',
      mos2_total: '0.000000',
      mos_samples_total: 0,
      mos_average: '0.000000',
      mos_stddev: '0.000000',
    },
  );
});

async function callWith(callId: string, aliceSends: boolean, bobSends: boolean): Promise<void> {
  const c = await twoPartyCall(ng, callId);
  for (let k = 0; k < 3; k++) {
    if (aliceSends) await c.alice.send(rtpPacket(k), c.toBob);
    if (bobSends) await c.bob.send(rtpPacket(k, 7), c.toAlice);
  }
  if (aliceSends) await c.bob.waitFor(3);
  if (bobSends) await c.alice.waitFor(3);
  await new Promise((r) => setTimeout(r, 30));
  await ng.request({ command: 'delete', 'call-id': callId, 'from-tag': 'A' });
  const end = Date.now() + 2000;
  while (Date.now() < end) {
    const t = (await stats()).totalstatistics as NgDict;
    if (!(await ng.request({ command: 'query', 'call-id': callId })).sdp && t.regularterminatedsessions)
      break;
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 50));
  c.close();
}

test('a call with packets both ways counts neither way; one way and none count once each', async () => {
  const t = async () => (await stats()).totalstatistics as NgDict;
  const before = await t();
  const z0 = Number(before.zerowaystreams);
  const o0 = Number(before.onewaystreams);
  await callWith('flow-both', true, true);
  let now = await t();
  assert.deepEqual([now.zerowaystreams, now.onewaystreams], [z0, o0], 'both ways');
  await callWith('flow-one', true, false);
  now = await t();
  assert.deepEqual([now.zerowaystreams, now.onewaystreams], [z0, o0 + 1], 'one way');
  await callWith('flow-back', false, true);
  now = await t();
  assert.deepEqual([now.zerowaystreams, now.onewaystreams], [z0, o0 + 2], 'the other way');
  await callWith('flow-none', false, false);
  now = await t();
  assert.deepEqual([now.zerowaystreams, now.onewaystreams], [z0 + 1, o0 + 2], 'no packets');
});

test('the sum of squared durations and the standard deviation follow the closed calls', async () => {
  const t = (await stats()).totalstatistics as NgDict;
  const closed = Number(t.regularterminatedsessions) + Number(t.forcedterminatedsessions);
  assert.ok(closed >= 4);
  const sum = Number(t.totalcallsduration);
  const squares = Number(t.totalcallsduration2);
  // each duration squared is at most (largest)^2 and the sum of squares at least sum^2 / n
  assert.ok(squares > 0 && squares <= sum * sum + 1e-6, `${squares} vs ${sum}`);
  assert.ok(squares >= (sum * sum) / closed - 0.01 * sum, 'Cauchy-Schwarz, up to the ms cut');
  const mean = sum / closed;
  const expected = Math.sqrt(Math.abs(squares / closed - mean * mean));
  assert.ok(Math.abs(Number(t.totalcallsduration_stddev) - expected) < 2e-6);
  assert.equal(typeof t.totalcallsduration2, 'string');
  assert.match(String(t.totalcallsduration_stddev), /^\d+\.\d{6}$/);
});
