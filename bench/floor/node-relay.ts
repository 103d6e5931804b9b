/**
 * The floor of a Node relay (bench/relay-floor.ts): two dgram sockets per call on 127.0.0.1 and nothing else,
 * each forwarding what it receives with `socket.send(msg, port, address)` as the daemon's packet path does.
 * Reads `[[callerPort, calleePort], ...]` (JSON) on stdin, prints the relay's `[[toCaller, toCallee], ...]`.
 */
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';

const pairs = JSON.parse(readFileSync(0, 'utf8')) as [number, number][];

function bound(): Promise<Socket> {
  const s = createSocket('udp4');
  return new Promise((resolve) => s.bind(0, '127.0.0.1', () => resolve(s)));
}

const ports: [number, number][] = [];
for (const [callerPort, calleePort] of pairs) {
  const [toCaller, toCallee] = await Promise.all([bound(), bound()]);
  toCaller.on('message', (m: Buffer) => toCallee.send(m, calleePort, '127.0.0.1'));
  toCallee.on('message', (m: Buffer) => toCaller.send(m, callerPort, '127.0.0.1'));
  ports.push([toCaller.address().port, toCallee.address().port]);
}
process.stdout.write(`${JSON.stringify(ports)}\n`);
