/**
 * Records golden SDP cases from Debian's real rtpengine 10.5: starts it in userspace on a free
 * loopback port, plays each case's offer/answer steps over the ng protocol, and stores every
 * request and rtpengine's reply verbatim in test/golden/sdp/<case>.json.
 *
 *   npx tsx test/tools/record-sdp-golden.ts            # record all cases
 *   npx tsx test/tools/record-sdp-golden.ts --print x  # print case x's replies, write nothing
 *
 * rtpengine is stopped by its PID when the run ends, also when it fails.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NgDict } from '../../src/ng/types.ts';
import { withRtpengine } from './oracle.ts';

interface GoldenStep {
  command: 'offer' | 'answer';
  fromTag: string;
  toTag?: string;
  /** ng keys besides command, call-id, tags and sdp */
  flags: NgDict;
  sdp: string;
}

interface GoldenCase {
  name: string;
  description: string;
  steps: GoldenStep[];
}

/** rtpengine's interfaces for the recording: unnamed = "default"; the rest are for `direction`. */
export const RTPENGINE_INTERFACES = ['127.0.0.1', 'ext/127.0.0.2', 'v6/::1'] as const;

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

const KAMAILIO: NgDict = {
  ICE: 'remove',
  replace: ['origin', 'session-connection'],
  'transport-protocol': 'RTP/AVP',
};

// --- SDPs, written in the style of real user agents ---

const baresipOffer = crlf([
  'v=0',
  'o=- 3094164730 1323670454 IN IP4 198.18.1.10',
  's=-',
  'c=IN IP4 198.18.1.10',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 20132 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:3312579483 cname:sip:alice1@198.18.1.2',
  'a=minptime:20',
  'a=ptime:20',
]);

const baresipAnswer = crlf([
  'v=0',
  'o=- 3210470814 1162779014 IN IP4 198.18.2.10',
  's=-',
  'c=IN IP4 198.18.2.10',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 20172 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:3580426075 cname:sip:bob1@198.18.1.2',
  'a=minptime:20',
  'a=ptime:20',
]);

const plainAnswer = (addr: string, port: number, pts: string, extra: string[] = []): string =>
  crlf([
    'v=0',
    `o=bob 2890844730 2890844730 IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts}`,
    ...extra,
  ]);

const linphoneOffer = crlf([
  'v=0',
  'o=alice 2573 1867 IN IP4 192.0.2.20',
  's=Talk',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'a=ice-pwd:4e6a0a8f0e8c1d2b3a4f5e6d',
  'a=ice-ufrag:3f1c9a2b',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 98 0 8 18 101 99 100',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 SILK/16000',
  'a=rtpmap:98 speex/16000',
  'a=fmtp:98 vbr=on',
  'a=fmtp:18 annexb=yes',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtpmap:99 telephone-event/16000',
  'a=rtpmap:100 telephone-event/8000',
  'a=rtcp:7079',
  'a=candidate:1 1 UDP 2130706431 192.0.2.20 7078 typ host',
  'a=candidate:1 2 UDP 2130706430 192.0.2.20 7079 typ host',
  'a=candidate:2 1 UDP 1694498815 198.51.100.7 40001 typ srflx raddr 192.0.2.20 rport 7078',
  'a=candidate:2 2 UDP 1694498814 198.51.100.7 40002 typ srflx raddr 192.0.2.20 rport 7079',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'm=video 9078 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42801F',
  'a=rtcp:9079',
  'a=candidate:1 1 UDP 2130706431 192.0.2.20 9078 typ host',
  'a=candidate:1 2 UDP 2130706430 192.0.2.20 9079 typ host',
  'a=rtcp-fb:* trr-int 1000',
  'a=rtcp-fb:* ccm tmmbr',
  'a=rtcp-fb:96 nack pli',
  'a=rtcp-fb:96 ccm fir',
  'a=rtcp-fb:97 nack pli',
  'a=rtcp-fb:97 ccm fir',
]);

const asteriskOffer = crlf([
  'v=0',
  'o=- 1698233123 1698233123 IN IP4 203.0.113.50',
  's=Asterisk',
  'c=IN IP4 203.0.113.50',
  't=0 0',
  'm=audio 14568 RTP/AVP 8 0 3 9 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
]);

