/**
 * The media control commands (block/unblock media, silence/unsilence media, block/unblock DTMF, start/stop
 * forwarding, play DTMF) parsed into typed requests: who they address (ng-protocol.md §2.6) and their options.
 * Values out of range are clamped or refused as rtpengine 10.5 does.
 */

import { type DtmfTriggerSpec, parseTriggerDigits } from '../rtp/dtmf-trigger.ts';
import { DTMF_BLOCK_DEFAULTS, type DtmfBlock, type DtmfSecurity } from '../rtp/media-control.ts';
import { dtmfCode } from '../rtp/rfc4733.ts';
import { NgError } from './errors.ts';
import type { NgValue } from './types.ts';

export const MEDIA_CONTROL_COMMANDS = [
  'block media',
  'unblock media',
  'silence media',
  'unsilence media',
  'block DTMF',
  'unblock DTMF',
  'start forwarding',
  'stop forwarding',
  'play DTMF',
] as const;

export type MediaControlAction = (typeof MEDIA_CONTROL_COMMANDS)[number];

export function isMediaControl(wire: string): wire is MediaControlAction {
  return (MEDIA_CONTROL_COMMANDS as readonly string[]).includes(wire);
}

/** Who a command addresses. None of the selectors set: the whole call. */
export interface ParticipantSelector {
  fromTag: string | null;
  address: string | null;
  label: string | null;
  /** Flag `all`: every party (and, for the un- commands, the call-wide switch too). */
  all: boolean;
}

export interface DtmfToPlayRequest {
  event: number;
  durationMs: number;
  volume: number;
  /** `volume` was in the request (in-band tones have another default than events). */
  volumeGiven: boolean;
  pauseMs: number;
}

export interface MediaControlRequest {
  command: 'media-control';
  action: MediaControlAction;
  callId: string;
  select: ParticipantSelector;
  /** `block DTMF` only: the DTMF-security mode (default drop) and its `frequency`, `volume`, `digit`. */
  dtmfSecurity: DtmfBlock;
  /** `block DTMF` with a `trigger`: the mode is switched by digits; `DTMF-security` given or not. */
  trigger: DtmfTriggerSpec | null;
  dtmfSecurityGiven: boolean;
  /** `play DTMF` only. */
  play: DtmfToPlayRequest | null;
  /** `block DTMF` only: `delay-buffer` ms (0 takes the delay off); null when the key is absent. */
  delayBufferMs: number | null;
}

export const DTMF_DURATION = { min: 100, max: 5000, default: 250 } as const;
export const DTMF_PAUSE = { min: 100, max: 5000, default: 100 } as const;
/** rtpengine 10.5 puts volume 63 into events played without `volume` (checked against the daemon). */
export const DTMF_DEFAULT_VOLUME = 63;

/** What the parser needs of the request dictionary (request.ts's canonical-key view). */
export interface KeyReader {
  raw(k: string): NgValue | undefined;
  str(k: string): string | null;
  int(k: string): number | null;
  list(k: string): string[];
}

function clamp(v: number | null, r: { min: number; max: number; default: number }): number {
  if (v === null) return r.default;
  return Math.min(r.max, Math.max(r.min, v));
}

const SECURITY_MODES: readonly DtmfSecurity[] = ['drop', 'silence', 'tone', 'zero', 'random', 'dtmf', 'off'];

function parseSecurity(v: string | null): DtmfSecurity {
  const mode = v?.toLowerCase();
  return SECURITY_MODES.find((m) => m === mode) ?? 'drop';
}

/** `frequency` / `frequencies`: a number, a list, or a comma-separated string of whole Hz. */
function parseFrequencies(raw: NgValue | undefined): number[] {
  const items = Array.isArray(raw)
    ? raw
    : typeof raw === 'string'
      ? raw.split(',')
      : raw === undefined
        ? []
        : [raw];
  const hz: number[] = [];
  for (const item of items) {
    const n =
      typeof item === 'number'
        ? item
        : typeof item === 'string'
          ? Number.parseInt(item.trim(), 10)
          : Number.NaN;
    if (Number.isInteger(n) && n > 0 && n < 4000) hz.push(n);
  }
  return hz;
}

