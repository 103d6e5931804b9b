/**
 * Silence payloads for `silence media` and the `silence` DTMF-security mode: codecs whose silence is one byte
 * repeated (the values rtpengine 10.5 writes). Other codecs have no such payload and are left alone.
 */
const SILENCE_BYTE: Readonly<Record<string, number>> = {
  PCMU: 0xff,
  PCMA: 0xd5,
  G722: 0xfa,
};

/** The silence byte of an encoding name (any case), or null when the codec has none. */
export function silenceByte(encoding: string): number | null {
  return SILENCE_BYTE[encoding.toUpperCase()] ?? null;
}

/** RFC 3551's static payload types among the codecs above, for SDPs without an a=rtpmap line. */
export const STATIC_ENCODINGS: ReadonlyMap<number, { encoding: string; clockRate: number }> = new Map([
  [0, { encoding: 'PCMU', clockRate: 8000 }],
  [8, { encoding: 'PCMA', clockRate: 8000 }],
  [9, { encoding: 'G722', clockRate: 8000 }],
]);