const freeswitchOffer = crlf([
  'v=0',
  'o=FreeSWITCH 1698216530 1698216531 IN IP4 198.51.100.80',
  's=FreeSWITCH',
  'c=IN IP4 198.51.100.80',
  't=0 0',
  'm=audio 24336 RTP/AVP 102 9 0 8 103 101',
  'a=rtpmap:102 opus/48000/2',
  'a=fmtp:102 useinbandfec=1; maxplaybackrate=48000; stereo=1; sprop-stereo=1',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:103 telephone-event/48000',
  'a=fmtp:103 0-16',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
  'a=rtcp:24337 IN IP4 198.51.100.80',
]);

const polycomOffer = crlf([
  'v=0',
  'o=- 1698300000 1698300000 IN IP4 192.0.2.31',
  's=Polycom IP Phone',
  'c=IN IP4 192.0.2.31',
  'b=AS:512',
  't=0 0',
  'a=sendrecv',
  'm=audio 2226 RTP/AVP 9 102 0 8 18 127',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:102 G7221/16000',
  'a=fmtp:102 bitrate=32000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:127 telephone-event/8000',
  'm=video 2228 RTP/AVP 109 34',
  'b=TIAS:448000',
  'a=rtpmap:109 H264/90000',
  'a=fmtp:109 profile-level-id=42800d; max-mbps=40500; max-fs=1344; max-br=448',
  'a=rtpmap:34 H263/90000',
  'a=fmtp:34 CIF=1;QCIF=1;SQCIF=1',
]);

const staticNoRtpmapOffer = crlf([
  'v=0',
  'o=user 53655765 2353687637 IN IP4 192.0.2.40',
  's=-',
  'c=IN IP4 192.0.2.40',
  't=0 0',
  'm=audio 5004 RTP/AVP 0 8 18',
]);

const rejectedVideoOffer = crlf([
  'v=0',
  'o=- 100 1 IN IP4 192.0.2.41',
  's=-',
  'c=IN IP4 192.0.2.41',
  't=0 0',
  'm=audio 6000 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  'm=video 0 RTP/AVP 31',
  'm=audio 6002 RTP/AVP 8',
  'a=rtpmap:8 PCMA/8000',
]);

const holdOffer = (variant: string): string => {
  const lines = [
    'v=0',
    'o=- 200 2 IN IP4 192.0.2.42',
    's=-',
    variant === 'zero-c' ? 'c=IN IP4 0.0.0.0' : 'c=IN IP4 192.0.2.42',
    't=0 0',
  ];
  if (variant === 'session-sendonly') lines.push('a=sendonly');
  lines.push('m=audio 6100 RTP/AVP 0 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:101 telephone-event/8000');
  if (variant === 'sendonly') lines.push('a=sendonly');
  if (variant === 'inactive') lines.push('a=inactive');
  if (variant === 'recvonly') lines.push('a=recvonly');
  return crlf(lines);
};

const mediaLevelCOffer = crlf([
  'v=0',
  'o=- 300 3 IN IP4 192.0.2.43',
  's=-',
  't=0 0',
  'm=audio 6200 RTP/AVP 0',
  'c=IN IP4 192.0.2.43',
  'a=rtpmap:0 PCMU/8000',
  'm=video 6202 RTP/AVP 96',
  'c=IN IP4 192.0.2.44',
  'a=rtpmap:96 H264/90000',
]);

const mixedCOffer = crlf([
  'v=0',
  'o=- 301 3 IN IP4 192.0.2.45',
  's=-',
  'c=IN IP4 192.0.2.45',
  't=0 0',
  'm=audio 6300 RTP/AVP 0',
  'c=IN IP4 192.0.2.46',
  'a=rtpmap:0 PCMU/8000',
  'a=X-nat:0',
  'm=video 6302 RTP/AVP 96',
  'a=rtpmap:96 H264/90000',
  'a=foo:bar',
]);

const rtcpMuxOffer = crlf([
  'v=0',
  'o=- 400 4 IN IP4 192.0.2.47',
  's=-',
  'c=IN IP4 192.0.2.47',
  't=0 0',
  'm=audio 6400 RTP/AVP 111 0',
  'a=rtpmap:111 opus/48000/2',
  'a=rtcp-mux',
  'a=rtcp:6400',
  'a=mid:0',
]);

