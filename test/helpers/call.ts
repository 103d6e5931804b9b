/** The call most media tests start from: an offer from alice, an answer from bob, two RtpPeer phones. */
import assert from 'node:assert/strict';
import type { NgDict, NgValue } from '../../src/ng/types.ts';
import { mediaPort, sdpFor } from './daemon.ts';
import { type NgClient, str } from './ng-client.ts';
import { RtpPeer } from './rtp-peer.ts';

export interface TwoPartyCallOptions {
  /** Extra keys of the offer (flags, label, …); they override the defaults. */
  offer?: Record<string, NgValue>;
  /** Extra keys of the answer. */
  answer?: Record<string, NgValue>;
  /** The SDP a party sends for its RTP port; `sdpFor` unless given. */
  sdp?: (port: number, user: 'alice' | 'bob') => string;
  /** Phones already open (e.g. with an RTCP socket next to them); new ones otherwise. */
  alice?: RtpPeer;
  bob?: RtpPeer;
  fromTag?: string;
  toTag?: string;
}

export interface TwoPartyCall {
  callId: string;
  fromTag: string;
  toTag: string;
  alice: RtpPeer;
  bob: RtpPeer;
  /** Our port alice sends to (from the answer's SDP). */
  toAlice: number;
  /** Our port bob sends to (from the offer's SDP). */
  toBob: number;
  offer: NgDict;
  answer: NgDict;
  /** Closes both phones (the call itself stays). */
  close(): void;
}

/** Offer and answer, both asserted `ok`; returns the phones and the ports each must send to. */
export async function twoPartyCall(
  ng: NgClient,
  callId: string,
  opts: TwoPartyCallOptions = {},
): Promise<TwoPartyCall> {
  const alice = opts.alice ?? (await RtpPeer.open());
  const bob = opts.bob ?? (await RtpPeer.open());
  const sdp = opts.sdp ?? sdpFor;
  const fromTag = opts.fromTag ?? 'A';
  const toTag = opts.toTag ?? 'B';
  const offer = await ng.request({
    command: 'offer',
    'call-id': callId,
    'from-tag': fromTag,
    sdp: sdp(alice.port, 'alice'),
    ...opts.offer,
  });
  assert.equal(offer.result, 'ok', `offer: ${JSON.stringify(offer)}`);
  const answer = await ng.request({
    command: 'answer',
    'call-id': callId,
    'from-tag': fromTag,
    'to-tag': toTag,
    sdp: sdp(bob.port, 'bob'),
    ...opts.answer,
  });
  assert.equal(answer.result, 'ok', `answer: ${JSON.stringify(answer)}`);
  return {
    callId,
    fromTag,
    toTag,
    alice,
    bob,
    toAlice: mediaPort(str(answer.sdp)),
    toBob: mediaPort(str(offer.sdp)),
    offer,
    answer,
    close() {
      alice.close();
      bob.close();
    },
  };
}
