import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import type { DaemonSettings } from '../../../actors/context.ts';
import {
  type CliEnv,
  currentParams,
  formatTotals,
  LOG_SUBSYSTEMS,
  leadingInteger,
  runCliCommand,
  statisticsJson,
} from '../../../actors/control/cli-commands.ts';
import { newCall } from '../../../src/call/model.ts';
import type { NgDict } from '../../../src/ng/types.ts';

function fakeEnv(stats: NgDict = {}): CliEnv & { terminated: string[]; levels: number[] } {
  const settings: DaemonSettings = {
    interfaces: [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }],
    portMin: 23000,
    portMax: 23100,
    timeout: 60,
    silentTimeout: 3600,
    finalTimeout: 0,
    offerTimeout: 3600,
    deleteDelay: 30,
    maxSessions: -1,
    endpointLearning: 'delayed',
    tos: 0,
  };
  const logLevels = new Map<string, number>(LOG_SUBSYSTEMS.map(([n]) => [n, 6]));
  const tunables = { maxBandwidth: 0, maxCpu: 0, maxLoad: 0, controlTos: 0, logLevels };
  const calls = [newCall('call-b', 2_000_000), newCall('call-a', 1_000_000)];
  const terminated: string[] = [];
  const levels: number[] = [];
  return {
    settings,
    tunables,
    start: currentParams({ settings, tunables }),
    setLogLevel: (l) => levels.push(l),
    calls: () => calls,
    call: (id) => calls.find((c) => c.callId === id),
    terminate: (id) => {
      if (!calls.some((c) => c.callId === id)) return false;
      terminated.push(id);
      return true;
    },
    statistics: async () => stats,
    portUsage: async () => ({ used: 4, free: 46, capacity: 50 }),
    now: () => 3_000_000,
    maxOpenFiles: () => 1024,
    pid: 42,
    terminated,
    levels,
  };
}

test('an unknown word is named with everything after it, as rtpengine 10.5 answers', async () => {
  const env = fakeEnv();
  assert.equal(await runCliCommand('foo', env), 'Unknown or incomplete command::foo\n');
  assert.equal(await runCliCommand('list foo', env), 'Unknown or incomplete command::foo\n');
  assert.equal(await runCliCommand('list  timeout', env), 'Unknown or incomplete command:: timeout\n');
  assert.equal(await runCliCommand('LIST timeout', env), 'Unknown or incomplete command::LIST timeout\n');
});

test('a command missing its argument asks for more parameters', async () => {
  const env = fakeEnv();
  for (const c of ['list', 'set', 'get', 'params', 'terminate', 'list sessions', 'set timeout'])
    assert.equal(await runCliCommand(c, env), 'More parameters required.\n', c);
});

test('help lists the sub-commands of its level', async () => {
  const out = await runCliCommand('set help', fakeEnv());
  assert.match(out, /^Available sub-commands at this level:\n/);
  assert.match(out, /\tmaxsessions\n/);
  assert.match(out, /\tdeletedelay\n$/);
});

test('set timeout takes leading digits like strtoul and refuses negatives and non-numbers', async () => {
  const env = fakeEnv();
  assert.equal(await runCliCommand('set timeout 5x', env), 'Success setting timeout to 5\n');
  assert.equal(env.settings.timeout, 5);
  assert.equal(
    await runCliCommand('set timeout abc', env),
    'Fail setting timeout to abc; no digists found\n',
  );
  assert.equal(await runCliCommand('set timeout -5', env), 'Fail setting timeout to -5; errno=0\n');
  assert.equal(env.settings.timeout, 5);
  assert.equal(await runCliCommand('get timeout', env), 'TIMEOUT=5\n');
  await runCliCommand('set offertimeout 77', env);
  assert.equal(await runCliCommand('list offertimeout', env), 'OFFER_TIMEOUT=77\n');
});

test('set maxsessions accepts -1 as no limit and refuses other negatives', async () => {
  const env = fakeEnv();
  assert.equal(await runCliCommand('set maxsessions 0', env), 'Success setting maxsessions to 0\n');
  assert.equal(env.settings.maxSessions, 0);
  assert.equal(
    await runCliCommand('set maxsessions -5', env),
    'Fail setting maxsessions to -5; either positive or -1 values allowed\n',
  );
  assert.equal(
    await runCliCommand('set maxsessions -1', env),
    'Success setting maxsessions to -1; disable feature\n',
  );
  assert.equal(
    await runCliCommand('list maxsessions', env),
    'Maximum sessions configured on rtpengine: -1\n',
  );
});

