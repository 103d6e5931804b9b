/** --tos reaches the kernel: the TOS byte set through koffi reads back from the socket. */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { socketFd } from '../../../src/net/socket-handle.ts';
import { getTos, setTos } from '../../../src/net/sockopt.ts';

test('setTos sets IP_TOS on a bound IPv4 socket and getTos reads it back', async () => {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()));
  try {
    assert.ok(socketFd(s) > 2, 'the socket has an OS file descriptor');
    assert.equal(getTos(s, 'IP4'), 0);
    assert.equal(setTos(s, 'IP4', 184), true);
    assert.equal(getTos(s, 'IP4'), 184);
  } finally {
    s.close();
  }
});

test('setTos sets the IPv6 traffic class on a bound IPv6 socket', async () => {
  const s = createSocket({ type: 'udp6', ipv6Only: true });
  await new Promise<void>((r) => s.bind(0, '::1', () => r()));
  try {
    assert.equal(setTos(s, 'IP6', 46 << 2), true);
    assert.equal(getTos(s, 'IP6'), 46 << 2);
  } finally {
    s.close();
  }
});
