import assert from 'node:assert/strict';
import { test } from 'node:test';
import { InterfacePorts } from '../../../actors/singletons/port-allocator.ts';

test('each logical interface has its own pool: the same port number is handed out on two interfaces', () => {
  const ports = new InterfacePorts(30000, 30009);
  const a = ports.pool('default').allocate();
  const b = ports.pool('ext').allocate();
  assert.equal(a, 30000);
  assert.equal(b, 30000);
  assert.notEqual(ports.pool('default').allocate(), a, 'within one interface a pair is never given twice');
});

test('a release frees the pair on its own interface only', () => {
  const ports = new InterfacePorts(30000, 30003);
  assert.equal(ports.pool('default').allocate(), 30000);
  assert.equal(ports.pool('ext').allocate(), 30000);
  ports.pool('ext').release(30000);
  assert.equal(ports.pool('default').isUsed(30000), true);
  assert.equal(ports.pool('ext').isUsed(30000), false);
});

test('usage: per interface, or summed over every interface pool in use', () => {
  const ports = new InterfacePorts(30000, 30009);
  assert.deepEqual(ports.usage(), { used: 0, free: 5, capacity: 5 });
  ports.pool('default').allocate();
  ports.pool('ext').allocate();
  ports.pool('ext').allocate();
  assert.deepEqual(ports.usage('ext'), { used: 2, free: 3, capacity: 5 });
  assert.deepEqual(ports.usage(), { used: 3, free: 7, capacity: 10 });
});
