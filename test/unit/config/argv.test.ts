import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ArgvError, parseArgv } from '../../../src/config/argv.ts';

test('-t -1 reads -1 as the value of --table, not as an option', () => {
  assert.equal(parseArgv(['-t', '-1']).values.get('table'), '-1');
  assert.equal(parseArgv(['--table', '-1']).values.get('table'), '-1');
  assert.equal(parseArgv(['--table=-1']).values.get('table'), '-1');
});

test('a value-taking short option takes the rest of its word as the value (-tVALUE)', () => {
  assert.equal(parseArgv(['-t-1']).values.get('table'), '-1');
  assert.equal(parseArgv(['-i127.0.0.1']).values.get('interface')?.toString(), '127.0.0.1');
});

test('bundled short flags set every flag, and a value-taking letter ends the bundle', () => {
  const { values } = parseArgv(['-fE']);
  assert.equal(values.get('foreground'), true);
  assert.equal(values.get('log-stderr'), true);
  const mixed = parseArgv(['-fEt', '-1', '-FT5']).values;
  assert.equal(mixed.get('table'), '-1');
  assert.equal(mixed.get('no-fallback'), true);
  assert.equal(mixed.get('tos'), '5');
});

test('a repeated list option accumulates; any other repeated option keeps the last value', () => {
  const { values } = parseArgv([
    '-i',
    'a/1.2.3.4',
    '--interface=b/::1',
    '-i',
    'c/5.6.7.8',
    '-n',
    '1',
    '-n',
    '2',
  ]);
  assert.deepEqual(values.get('interface'), ['a/1.2.3.4', 'b/::1', 'c/5.6.7.8']);
  assert.equal(values.get('listen-ng'), '2');
});

test('-- ends the options; the rest and any bare word are positionals', () => {
  const { values, positionals } = parseArgv(['extra', '-f', '--', '-E', '--bogus']);
  assert.equal(values.get('foreground'), true);
  assert.equal(values.has('log-stderr'), false);
  assert.deepEqual(positionals, ['extra', '-E', '--bogus']);
});

test('--no-fallback is the option literally named no-fallback, not the negation of a "fallback"', () => {
  const { values } = parseArgv(['--no-fallback']);
  assert.deepEqual([...values], [['no-fallback', true]]);
  assert.throws(() => parseArgv(['--fallback']), /Unknown option --fallback/);
});

test('a flag takes no value from the next argument', () => {
  const { values, positionals } = parseArgv(['--foreground', 'x']);
  assert.equal(values.get('foreground'), true);
  assert.deepEqual(positionals, ['x']);
});

test('like rtpengine, --flag=anything still sets the flag', () => {
  assert.equal(parseArgv(['--foreground=false']).values.get('foreground'), true);
});

test('unknown options are errors naming the option', () => {
  assert.throws(
    () => parseArgv(['--xyz']),
    (e: unknown) => e instanceof ArgvError && e.message === 'Unknown option --xyz',
  );
  assert.throws(() => parseArgv(['--xyz=1']), /^ArgvError: Unknown option --xyz$/);
  assert.throws(() => parseArgv(['-fZ']), /Unknown option -Z/);
});

test('a value-taking option at the end of the line is an error naming it', () => {
  assert.throws(() => parseArgv(['--tos']), /Missing argument for --tos/);
  assert.throws(() => parseArgv(['-f', '-T']), /Missing argument for -T/);
});

test('--help stops parsing where it stands, as GLib does', () => {
  assert.equal(parseArgv(['--help', '--xyz']).help, true);
  assert.equal(parseArgv(['-?']).help, true);
  assert.equal(parseArgv(['-fh']).help, true);
  assert.throws(() => parseArgv(['--xyz', '--help']), ArgvError);
});
