/**
 * The one table of ng commands: wire name, the short name used in statistics, and whether rtpengine-ts carries
 * it out yet. Commands that rtpengine 10.5 knows but we do not implement yet are recognised (so they are counted
 * and answered with a clear error) rather than treated as unknown.
 */
export interface NgCommandInfo {
  readonly wire: string;
  /** The key rtpengine's `statistics` uses for it (`offercount`, `statscount`, ...). */
  readonly statsName: string;
  readonly implemented: boolean;
  /** Commands addressed to one call: routed to that call's actor. */
  readonly callScoped: boolean;
}

/** In rtpengine 10.5's order, which its `statistics` reply follows. */
export const NG_COMMANDS = [
  { wire: 'ping', statsName: 'ping', implemented: true, callScoped: false },
  { wire: 'offer', statsName: 'offer', implemented: true, callScoped: true },
  { wire: 'answer', statsName: 'answer', implemented: true, callScoped: true },
  { wire: 'delete', statsName: 'delete', implemented: true, callScoped: true },
  { wire: 'query', statsName: 'query', implemented: true, callScoped: true },
  { wire: 'list', statsName: 'list', implemented: true, callScoped: false },
  { wire: 'start recording', statsName: 'startrec', implemented: false, callScoped: true },
  { wire: 'stop recording', statsName: 'stoprec', implemented: false, callScoped: true },
  { wire: 'start forwarding', statsName: 'startfwd', implemented: true, callScoped: true },
  { wire: 'stop forwarding', statsName: 'stopfwd', implemented: true, callScoped: true },
  { wire: 'block DTMF', statsName: 'blkdtmf', implemented: true, callScoped: true },
  { wire: 'unblock DTMF', statsName: 'unblkdtmf', implemented: true, callScoped: true },
  { wire: 'block media', statsName: 'blkmedia', implemented: true, callScoped: true },
  { wire: 'unblock media', statsName: 'unblkmedia', implemented: true, callScoped: true },
  { wire: 'play media', statsName: 'playmedia', implemented: false, callScoped: true },
  { wire: 'stop media', statsName: 'stopmedia', implemented: false, callScoped: true },
  { wire: 'play DTMF', statsName: 'playdtmf', implemented: true, callScoped: true },
  { wire: 'statistics', statsName: 'stats', implemented: true, callScoped: false },
  { wire: 'silence media', statsName: 'slnmedia', implemented: true, callScoped: true },
  { wire: 'unsilence media', statsName: 'unslnmedia', implemented: true, callScoped: true },
  { wire: 'publish', statsName: 'pub', implemented: false, callScoped: true },
  { wire: 'subscribe request', statsName: 'subreq', implemented: false, callScoped: true },
  { wire: 'subscribe answer', statsName: 'subans', implemented: false, callScoped: true },
  { wire: 'unsubscribe', statsName: 'unsub', implemented: false, callScoped: true },
] as const satisfies readonly NgCommandInfo[];

export type NgCommandName = (typeof NG_COMMANDS)[number]['wire'];

const BY_NAME = new Map<string, NgCommandInfo & { wire: NgCommandName }>(NG_COMMANDS.map((c) => [c.wire, c]));

export function lookupCommand(name: string): (NgCommandInfo & { wire: NgCommandName }) | undefined {
  return BY_NAME.get(name);
}