test('set loglevel changes the logger and every subsystem, list loglevel shows them', async () => {
  const env = fakeEnv();
  assert.equal(await runCliCommand('set loglevel 7', env), 'Success setting loglevel to 7\n');
  assert.deepEqual(env.levels, [7]);
  assert.match(await runCliCommand('list loglevel', env), /^core = 7\n.*dtx = 7\n$/s);
  await runCliCommand('set loglevel core 5', env);
  assert.equal(await runCliCommand('list loglevel core', env), '5\n');
  assert.deepEqual(env.levels, [7, 5]);
});

test('params diff lists what changed since start and revert puts it back', async () => {
  const env = fakeEnv();
  await runCliCommand('set timeout 70', env);
  await runCliCommand('set deletedelay 5', env);
  assert.equal(await runCliCommand('params diff', env), 'timeout: 60 => 70\ndelete-delay: 30 => 5\n');
  assert.equal(await runCliCommand('params revert', env), '');
  assert.equal(env.settings.timeout, 60);
  assert.equal(env.settings.deleteDelay, 30);
  assert.equal(await runCliCommand('params diff', env), '');
  assert.match(await runCliCommand('params current', env), /^timeout = 60$/m);
});

test('terminate ends one call or all of them through the environment', async () => {
  const env = fakeEnv();
  assert.equal(await runCliCommand('terminate nope', env), '\nCall Id not found (nope).\n\n');
  assert.equal(
    await runCliCommand('terminate call-a', env),
    '\nCall Id (call-a) successfully terminated by operator.\n\n',
  );
  assert.equal(await runCliCommand('terminate all', env), 'All calls terminated by operator.\n');
  assert.deepEqual(env.terminated, ['call-a', 'call-b', 'call-a']);
});

test('list sessions all writes one padded line per call, newest first', async () => {
  const out = await runCliCommand('list sessions all', fakeEnv());
  const lines = out.split('\n');
  assert.equal(
    lines[0],
    `callid: ${'call-b'.padStart(60)} | deletionmark:  no | created:        2000 | proxy: | redis_keyspace:0 | foreign:no`,
  );
  assert.match(lines[1] ?? '', /^callid: +call-a \|/);
  assert.equal(await runCliCommand('list sessions nope', fakeEnv()), '\nCall ID not found (nope).\n\n');
});

test('list interfaces shows the port usage with rtpengine layout', async () => {
  assert.equal(
    await runCliCommand('list interfaces', fakeEnv()),
    "Interface 'default' address '127.0.0.1' (IPv4)\n Port range: 23000 - 23100\n Ports used:     8 /   101 (  7.9%)\n Last port used:     0\n",
  );
});

test('list totals on an idle daemon is laid out exactly as rtpengine 10.5 writes it', () => {
  const golden = readFileSync(new URL('./rtpengine-10.5-totals-idle.txt', import.meta.url), 'utf8');
  const uptime = /Uptime of rtpengine\s+:(\d+) seconds/.exec(golden)?.[1];
  const stats: NgDict = {
    currentstatistics: {},
    totalstatistics: { uptime: uptime ?? '0', avgcallduration: '0.000000' },
    controlstatistics: { proxies: [] },
  };
  assert.equal(formatTotals(stats), golden);
});

test('list totals writes one control statistics row per proxy', () => {
  const out = formatTotals({ controlstatistics: { proxies: [{ proxy: '10.0.0.1', offercount: 12 }] } });
  assert.match(out, /^ {13}10\.0\.0\.1 \| {10}0 \| {9}12 \|/m);
});

test('jsonstats writes durations and uptime as bare numbers and the rest as JSON', () => {
  assert.equal(
    statisticsJson({ a: { uptime: '12', avgcallduration: '0.500000', name: '7' }, l: [1, 'x'] }),
    '{"a":{"uptime":12,"avgcallduration":0.500000,"name":"7"},"l":[1,"x"]}',
  );
});

test('leadingInteger reads digits as strtol does', () => {
  assert.equal(leadingInteger('42abc'), 42);
  assert.equal(leadingInteger(' -3'), -3);
  assert.equal(leadingInteger('x1'), null);
});
