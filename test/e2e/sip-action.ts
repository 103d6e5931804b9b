/**
 * One out-of-dialog SIP MESSAGE that asks Kamailio's routing script to run a media action on a call, from
 * inside a network namespace: `ip netns exec NS node --import tsx sip-action.ts HOST PORT CALL-ID FROM-TAG
 * ACTION`. Kamailio 5.6's rtpengine module offers block_dtmf()/unblock_dtmf()/play_dtmf() only to the
 * routing script, so the test reaches them through a SIP request that carries the call's Call-ID and the
 * caller's From tag (the module takes both from the message) and an `X-Action` header naming the action.
 * Prints the final response's status line; exit status 1 unless it is a 2xx.
 */
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

const ATTEMPTS = 3;
const ATTEMPT_TIMEOUT_MS = 1000;

export interface SipActionRequest {
  readonly host: string;
  readonly port: number;
  readonly callId: string;
  readonly fromTag: string;
  readonly action: string;
}

function buildMessage(
  request: SipActionRequest,
  localAddress: string,
  localPort: number,
  branch: string,
): string {
  const { host, port, callId, fromTag, action } = request;
  return [
    `MESSAGE sip:media-control@${host}:${port} SIP/2.0`,
    `Via: SIP/2.0/UDP ${localAddress}:${localPort};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:test@${localAddress}>;tag=${fromTag}`,
    `To: <sip:media-control@${host}>`,
    `Call-ID: ${callId}`,
    'CSeq: 1 MESSAGE',
    `X-Action: ${action}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Sends the MESSAGE (retransmitted like a SIP UA over UDP would) and resolves with the final status line. */
export async function sendSipAction(request: SipActionRequest): Promise<string> {
  const socket = createSocket('udp4');
  const branch = `z9hG4bK${randomBytes(8).toString('hex')}`;
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      // The same address as Kamailio, so the Via names an address Kamailio can answer to.
      socket.bind(0, request.host, () => resolve());
    });
    const local = socket.address();
    const datagram = Buffer.from(buildMessage(request, local.address, local.port, branch));
    return await new Promise<string>((resolve, reject) => {
      let attempt = 0;
      let timer: NodeJS.Timeout | undefined;
      const send = (): void => {
        if (attempt++ >= ATTEMPTS) {
          reject(new Error(`no final SIP response from ${request.host}:${request.port}`));
          return;
        }
        socket.send(datagram, request.port, request.host);
        timer = setTimeout(send, ATTEMPT_TIMEOUT_MS);
      };
      socket.on('message', (reply) => {
        const text = reply.toString('utf8');
        const statusLine = text.split('\r\n', 1)[0] ?? '';
        const status = /^SIP\/2\.0 (\d{3})/.exec(statusLine)?.[1];
        if (status === undefined || !text.includes(branch) || status.startsWith('1')) return;
        clearTimeout(timer);
        resolve(statusLine);
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
  const [host, port, callId, fromTag, action] = process.argv.slice(2);
  if (host === undefined || port === undefined || callId === undefined || fromTag === undefined || !action) {
    process.stderr.write('usage: sip-action.ts HOST PORT CALL-ID FROM-TAG ACTION\n');
    process.exit(2);
  }
  const statusLine = await sendSipAction({ host, port: Number(port), callId, fromTag, action });
  process.stdout.write(`${statusLine}\n`);
  process.exit(/^SIP\/2\.0 2\d\d/.test(statusLine) ? 0 : 1);
}
