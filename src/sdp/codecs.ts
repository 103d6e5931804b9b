/**
 * Codec manipulation without transcoding, as rtpengine 10.5 does it to the payload types of an m= line: the
 * `codec` verbs (`strip`, `offer`, `except`, `mask`, `consume`) on an offer, and on an answer the filter that
 * drops what the offer did not carry, `single codec`, and the answer's own `strip`/`mask`. Only ever removes
 * payload types, never adds or renumbers one (adding needs a codec engine). Recorded: test/golden/ng/codec-*.json.
 */
import type { SdpMedia, SdpRtpmap } from './model.ts';
import { defaultRtpmapText } from './static-payload-types.ts';

/** `name[/clock[/channels[/...]]]`, as ng codec verbs take them; the rest (bitrate, ptime, fmtp) is ignored. */
export interface CodecSpec {
  readonly name: string;
  readonly clockRate?: number;
  readonly channels?: number;
}

/** The ng codec verbs that shape an offer. */
export interface OfferCodecRules {
  readonly strip: readonly string[];
  readonly offer: readonly string[];
  readonly except: readonly string[];
  readonly mask: readonly string[];
  readonly consume: readonly string[];
}

/** What shapes an answer. */
export interface AnswerCodecRules {
  /** The payload types of the offer as it was sent to the answering party; undefined = no offer seen. */
  readonly offered?: readonly string[];
  readonly strip: readonly string[];
  readonly mask: readonly string[];
  readonly singleCodec: boolean;
}

/** Codecs rtpengine treats as riding along with the real one (kept by `single codec`). */
const SUPPLEMENTAL = new Set(['telephone-event', 'cn']);

const isAll = (spec: string): boolean => {
  const s = spec.toLowerCase();
  return s === 'all' || s === 'full';
};

export function parseCodecSpec(text: string): CodecSpec {
  const [name = '', clock, channels] = text.split('/');
  const num = (s: string | undefined): number | undefined =>
    s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined;
  const clockRate = num(clock);
  const ch = num(channels);
  return {
    name,
    ...(clockRate !== undefined ? { clockRate } : {}),
    ...(ch !== undefined ? { channels: ch } : {}),
  };
}

/** The codec a payload type stands for: its a=rtpmap, else the static table; undefined when unknown. */
export function codecOf(media: SdpMedia, pt: string): SdpRtpmap | undefined {
  const own = media.rtpmaps.get(pt);
  if (own !== undefined) return own;
  const text = defaultRtpmapText(pt);
  if (text === '/0') return undefined;
  const spec = parseCodecSpec(text);
  return {
    encoding: spec.name,
    clockRate: spec.clockRate ?? 0,
    ...(spec.channels !== undefined ? { channels: spec.channels } : {}),
  };
}

function matches(codec: SdpRtpmap | undefined, spec: CodecSpec): boolean {
  if (codec === undefined) return false;
  if (codec.encoding.toLowerCase() !== spec.name.toLowerCase()) return false;
  if (spec.clockRate !== undefined && spec.clockRate !== codec.clockRate) return false;
  if (spec.channels !== undefined && spec.channels !== (codec.channels ?? 1)) return false;
  return true;
}

const anyMatch = (codec: SdpRtpmap | undefined, specs: readonly string[]): boolean =>
  specs.some((s) => !isAll(s) && matches(codec, parseCodecSpec(s)));

/** Codec verbs apply to RTP media only: other m= lines (T.38, BFCP, ...) have no payload types to shape. */
const isRtp = (media: SdpMedia): boolean =>
  media.proto.toUpperCase().includes('RTP') && media.formats.every((f) => /^\d+$/.test(f));

/**
 * The payload types an offer goes on with. `strip`/`mask`/`consume` remove codecs by name (`all` removes every
 * one not named by `except` or `offer`); when nothing would be left rtpengine keeps the list as it was.
 */
export function offerFormats(media: SdpMedia, rules: OfferCodecRules): readonly string[] {
  if (!isRtp(media)) return media.formats;
  const removing = [...rules.strip, ...rules.mask, ...rules.consume];
  if (removing.length === 0) return media.formats;
  const removeAll = removing.some(isAll);
  const kept = media.formats.filter((pt) => {
    const codec = codecOf(media, pt);
    if (anyMatch(codec, rules.except)) return true;
    if (removeAll) return false;
    return !anyMatch(codec, removing);
  });
  // `offer` puts back what it names, in its own order, after what survived
  for (const spec of rules.offer) {
    if (isAll(spec)) continue;
    const wanted = parseCodecSpec(spec);
    for (const pt of media.formats)
      if (!kept.includes(pt) && matches(codecOf(media, pt), wanted)) kept.push(pt);
  }
  if (kept.length === 0) return media.formats;
  if (onlySupplemental(media, kept)) return [];
  return withClockCompanions(media, kept);
}

