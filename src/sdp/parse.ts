import { SDP_ERROR_REASONS, SdpError } from './errors.ts';
import {
  DIRECTIONS,
  ICE_ATTRIBUTES,
  type SdpAddrType,
  type SdpAttribute,
  type SdpConnection,
  type SdpDirection,
  type SdpLine,
  type SdpMedia,
  type SdpOrigin,
  type SdpRtcp,
  type SdpRtpmap,
  type SdpSession,
} from './model.ts';

const fail = (detail: string): never => {
  throw new SdpError(SDP_ERROR_REASONS.parse, detail);
};

const DIGITS = /^\d+$/;

function splitLines(text: string): SdpLine[] {
  const lines: SdpLine[] = [];
  let start = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const crlf = nl > start && text.charCodeAt(nl - 1) === 13;
    const body = text.slice(start, crlf ? end - 1 : end);
    const eol = nl < 0 ? '' : crlf ? '\r\n' : '\n';
    start = nl < 0 ? text.length : nl + 1;
    if (body === '') {
      lines.push({ type: '', value: '', text: body, eol });
      continue;
    }
    // `<letter>=<value>`, checked by char codes: a regex match per line was a large share of parsing's garbage
    const letter = body.charCodeAt(0) | 0x20;
    if (letter < 0x61 || letter > 0x7a || body.charCodeAt(1) !== 0x3d)
      return fail(`not an SDP line: ${JSON.stringify(body.slice(0, 40))}`);
    lines.push({ type: body[0] as string, value: body.slice(2), text: body, eol });
  }
  return lines;
}

function parsePort(token: string | undefined, what: string): number {
  if (token === undefined || !DIGITS.test(token)) return fail(`bad ${what}`);
  const n = Number(token);
  if (n > 65535) return fail(`bad ${what}`);
  return n;
}

function parseAddrType(token: string | undefined): SdpAddrType {
  if (token === 'IP4' || token === 'IP6') return token;
  return fail('bad address type');
}

function parseConnection(value: string): SdpConnection {
  const parts = value.split(' ');
  if (parts.length !== 3 || parts[0] !== 'IN') return fail('bad c= line');
  // a multicast c= carries /ttl: rtpengine only proxies unicast, the address part is what counts
  const address = (parts[2] ?? '').split('/')[0] ?? '';
  if (address === '') return fail('bad c= address');
  return { addrType: parseAddrType(parts[1]), address };
}

function parseOrigin(value: string): SdpOrigin {
  const p = value.split(' ');
  if (p.length !== 6 || p.some((x) => x === '')) return fail('bad o= line');
  const [username = '', sessionId = '', sessionVersion = '', netType = '', addrType = '', address = ''] = p;
  return { username, sessionId, sessionVersion, netType, addrType, address };
}

function parseAttribute(line: SdpLine): SdpAttribute {
  const colon = line.value.indexOf(':');
  return colon < 0
    ? { name: line.value, value: null, line }
    : { name: line.value.slice(0, colon), value: line.value.slice(colon + 1), line };
}

function parseRtpmap(value: string): [string, SdpRtpmap] | null {
  const m = /^(\S+) ([^/\s]*)\/(\d+)(?:\/(\d+))?\s*$/.exec(value);
  if (m === null) return null;
  const [, pt = '', encoding = '', clock = '', channels] = m;
  const rtpmap: SdpRtpmap =
    channels === undefined
      ? { encoding, clockRate: Number(clock) }
      : { encoding, clockRate: Number(clock), channels: Number(channels) };
  return [pt, rtpmap];
}

function parseRtcp(value: string): SdpRtcp | undefined {
  const p = value.trim().split(/\s+/);
  if (p[0] === undefined || !DIGITS.test(p[0]) || Number(p[0]) > 65535) return undefined;
  const port = Number(p[0]);
  if (p.length === 4 && p[1] === 'IN' && (p[2] === 'IP4' || p[2] === 'IP6') && p[3] !== undefined) {
    return { port, addrType: p[2], address: p[3] };
  }
  return { port };
}

function directionOf(attrs: readonly SdpAttribute[]): SdpDirection | null {
  let found: SdpDirection | null = null;
  for (const a of attrs) if (a.value === null && DIRECTIONS.has(a.name)) found = a.name as SdpDirection;
  return found;
}

