/**
 * Parses a decoded ng dictionary into a typed request, at the edge, so that the call actors never look at raw
 * dictionaries. Key spellings with space, hyphen or underscore are the same key (rtpengine accepts "call-id",
 * "call id"; "delete delay", "delete-delay", "delete_delay"); unknown keys and flags are ignored.
 */
import { lookupCommand, type NgCommandName } from './commands.ts';
import { NG_REASON, NgError } from './errors.ts';
import { isMediaControl, type MediaControlRequest, parseMediaControl } from './media-control.ts';
import { parseRtppFlags, withRtppFlags } from './rtpp-flags.ts';
import type { NgDict, NgValue } from './types.ts';

/** Canonical spelling of a key or flag: lower case, hyphens. */
export function canon(s: string): string {
  return s.toLowerCase().replace(/[ _]/g, '-');
}

export type Family = 'IP4' | 'IP6';

export interface Address {
  family: Family;
  address: string;
}

export type EndpointLearning = 'delayed' | 'immediate' | 'off' | 'heuristic';

/** What an offer or answer asks for, beyond the SDP itself. */
export interface MediaFlags {
  flags: ReadonlySet<string>;
  replace: ReadonlySet<string>;
  /** `direction: [from-interface, to-interface]`. */
  direction: readonly string[];
  ice: string | null;
  transportProtocol: string | null;
  addressFamily: Family | null;
  mediaAddress: string | null;
  receivedFrom: Address | null;
  endpointLearning: EndpointLearning | null;
  rtcpMux: ReadonlySet<string>;
  tos: number | null;
  label: string | null;
  deleteDelay: number | null;
  /** The `codec` dictionary, merged with the `codec-VERB-X` flags (verb → codec specs, as given). */
  codec: CodecFlags;
  /** `ptime`: the packet time written into this SDP. */
  ptime: number | null;
  /** `ptime-reverse`: the packet time written into the SDP that answers this one. */
  ptimeReverse: number | null;
  /** `media echo` / `media-echo`; null when absent or a value rtpengine does not know (it ignores those). */
  mediaEcho: MediaEcho | null;
  /** `drop-traffic`: start or stop dropping all media of the call. */
  dropTraffic: 'start' | 'stop' | null;
}

/**
 * Which party's media is reflected back to it: `forward` reflects the receiver's (the party this SDP goes to)
 * and drops the sender's, `backwards` the other way round, `both` reflects both, `blackhole` drops both.
 */
export type MediaEcho = 'blackhole' | 'forward' | 'backwards' | 'both';

// rtpengine 10.5 matches these values case-sensitively ("Both", "START" do nothing; checked on the wire).
function parseMediaEcho(v: string | null): MediaEcho | null {
  if (v === 'blackhole' || v === 'sinkhole') return 'blackhole';
  if (v === 'forward' || v === 'backwards' || v === 'both') return v;
  return null;
}

function parseDropTraffic(v: string | null): 'start' | 'stop' | null {
  return v === 'start' || v === 'stop' ? v : null;
}

/** Codec manipulation verbs of 10.5; each holds codec specs (`PCMU`, `opus/48000/2`, `all`, `full`). */
export interface CodecFlags {
  strip: readonly string[];
  offer: readonly string[];
  except: readonly string[];
  mask: readonly string[];
  consume: readonly string[];
  accept: readonly string[];
  set: readonly string[];
  transcode: readonly string[];
}

const CODEC_VERBS = ['strip', 'offer', 'except', 'mask', 'consume', 'accept', 'set', 'transcode'] as const;

/** `codec: {strip: [...], ...}` plus the `codec-strip-X` spellings inside `flags`, which 10.5 honours too. */
function parseCodecFlags(k: Keys): CodecFlags {
  const out: Record<(typeof CODEC_VERBS)[number], string[]> = {
    strip: [],
    offer: [],
    except: [],
    mask: [],
    consume: [],
    accept: [],
    set: [],
    transcode: [],
  };
  const dict = k.raw('codec');
  if (dict !== undefined && dict !== null && typeof dict === 'object' && !Array.isArray(dict)) {
    const codec = new Keys(dict as NgDict);
    for (const verb of CODEC_VERBS) out[verb].push(...codec.list(verb));
  }
  for (const raw of k.list('flags')) {
    const m = /^codec[-_ ](strip|offer|except|mask|consume|accept|set|transcode)[-_ ](.+)$/i.exec(raw);
    if (m) out[(m[1] as string).toLowerCase() as (typeof CODEC_VERBS)[number]].push(m[2] as string);
  }
  return out;
}

