/**
 * An ng command that fails replies `{result: "error", "error-reason": reason}`. The reasons are rtpengine's exact
 * strings, because clients act on them (Kamailio fails over on "Ran out of ports" and on
 * "Parallel session limit reached").
 */
export class NgError extends Error {
  override readonly name = 'NgError';
  constructor(readonly reason: string) {
    super(reason);
  }
}

/**
 * A limit was hit. With `supports: ["load limit"]` in the request the reply is `{result: "load limit", message}`,
 * otherwise it is an ordinary error with the same text.
 */
export class NgLoadLimit extends Error {
  override readonly name = 'NgLoadLimit';
  constructor(readonly reason: string) {
    super(reason);
  }
}

export const NG_REASON = {
  noCommand: 'Dictionary contains no key "command"',
  unknownCommand: 'Unrecognized command',
  unknownCallId: 'Unknown call-id',
  noCallId: 'No call-id in message',
  noFromTag: 'No from-tag in message',
  noToTag: 'No to-tag in message',
  noSdp: 'No SDP body in message',
  parseSdp: 'Failed to parse SDP',
  incompleteSdp: 'Incomplete SDP specification',
  rewriteSdp: 'Error rewriting SDP',
  outOfPorts: 'Ran out of ports',
  sessionLimit: 'Parallel session limit reached',
  invalidFormat: 'Invalid NG data format',
  internal: 'Internal error',
} as const;