function parseMedia(lines: SdpLine[], session: SdpConnection | undefined, sessionIce: boolean): SdpMedia {
  const first = lines[0];
  if (first === undefined) return fail('empty media');
  const tokens = first.value.split(' ');
  if (tokens.length < 3 || tokens.some((t) => t === '')) return fail('bad m= line');
  const [type = '', portText = '', proto = '', ...formats] = tokens;
  const [portPart, countPart] = portText.split('/');
  const port = parsePort(portPart, 'm= port');
  const portCount = countPart === undefined ? 1 : parsePort(countPart, 'm= port count');

  let connection: SdpConnection | undefined;
  const attributes: SdpAttribute[] = [];
  for (const line of lines.slice(1)) {
    if (line.type === 'c') connection = parseConnection(line.value);
    else if (line.type === 'a') attributes.push(parseAttribute(line));
  }

  const rtpmaps = new Map<string, SdpRtpmap>();
  const fmtps = new Map<string, string>();
  let rtcp: SdpRtcp | undefined;
  let ptime: number | undefined;
  let mid: string | undefined;
  for (const a of attributes) {
    if (a.value === null) continue;
    if (a.name === 'rtpmap') {
      const r = parseRtpmap(a.value);
      if (r !== null && !rtpmaps.has(r[0])) rtpmaps.set(r[0], r[1]);
    } else if (a.name === 'fmtp') {
      const sp = a.value.indexOf(' ');
      if (sp > 0 && !fmtps.has(a.value.slice(0, sp))) fmtps.set(a.value.slice(0, sp), a.value.slice(sp + 1));
    } else if (a.name === 'rtcp') rtcp = parseRtcp(a.value);
    else if (a.name === 'ptime' && DIGITS.test(a.value.trim())) ptime = Number(a.value.trim());
    else if (a.name === 'mid') mid = a.value;
  }
  const effectiveConnection = connection ?? session;
  return {
    lines,
    type,
    port,
    portCount,
    proto,
    formats,
    ...(connection === undefined ? {} : { connection }),
    ...(effectiveConnection === undefined ? {} : { effectiveConnection }),
    direction: directionOf(attributes),
    ...(rtcp === undefined ? {} : { rtcp }),
    rtcpMux: attributes.some((a) => a.name === 'rtcp-mux'),
    hasIce: sessionIce || attributes.some((a) => ICE_ATTRIBUTES.has(a.name)),
    rtpmaps,
    fmtps,
    ...(ptime === undefined ? {} : { ptime }),
    ...(mid === undefined ? {} : { mid }),
    rejected: port === 0,
    attributes,
  };
}

/**
 * Parses an SDP (CRLF, LF or a mix; each line keeps its own ending). Throws
 * `SdpError('Failed to parse SDP')` on anything that is not SDP. Lines it does not understand
 * are kept verbatim; `writeSdp(parseSdp(x)) === x` for every x it accepts.
 */
export function parseSdp(text: string): SdpSession {
  const all = splitLines(text);
  const firstMedia = all.findIndex((l) => l.type === 'm');
  const sessionLines = firstMedia < 0 ? all : all.slice(0, firstMedia);

  const firstLine = all.find((l) => l.type !== '');
  if (firstLine === undefined || firstLine.type !== 'v' || !DIGITS.test(firstLine.value))
    return fail('no v= line');
  let origin: SdpOrigin | undefined;
  let sessionName: string | undefined;
  let connection: SdpConnection | undefined;
  const attributes: SdpAttribute[] = [];
  for (const line of sessionLines) {
    if (line.type === 'o') origin = parseOrigin(line.value);
    else if (line.type === 's') sessionName = line.value;
    else if (line.type === 'c') connection = parseConnection(line.value);
    else if (line.type === 'a') attributes.push(parseAttribute(line));
  }
  if (origin === undefined) return fail('no o= line');
  const sessionIce = attributes.some((a) => ICE_ATTRIBUTES.has(a.name));

  const media: SdpMedia[] = [];
  if (firstMedia >= 0) {
    let current: SdpLine[] = [];
    for (const line of all.slice(firstMedia)) {
      if (line.type === 'm' && current.length > 0) {
        media.push(parseMedia(current, connection, sessionIce));
        current = [];
      }
      current.push(line);
    }
    media.push(parseMedia(current, connection, sessionIce));
  }

  return {
    lines: sessionLines,
    version: Number(firstLine.value),
    origin,
    sessionName: sessionName ?? '',
    ...(connection === undefined ? {} : { connection }),
    direction: directionOf(attributes),
    attributes,
    media,
  };
}

/**
 * The error rtpengine 10.5 answers for a parsed SDP it still cannot proxy, or null: an m= line
 * without any c= gives 'Incomplete SDP specification', no m= line at all 'Error rewriting SDP'.
 */
export function sdpUnusableReason(session: SdpSession): SdpError | null {
  if (session.media.some((m) => m.effectiveConnection === undefined))
    return new SdpError(SDP_ERROR_REASONS.incomplete);
  if (session.media.length === 0) return new SdpError(SDP_ERROR_REASONS.rewrite);
  return null;
}
