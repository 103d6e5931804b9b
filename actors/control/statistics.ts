/**
 * The `statistics` reply (the same tree as rtpengine-ctl's `list jsonstats`), built from the counters and the
 * registry on demand, with rtpengine 10.5's keys and value types (some of its figures are strings).
 */
import { NG_COMMANDS } from '../../src/ng/commands.ts';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { relayTotals } from '../../src/rtp/relay.ts';
import type { CommandCounters } from '../../src/stats/counters.ts';
import type { IntervalFigures } from '../../src/stats/interval.ts';
import { stddev } from '../../src/stats/stddev.ts';
import type { CallRegistry } from '../calls/registry.ts';
import type { DaemonContext } from '../context.ts';

const IMPLEMENTED_IN_10_5 = NG_COMMANDS.map((c) => c.statsName);
const fixed6 = (n: number) => n.toFixed(6);

function commandCounts(c: CommandCounters, withDurations: boolean): NgDict {
  const d: NgDict = {};
  for (const name of IMPLEMENTED_IN_10_5) {
    d[`${name}count`] = c.count[name] ?? 0;
    if (withDurations) d[`${name}duration`] = fixed6(c.seconds[name] ?? 0);
  }
  return d;
}

/**
 * `intervalstatistics`, in 10.5's order and types: delays as "%.6f" strings, request rates as whole-number
 * strings, session counts as integers; keyed by the commands' wire names ("minstart recordingdelay").
 */
export function intervalSection(f: IntervalFigures | null): NgDict {
  const d: NgDict = {
    totalcallsduration: fixed6(f?.callsDuration ?? 0),
    minmanagedsessions: f?.minManagedSessions ?? 0,
    maxmanagedsessions: f?.maxManagedSessions ?? 0,
  };
  for (const c of NG_COMMANDS) {
    const delay = f?.delays[c.statsName];
    d[`min${c.wire}delay`] = fixed6(delay?.min ?? 0);
    d[`max${c.wire}delay`] = fixed6(delay?.max ?? 0);
    d[`avg${c.wire}delay`] = fixed6(delay?.avg ?? 0);
  }
  for (const c of NG_COMMANDS) {
    // one interval has one rate: its least, most and mean are that rate
    const rate = String(f?.rates[c.statsName] ?? 0);
    d[`min${c.wire}requestrate`] = rate;
    d[`max${c.wire}requestrate`] = rate;
    d[`avg${c.wire}requestrate`] = rate;
  }
  return d;
}

/** We take no MOS samples: the section reads as 10.5's does before its first sample. */
function mosSection(): NgDict {
  return {
    mos_total: fixed6(0),
    mos2_total: fixed6(0),
    mos_samples_total: 0,
    mos_average: fixed6(0),
    mos_stddev: fixed6(0),
  };
}

export function statisticsReply(
  ctx: DaemonContext,
  registry: CallRegistry,
  ports: { used: number; free: number; capacity: number },
): NgDict {
  const c = ctx.counters;
  const closed = c.closedTotal;
  const totalSeconds = c.totalCallDurationMs / 1000;
  const proxies: NgValue[] = [];
  for (const [proxy, counts] of c.proxies) {
    proxies.push({ proxy, ...commandCounts(counts, true), errorcount: counts.errors });
  }
  const totals: NgDict = {};
  for (const [k, v] of Object.entries(commandCounts(c.requests, false))) totals[`total${k}`] = v;
  let userspaceMedia = 0;
  let kernelMedia = 0;
  for (const entry of registry.entries())
    for (const m of entry.call.monologues.values())
      for (const media of m.medias) {
        if (media.rtp.kernelized && ctx.kernel?.inKernel) kernelMedia++;
        else if (media.rtp.socket) userspaceMedia++;
      }
  const kernel = { packets: 0, bytes: 0 };
  // the relay thread forwards in userspace: its counts are user figures
  const user = { packets: relayTotals.packets, bytes: relayTotals.bytes };
  if (ctx.kernel) {
    const into = ctx.kernel.inKernel ? kernel : user;
    for (const k of ctx.kernel.counters.values()) {
      into.packets += k.packets;
      into.bytes += k.bytes;
    }
  }
  return {
    currentstatistics: {
      sessionsown: registry.size,
      sessionsforeign: 0,
      sessionstotal: registry.size,
      transcodedmedia: 0,
      packetrate_user: 0,
      byterate_user: 0,
      errorrate_user: 0,
      packetrate_kernel: 0,
      byterate_kernel: 0,
      errorrate_kernel: 0,
      packetrate: 0,
      byterate: 0,
      errorrate: 0,
      media_userspace: userspaceMedia,
      media_kernel: kernelMedia,
      media_mixed: 0,
    },
    totalstatistics: {
      uptime: String(Math.floor((ctx.now() - c.started) / 1000)),
      managedsessions: c.managedSessions,
      rejectedsessions: c.rejectedSessions,
      timeoutsessions: c.closed.timeout,
      silenttimeoutsessions: c.closed['silent-timeout'],
      finaltimeoutsessions: c.closed['final-timeout'],
      offertimeoutsessions: c.closed['offer-timeout'],
      regularterminatedsessions: c.closed.regular,
      forcedterminatedsessions: c.closed.forced,
      relayedpackets_user: user.packets,
      relayedpacketerrors_user: relayTotals.errors,
      relayedbytes_user: user.bytes,
      // kernel figures cover the streams in the kernel now (a stream's count ends with its kernel pair)
      relayedpackets_kernel: kernel.packets,
      relayedpacketerrors_kernel: 0,
      relayedbytes_kernel: kernel.bytes,
      relayedpackets: user.packets + kernel.packets,
      relayedpacketerrors: relayTotals.errors,
      relayedbytes: user.bytes + kernel.bytes,
      zerowaystreams: c.zeroWayStreams,
      onewaystreams: c.oneWayStreams,
      avgcallduration: fixed6(closed > 0 ? totalSeconds / closed : 0),
      totalcallsduration: fixed6(totalSeconds),
      totalcallsduration2: fixed6(c.totalCallDurationSquared),
      totalcallsduration_stddev: fixed6(stddev(closed, totalSeconds, c.totalCallDurationSquared)),
      // rtpengine-ts additions, for fault analysis: dropped packets, bad control input, actor failures
      droppedpackets: relayTotals.dropped,
      ngerrors: c.ngErrors,
      ngdropped: c.ngDropped,
      actorfailures: ctx.supervision.count,
    },
    intervalstatistics: intervalSection(c.lastInterval),
    mos: mosSection(),
    controlstatistics: { proxies, ...totals },
    interfaces: ctx.settings.interfaces.map((i) => ({
      name: i.name,
      address: i.address,
      ports: {
        min: ctx.settings.portMin,
        max: ctx.settings.portMax,
        used: ports.used * 2,
        free: ports.free * 2,
        totals: ports.capacity * 2,
      },
    })),
    transcoders: [],
  };
}