/**
 * The flags of a request that asks for nothing special: what the legacy rtpproxy and mediaproxy protocols map
 * onto, with their interface selection as `direction`.
 */
export function plainMediaFlags(direction: readonly string[] = []): MediaFlags {
  return {
    flags: new Set(),
    replace: new Set(),
    direction,
    ice: null,
    transportProtocol: null,
    addressFamily: null,
    mediaAddress: null,
    receivedFrom: null,
    endpointLearning: null,
    rtcpMux: new Set(),
    tos: null,
    label: null,
    deleteDelay: null,
    codec: { strip: [], offer: [], except: [], mask: [], consume: [], accept: [], set: [], transcode: [] },
    ptime: null,
    ptimeReverse: null,
    mediaEcho: null,
    dropTraffic: null,
  };
}

interface CallRef {
  callId: string;
  fromTag: string;
  toTag: string | null;
  viaBranch: string | null;
}

export interface OfferRequest extends CallRef, MediaFlags {
  command: 'offer';
  sdp: string;
}

export interface AnswerRequest extends CallRef, MediaFlags {
  command: 'answer';
  sdp: string;
  toTag: string;
}

export interface DeleteRequest {
  command: 'delete';
  callId: string;
  fromTag: string | null;
  toTag: string | null;
  viaBranch: string | null;
  flags: ReadonlySet<string>;
  /** Seconds; null = the daemon's `--delete-delay`. */
  deleteDelay: number | null;
}

export interface QueryRequest {
  command: 'query';
  callId: string;
  fromTag: string | null;
  toTag: string | null;
}

export interface ListRequest {
  command: 'list';
  limit: number;
}

export interface SimpleRequest {
  command: 'ping' | 'statistics';
}

/** A command rtpengine knows that we do not carry out yet. */
export interface UnimplementedRequest {
  command: 'unimplemented';
  name: NgCommandName;
  callId: string | null;
}

export type NgRequest =
  | OfferRequest
  | AnswerRequest
  | DeleteRequest
  | QueryRequest
  | ListRequest
  | SimpleRequest
  | MediaControlRequest
  | UnimplementedRequest;

export interface ParsedRequest {
  request: NgRequest;
  /** `supports: ["load limit"]`: limits are then answered with `result: "load limit"`. */
  supportsLoadLimit: boolean;
}

/** A read-only view of a dictionary by canonical key (see `canon`): what every request parser reads through. */
export class Keys {
  readonly #m = new Map<string, NgValue>();
  constructor(d: NgDict) {
    for (const k of Object.keys(d)) this.#m.set(canon(k), d[k] as NgValue);
  }
  raw(k: string): NgValue | undefined {
    return this.#m.get(k);
  }
  str(k: string): string | null {
    const v = this.#m.get(k);
    if (typeof v === 'string') return v;
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    return null;
  }
  /** A byte string only: rtpengine treats an integer or a list where it wants a string as missing. */
  text(k: string): string | null {
    const v = this.#m.get(k);
    return typeof v === 'string' ? v : null;
  }
  int(k: string): number | null {
    const v = this.#m.get(k);
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    if (typeof v === 'string' && /^-?\d+$/.test(v.trim())) return Number.parseInt(v, 10);
    return null;
  }
  list(k: string): string[] {
    const v = this.#m.get(k);
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    if (typeof v === 'string' && v.length > 0) return [v];
    return [];
  }
}

