/**
 * The error reasons rtpengine 10.5 answers for SDP it cannot use; the ng layer replies with
 * `error-reason` set to `SdpError.reason` verbatim.
 */
export const SDP_ERROR_REASONS = {
  /** Not SDP at all (recorded: offer of "hello world"). */
  parse: 'Failed to parse SDP',
  /** An m= line with no c= at media or session level (recorded). */
  incomplete: 'Incomplete SDP specification',
  /** An SDP without any m= line (recorded: rtpengine still creates the call). */
  rewrite: 'Error rewriting SDP',
} as const;

export type SdpErrorReason = (typeof SDP_ERROR_REASONS)[keyof typeof SDP_ERROR_REASONS];

export class SdpError extends Error {
  override readonly name = 'SdpError';
  constructor(
    readonly reason: SdpErrorReason,
    readonly detail?: string,
  ) {
    super(detail === undefined ? reason : `${reason}: ${detail}`);
  }
}