function parseBlock(k: KeyReader): DtmfBlock {
  const frequencies = parseFrequencies(k.raw('frequencies') ?? k.raw('frequency'));
  const volume = k.int('volume');
  const digitRaw = k.raw('digit') ?? k.raw('code');
  const digit = typeof digitRaw === 'string' || typeof digitRaw === 'number' ? dtmfCode(digitRaw) : null;
  const dtmfDelay = k.int('dtmf-delay');
  return {
    mode: parseSecurity(k.str('dtmf-security')),
    frequencies: frequencies.length > 0 ? frequencies : [...DTMF_BLOCK_DEFAULTS.frequencies],
    volumeDb: volume === null ? DTMF_BLOCK_DEFAULTS.volumeDb : Math.min(63, Math.abs(volume)),
    digit: digit ?? DTMF_BLOCK_DEFAULTS.digit,
    // absent unless given: a block without it stays the plain mode with its options
    ...(dtmfDelay === null ? {} : { dtmfDelayMs: Math.max(0, dtmfDelay) }),
  };
}

/** `trigger` and its companions; null without a trigger (or one that is no digit string). */
function parseTrigger(k: KeyReader, block: DtmfBlock): DtmfTriggerSpec | null {
  const trigger = parseTriggerDigits(k.str('trigger'));
  if (!trigger) return null;
  const modeText = k.str('dtmf-security-trigger');
  const mode = parseSecurity(modeText);
  return {
    trigger,
    end: parseTriggerDigits(k.str('trigger-end') ?? k.str('end-trigger')) ?? [],
    endTimeMs: Math.max(0, k.int('trigger-end-time') ?? k.int('end-trigger-time') ?? 0),
    endDigits: Math.max(0, k.int('trigger-end-digits') ?? k.int('end-trigger-digits') ?? 0),
    // 10.5 switches to `off` when no trigger mode is given
    mode: modeText === null || mode === 'off' ? null : { ...block, mode },
  };
}

function parsePlay(k: KeyReader): DtmfToPlayRequest {
  const raw = k.raw('code') ?? k.raw('digit');
  const event = typeof raw === 'string' || typeof raw === 'number' ? dtmfCode(raw) : null;
  if (event === null) throw new NgError("Out of range 'code' specified");
  const volume = k.int('volume');
  return {
    event,
    durationMs: clamp(k.int('duration'), DTMF_DURATION),
    volume: volume === null ? DTMF_DEFAULT_VOLUME : Math.min(63, Math.abs(volume)),
    volumeGiven: volume !== null,
    pauseMs: clamp(k.int('pause'), DTMF_PAUSE),
  };
}

/** A delay longer than this would only fill the stream's queue (DELAY_QUEUE_CAPACITY) and drop packets. */
export const DELAY_BUFFER_MAX_MS = 10_000;

function parseDelayBuffer(k: KeyReader): number | null {
  const ms = k.int('delay-buffer');
  return ms === null ? null : Math.min(DELAY_BUFFER_MAX_MS, Math.max(0, ms));
}

export function parseMediaControl(
  action: MediaControlAction,
  callId: string,
  k: KeyReader,
): MediaControlRequest {
  const flags = new Set(k.list('flags').map((f) => f.toLowerCase()));
  const block = parseBlock(k);
  return {
    command: 'media-control',
    action,
    callId,
    select: {
      fromTag: k.str('from-tag'),
      address: k.str('address'),
      label: k.str('label'),
      all: flags.has('all'),
    },
    dtmfSecurity: block,
    trigger: action === 'block DTMF' ? parseTrigger(k, block) : null,
    dtmfSecurityGiven: k.str('dtmf-security') !== null,
    play: action === 'play DTMF' ? parsePlay(k) : null,
    delayBufferMs: action === 'block DTMF' ? parseDelayBuffer(k) : null,
  };
}