/** telephone-event and CN ride along only with a real codec of their clock rate: `formats` less the others. */
export function withClockCompanions(media: SdpMedia, formats: readonly string[]): readonly string[] {
  const clocks = new Set(
    formats.filter((pt) => !isSupplemental(media, pt)).map((pt) => codecOf(media, pt)?.clockRate),
  );
  return formats.filter((pt) => !isSupplemental(media, pt) || clocks.has(codecOf(media, pt)?.clockRate));
}

/** The clock rates whose first real codec on this m= line is not among `kept`. */
export function lostLeadClocks(media: SdpMedia, kept: readonly string[]): number[] {
  const seen = new Set<number>();
  const lost: number[] = [];
  for (const pt of media.formats) {
    const clock = codecOf(media, pt)?.clockRate;
    if (clock === undefined || isSupplemental(media, pt) || seen.has(clock)) continue;
    seen.add(clock);
    if (!kept.includes(pt)) lost.push(clock);
  }
  return lost;
}

/**
 * The telephone-event and CN payload types of an answer that have no real codec of their clock rate in it
 * and that the offer did not carry or whose clock is in `lostClocks`: rtpengine's codec engine drops them.
 */
export function strandedSupplemental(
  media: SdpMedia,
  formats: readonly string[],
  offered: readonly string[],
  lostClocks: readonly number[],
): string[] {
  const withCompanion = new Set(withClockCompanions(media, formats));
  return formats.filter((pt) => {
    if (withCompanion.has(pt)) return false;
    const clock = codecOf(media, pt)?.clockRate ?? 0;
    return !offered.includes(pt) || lostClocks.includes(clock);
  });
}

const isSupplemental = (media: SdpMedia, pt: string): boolean =>
  SUPPLEMENTAL.has(codecOf(media, pt)?.encoding.toLowerCase() ?? '');

/**
 * rtpengine 10.5 left with only telephone-event / CN writes an m= line without payload types and leaves the
 * rtpmap lines where they were: an empty result means exactly that (see rewrite.ts).
 */
function onlySupplemental(media: SdpMedia, formats: readonly string[]): boolean {
  return formats.every((pt) => isSupplemental(media, pt));
}

/**
 * The payload types an answer goes on with: only those the offer carried (by payload type), less what the
 * answer's own `strip`/`mask` name; `single codec` keeps the first codec and its supplemental ones
 * (telephone-event, CN). An answer left with nothing keeps its list; one left with only supplemental codecs
 * gets the empty list (no payload types, rtpmap lines left in place).
 */
export function answerFormats(media: SdpMedia, rules: AnswerCodecRules): readonly string[] {
  if (!isRtp(media)) return media.formats;
  // an offer that lost every real codec filters nothing (recorded)
  const offered =
    rules.offered === undefined || rules.offered.length === 0 ? undefined : new Set(rules.offered);
  const removing = [...rules.strip, ...rules.mask];
  let kept = media.formats.filter((pt) => {
    if (offered !== undefined && !offered.has(pt)) return false;
    return !anyMatch(codecOf(media, pt), removing);
  });
  if (rules.singleCodec) {
    let first = true;
    kept = kept.filter((pt) => {
      const name = codecOf(media, pt)?.encoding.toLowerCase() ?? '';
      if (SUPPLEMENTAL.has(name)) return true;
      if (!first) return false;
      first = false;
      return true;
    });
  }
  if (kept.length === 0) return media.formats;
  return kept.length < media.formats.length && onlySupplemental(media, kept) ? [] : kept;
}

/** Some payload type of this m= line is a codec one of `specs` names (`all`/`full` name none). */
export function namesCodecIn(media: SdpMedia, specs: readonly string[]): boolean {
  return isRtp(media) && media.formats.some((pt) => anyMatch(codecOf(media, pt), specs));
}

/**
 * The codecs Debian's rtpengine 10.5 can decode and encode, so repacketize to another ptime (recorded with
 * `ptime` offers: AMR, AMR-WB, iLBC, G7221, L16, G726, EVS, SILK, GSM-EFR and unknown ones are dropped).
 */
const REPACKETIZABLE = new Set([
  'pcmu',
  'pcma',
  'g722',
  'gsm',
  'g723',
  'g729',
  'g729a',
  'opus',
  'speex',
  'telephone-event',
  'cn',
]);

/** `formats` less the payload types rtpengine drops when it repacketizes an offer (see REPACKETIZABLE). */
export function repacketizableFormats(media: SdpMedia, formats: readonly string[]): readonly string[] {
  if (!isRtp(media)) return formats;
  return formats.filter((pt) => REPACKETIZABLE.has(codecOf(media, pt)?.encoding.toLowerCase() ?? ''));
}