function parseMediaFlags(k: Keys): MediaFlags {
  const flags = new Set<string>();
  const replace = new Set(k.list('replace').map(canon));
  const rtcpMux = new Set(k.list('rtcp-mux').map(canon));
  let transportProtocol = k.str('transport-protocol');
  let ice = k.str('ice');
  // `replace-X` and `rtcp-mux-X` inside `flags` are Kamailio's flag spellings, which the Kamailio module turns
  // into `replace` / `rtcp-mux` items; rtpengine 10.5 itself ignores them there (checked against the daemon)
  for (const raw of k.list('flags')) {
    const f = canon(raw);
    if (f.startsWith('ice=')) ice = raw.slice(4);
    if (/^(rtp|udp\/tls\/rtp)\/s?avpf?$/i.test(raw)) transportProtocol = raw;
    flags.add(f);
  }
  const af = k.str('address-family');
  const addressFamily = af === 'IP4' || af === 'IP6' ? af : null;
  let receivedFrom: Address | null = null;
  const rf = k.raw('received-from');
  if (Array.isArray(rf) && rf.length >= 2 && typeof rf[1] === 'string') {
    receivedFrom = { family: rf[0] === 'IP6' ? 'IP6' : 'IP4', address: rf[1] };
  }
  const el = k.str('endpoint-learning');
  const endpointLearning =
    el === 'delayed' || el === 'immediate' || el === 'off' || el === 'heuristic' ? el : null;
  return {
    flags,
    replace,
    direction: k.list('direction'),
    ice: ice === null ? null : canon(ice),
    transportProtocol,
    addressFamily,
    mediaAddress: k.str('media-address'),
    receivedFrom,
    endpointLearning,
    rtcpMux,
    tos: k.int('tos'),
    label: k.str('label'),
    deleteDelay: k.int('delete-delay'),
    codec: parseCodecFlags(k),
    ptime: positive(k.int('ptime')),
    ptimeReverse: positive(k.int('ptime-reverse')),
    mediaEcho: parseMediaEcho(k.text('media-echo')),
    dropTraffic: parseDropTraffic(k.text('drop-traffic')),
  };
}

const positive = (n: number | null): number | null => (n !== null && n > 0 ? n : null);

function required(k: Keys, key: string, reason: string): string {
  const v = k.text(key);
  if (v === null || v === '') throw new NgError(reason);
  return v;
}

/** Throws NgError with rtpengine's reason when the request cannot be carried out. */
export function parseRequest(dict: NgDict): ParsedRequest {
  const flagString = dict['rtpp-flags'];
  const d = typeof flagString === 'string' ? withRtppFlags(dict, parseRtppFlags(flagString)) : dict;
  const k = new Keys(d);
  const command = k.raw('command');
  if (command === undefined) throw new NgError(NG_REASON.noCommand);
  // rtpengine 10.5 answers a non-string command as if there were none.
  if (typeof command !== 'string') throw new NgError(NG_REASON.noCommand);
  const info = lookupCommand(command);
  if (!info) throw new NgError(NG_REASON.unknownCommand);
  const supportsLoadLimit = k.list('supports').includes('load limit');
  const wrap = (request: NgRequest): ParsedRequest => ({ request, supportsLoadLimit });
  switch (info.wire) {
    case 'ping':
    case 'statistics':
      return wrap({ command: info.wire });
    case 'list': {
      const limit = k.int('limit');
      return wrap({ command: 'list', limit: limit !== null && limit >= 0 ? limit : 32 });
    }
    case 'offer':
    case 'answer': {
      // rtpengine 10.5 checks the SDP before the call-id and tags: the first missing one names the error.
      const sdp = required(k, 'sdp', NG_REASON.noSdp);
      const callId = required(k, 'call-id', NG_REASON.noCallId);
      const fromTag = required(k, 'from-tag', NG_REASON.noFromTag);
      const base = {
        callId,
        fromTag,
        viaBranch: k.str('via-branch'),
        sdp,
        ...parseMediaFlags(k),
      };
      if (info.wire === 'offer') return wrap({ command: 'offer', toTag: k.str('to-tag'), ...base });
      const toTag = required(k, 'to-tag', NG_REASON.noToTag);
      return wrap({ command: 'answer', toTag, ...base });
    }
    case 'delete': {
      const callId = required(k, 'call-id', NG_REASON.noCallId);
      const flags = new Set(k.list('flags').map(canon));
      return wrap({
        command: 'delete',
        callId,
        fromTag: k.str('from-tag'),
        toTag: k.str('to-tag'),
        viaBranch: k.str('via-branch'),
        flags,
        deleteDelay: k.int('delete-delay'),
      });
    }
    case 'query': {
      const callId = required(k, 'call-id', NG_REASON.noCallId);
      return wrap({ command: 'query', callId, fromTag: k.str('from-tag'), toTag: k.str('to-tag') });
    }
    default:
      if (isMediaControl(info.wire))
        return wrap(parseMediaControl(info.wire, required(k, 'call-id', NG_REASON.noCallId), k));
      return wrap({ command: 'unimplemented', name: info.wire, callId: k.str('call-id') });
  }
}