const ipv6Offer = crlf([
  'v=0',
  'o=- 500 5 IN IP6 2001:db8::10',
  's=-',
  'c=IN IP6 2001:db8::10',
  't=0 0',
  'm=audio 6500 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

const ipv6Answer = crlf([
  'v=0',
  'o=- 501 5 IN IP6 2001:db8::20',
  's=-',
  'c=IN IP6 2001:db8::20',
  't=0 0',
  'm=audio 6600 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
]);

const iceOffer = crlf([
  'v=0',
  'o=- 600 6 IN IP4 192.0.2.48',
  's=-',
  'c=IN IP4 192.0.2.48',
  't=0 0',
  'a=ice-lite',
  'a=ice-options:trickle',
  'm=audio 6700 RTP/AVP 0',
  'a=rtpmap:0 PCMU/8000',
  'a=ice-ufrag:abcd',
  'a=ice-pwd:0123456789abcdef01234567',
  'a=candidate:1 1 UDP 2130706431 192.0.2.48 6700 typ host',
  'a=candidate:1 2 UDP 2130706430 192.0.2.48 6701 typ host',
  'a=end-of-candidates',
  'a=remote-candidates:1 192.0.2.48 6700',
  'a=sendrecv',
]);

const lfOffer = staticNoRtpmapOffer.replaceAll('\r\n', '\n');

const mkCase = (
  name: string,
  description: string,
  offerFlags: NgDict,
  offerSdp: string,
  answerSdp: string,
  answerFlags?: NgDict,
): GoldenCase => ({
  name,
  description,
  steps: [
    { command: 'offer', fromTag: 'from-a', flags: offerFlags, sdp: offerSdp },
    { command: 'answer', fromTag: 'from-a', toTag: 'to-b', flags: answerFlags ?? offerFlags, sdp: answerSdp },
  ],
});

const b = (pts: string, extra: string[] = []): string => plainAnswer('192.0.2.99', 8000, pts, extra);

export const CASES: GoldenCase[] = [
  mkCase(
    'kamailio-fixture',
    'The captured Kamailio flags and baresip SDPs',
    { ...KAMAILIO, direction: ['a', 'b'] },
    baresipOffer,
    baresipAnswer,
    KAMAILIO,
  ),
  mkCase('plain-no-flags', 'Baresip offer, no flags at all', {}, baresipOffer, baresipAnswer),
  mkCase('static-pt-no-rtpmap', 'Static payload types without rtpmap', {}, staticNoRtpmapOffer, b('0')),
  mkCase('lf-line-endings', 'LF-only SDP', {}, lfOffer, b('0').replaceAll('\r\n', '\n')),
  mkCase(
    'rejected-media',
    'Rejected video between two audio m= lines',
    {},
    rejectedVideoOffer,
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.99',
      's=-',
      'c=IN IP4 192.0.2.99',
      't=0 0',
      'm=audio 8000 RTP/AVP 0',
      'm=video 0 RTP/AVP 31',
      'm=audio 0 RTP/AVP 8',
    ]),
  ),
  mkCase('hold-sendonly', 'a=sendonly on the media', {}, holdOffer('sendonly'), b('0 101', ['a=recvonly'])),
  mkCase('hold-inactive', 'a=inactive on the media', {}, holdOffer('inactive'), b('0 101', ['a=inactive'])),
  mkCase('hold-recvonly', 'a=recvonly on the media', {}, holdOffer('recvonly'), b('0 101', ['a=sendonly'])),
  mkCase(
    'hold-session-sendonly',
    'a=sendonly at session level',
    {},
    holdOffer('session-sendonly'),
    b('0 101', ['a=recvonly']),
  ),
  mkCase('hold-zero-c', 'c=IN IP4 0.0.0.0', {}, holdOffer('zero-c'), b('0 101')),
  mkCase(
    'hold-zero-c-replace-zero-address',
    'c=0.0.0.0 with replace zero address',
    { replace: ['zero address'] },
    holdOffer('zero-c'),
    b('0 101'),
    {},
  ),
  mkCase(
    'hold-sendonly-original-sendrecv',
    'a=sendonly with original sendrecv',
    { flags: ['original sendrecv'] },
    holdOffer('sendonly'),
    b('0 101', ['a=recvonly']),
  ),
  mkCase('replace-origin', 'replace origin', { replace: ['origin'] }, asteriskOffer, b('8 101')),
  mkCase(
    'replace-session-connection',
    'replace session-connection',
    { replace: ['session-connection'] },
    asteriskOffer,
    b('8 101'),
  ),
  mkCase('replace-username', 'replace username', { replace: ['username'] }, asteriskOffer, b('8 101')),
  mkCase(
    'replace-session-name',
    'replace session name',
    { replace: ['session name'] },
    asteriskOffer,
    b('8 101'),
  ),
  mkCase(
    'replace-sdp-version',
    'replace SDP version',
    { replace: ['SDP version'] },
    asteriskOffer,
    b('8 101'),
  ),
  mkCase(
    'replace-all',
    'all replace items together',
    { replace: ['origin', 'session-connection', 'username', 'session name', 'SDP version', 'zero address'] },
    freeswitchOffer,
    b('0 101'),
  ),
  mkCase('ice-remove', 'ICE=remove on an SDP with candidates', { ICE: 'remove' }, iceOffer, b('0')),
  mkCase('ice-default', 'ICE candidates without ICE flag', {}, iceOffer, b('0')),
  mkCase(
    'no-rtcp-attribute',
    'no rtcp attribute',
    { flags: ['no rtcp attribute'] },
    baresipOffer,
    baresipAnswer,
  ),
  mkCase(
    'full-rtcp-attribute',
    'full rtcp attribute',
    { flags: ['full rtcp attribute'] },
    baresipOffer,
    baresipAnswer,
  ),
  mkCase(
    'loop-protect',
    'loop protect adds a=rtpengine',
    { flags: ['loop protect'] },
    baresipOffer,
    baresipAnswer,
  ),
  mkCase(
    'rtcp-mux-default',
    'a=rtcp-mux in the offer, no rtcp-mux flag',
    {},
    rtcpMuxOffer,
    b('111', ['a=rtpmap:111 opus/48000/2', 'a=rtcp-mux']),
  ),
  mkCase(
    'rtcp-mux-demux',
    'a=rtcp-mux in the offer with rtcp-mux demux',
    { 'rtcp-mux': ['demux'] },
    rtcpMuxOffer,
    b('111', ['a=rtpmap:111 opus/48000/2']),
  ),
  mkCase(
    'rtcp-mux-offer',
    'plain offer with rtcp-mux offer',
    { 'rtcp-mux': ['offer'] },
    baresipOffer,
    baresipAnswer,
  ),
  mkCase('media-level-c', 'only media-level c= lines', {}, mediaLevelCOffer, b('0')),
  mkCase('mixed-c-unknown-attrs', 'session and media c=, unknown attributes', {}, mixedCOffer, b('0')),
  mkCase('ipv6-plain', 'IP6 offer and answer', {}, ipv6Offer, ipv6Answer),
  mkCase(
    'ipv4-to-ipv6-address-family',
    'IP4 offer sent on as IP6',
    { 'address family': 'IP6' },
    asteriskOffer,
    ipv6Answer,
    { 'address family': 'IP4' },
  ),
  mkCase(
    'ipv4-to-ipv6-direction',
    'IP4 offer sent out through the v6 interface',
    { direction: ['default', 'v6'] },
    asteriskOffer,
    ipv6Answer,
  ),
  mkCase(
    'direction-ext',
    'offer sent out through interface ext',
    { direction: ['default', 'ext'] },
    baresipOffer,
    baresipAnswer,
  ),
  mkCase('media-address', 'media address', { 'media address': '127.0.0.9' }, baresipOffer, baresipAnswer),
  mkCase(
    'linphone',
    'Linphone audio+video with ICE, kamailio flags',
    KAMAILIO,
    linphoneOffer,
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.99',
      's=-',
      'c=IN IP4 192.0.2.99',
      't=0 0',
      'm=audio 8000 RTP/AVP 96 101',
      'a=rtpmap:96 opus/48000/2',
      'a=rtpmap:101 telephone-event/48000',
      'm=video 8002 RTP/AVP 96',
      'a=rtpmap:96 VP8/90000',
    ]),
  ),
  mkCase(
    'asterisk',
    'Asterisk, kamailio flags',
    KAMAILIO,
    asteriskOffer,
    b('8 101', ['a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16']),
  ),
  mkCase(
    'freeswitch',
    'FreeSWITCH with a=rtcp address',
    {},
    freeswitchOffer,
    b('102 101', ['a=rtpmap:102 opus/48000/2', 'a=rtpmap:101 telephone-event/8000']),
  ),
  mkCase(
    'polycom',
    'Polycom audio+video with b= lines',
    {},
    polycomOffer,
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.99',
      's=-',
      'c=IN IP4 192.0.2.99',
      't=0 0',
      'm=audio 8000 RTP/AVP 9',
      'm=video 8002 RTP/AVP 109',
      'a=rtpmap:109 H264/90000',
    ]),
  ),
  {
    name: 'reinvite-sdp-version',
    description: 'replace SDP version across a re-INVITE with an unchanged and a changed SDP',
    steps: [
      { command: 'offer', fromTag: 'from-a', flags: { replace: ['SDP version'] }, sdp: asteriskOffer },
      {
        command: 'answer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: b('8'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: asteriskOffer,
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: asteriskOffer.replace('a=sendrecv', 'a=sendonly'),
      },
    ],
  },
  {
    name: 'reinvite-origin',
    description: 'replace origin across a re-INVITE with a new o= version',
    steps: [
      { command: 'offer', fromTag: 'from-a', flags: KAMAILIO, sdp: baresipOffer },
      { command: 'answer', fromTag: 'from-a', toTag: 'to-b', flags: KAMAILIO, sdp: baresipAnswer },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: KAMAILIO,
        sdp: baresipOffer.replace('1323670454', '1323670455'),
      },
    ],
  },

  mkCase(
    'ice-generated-rtcp-mux-ptime',
    'ICE kept (rtpengine writes its own), with rtcp-mux and ptime',
    {},
    crlf([
      'v=0',
      'o=- 700 7 IN IP4 192.0.2.49',
      's=-',
      'c=IN IP4 192.0.2.49',
      't=0 0',
      'm=audio 6800 RTP/AVP 0 96',
      'a=rtpmap:96 telephone-event/8000',
      'a=ptime:30',
      'a=rtcp-mux',
      'a=ice-ufrag:abcd',
      'a=ice-pwd:0123456789abcdef01234567',
      'a=candidate:1 1 UDP 2130706431 192.0.2.49 6800 typ host',
      'a=end-of-candidates',
      'a=sendrecv',
    ]),
    b('0', ['a=rtcp-mux', 'a=ptime:30']),
  ),
  mkCase(
    'zero-c-with-direction',
    'c=0.0.0.0 with explicit sendrecv and inactive media',
    {},
    crlf([
      'v=0',
      'o=- 701 7 IN IP4 192.0.2.50',
      's=-',
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'm=audio 6900 RTP/AVP 0',
      'a=sendrecv',
      'm=audio 6902 RTP/AVP 8',
      'a=inactive',
    ]),
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 0.0.0.0',
      's=-',
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'm=audio 8000 RTP/AVP 0',
      'a=recvonly',
      'm=audio 8002 RTP/AVP 8',
      'a=inactive',
    ]),
  ),
  mkCase(
    'dynamic-pt-no-rtpmap',
    'offer with a dynamic PT lacking rtpmap, stray rtpmap/fmtp for absent PTs',
    {},
    crlf([
      'v=0',
      'o=- 702 7 IN IP4 192.0.2.51',
      's=-',
      'c=IN IP4 192.0.2.51',
      't=0 0',
      'm=audio 7000 RTP/AVP 0 97 98',
      'a=rtpmap:98 iLBC/8000',
      'a=fmtp:98 mode=30',
      'a=rtpmap:99 G726-32/8000',
      'a=fmtp:100 x=1',
    ]),
    b('0'),
  ),
  mkCase(
    'rejected-media-with-attributes',
    'rejected m= lines that carry attributes and c=',
    {},
    crlf([
      'v=0',
      'o=- 703 7 IN IP4 192.0.2.52',
      's=-',
      'c=IN IP4 192.0.2.52',
      't=0 0',
      'm=audio 7100 RTP/AVP 0',
      'a=rtpmap:0 PCMU/8000',
      'm=video 0 RTP/AVP 96',
      'c=IN IP4 192.0.2.52',
      'a=rtpmap:96 H264/90000',
      'a=sendonly',
      'a=rtcp:7103',
      'a=foo',
    ]),
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.99',
      's=-',
      'c=IN IP4 192.0.2.99',
      't=0 0',
      'm=audio 8000 RTP/AVP 0',
      'm=video 0 RTP/AVP 96',
      'a=rtpmap:96 H264/90000',
    ]),
  ),
  mkCase(
    'session-lines-and-media-order',
    'i= u= e= b= k= session lines; media i= c= b= order; group/extmap/msid',
    {},
    crlf([
      'v=0',
      'o=- 704 7 IN IP4 192.0.2.53',
      's=Session',
      'i=info',
      'u=http://example.com/x',
      'e=a@example.com',
      'c=IN IP4 192.0.2.53',
      'b=CT:1000',
      't=0 0',
      'r=7d 1h 0 25h',
      'z=2882844526 -1h',
      'a=group:BUNDLE 0 1',
      'a=msid-semantic: WMS',
      'm=audio 7200 RTP/AVP 111',
      'i=audio info',
      'c=IN IP4 192.0.2.54',
      'b=AS:64',
      'a=mid:0',
      'a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level',
      'a=rtpmap:111 opus/48000/2',
      'a=rtcp-fb:111 transport-cc',
      'a=fmtp:111 minptime=10;useinbandfec=1',
      'a=msid:s t',
      'a=ssrc:1 cname:x',
      'm=video 7202 RTP/AVP 96 97',
      'a=mid:1',
      'a=rtpmap:96 VP8/90000',
      'a=rtcp-fb:96 nack',
      'a=rtpmap:97 rtx/90000',
      'a=fmtp:97 apt=96',
      'a=ssrc-group:FID 2 3',
      'a=recvonly',
    ]),
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.99',
      's=-',
      'c=IN IP4 192.0.2.99',
      't=0 0',
      'm=audio 8000 RTP/AVP 111',
      'a=rtpmap:111 opus/48000/2',
      'm=video 8002 RTP/AVP 96',
      'a=rtpmap:96 VP8/90000',
      'a=sendonly',
    ]),
  ),
  mkCase(
    'full-rtcp-ipv6',
    'full rtcp attribute on IP6',
    { flags: ['full rtcp attribute'] },
    ipv6Offer,
    ipv6Answer,
  ),
  {
    name: 'reinvite-replace-items',
    description: 'username, session name and SDP version replaced across re-offers that change them',
    steps: [
      {
        command: 'offer',
        fromTag: 'from-a',
        flags: { replace: ['username', 'session name', 'SDP version', 'origin'] },
        sdp: asteriskOffer,
      },
      {
        command: 'answer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['username', 'session name', 'SDP version', 'origin'] },
        sdp: b('8'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['username', 'session name', 'SDP version', 'origin'] },
        sdp: asteriskOffer
          .replace('o=- 1698233123 1698233123', 'o=other 55 56')
          .replace('s=Asterisk', 's=Other'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['username', 'session name', 'SDP version', 'origin'] },
        sdp: asteriskOffer
          .replace('o=- 1698233123 1698233123', 'o=other 55 57')
          .replace('s=Asterisk', 's=Other'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['username', 'session name', 'SDP version', 'origin'] },
        sdp: asteriskOffer.replace('a=maxptime:150', 'a=maxptime:140'),
      },
    ],
  },
  {
    name: 'reinvite-no-replace-changed-names',
    description: 'username and session name change in a re-offer without replace flags',
    steps: [
      { command: 'offer', fromTag: 'from-a', flags: {}, sdp: asteriskOffer },
      { command: 'answer', fromTag: 'from-a', toTag: 'to-b', flags: {}, sdp: b('8') },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: {},
        sdp: asteriskOffer
          .replace('o=- 1698233123 1698233123', 'o=other 55 56')
          .replace('s=Asterisk', 's=Other'),
      },
    ],
  },
  {
    name: 'reinvite-sdp-version-what-counts',
    description: 'replace SDP version: re-offers changing only the o= session id, then only the media port',
    steps: [
      { command: 'offer', fromTag: 'from-a', flags: { replace: ['SDP version'] }, sdp: asteriskOffer },
      {
        command: 'answer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: b('8'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: asteriskOffer.replace('o=- 1698233123 1698233123', 'o=- 77 1698233123'),
      },
      {
        command: 'offer',
        fromTag: 'from-a',
        toTag: 'to-b',
        flags: { replace: ['SDP version'] },
        sdp: asteriskOffer
          .replace('o=- 1698233123 1698233123', 'o=- 77 1698233123')
          .replace('m=audio 14568', 'm=audio 14570'),
      },
    ],
  },
  mkCase(
    'session-c-unused-no-flag',
    'session c= shadowed by media c= on every m=, no replace flag',
    {},
    crlf([
      'v=0',
      'o=- 705 7 IN IP4 192.0.2.55',
      's=-',
      'c=IN IP4 192.0.2.55',
      't=0 0',
      'm=audio 7300 RTP/AVP 0',
      'c=IN IP4 192.0.2.56',
      'm=audio 7302 RTP/AVP 8',
      'c=IN IP4 192.0.2.57',
    ]),
    b('0'),
  ),
  mkCase(
    'session-c-unused-replace',
    'session c= shadowed by media c= on every m=, replace session-connection',
    { replace: ['session-connection'] },
    crlf([
      'v=0',
      'o=- 705 7 IN IP4 192.0.2.55',
      's=-',
      'c=IN IP4 192.0.2.55',
      't=0 0',
      'm=audio 7300 RTP/AVP 0',
      'c=IN IP4 192.0.2.56',
      'm=audio 7302 RTP/AVP 8',
      'c=IN IP4 192.0.2.57',
    ]),
    b('0'),
  ),
  mkCase(
    'static-pt-table',
    'every static payload type without rtpmap, and odd rtpmap spellings',
    {},
    crlf([
      'v=0',
      'o=- 706 7 IN IP4 192.0.2.58',
      's=-',
      'c=IN IP4 192.0.2.58',
      't=0 0',
      'm=audio 7400 RTP/AVP 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 25 26 28 31 32 33 34 35 96 97 98',
      'a=rtpmap:96 opus/48000',
      'a=rtpmap:97 PCMA/8000/1',
      'a=rtpmap:98 L16/16000/2',
    ]),
    b('0'),
  ),
  mkCase(
    'no-connection',
    'SDP without any c= line',
    {},
    crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0']),
    b('0'),
  ),
  mkCase(
    'no-media',
    'SDP without m= lines',
    {},
    crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0']),
    b('0'),
  ),
  mkCase('garbage', 'not SDP at all', {}, 'hello world\r\n', b('0')),
];

