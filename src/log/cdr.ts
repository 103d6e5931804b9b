/**
 * The CDR of an ended call, with rtpengine's field names (`--log-facility-cdr`): one record per call, the
 * parties as `ml<N>_…` and each of their m= lines as `ml<N>_midx<I>_rtp_…` / `…_rtcp_…`. Returned both as an
 * ordered field list (for the structured log) and as rtpengine's `key=value, key=value` text.
 */
import type { Call, CallEndReason, PacketStream } from '../call/model.ts';

/** rtpengine's termination texts. */
export const TERMINATION: Record<CallEndReason, string> = {
  regular: 'REGULAR',
  forced: 'FORCED',
  timeout: 'TIMEOUT',
  'silent-timeout': 'SILENT_TIMEOUT',
  'final-timeout': 'FINAL_TIMEOUT',
  'offer-timeout': 'OFFER_TIMEOUT',
};

export interface CdrInput {
  call: Call;
  reason: CallEndReason;
  /** Unix ms when the call ended. */
  endedMs: number;
  /** `IP:port` of the proxy whose request created the call, or null. */
  createdFrom: string | null;
  tos: number;
}

export type CdrField = readonly [key: string, value: string | number];

/** `seconds.microseconds`, as rtpengine prints times. */
function timeText(ms: number): string {
  const s = Math.floor(ms / 1000);
  const us = Math.round((ms - s * 1000) * 1000);
  return `${s}.${String(us).padStart(6, '0')}`;
}

function streamFields(prefix: string, s: PacketStream): CdrField[] {
  return [
    [`${prefix}_endpoint_ip`, s.endpoint?.address ?? ''],
    [`${prefix}_endpoint_port`, s.endpoint?.port ?? 0],
    [`${prefix}_local_relay_ip`, s.local?.advertised ?? ''],
    [`${prefix}_local_relay_port`, s.local?.port ?? 0],
    [`${prefix}_relayed_packets`, s.stats.packets],
    [`${prefix}_relayed_bytes`, s.stats.bytes],
    [`${prefix}_relayed_errors`, s.stats.errors],
    [`${prefix}_last_packet`, s.stats.lastPacket],
  ];
}

export function cdrFields(input: CdrInput): CdrField[] {
  const { call } = input;
  const out: CdrField[] = [
    ['ci', call.callId],
    ['created_from', input.createdFrom ?? ''],
    ['last_signal', call.lastSignal],
    ['tos', input.tos],
  ];
  const parties = [...call.monologues.values()].sort((a, b) => a.index - b.index);
  for (const [n, m] of parties.entries()) {
    const ml = `ml${n}`;
    out.push(
      [`${ml}_start_time`, timeText(m.created)],
      [`${ml}_end_time`, timeText(input.endedMs)],
      [`${ml}_duration`, timeText(Math.max(0, input.endedMs - m.created))],
      [`${ml}_termination`, TERMINATION[input.reason]],
      [`${ml}_local_tag`, m.tag ?? ''],
      [`${ml}_local_tag_type`, n === 0 ? 'FROM_TAG' : 'TO_TAG'],
      [`${ml}_remote_tag`, m.peer?.tag ?? ''],
    );
    if (m.label !== null) out.push([`${ml}_label`, m.label]);
    for (const media of m.medias) {
      const midx = `${ml}_midx${media.index}`;
      out.push(...streamFields(`${midx}_rtp`, media.rtp));
      if (!media.rtcpMux) out.push(...streamFields(`${midx}_rtcp`, media.rtcp));
    }
  }
  return out;
}

/** rtpengine's CDR text: `ci=…, created_from=…, …`. */
export function cdrLine(fields: readonly CdrField[]): string {
  return fields.map(([k, v]) => `${k}=${v}`).join(', ');
}
