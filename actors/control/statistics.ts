/**
 * The `statistics` reply (the same tree as rtpengine-ctl's `list jsonstats`), built from the counters and the
 * registry on demand.
 */
import type { NgDict } from '../../src/ng/types.ts';
import { relayTotals } from '../../src/rtp/relay.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext } from '../context.ts';

export function statisticsReply(ctx: DaemonContext, registry: CallRegistry): NgDict {
  const c = ctx.counters;
  const uptime = Math.floor((ctx.now() - c.started) / 1000);
  const closed = c.closedTotal;
  const proxies: NgDict[] = [];
  for (const [proxy, counts] of c.proxies) {
    const p: NgDict = { proxy };
    for (const [k, v] of Object.entries(counts)) p[`${k.toLowerCase()}count`] = v;
    proxies.push(p);
  }
  const totals: NgDict = {};
  for (const [k, v] of Object.entries(c.requests)) totals[`total${k.toLowerCase()}count`] = v;
  return {
    currentstatistics: {
      sessionsown: registry.size,
      sessionsforeign: 0,
      sessionstotal: registry.size,
      transcodedmedia: 0,
      packetrate: 0,
      byterate: 0,
      errorrate: 0,
    },
    totalstatistics: {
      uptime,
      managedsessions: c.managedSessions,
      rejectedsessions: c.rejectedSessions,
      timeoutsessions: c.closed.timeout,
      silenttimeoutsessions: c.closed['silent-timeout'],
      finaltimeoutsessions: c.closed['final-timeout'],
      offertimeoutsessions: c.closed['offer-timeout'],
      regularterminatedsessions: c.closed.regular,
      forcedterminatedsessions: c.closed.forced,
      relayedpackets: relayTotals.packets,
      relayedpacketerrors: relayTotals.errors,
      droppedpackets: relayTotals.dropped,
      avgcallduration: closed > 0 ? Math.round(c.totalCallDurationMs / closed) / 1000 : 0,
      ngerrors: c.ngErrors,
      ngdropped: c.ngDropped,
      actorfailures: ctx.supervision.count,
    },
    controlstatistics: { proxies, ...totals },
  };
}
