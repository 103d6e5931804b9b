/**
 * One line of the legacy OpenSER mediaproxy dispatcher protocol (`--listen-tcp`), parsed into a typed command,
 * and the replies to it. The grammar and replies are what rtpengine 10.5 does (checked against the daemon):
 *
 *   request <callid> <streams> <signalling-ip> <from-domain> <from-type> <to-domain> <to-type> <agent> info=<info>
 *   lookup  (same fields)                       → `<ip> <port>` per stream, concatenated, then `\n`
 *   delete <callid> info=<info>                 → no reply
 *   version | build                             → `Version: <version>\n`
 *   status                                      → `proxy <n> 0/0/0\n` and `session <callid> - - - - <age>\n` each
 *   controls                                    → the open control connections, one a line, then `End.\n`
 *   quit | exit                                 → no reply
 *
 * `<streams>` is `ip:port[:type]` joined by `,`; `<info>` is `key:value` joined by `,` (`fromtag`, `totag`).
 * Commands are case-sensitive, one per connection: the daemon answers (or not) and closes. A line that does
 * not parse gets no reply at all, only the close.
 */

export interface MediaproxyStream {
  address: string;
  port: number;
  /** The media type after the second `:` (`audio`, `video`, ...), or null when left out. */
  type: string | null;
}

export interface SessionCommand {
  kind: 'request' | 'lookup';
  callId: string;
  streams: MediaproxyStream[];
  signallingIp: string;
  fromDomain: string;
  fromType: string;
  toDomain: string;
  toType: string;
  userAgent: string;
  /** From `info=`: empty strings count as absent. */
  fromTag: string | null;
  toTag: string | null;
  info: ReadonlyMap<string, string>;
}

export type MediaproxyCommand =
  | SessionCommand
  | { kind: 'delete'; callId: string; fromTag: string | null; toTag: string | null }
  | { kind: 'version' }
  | { kind: 'status' }
  | { kind: 'controls' }
  | { kind: 'quit' };

/** What `version`/`build` report after `Version: `. */
export const MEDIAPROXY_VERSION = '10.5.3.5-rtpengine-ts';

const STREAM = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})(?::(.*))?$/;

/**
 * The `,`-separated streams that are `ipv4:port[:type]`; rtpengine skips the others (a request with none
 * answers a bare `\n`), and takes everything after the port's `:` as the type.
 */
function parseStreams(text: string): MediaproxyStream[] {
  const out: MediaproxyStream[] = [];
  for (const part of text.split(',')) {
    const m = STREAM.exec(part);
    if (!m?.[1] || !m[2] || Number(m[2]) > 65535) continue;
    out.push({ address: m[1], port: Number(m[2]), type: m[3] || null });
  }
  return out;
}

/** `info=key:value,key:value`; a pair without `:` is kept with an empty value. */
export function parseInfo(token: string): Map<string, string> | null {
  if (!token.startsWith('info=')) return null;
  const info = new Map<string, string>();
  for (const pair of token.slice(5).split(',')) {
    if (pair === '') continue;
    const colon = pair.indexOf(':');
    if (colon < 0) info.set(pair, '');
    else info.set(pair.slice(0, colon), pair.slice(colon + 1));
  }
  return info;
}

const tagOf = (info: ReadonlyMap<string, string>, key: string): string | null => {
  const v = info.get(key);
  return v === undefined || v === '' ? null : v;
};

/** One line without its `\n` (a trailing `\r` is dropped); null when the daemon would not parse it. */
export function parseMediaproxy(line: string): MediaproxyCommand | null {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  if (text === '' || /^\s|\s$/.test(text)) return null;
  switch (text) {
    case 'version':
    case 'build':
      return { kind: 'version' };
    case 'status':
      return { kind: 'status' };
    case 'controls':
      return { kind: 'controls' };
    case 'quit':
    case 'exit':
      return { kind: 'quit' };
  }
  const words = text.split(/\s+/);
  const [verb, callId] = words;
  if (callId === undefined) return null;
  if (verb === 'delete') {
    const info = words.length === 3 && words[2] !== undefined ? parseInfo(words[2]) : null;
    if (!info) return null;
    return { kind: 'delete', callId, fromTag: tagOf(info, 'fromtag'), toTag: tagOf(info, 'totag') };
  }
  if (verb !== 'request' && verb !== 'lookup') return null;
  // exactly these ten words: a user agent with spaces or anything after info= does not parse in rtpengine
  if (words.length !== 10) return null;
  const [, , streamText, signallingIp, fromDomain, fromType, toDomain, toType, userAgent, infoText] =
    words as [string, string, string, string, string, string, string, string, string, string];
  const info = parseInfo(infoText);
  if (!info) return null;
  const streams = parseStreams(streamText);
  return {
    kind: verb,
    callId,
    streams,
    signallingIp,
    fromDomain,
    fromType,
    toDomain,
    toType,
    userAgent,
    fromTag: tagOf(info, 'fromtag'),
    toTag: tagOf(info, 'totag'),
    info,
  };
}

/**
 * The reply to request/lookup: `<ip> <port>` for each stream, where the other side must send. rtpengine puts
 * no separator between streams (only the final `\n`); mirrored as is, since that is what clients see.
 */
export function formatStreamsReply(streams: readonly { address: string; port: number }[]): string {
  return `${streams.map((s) => `${s.address} ${s.port}`).join('')}\n`;
}

export function formatVersion(version: string = MEDIAPROXY_VERSION): string {
  return `Version: ${version}\n`;
}

/** `status`: the number of calls, then one line per call with its age in whole seconds. */
export function formatStatus(calls: readonly { callId: string; ageSeconds: number }[]): string {
  const lines = [`proxy ${calls.length} 0/0/0`];
  for (const c of calls) lines.push(`session ${c.callId} - - - - ${Math.max(0, Math.floor(c.ageSeconds))}`);
  return `${lines.join('\n')}\n`;
}

export function formatControls(peers: readonly string[]): string {
  return `${[...peers, 'End.'].join('\n')}\n`;
}

/** The SDP that stands for a request/lookup's streams: one m= line per stream at its own address and port. */
export function sessionSdp(streams: readonly MediaproxyStream[]): string {
  const first = streams[0] ?? { address: '0.0.0.0', port: 0, type: null };
  const lines = ['v=0', `o=- 1 1 IN IP4 ${first.address}`, 's=-', 't=0 0'];
  // a type that is not one word (rtpengine keeps whatever follows the port) cannot be an SDP media type
  for (const s of streams) {
    const media = s.type !== null && /^[a-z]+$/i.test(s.type) ? s.type : 'audio';
    lines.push(`m=${media} ${s.port} RTP/AVP 0`, `c=IN IP4 ${s.address}`);
  }
  return `${lines.join('\r\n')}\r\n`;
}