async function record(only: string | undefined): Promise<void> {
  const here = dirname(fileURLToPath(import.meta.url));
  const outDir = join(here, '..', 'golden', 'sdp');
  mkdirSync(outDir, { recursive: true });
  const opts = { interfaces: RTPENGINE_INTERFACES, options: ['-L', '6'] };
  await withRtpengine(opts, async ({ ng: client }) => {
    for (const c of CASES) {
      if (only !== undefined && c.name !== only) continue;
      const callId = `golden-${c.name}-${Date.now()}`;
      const exchanges: { request: NgDict; reply: NgDict }[] = [];
      for (const step of c.steps) {
        const request: NgDict = {
          ...step.flags,
          sdp: step.sdp,
          'call-id': callId,
          'from-tag': step.fromTag,
          command: step.command,
        };
        if (step.toTag !== undefined) request['to-tag'] = step.toTag;
        const reply = await client.request(request);
        exchanges.push({ request, reply });
      }
      await client.request({ command: 'delete', 'call-id': callId, 'from-tag': 'from-a' });
      if (only !== undefined) {
        for (const x of exchanges)
          console.log(
            `${x.request.command}:`,
            x.reply.result,
            x.reply['error-reason'] ?? '',
            `\n${x.reply.sdp ?? ''}`,
          );
        continue;
      }
      const golden = {
        name: c.name,
        description: c.description,
        rtpengine: '10.5.3.5',
        interfaces: RTPENGINE_INTERFACES,
        exchanges,
      };
      writeFileSync(join(outDir, `${c.name}.json`), `${JSON.stringify(golden, null, 2)}\n`);
      console.log(`recorded ${c.name}`);
    }
  });
}

const printIndex = process.argv.indexOf('--print');
await record(printIndex >= 0 ? process.argv[printIndex + 1] : undefined);
