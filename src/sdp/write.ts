import type { SdpSession } from './model.ts';

/** Writes a parsed SDP back exactly as it arrived: `writeSdp(parseSdp(x)) === x`. */
export function writeSdp(session: SdpSession): string {
  let out = '';
  for (const line of session.lines) out += line.text + line.eol;
  for (const m of session.media) for (const line of m.lines) out += line.text + line.eol;
  return out;
}
