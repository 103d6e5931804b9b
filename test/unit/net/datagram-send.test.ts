/**
 * datagram-send: the sockaddr bytes built for sendto (IPv4 and IPv6, compressed and IPv4-tailed forms), and a
 * datagram really sent through a socket's file descriptor on loopback arrives from that socket's port (how a
 * call thread answers on the main thread's ng socket).
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { test } from 'node:test';
import { ipv6Bytes, sendDatagram, sockaddrOf } from '../../../src/net/datagram-send.ts';
import { socketFd } from '../../../src/net/socket-handle.ts';

test('IPv6 text forms become the right 16 bytes', () => {
  assert.equal(ipv6Bytes('::1')?.toString('hex'), `${'0'.repeat(30)}01`);
  assert.equal(ipv6Bytes('2001:db8::8:800:200c:417a')?.toString('hex'), '20010db80000000000080800200c417a');
  assert.equal(ipv6Bytes('::ffff:192.0.2.1')?.toString('hex'), '00000000000000000000ffffc0000201');
  assert.equal(ipv6Bytes('[fe80::1%eth0]')?.toString('hex'), 'fe800000000000000000000000000001');
  for (const bad of ['1::2::3', 'g::1', '1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7', ''])
    assert.equal(ipv6Bytes(bad), null, bad);
});

test('sockaddr_in and sockaddr_in6 in Linux layout', () => {
  assert.equal(sockaddrOf('127.0.0.1', 2223)?.toString('hex'), '020008af7f0000010000000000000000');
  const six = sockaddrOf('::1', 2223);
  assert.equal(six?.length, 28);
  assert.equal(six?.toString('hex', 0, 4), '0a0008af');
  assert.equal(sockaddrOf('not an address', 1), null);
});

async function bound(type: 'udp4' | 'udp6', address: string): Promise<Socket> {
  const s = createSocket(type);
  await new Promise<void>((r) => s.bind(0, address, () => r()));
  return s;
}

for (const [type, address] of [
  ['udp4', '127.0.0.1'],
  ['udp6', '::1'],
] as const) {
  test(`a datagram sent on a socket's fd (${type}) arrives from that socket's port`, async () => {
    const from = await bound(type, address);
    const to = await bound(type, address);
    try {
      const got = new Promise<{ data: string; port: number }>((r) =>
        to.once('message', (m, rinfo) => r({ data: m.toString(), port: rinfo.port })),
      );
      const addr = sockaddrOf(address, to.address().port);
      assert.ok(addr);
      assert.equal(sendDatagram(socketFd(from), Buffer.from('pong'), addr), true);
      assert.deepEqual(await got, { data: 'pong', port: from.address().port });
      assert.equal(
        sendDatagram(-1, Buffer.from('x'), addr),
        false,
        'no socket: not sent, the caller falls back',
      );
    } finally {
      from.close();
      to.close();
    }
  });
}
