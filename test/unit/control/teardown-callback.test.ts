import assert from 'node:assert/strict';
import { test } from 'node:test';
import { methodCall, teardownUrl } from '../../../actors/singletons/teardown-callback.ts';
import { cdrLine } from '../../../src/log/cdr.ts';

test('an XMLRPC methodCall escapes its strings and %% in the URL becomes the callback address', () => {
  const body = methodCall('teardown', ['a<b&c']);
  assert.ok(body.includes('<param><value><string>a&lt;b&amp;c</string></value></param>'));
  assert.ok(
    body.startsWith(
      '<?xml version="1.0" encoding="UTF-8"?>\n<methodCall>\n<methodName>teardown</methodName>',
    ),
  );
  assert.equal(teardownUrl('http://%%:8090/', '10.1.1.1'), 'http://10.1.1.1:8090/');
  assert.equal(teardownUrl('http://%%/x', '2001:db8::1'), 'http://[2001:db8::1]/x');
});

test('the CDR text joins fields as key=value in order', () => {
  assert.equal(
    cdrLine([
      ['ci', 'x'],
      ['tos', 0],
    ]),
    'ci=x, tos=0',
  );
});
