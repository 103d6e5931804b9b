import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  type KeyFile,
  type KeyFileEntry,
  KeyFileError,
  keyFileBoolean,
  keyFileString,
  keyFileStringList,
  parseKeyFile,
  subSectionNames,
} from '../../../src/config/keyfile.ts';

function entry(file: KeyFile, group: string, key: string): KeyFileEntry {
  const e = file.groups.get(group)?.entries.get(key);
  assert.ok(e, `[${group}] ${key} present`);
  return e;
}

function one(value: string): KeyFileEntry {
  return entry(parseKeyFile(`[g]\nk = ${value}\n`), 'g', 'k');
}

test('a ; separates list items instead of starting a comment, and a trailing ; ends the list', () => {
  const file = parseKeyFile('[rtpengine]\ninterface = internal/12.23.34.45;external/23.34.45.54;\n');
  assert.deepEqual(keyFileStringList(entry(file, 'rtpengine', 'interface')), [
    'internal/12.23.34.45',
    'external/23.34.45.54',
  ]);
  assert.equal(keyFileString(one('http://h/x?a=1;b=2')), 'http://h/x?a=1;b=2');
});

test('\\; keeps a semicolon inside one list item, and items are not trimmed', () => {
  assert.deepEqual(keyFileStringList(one('a\\;b;c; d')), ['a;b', 'c', ' d']);
  assert.deepEqual(keyFileStringList(one('a;;b')), ['a', '', 'b']);
});

test('the escapes \\s \\n \\t \\r \\\\ decode, and an unknown escape is an error with its line', () => {
  assert.equal(keyFileString(one('\\sa\\nb\\tc\\rd\\\\e')), ' a\nb\tc\rd\\e');
  assert.throws(
    () => keyFileString(entry(parseKeyFile('[g]\n\nk = a\\qb\n'), 'g', 'k')),
    (err: unknown) => err instanceof KeyFileError && err.line === 3 && /escape/.test(err.message),
  );
  assert.throws(() => keyFileString(one('ends\\')), KeyFileError);
});

test('trailing blanks are trimmed but a trailing \\s survives', () => {
  assert.equal(keyFileString(one('127.0.0.1   ')), '127.0.0.1');
  assert.equal(keyFileString(one('x\\s  ')), 'x ');
  assert.deepEqual(keyFileStringList(one('a;b  \t')), ['a', 'b']);
});

test('# starts a comment only at the start of a line (after blanks); elsewhere it is part of the value', () => {
  const file = parseKeyFile('# top\n[g]\n   # indented comment\nk = a # not a comment\n;x = 1\n');
  assert.equal(keyFileString(entry(file, 'g', 'k')), 'a # not a comment');
  // `;x = 1` is an ordinary key named ";x" in GLib's format.
  assert.equal(keyFileString(entry(file, 'g', ';x')), '1');
});

test('spaces around = are optional and leading blanks of a line are ignored', () => {
  const file = parseKeyFile('[g]\na=1\n  b   =   2\nc =\n');
  assert.equal(keyFileString(entry(file, 'g', 'a')), '1');
  assert.equal(keyFileString(entry(file, 'g', 'b')), '2');
  assert.equal(keyFileString(entry(file, 'g', 'c')), '');
});

test('a key given twice keeps its last value, and a repeated group header continues the same group', () => {
  const file = parseKeyFile('[g]\nk = 1\n[h]\nk = x\n[g]\nk = 2\nj = 3\n');
  assert.deepEqual([...file.groups.keys()], ['g', 'h']);
  assert.equal(keyFileString(entry(file, 'g', 'k')), '2');
  assert.equal(entry(file, 'g', 'k').line, 6);
  assert.equal(keyFileString(entry(file, 'g', 'j')), '3');
  assert.equal(keyFileString(entry(file, 'h', 'k')), 'x');
});

test('[PREFIX-name] groups are visible as sub-sections of PREFIX', () => {
  const file = parseKeyFile('[rtpengine]\n[rtpengine-foo]\na=1\n[rtpengine-bar]\n[other]\n[rtpenginex]\n');
  assert.deepEqual(subSectionNames(file, 'rtpengine'), ['foo', 'bar']);
  assert.equal(keyFileString(entry(file, 'rtpengine-foo', 'a')), '1');
});

test('booleans are exactly true/false/1/0, as rtpengine accepts them; yes and TRUE are errors', () => {
  assert.equal(keyFileBoolean(one('true')), true);
  assert.equal(keyFileBoolean(one('1')), true);
  assert.equal(keyFileBoolean(one('false  ')), false);
  assert.equal(keyFileBoolean(one('0')), false);
  for (const bad of ['yes', 'no', 'TRUE', 'on', '']) {
    assert.throws(() => keyFileBoolean(one(bad)), KeyFileError, bad);
  }
});

test('malformed lines are errors that carry their line number', () => {
  const cases: [string, number, RegExp][] = [
    ['k = 1\n', 1, /start with a group/],
    ['[g]\n\nnot a pair\n', 3, /not a key-value pair/],
    ['[g]\n[bad\n', 2, /group header/],
    ['[g]\n[]\n', 2, /group name/],
    ['[g]\n = 5\n', 2, /empty key/],
  ];
  for (const [text, line, message] of cases) {
    assert.throws(
      () => parseKeyFile(text),
      (err: unknown) => err instanceof KeyFileError && err.line === line && message.test(err.message),
      JSON.stringify(text),
    );
  }
});

test('CRLF line ends read like LF ones', () => {
  const file = parseKeyFile('[g]\r\nk = v\r\n');
  assert.equal(keyFileString(entry(file, 'g', 'k')), 'v');
});

test("Debian's example /etc/rtpengine/rtpengine.conf parses into its two sections", () => {
  const text = readFileSync(new URL('../../fixtures/config/debian-rtpengine.conf', import.meta.url), 'utf8');
  const file = parseKeyFile(text);
  assert.deepEqual([...file.groups.keys()], ['rtpengine', 'rtpengine-testing']);
  assert.deepEqual(keyFileStringList(entry(file, 'rtpengine', 'interface')), ['any']);
  assert.equal(keyFileString(entry(file, 'rtpengine', 'listen-ng')), 'localhost:2223');
  assert.equal(keyFileString(entry(file, 'rtpengine', 'tos')), '184');
  // A commented-out key must not leak in.
  assert.equal(file.groups.get('rtpengine')?.entries.has('redis'), false);
  assert.equal(keyFileBoolean(entry(file, 'rtpengine-testing', 'foreground')), true);
});
