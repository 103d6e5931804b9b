/**
 * The ng requests Kamailio sends for one call, in the shapes captured in
 * shared/fixtures/kamailio-ng/02-offer-request and 03-answer-request (same keys, same wire order, same
 * SDP lines), with a fresh call-id/tags per call and the media address and port chosen by the bench.
 */
import type { NgDict } from './ng-client.ts';

export interface Endpoint {
  address: string;
  port: number;
}

export interface CallIds {
  callId: string;
  fromTag: string;
  toTag: string;
}

let sequence = 0;

/** Unique ids for one call; `run` keeps runs against the same daemon apart. */
export function newCallIds(run: string): CallIds {
  const n = (sequence++).toString(16).padStart(8, '0');
  return { callId: `bench-${run}-${n}`, fromTag: `from-${n}`, toTag: `to-${n}` };
}

function ssrcFor(port: number, salt: number): number {
  return (port * 2654435761 + salt) >>> 0 || 1;
}

/** baresip's offer SDP from the capture, with the caller's address and port swapped in. */
export function callerSdp(caller: Endpoint): string {
  const ip = caller.address;
  return [
    'v=0',
    `o=- ${3094164730 + caller.port} 1323670454 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    'a=tool:baresip 1.0.0',
    `m=audio ${caller.port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    'a=label:1',
    'a=rtcp-rsize',
    `a=ssrc:${ssrcFor(caller.port, 1)} cname:sip:alice1@${ip}`,
    'a=minptime:20',
    'a=ptime:20',
    '',
  ].join('\r\n');
}

/** baresip's answer SDP from the capture, with the callee's address and port swapped in. */
export function calleeSdp(callee: Endpoint): string {
  const ip = callee.address;
  return [
    'v=0',
    `o=- ${3210470814 + callee.port} 1162779014 IN IP4 ${ip}`,
    's=-',
    `c=IN IP4 ${ip}`,
    't=0 0',
    'a=tool:baresip 1.0.0',
    `m=audio ${callee.port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=sendrecv',
    'a=label:1',
    `a=ssrc:${ssrcFor(callee.port, 2)} cname:sip:bob1@${ip}`,
    'a=minptime:20',
    'a=ptime:20',
    '',
  ].join('\r\n');
}

export function offerRequest(ids: CallIds, caller: Endpoint): NgDict {
  return {
    supports: ['load limit'],
    sdp: callerSdp(caller),
    ICE: 'remove',
    direction: ['a', 'b'],
    replace: ['origin', 'session-connection'],
    'transport-protocol': 'RTP/AVP',
    'call-id': ids.callId,
    'received-from': ['IP4', caller.address],
    'from-tag': ids.fromTag,
    command: 'offer',
  };
}

export function answerRequest(ids: CallIds, callee: Endpoint): NgDict {
  return {
    supports: ['load limit'],
    sdp: calleeSdp(callee),
    ICE: 'remove',
    replace: ['origin', 'session-connection'],
    'transport-protocol': 'RTP/AVP',
    'call-id': ids.callId,
    'received-from': ['IP4', callee.address],
    'from-tag': ids.fromTag,
    'to-tag': ids.toTag,
    command: 'answer',
  };
}

export function deleteRequest(ids: CallIds, caller: Endpoint): NgDict {
  return {
    supports: ['load limit'],
    'call-id': ids.callId,
    'received-from': ['IP4', caller.address],
    'from-tag': ids.fromTag,
    command: 'delete',
  };
}

/** The media port the proxy announced in a rewritten SDP (first m= line). */
export function announcedPort(sdp: string): number | undefined {
  const match = /^m=audio (\d+) /m.exec(sdp);
  return match?.[1] ? Number(match[1]) : undefined;
}

/** The connection address the proxy announced in a rewritten SDP. */
export function announcedAddress(sdp: string): string | undefined {
  return /^c=IN IP4 (\S+)/m.exec(sdp)?.[1];
}
