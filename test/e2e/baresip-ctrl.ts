/**
 * One command to a baresip user agent through its `ctrl_tcp` module, from inside the agent's network
 * namespace: `ip netns exec NS node --import tsx baresip-ctrl.ts HOST PORT COMMAND [PARAMS]`.
 * ctrl_tcp speaks netstring-framed JSON (`<len>:<json>,`) and interleaves events with responses, so the
 * response is the frame that carries our token. Prints the response's `data`; exit status 1 if not ok.
 */
import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';

interface CtrlResponse {
  response?: boolean;
  ok?: boolean;
  data?: string;
  token?: string;
}

const TIMEOUT_MS = 3000;

/** Splits complete netstrings off the front of `buffer`; returns them and the unparsed rest. */
function takeNetstrings(buffer: Buffer): { frames: string[]; rest: Buffer } {
  const frames: string[] = [];
  let rest = buffer;
  for (;;) {
    const colon = rest.indexOf(0x3a);
    if (colon < 0) break;
    const length = Number(rest.subarray(0, colon).toString());
    const end = colon + 1 + length;
    if (rest.length < end + 1) break;
    frames.push(rest.subarray(colon + 1, end).toString('utf8'));
    rest = rest.subarray(end + 1);
  }
  return { frames, rest };
}

export function baresipCommand(
  host: string,
  port: number,
  command: string,
  params: string,
): Promise<CtrlResponse> {
  const token = randomBytes(4).toString('hex');
  const body = JSON.stringify({ command, params, token });
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no ctrl_tcp response to ${command} within ${TIMEOUT_MS} ms`));
    }, TIMEOUT_MS);
    let pending: Buffer = Buffer.alloc(0);
    socket.on('connect', () => socket.write(`${Buffer.byteLength(body)}:${body},`));
    socket.on('data', (chunk: Buffer) => {
      const { frames, rest } = takeNetstrings(Buffer.concat([pending, chunk]));
      pending = rest;
      for (const frame of frames) {
        const message = JSON.parse(frame) as CtrlResponse;
        if (message.response === true && message.token === token) {
          clearTimeout(timer);
          socket.end();
          resolve(message);
          return;
        }
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const isMain = process.argv[1] !== undefined && import.meta.url === `file://${process.argv[1]}`;
if (isMain) {
  const [host, port, command, params = ''] = process.argv.slice(2);
  if (host === undefined || port === undefined || command === undefined) {
    process.stderr.write('usage: baresip-ctrl.ts HOST PORT COMMAND [PARAMS]\n');
    process.exit(2);
  }
  const response = await baresipCommand(host, Number(port), command, params);
  process.stdout.write(`${response.data ?? ''}\n`);
  process.exit(response.ok === true ? 0 : 1);
}
