/**
 * One rtpproxy-protocol datagram parsed into a typed command. The grammar is what rtpengine 10.5 accepts from
 * Kamailio's rtpproxy module (checked against the daemon):
 *
 *   <cookie> V                                    version            → `20040107`
 *   <cookie> VF <date>                            capability         → `1` for 20040107/20050322/20060704, else `0`
 *   <cookie> U<mods> <callid> <ip> <port> <from-tag>;<n> [<to-tag>;<n>]    update (the offer side)
 *   <cookie> L<mods> <callid> <ip> <port> <from-tag>;<n> <to-tag>;<n>      lookup (the answer side)
 *   <cookie> D <callid> <from-tag> [<to-tag>]    delete             → `0`, or `E8` for an unknown call
 *   <cookie> Q <callid> <from-tag> <to-tag>       query              → `ttl a b relayed dropped`
 *
 * `U`/`L` lines without the `;<n>` media number do not parse; rtpengine then answers them with the address and
 * port it was given (media not proxied), and everything else that does not parse with `E8`.
 */

export const RTPPROXY_VERSION = '20040107';

/** The capability dates rtpengine says yes to in `VF`. */
export const SUPPORTED_CAPABILITIES: ReadonlySet<string> = new Set(['20040107', '20050322', '20060704']);

/** The interface names `i` and `e` select, as rtpengine maps them onto named `--interface`s. */
export const INTERFACE_BY_MODIFIER = { i: 'internal', e: 'external' } as const;

export interface StreamTag {
  tag: string;
  /** The 1-based media number after `;`. */
  media: number;
}

export interface UpdateCommand {
  kind: 'update' | 'lookup';
  callId: string;
  address: string;
  port: number;
  from: StreamTag;
  to: StreamTag | null;
  /** `i`/`e` modifiers in order: the first names the from side's interface, the second the to side's. */
  direction: string[];
  /** The raw modifier letters after U/L (codecs, `6`, `a`, ... are accepted and ignored). */
  modifiers: string;
}

export type RtpproxyCommand =
  | { kind: 'version' }
  | { kind: 'capability'; date: string }
  | UpdateCommand
  | { kind: 'delete'; callId: string; fromTag: string; toTag: string | null }
  | { kind: 'query'; callId: string; fromTag: string; toTag: string | null }
  /** An unparsable `U`/`L`: answered with the address and port it carried. */
  | { kind: 'passthrough'; address: string; port: string }
  | { kind: 'error' };

export interface RtpproxyDatagram {
  cookie: string;
  command: RtpproxyCommand;
}

function streamTag(text: string): StreamTag | null {
  const semi = text.lastIndexOf(';');
  if (semi <= 0) return null;
  const n = text.slice(semi + 1);
  if (!/^\d+$/.test(n) || Number(n) < 1) return null;
  return { tag: text.slice(0, semi), media: Number(n) };
}

/** A tag as D and Q carry it: the `;<n>` suffix, if any, is not part of it. */
function bareTag(text: string): string {
  const t = streamTag(text);
  return t ? t.tag : text;
}

function isAddress(s: string): boolean {
  return /^[\d.]+$/.test(s) || /^[0-9a-f:.]+$/i.test(s);
}

function parseUpdate(kind: 'update' | 'lookup', modifiers: string, args: string[]): RtpproxyCommand {
  const [callId, address, portText, fromText, toText, ...rest] = args;
  const passthrough = (): RtpproxyCommand =>
    address !== undefined && portText !== undefined
      ? { kind: 'passthrough', address, port: portText }
      : { kind: 'error' };
  if (callId === undefined || address === undefined || portText === undefined || fromText === undefined)
    return passthrough();
  if (rest.length > 0 || !isAddress(address) || !/^\d{1,5}$/.test(portText) || Number(portText) > 65535)
    return passthrough();
  const from = streamTag(fromText);
  const to = toText === undefined ? null : streamTag(toText);
  if (!from || (toText !== undefined && !to)) return passthrough();
  if (kind === 'lookup' && !to) return passthrough();
  const direction: string[] = [];
  for (const c of modifiers.toLowerCase())
    if (c === 'i' || c === 'e') direction.push(INTERFACE_BY_MODIFIER[c]);
  return {
    kind,
    callId,
    address,
    port: Number(portText),
    from,
    to,
    direction: direction.slice(0, 2),
    modifiers,
  };
}

