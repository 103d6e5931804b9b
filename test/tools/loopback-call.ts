/**
 * The call the probes make through an ng server: Alice (from-tag A) and Bob (to-tag B) on loopback, both
 * offering PCMU + telephone-event, and the RTP packets they send.
 */
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import type { NgClient } from '../helpers/ng-client.ts';

/** A phone's SDP: PCMU and telephone-event/8000 on 127.0.0.1:port, 20 ms frames. */
export function phoneSdp(port: number, user: string, version = 1): string {
  return [
    'v=0',
    `o=${user} 1 ${version} IN IP4 127.0.0.1`,
    's=-',
    'c=IN IP4 127.0.0.1',
    't=0 0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    'a=ptime:20',
    'a=sendrecv',
    '',
  ].join('\r\n');
}

/** The port of the m=audio line of an SDP (from an ng reply, so anything). */
export function audioPort(sdp: NgValue | undefined): number {
  const m = /m=audio (\d+)/.exec(String(sdp));
  if (!m) throw new Error(`no m=audio in ${String(sdp)}`);
  return Number(m[1]);
}

export function rtp(
  pt: number,
  marker: boolean,
  seq: number,
  ts: number,
  ssrc: number,
  payload: Buffer,
): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = (marker ? 0x80 : 0) | pt;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(ts >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

export interface LoopbackCall {
  offer: NgDict;
  answer: NgDict;
  /** Where Alice sends her media: the port of the answer's SDP. */
  aliceSendsTo: number;
  /** Where Bob sends his: the port of the offer's SDP. */
  bobSendsTo: number;
}

/** Offer from Alice's port, answer from Bob's; `offer` and `answer` add keys to (or override) each request. */
export async function callAliceBob(
  ng: NgClient,
  callId: string,
  ports: { alice: number; bob: number },
  extra: { offer?: NgDict; answer?: NgDict } = {},
): Promise<LoopbackCall> {
  const base = { 'call-id': callId, 'from-tag': 'A' };
  const offer = await ng.request({
    command: 'offer',
    ...base,
    sdp: phoneSdp(ports.alice, 'alice'),
    ...extra.offer,
  });
  const answer = await ng.request({
    command: 'answer',
    ...base,
    'to-tag': 'B',
    sdp: phoneSdp(ports.bob, 'bob'),
    ...extra.answer,
  });
  return { offer, answer, aliceSendsTo: audioPort(answer.sdp), bobSendsTo: audioPort(offer.sdp) };
}
