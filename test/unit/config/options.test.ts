import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { formatHelp, OPTIONS, optionByLong, optionByShort } from '../../../src/config/options.ts';

const helpText = readFileSync(new URL('../../fixtures/rtpengine-10.5-help.txt', import.meta.url), 'utf8');

interface HelpRow {
  short: string | null;
  long: string;
  arg: string | null;
  help: string;
}

/** The option rows of `rtpengine --help`: `  [-x, ]--long[=ARG]   help`. */
function helpRows(text: string): HelpRow[] {
  const rows: HelpRow[] = [];
  for (const line of text.split('\n')) {
    const m = /^ {2}(?:-(.), )?--([a-z0-9-]+)(?:=(\S(?:.*?\S)?))? {2,}(.*)$/.exec(line);
    if (m !== null)
      rows.push({ short: m[1] ?? null, long: m[2] as string, arg: m[3] ?? null, help: m[4] as string });
  }
  return rows;
}

test('the row reader recognises every option row of the help fixture', () => {
  const optionLines = helpText.split('\n').filter((l) => /^ {2}-/.test(l));
  assert.equal(helpRows(helpText).length, optionLines.length);
  assert.ok(optionLines.length > 140);
});

test('every long and short option of rtpengine 10.5 --help is in the table, with the same letter', () => {
  for (const row of helpRows(helpText)) {
    const spec = optionByLong(row.long);
    assert.ok(spec, `--${row.long} missing from the table`);
    assert.equal(spec.short, row.short, `short name of --${row.long}`);
    if (row.short !== null) assert.equal(optionByShort(row.short)?.long, row.long);
    assert.equal(spec.arg, row.arg, `placeholder of --${row.long}`);
    assert.equal(spec.help, row.help, `help of --${row.long}`);
  }
});

test('the table has no option that rtpengine 10.5 lacks, and no duplicates', () => {
  const inHelp = new Set(helpRows(helpText).map((r) => r.long));
  for (const spec of OPTIONS)
    assert.ok(inHelp.has(spec.long), `--${spec.long} is not an rtpengine 10.5 option`);
  assert.equal(new Set(OPTIONS.map((o) => o.long)).size, OPTIONS.length);
  const shorts = OPTIONS.flatMap((o) => (o.short === null ? [] : [o.short]));
  assert.equal(new Set(shorts).size, shorts.length);
});

test('formatHelp() prints byte for byte what rtpengine --help prints', () => {
  assert.equal(formatHelp(), helpText);
});

test('an option shown with a placeholder in --help is never a flag', () => {
  for (const spec of OPTIONS) {
    if (spec.arg !== null) assert.notEqual(spec.kind, 'flag', `--${spec.long}`);
    if (spec.kind === 'enum')
      assert.ok(spec.values && spec.values.length > 1, `--${spec.long} lists its values`);
  }
});

test('exactly the options rtpengine-ts acts on are marked implemented', () => {
  const expected = [
    'interface',
    'listen-ng',
    'listen-tcp-ng',
    'listen-cli',
    'listen-http',
    'port-min',
    'port-max',
    'timeout',
    'silent-timeout',
    'final-timeout',
    'offer-timeout',
    'delete-delay',
    'max-sessions',
    'num-threads',
    'tos',
    'endpoint-learning',
    'log-level',
    'log-stderr',
    'foreground',
    'pidfile',
    'table',
    'no-fallback',
    'dtmf-log-dest',
    'dtmf-digit-delay',
    'listen-udp',
    'listen-tcp',
    'max-load',
    'max-cpu',
    'max-bandwidth',
    'b2b-url',
    'xmlrpc-format',
    'log-facility-cdr',
    'config-file',
    'config-section',
    'version',
    'help',
  ];
  const implemented = OPTIONS.filter((o) => o.implemented).map((o) => o.long);
  assert.deepEqual([...implemented].sort(), [...expected].sort());
});

test('list options are the repeatable ones of rtpengine 10.5 (INT INT ... and --interface)', () => {
  const lists = OPTIONS.filter((o) => o.kind === 'list').map((o) => o.long);
  assert.deepEqual(lists.sort(), ['cn-payload', 'dtx-cn-params', 'interface', 'subscribe-keyspace']);
});