export function parseRtpproxy(datagram: string): RtpproxyDatagram | null {
  const fields = datagram.trim().split(/\s+/);
  const [cookie, verb, ...args] = fields;
  if (cookie === undefined || cookie === '') return null;
  if (verb === undefined) return { cookie, command: { kind: 'error' } };
  const letter = verb[0]?.toUpperCase();
  const modifiers = verb.slice(1);
  let command: RtpproxyCommand = { kind: 'error' };
  if (verb.toUpperCase() === 'V' && args.length === 0) command = { kind: 'version' };
  else if (verb.toUpperCase() === 'VF' && args.length === 1 && args[0])
    command = { kind: 'capability', date: args[0] };
  else if (letter === 'U') command = parseUpdate('update', modifiers, args);
  else if (letter === 'L') command = parseUpdate('lookup', modifiers, args);
  else if ((letter === 'D' || letter === 'Q') && args.length >= 2 && args.length <= 3) {
    const [callId, fromTag, toTag] = args as [string, string, string | undefined];
    command = {
      kind: letter === 'D' ? 'delete' : 'query',
      callId,
      fromTag: bareTag(fromTag),
      toTag: toTag === undefined ? null : bareTag(toTag),
    };
  }
  return { cookie, command };
}

/** The reply datagram: `<cookie> <answer>\n`. */
export function formatReply(cookie: string, answer: string): string {
  return `${cookie} ${answer}\n`;
}

export const ERROR_ANSWER = 'E8';

/** What U and L answer: where the other side must send, and the family of that address (4 or 6). */
export function streamAnswer(port: number, address: string): string {
  return `${port} ${address} ${address.includes(':') ? 6 : 4}`;
}

/** `L` for a call that does not exist. */
export const NO_STREAM_ANSWER = '0 0.0.0.0';

/**
 * The SDP that stands for the streams one party announced through U/L: one audio m= line per media number
 * (index 0 = media 1), each at its own address and port. Media numbers never announced are rejected (port 0).
 */
export function syntheticSdp(streams: readonly ({ address: string; port: number } | undefined)[]): string {
  const first = streams.find((s) => s !== undefined) ?? { address: '0.0.0.0', port: 0 };
  const fam = (a: string) => (a.includes(':') ? 'IP6' : 'IP4');
  const lines = ['v=0', `o=- 1 1 IN ${fam(first.address)} ${first.address}`, 's=-', 't=0 0'];
  for (const s of streams) {
    const st = s ?? { address: first.address, port: 0 };
    lines.push(`m=audio ${st.port} RTP/AVP 0`, `c=IN ${fam(st.address)} ${st.address}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}

/** The port and connection address of the m= line `media` (1-based) of a rewritten SDP, or null. */
export function streamOfSdp(sdp: string, media: number): { address: string; port: number } | null {
  let sessionAddress: string | null = null;
  let index = 0;
  let current: { address: string | null; port: number } | null = null;
  for (const raw of sdp.split(/\r?\n/)) {
    if (raw.startsWith('m=')) {
      if (index === media) break;
      index++;
      const port = Number(raw.split(' ')[1]);
      current = index === media ? { address: null, port } : null;
    } else if (raw.startsWith('c=')) {
      const address = raw.split(' ')[2] ?? null;
      if (index === 0) sessionAddress = address;
      else if (current) current.address = address;
    }
  }
  if (!current || index !== media) return null;
  const address = current.address ?? sessionAddress;
  return address === null || !Number.isFinite(current.port) ? null : { address, port: current.port };
}
