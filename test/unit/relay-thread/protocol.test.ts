/**
 * The relay thread's pure helpers and its hold on Node's sockets: which sources count as the learned one, and
 * that a dgram socket's handle is reached (its fd, reading stopped and started again) on this Node.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { test } from 'node:test';
import { sockaddrOf } from '../../../src/net/datagram-send.ts';
import { nodeSocketHandle } from '../../../src/net/socket-handle.ts';
import { sameSockaddr } from '../../../src/relay-thread/protocol.ts';

test('sameSockaddr: family, port and address must match; an IPv6 flow label does not matter', () => {
  const v4 = sockaddrOf('192.0.2.7', 4000)!;
  assert.ok(sameSockaddr(sockaddrOf('192.0.2.7', 4000)!, 16, v4));
  assert.ok(!sameSockaddr(sockaddrOf('192.0.2.7', 4002)!, 16, v4), 'another port');
  assert.ok(!sameSockaddr(sockaddrOf('192.0.2.8', 4000)!, 16, v4), 'another address');
  const v6 = sockaddrOf('2001:db8::1', 5000)!;
  const withFlow = Buffer.from(v6);
  withFlow.writeUInt32BE(0x12345, 4);
  assert.ok(sameSockaddr(withFlow, 28, v6), 'flow label ignored');
  assert.ok(!sameSockaddr(sockaddrOf('2001:db8::2', 5000)!, 28, v6));
  const scoped = Buffer.from(v6);
  scoped.writeUInt32LE(3, 24);
  assert.ok(!sameSockaddr(scoped, 28, v6), 'another scope id');
  assert.ok(!sameSockaddr(v6, 28, v4), 'another family');
});

test("nodeSocketHandle reaches a bound socket's fd and stops and restarts its reading; null once closed", async () => {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
  const port = sock.address().port;
  const got: number[] = [];
  sock.on('message', (m) => got.push(m[0] as number));
  const handle = nodeSocketHandle(sock);
  assert.ok(handle && handle.fd > 2, 'a real file descriptor');
  const sender = createSocket('udp4');
  const send = (b: number) =>
    new Promise<void>((r) => sender.send(Buffer.from([b]), port, '127.0.0.1', () => r()));
  const settle = () => new Promise((r) => setTimeout(r, 30));
  handle.recvStop();
  await send(1);
  await settle();
  assert.deepEqual(got, [], 'not read while stopped');
  handle.recvStart();
  await settle();
  await send(2);
  await settle();
  assert.deepEqual(got, [1, 2], 'the queued datagram and the new one are read once restarted');
  sock.close();
  sender.close();
  assert.equal(nodeSocketHandle(sock), null);
});
