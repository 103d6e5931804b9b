/**
 * Media sockets are bound synchronously (a call binds its pairs inside one turn of its actor): these tests pin that
 * Node's dgram, given our literal-address lookup, completes the bind, or reports its error, before bind() returns.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { describe, test } from 'node:test';
import { bindUdpNow, closeQuietly } from '../../../src/net/udp.ts';

describe('bindUdpNow', () => {
  test('returns a socket already bound on the address and port asked for, which receives', async () => {
    const a = bindUdpNow('127.0.0.1', 'IP4', 0);
    const b = bindUdpNow('127.0.0.1', 'IP4', 0);
    try {
      const addr = a.address();
      assert.equal(addr.address, '127.0.0.1');
      assert.ok(addr.port > 0);
      const got = new Promise<Buffer>((resolve) => a.once('message', resolve));
      b.send(Buffer.from('rtp'), addr.port, '127.0.0.1');
      assert.equal((await got).toString(), 'rtp');
    } finally {
      closeQuietly(a);
      closeQuietly(b);
    }
  });

  test('a port another socket holds throws EADDRINUSE at once, and leaves nothing open', () => {
    const holder = bindUdpNow('127.0.0.1', 'IP4', 0);
    let second: Socket | undefined;
    try {
      assert.throws(
        () => {
          second = bindUdpNow('127.0.0.1', 'IP4', holder.address().port);
        },
        (e: NodeJS.ErrnoException) => e.code === 'EADDRINUSE',
      );
      assert.equal(second, undefined);
    } finally {
      closeQuietly(holder);
    }
  });

  test('a send to an address of the other family is an error event (counted by the stream), not a silent drop', async () => {
    const v4 = bindUdpNow('127.0.0.1', 'IP4', 0);
    const v6 = bindUdpNow('::1', 'IP6', 0);
    try {
      const errorCode = (s: Socket) =>
        new Promise<string>((resolve) =>
          s.once('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')),
        );
      const errors = Promise.all([errorCode(v4), errorCode(v6)]);
      v4.send(Buffer.from('rtp'), 4000, '::1');
      v6.send(Buffer.from('rtp'), 4000, '127.0.0.1');
      assert.deepEqual(await errors, ['EAFNOSUPPORT', 'EAFNOSUPPORT']);
    } finally {
      closeQuietly(v4);
      closeQuietly(v6);
    }
  });

  test('IPv6 binds on ::1', () => {
    const s = bindUdpNow('::1', 'IP6', 0);
    try {
      assert.equal(s.address().address, '::1');
      assert.equal(s.address().family, 'IPv6');
    } finally {
      closeQuietly(s);
    }
  });
});
