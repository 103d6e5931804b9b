/**
 * DTMF event reports: rtpengine's `--dtmf-log-dest` JSON datagram (what Kamailio's `dtmf_events_sock` and
 * OpenSIPS's `notification_sock` read), sent from one shared UDP socket per address family.
 */
import { createSocket, type Socket } from 'node:dgram';
import { isIPv6 } from 'node:net';

export interface DtmfLogDest {
  address: string;
  port: number;
}

/**
 * The datagram, keys in rtpengine 10.5's order (JSON.stringify keeps the order they are written in). 10.5 sends
 * no `source_label`, not even for a labelled party (test/golden/dtmf-log/), so neither do we.
 */
export interface DtmfReport {
  callid: string;
  source_tag: string;
  tags: string[];
  type: 'DTMF';
  /** Unix seconds. */
  timestamp: number;
  source_ip: string;
  event: number;
  /** Milliseconds. */
  duration: number;
  volume: number;
}

/** `--dtmf-log-dest=IP:PORT` (`[v6]:PORT` too); null when malformed. */
export function parseDtmfLogDest(text: string): DtmfLogDest | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:]+):(\d+)$/.exec(text);
  if (!m?.[1] || !m[2]) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  return { address: m[1], port };
}

const sockets = new Map<'udp4' | 'udp6', Socket>();

function socketFor(address: string): Socket {
  const type = isIPv6(address) ? 'udp6' : 'udp4';
  let s = sockets.get(type);
  if (!s) {
    s = createSocket(type);
    s.on('error', () => {});
    s.unref();
    sockets.set(type, s);
  }
  return s;
}

export function sendDtmfReport(dest: DtmfLogDest, report: DtmfReport): void {
  try {
    socketFor(dest.address).send(JSON.stringify(report), dest.port, dest.address);
  } catch {
    // a report that cannot go out must never disturb the media
  }
}
