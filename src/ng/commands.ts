/**
 * The one table of ng commands: wire name, the short name used in statistics, and whether rtpengine-ts carries
 * it out yet. Commands that rtpengine 10.5 knows but we do not implement yet are recognised (so they are counted
 * and answered with a clear error) rather than treated as unknown.
 */
export interface NgCommandInfo {
  readonly wire: string;
  readonly statsName: string;
  readonly implemented: boolean;
  /** Commands addressed to one call: routed to that call's actor. */
  readonly callScoped: boolean;
}

export const NG_COMMANDS = [
  { wire: 'ping', statsName: 'Ping', implemented: true, callScoped: false },
  { wire: 'offer', statsName: 'Offer', implemented: true, callScoped: true },
  { wire: 'answer', statsName: 'Answer', implemented: true, callScoped: true },
  { wire: 'delete', statsName: 'Delete', implemented: true, callScoped: true },
  { wire: 'query', statsName: 'Query', implemented: true, callScoped: true },
  { wire: 'list', statsName: 'List', implemented: true, callScoped: false },
  { wire: 'statistics', statsName: 'Statistics', implemented: true, callScoped: false },
  { wire: 'start recording', statsName: 'StartRec', implemented: false, callScoped: true },
  { wire: 'stop recording', statsName: 'StopRec', implemented: false, callScoped: true },
  { wire: 'pause recording', statsName: 'PauseRec', implemented: false, callScoped: true },
  { wire: 'start forwarding', statsName: 'StartFwd', implemented: false, callScoped: true },
  { wire: 'stop forwarding', statsName: 'StopFwd', implemented: false, callScoped: true },
  { wire: 'block DTMF', statsName: 'BlkDTMF', implemented: false, callScoped: true },
  { wire: 'unblock DTMF', statsName: 'UnblkDTMF', implemented: false, callScoped: true },
  { wire: 'block media', statsName: 'BlkMedia', implemented: false, callScoped: true },
  { wire: 'unblock media', statsName: 'UnblkMedia', implemented: false, callScoped: true },
  { wire: 'silence media', statsName: 'SilenceMedia', implemented: false, callScoped: true },
  { wire: 'unsilence media', statsName: 'UnsilenceMedia', implemented: false, callScoped: true },
  { wire: 'play media', statsName: 'PlayMedia', implemented: false, callScoped: true },
  { wire: 'stop media', statsName: 'StopMedia', implemented: false, callScoped: true },
  { wire: 'play DTMF', statsName: 'PlayDTMF', implemented: false, callScoped: true },
  { wire: 'publish', statsName: 'Pub', implemented: false, callScoped: true },
  { wire: 'subscribe request', statsName: 'SubReq', implemented: false, callScoped: true },
  { wire: 'subscribe answer', statsName: 'SubAns', implemented: false, callScoped: true },
  { wire: 'unsubscribe', statsName: 'Unsub', implemented: false, callScoped: true },
] as const satisfies readonly NgCommandInfo[];

export type NgCommandName = (typeof NG_COMMANDS)[number]['wire'];

const BY_NAME = new Map<string, NgCommandInfo & { wire: NgCommandName }>(NG_COMMANDS.map((c) => [c.wire, c]));

export function lookupCommand(name: string): (NgCommandInfo & { wire: NgCommandName }) | undefined {
  return BY_NAME.get(name);
}
