/**
 * One ng request from inside a network namespace: the test process lives outside the namespaces, so it
 * runs this file with `ip netns exec CORE node --import tsx ng-client.ts HOST PORT '<json dict>'`.
 * Prints the reply dictionary as one JSON line, byte strings decoded as UTF-8.
 *
 * Uses the npm `bencode` codec rather than the project's own, so the test does not trust the code it tests.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

type Json = string | number | Json[] | { [key: string]: Json };

interface BencodeCodec {
  encode(value: unknown): Uint8Array;
  decode(data: Uint8Array): unknown;
}

async function loadBencode(): Promise<BencodeCodec> {
  // A variable specifier keeps tsc from demanding type declarations the package does not ship.
  const specifier = 'bencode';
  const loaded = (await import(specifier)) as { default: BencodeCodec };
  return loaded.default;
}

function toJson(value: unknown): Json {
  if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
  if (typeof value === 'number') return value;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Json } = {};
    for (const [key, inner] of Object.entries(value)) out[key] = toJson(inner);
    return out;
  }
  return String(value);
}

const ATTEMPTS = 3;
const ATTEMPT_TIMEOUT_MS = 1000;

export async function ngRequest(host: string, port: number, message: Record<string, unknown>): Promise<Json> {
  const bencode = await loadBencode();
  const cookie = randomBytes(6).toString('hex');
  const request = Buffer.concat([Buffer.from(`${cookie} `), bencode.encode(message)]);
  const socket = createSocket('udp4');
  try {
    return await new Promise<Json>((resolve, reject) => {
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      const send = (): void => {
        if (attempt++ >= ATTEMPTS) {
          reject(new Error(`no ng reply from ${host}:${port} after ${ATTEMPTS} attempts`));
          return;
        }
        socket.send(request, port, host);
        timer = setTimeout(send, ATTEMPT_TIMEOUT_MS);
      };
      socket.on('message', (reply) => {
        const space = reply.indexOf(0x20);
        if (space < 0 || reply.subarray(0, space).toString() !== cookie) return;
        clearTimeout(timer);
        resolve(toJson(bencode.decode(reply.subarray(space + 1))));
      });
      socket.on('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      send();
    });
  } finally {
    socket.close();
  }
}

const isMain = process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const [host, port, body] = process.argv.slice(2);
  if (host === undefined || port === undefined || body === undefined) {
    process.stderr.write("usage: ng-client.ts HOST PORT '<json dict>'\n");
    process.exit(2);
  }
  const reply = await ngRequest(host, Number(port), JSON.parse(body) as Record<string, unknown>);
  process.stdout.write(`${JSON.stringify(reply)}\n`);
}
