/**
 * The parts of the proxy's ng replies the end-to-end tests read, and the sums they take over a `query`.
 */

export interface QueryStream {
  'local address'?: string;
  endpoint?: { address?: string };
  flags?: string[];
  stats?: { packets?: number };
}

export interface NgReply {
  result?: string;
  'error-reason'?: string;
  calls?: string[];
  tags?: Record<string, { medias?: { streams?: QueryStream[] }[] }>;
  statistics?: { controlstatistics?: { proxies?: Record<string, unknown>[] } };
}

/** The RTP streams (not RTCP) of the call whose far end is `address`, as the proxy sees them. */
export function rtpStreamsOf(reply: NgReply, address: string): QueryStream[] {
  return Object.values(reply.tags ?? {})
    .flatMap((tag) => tag.medias ?? [])
    .flatMap((media) => media.streams ?? [])
    .filter((stream) => stream.endpoint?.address === address && !(stream.flags ?? []).includes('RTCP'));
}

/** RTP (not RTCP) packets the proxy received from `address`, over all of the call's streams. */
export function packetsFrom(reply: NgReply, address: string): number {
  return rtpStreamsOf(reply, address).reduce((sum, stream) => sum + (stream.stats?.packets ?? 0), 0);
}

/** How many `command` requests the proxy has counted from all its ng clients (`<short name>count`). */
export function controlCount(reply: NgReply, shortName: string): number {
  const proxies = reply.statistics?.controlstatistics?.proxies ?? [];
  return proxies.reduce((sum, proxy) => sum + Number(proxy[`${shortName}count`] ?? 0), 0);
}
