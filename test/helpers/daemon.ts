/** Starts an in-process daemon on loopback with free ports, for integration tests. */

import type { DaemonSettings } from '../../actors/context.ts';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { silentLogger } from '../../src/log/logger.ts';
import type { RelayThread } from '../../src/relay-thread/relay-thread.ts';

let nextRange = 41000 + (process.pid % 50) * 200;

/**
 * The settings every test daemon shares: one loopback interface, media ports in [portMin, portMax], timers
 * long enough that no call times out during a test, calls deleted at once.
 */
export function loopbackSettings(portMin: number, portMax: number): DaemonSettings {
  return {
    interfaces: [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }],
    portMin,
    portMax,
    timeout: 60,
    silentTimeout: 3600,
    finalTimeout: 0,
    offerTimeout: 3600,
    deleteDelay: 0,
    maxSessions: -1,
    endpointLearning: 'delayed',
    tos: 0,
  };
}

/** `relayThread`: the daemon forwards plain streams through it (src/relay-thread/), as `rtpengine-ts` does; `timeoutScanMs` shortens the timeouts scan. */
export async function testDaemon(
  over: Partial<DaemonSettings> = {},
  extra: { relayThread?: RelayThread; timeoutScanMs?: number } = {},
): Promise<Daemon> {
  const portMin = nextRange;
  nextRange += 200;
  return startDaemon({
    settings: { ...loopbackSettings(portMin, portMin + 199), ...over },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [{ host: '127.0.0.1', port: 0 }],
    log: silentLogger,
    ...extra,
  });
}

/** A baresip-like SDP offering PCMU on 127.0.0.1:port. */
export function sdpFor(port: number, user = 'alice', address = '127.0.0.1'): string {
  return [
    'v=0',
    `o=- 3094164730 1323670454 IN IP4 ${address}`,
    's=-',
    `c=IN IP4 ${address}`,
    't=0 0',
    'a=tool:baresip 1.0.0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    'a=label:1',
    `a=ssrc:3312579483 cname:sip:${user}@127.0.0.1`,
    'a=ptime:20',
    '',
  ].join('\r\n');
}

/** The port of the first m= line of an SDP. */
export function mediaPort(sdp: string): number {
  const m = /^m=\S+ (\d+)/m.exec(sdp);
  if (!m?.[1]) throw new Error('no m= line');
  return Number(m[1]);
}
