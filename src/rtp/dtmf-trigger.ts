/**
 * DTMF triggers of `block DTMF` (`trigger`, `trigger-end`, `trigger-end-time`, `trigger-end-digits`,
 * `DTMF-security-trigger`): a digit sequence seen in a party's RFC 4733 events switches that party's DTMF-security
 * mode, and the end trigger (or the time or digit limit after the trigger) switches it off again.
 *
 * What rtpengine 10.5 does, checked on the wire (plain passthrough calls, no codec options needed):
 * - digits count when an event starts (its first packet with a new timestamp); that packet still gets the mode in
 *   force before it, the switch acts from the next packet on;
 * - a mismatched digit restarts the match (at 1 when it is the trigger's first digit); digits further apart than
 *   `--dtmf-digit-delay` (default 2500 ms; 10.5 also takes 0 and negative values) restart it too;
 * - the trigger's mode defaults to `off`; the end always switches to `off` (10.5 reads `DTMF-security-trigger-end`
 *   but never uses it);
 * - the time and digit limits act only when a `trigger-end` is set; the whole thing fires once, then is disarmed.
 */
import type { DtmfBlock } from './media-control.ts';

export interface DtmfTriggerSpec {
  /** Digits as RFC 4733 events (0-15). */
  trigger: readonly number[];
  end: readonly number[];
  endTimeMs: number;
  endDigits: number;
  /** The mode the trigger switches on; null = off. */
  mode: DtmfBlock | null;
}

export interface DtmfTriggerState {
  spec: DtmfTriggerSpec;
  phase: 'armed' | 'triggered' | 'done';
  matched: number;
  lastDigitAt: number;
  digitsSinceTrigger: number;
  timer: ReturnType<typeof setTimeout> | null;
  /** `--dtmf-digit-delay` in force when the trigger was set: digits further apart restart the match. */
  digitDelayMs: number;
}

/** rtpengine's `--dtmf-digit-delay` default. */
export const DTMF_DIGIT_DELAY_MS = 2500;

const DIGITS = '0123456789*#ABCD';

/** `trigger` text as events: 0-9 * # A-D (any case); null when a character is no DTMF digit or it is empty. */
export function parseTriggerDigits(text: string | null): number[] | null {
  if (!text) return null;
  const out: number[] = [];
  for (const ch of text.toUpperCase()) {
    const i = DIGITS.indexOf(ch);
    if (i < 0) return null;
    out.push(i);
  }
  return out;
}

export function newTriggerState(spec: DtmfTriggerSpec, digitDelayMs = DTMF_DIGIT_DELAY_MS): DtmfTriggerState {
  return {
    spec,
    phase: 'armed',
    matched: 0,
    lastDigitAt: -Infinity,
    digitsSinceTrigger: 0,
    timer: null,
    digitDelayMs,
  };
}

/** What a digit did: switch the trigger's mode on, switch off, or nothing. */
export type TriggerAction = { kind: 'on'; mode: DtmfBlock | null } | { kind: 'off' } | null;

function advance(seq: readonly number[], matched: number, digit: number): number {
  if (seq[matched] === digit) return matched + 1;
  return seq[0] === digit ? 1 : 0;
}

/**
 * Feeds the digit of an event that just started. `onTimeout` is called when `trigger-end-time` runs out (the
 * caller switches the mode off then); the timer never keeps the process alive.
 */
export function noteDigit(
  s: DtmfTriggerState,
  digit: number,
  nowMs: number,
  onTimeout: () => void,
  digitDelayMs = s.digitDelayMs,
): TriggerAction {
  if (s.phase === 'done') return null;
  if (nowMs - s.lastDigitAt > digitDelayMs) s.matched = 0;
  s.lastDigitAt = nowMs;
  const { spec } = s;
  if (s.phase === 'armed') {
    s.matched = advance(spec.trigger, s.matched, digit);
    if (s.matched < spec.trigger.length) return null;
    s.matched = 0;
    if (spec.end.length === 0) {
      s.phase = 'done';
      return { kind: 'on', mode: spec.mode };
    }
    s.phase = 'triggered';
    s.digitsSinceTrigger = 0;
    if (spec.endTimeMs > 0) {
      s.timer = setTimeout(() => {
        if (s.phase !== 'triggered') return;
        finish(s);
        onTimeout();
      }, spec.endTimeMs);
      s.timer.unref?.();
    }
    return { kind: 'on', mode: spec.mode };
  }
  s.digitsSinceTrigger++;
  s.matched = advance(spec.end, s.matched, digit);
  if (s.matched >= spec.end.length || (spec.endDigits > 0 && s.digitsSinceTrigger >= spec.endDigits)) {
    finish(s);
    return { kind: 'off' };
  }
  return null;
}

/** Disarms the trigger for good (fired, or replaced by a new `block DTMF` / `unblock DTMF`). */
export function finish(s: DtmfTriggerState): void {
  s.phase = 'done';
  if (s.timer) clearTimeout(s.timer);
  s.timer = null;
}
