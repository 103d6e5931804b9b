/**
 * The ng scenarios recorded from rtpengine 10.5 (test/tools/record-ng-golden.ts) and replayed against our
 * daemon (ng-golden.test.ts): each is a sequence of ng requests as Kamailio or another client would send them.
 * SDPs are written in the style of real user agents.
 */
import type { NgDict } from '../../src/ng/types.ts';

export interface NgScenario {
  name: string;
  description: string;
  /** rtpengine's `-i` values; the first unnamed one is "default". */
  interfaces: string[];
  steps: NgDict[];
}

const DEFAULT_IF = ['127.0.0.1'];
const NAMED_IF = ['127.0.0.1', 'ext/127.0.0.2'];
const V6_IF = ['127.0.0.1', 'v6/::1'];

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

/** What Kamailio's rtpengine module sends with `ICE=remove replace-origin replace-session-connection RTP/AVP`. */
const kamailio = (source: string): NgDict => ({
  supports: ['load limit'],
  ICE: 'remove',
  replace: ['origin', 'session-connection'],
  'transport-protocol': 'RTP/AVP',
  'received-from': ['IP4', source],
});

// --- SDPs ---

const baresip = (addr: string, port: number, user = 'alice', direction = 'sendrecv'): string =>
  crlf([
    'v=0',
    `o=- 3094164730 1323670454 IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    'a=tool:baresip 1.0.0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${direction}`,
    'a=label:1',
    'a=rtcp-rsize',
    `a=ssrc:3312579483 cname:sip:${user}@198.18.1.2`,
    'a=minptime:20',
    'a=ptime:20',
  ]);

const baresipAnswer = (addr: string, port: number, direction = 'sendrecv'): string =>
  crlf([
    'v=0',
    `o=- 3210470814 1162779014 IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    'a=tool:baresip 1.0.0',
    `m=audio ${port} RTP/AVP 0 101`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-15',
    `a=${direction}`,
    'a=label:1',
    'a=ssrc:3580426075 cname:sip:bob1@198.18.1.2',
    'a=minptime:20',
    'a=ptime:20',
  ]);

const plainAnswer = (addr: string, port: number, pts: string, extra: string[] = [], version = 1): string =>
  crlf([
    'v=0',
    `o=bob 2890844730 ${version} IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    `m=audio ${port} RTP/AVP ${pts}`,
    ...extra,
  ]);

const linphone = crlf([
  'v=0',
  'o=alice 2573 1867 IN IP4 192.0.2.20',
  's=Talk',
  'c=IN IP4 192.0.2.20',
  't=0 0',
  'a=ice-pwd:4e6a0a8f0e8c1d2b3a4f5e6d',
  'a=ice-ufrag:3f1c9a2b',
  'a=rtcp-xr:rcvr-rtt=all:10000 stat-summary=loss,dup,jitt,TTL voip-metrics',
  'a=record:off',
  'm=audio 7078 RTP/AVP 96 97 0 8 101',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=fmtp:97 vbr=on',
  'a=rtpmap:101 telephone-event/8000',
  'a=rtcp:7079',
  'a=candidate:1 1 UDP 2130706431 192.0.2.20 7078 typ host',
  'a=candidate:1 2 UDP 2130706430 192.0.2.20 7079 typ host',
  'a=candidate:2 1 UDP 1694498815 198.51.100.7 40001 typ srflx raddr 192.0.2.20 rport 7078',
  'a=rtcp-fb:* trr-int 1000',
  'm=video 9078 RTP/AVP 96 97',
  'a=rtpmap:96 VP8/90000',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42801F',
  'a=rtcp:9079',
  'a=candidate:1 1 UDP 2130706431 192.0.2.20 9078 typ host',
  'a=candidate:1 2 UDP 2130706430 192.0.2.20 9079 typ host',
  'a=rtcp-fb:96 nack pli',
  'a=rtcp-fb:97 ccm fir',
]);

const linphoneAnswer = crlf([
  'v=0',
  'o=bob 3001 3002 IN IP4 192.0.2.21',
  's=Talk',
  'c=IN IP4 192.0.2.21',
  't=0 0',
  'm=audio 7080 RTP/AVP 96 101',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:101 telephone-event/8000',
  'a=rtcp:7081',
  'm=video 9080 RTP/AVP 96',
  'a=rtpmap:96 VP8/90000',
  'a=rtcp:9081',
  'a=rtcp-fb:96 nack pli',
]);

const linphoneAnswerNoVideo = crlf([
  'v=0',
  'o=bob 3001 3002 IN IP4 192.0.2.21',
  's=Talk',
  'c=IN IP4 192.0.2.21',
  't=0 0',
  'm=audio 7080 RTP/AVP 96 101',
  'a=rtpmap:96 opus/48000/2',
  'a=rtpmap:101 telephone-event/8000',
  'm=video 0 RTP/AVP 96',
]);

const asterisk = (
  version = '1698233123',
  port = 14568,
  direction = 'sendrecv',
  addr = '203.0.113.50',
): string =>
  crlf([
    'v=0',
    `o=- 1698233123 ${version} IN IP4 ${addr}`,
    's=Asterisk',
    `c=IN IP4 ${addr}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 8 0 3 9 101`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:3 GSM/8000',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=maxptime:150',
    `a=${direction}`,
  ]);

const freeswitch = crlf([
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

const polycom = crlf([
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
  'a=fmtp:109 profile-level-id=42801e',
  'a=rtpmap:34 H263/90000',
  'a=rtcp-fb:* nack',
]);

const cisco = crlf([
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4823 1234 IN IP4 10.20.30.40',
  's=SIP Call',
  'c=IN IP4 10.20.30.40',
  't=0 0',
  'm=audio 16454 RTP/AVP 18 0 101 19',
  'c=IN IP4 10.20.30.40',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:19 CN/8000',
  'a=ptime:20',
]);

const withRtcpMux = (addr: string, port: number): string =>
  crlf([
    'v=0',
    `o=- 555 1 IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 111 0`,
    'a=rtpmap:111 opus/48000/2',
    'a=rtcp-mux',
    'a=ptime:20',
  ]);

const ipv6 = (addr: string, port: number): string =>
  crlf([
    'v=0',
    `o=- 6001 1 IN IP6 ${addr}`,
    's=-',
    `c=IN IP6 ${addr}`,
    't=0 0',
    `m=audio ${port} RTP/AVP 0 8`,
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
  ]);

const webrtcish = crlf([
  'v=0',
  'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0',
  'a=msid-semantic: WMS',
  'm=audio 9 RTP/AVP 111 0',
  'c=IN IP4 192.0.2.90',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=ice-ufrag:Hk3c',
  'a=ice-pwd:7uDhMbd9gTZbZHmZOc5fK1jd',
  'a=ice-options:trickle',
  'a=mid:0',
  'a=sendrecv',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=candidate:842163049 1 udp 1677729535 192.0.2.90 50000 typ srflx raddr 0.0.0.0 rport 0',
]);

// --- the scenarios ---

interface Steps {
  offer(from: string, sdp: string, extra?: NgDict): NgDict;
  answer(from: string, to: string, sdp: string, extra?: NgDict): NgDict;
  del(extra?: NgDict): NgDict;
  query(extra?: NgDict): NgDict;
  raw(d: NgDict): NgDict;
}

function steps(callId: string): Steps {
  return {
    offer: (from, sdp, extra = {}) => ({
      ...extra,
      sdp,
      'call-id': callId,
      'from-tag': from,
      command: 'offer',
    }),
    answer: (from, to, sdp, extra = {}) => ({
      ...extra,
      sdp,
      'call-id': callId,
      'from-tag': from,
      'to-tag': to,
      command: 'answer',
    }),
    del: (extra = {}) => ({ 'call-id': callId, 'from-tag': 'A', ...extra, command: 'delete' }),
    query: (extra = {}) => ({ 'call-id': callId, ...extra, command: 'query' }),
    raw: (d) => ({ 'call-id': callId, ...d }),
  };
}

const scenarios: NgScenario[] = [];

function scenario(
  name: string,
  description: string,
  build: (s: Steps) => NgDict[],
  interfaces: string[] = DEFAULT_IF,
): void {
  scenarios.push({ name, description, interfaces, steps: build(steps(`ng-${name}`)) });
}

const A_OFFER = baresip('198.18.1.10', 20132);
const B_ANSWER = baresipAnswer('198.18.2.10', 20172);

scenario('kamailio-basic', 'Kamailio offer/answer/delete as captured', (s) => [
  s.offer('A', A_OFFER, kamailio('198.18.1.10')),
  s.answer('A', 'B', B_ANSWER, kamailio('198.18.2.10')),
  s.del({ supports: ['load limit'], 'received-from': ['IP4', '198.18.1.10'] }),
]);

scenario(
  'kamailio-direction',
  'Kamailio with direction=a direction=b over two named interfaces',
  (s) => [
    s.offer('A', A_OFFER, { ...kamailio('198.18.1.10'), direction: ['a', 'b'] }),
    s.answer('A', 'B', B_ANSWER, kamailio('198.18.2.10')),
    s.query(),
    s.del(),
  ],
  ['a/127.0.0.1', 'b/127.0.0.2'],
);

scenario('plain-offer-answer', 'no flags at all', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.del(),
]);

scenario('query-after-offer', 'query before the answer', (s) => [s.offer('A', A_OFFER), s.query(), s.del()]);

scenario('query-after-answer', 'query after offer and answer', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.query(),
  s.del(),
]);

scenario('query-from-tag', 'query naming the from-tag only', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.query({ 'from-tag': 'A' }),
  s.del(),
]);

scenario('query-both-tags', 'query naming both tags', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.query({ 'from-tag': 'B', 'to-tag': 'A' }),
  s.del(),
]);

scenario('query-unknown-call', 'query of a call that does not exist', (s) => [s.query()]);

scenario('list-after-setup', 'list with one call set up', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  { command: 'list' },
  s.del(),
  { command: 'list' },
]);

scenario('delete-then-query', 'the call is gone after delete (delete-delay 0)', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.del(),
  s.query(),
]);

scenario('delete-unknown-call', 'delete of a call that does not exist', (s) => [s.del()]);

scenario('delete-unknown-call-fatal', 'delete with the fatal flag of a call that does not exist', (s) => [
  s.del({ flags: ['fatal'] }),
]);

scenario('delete-unknown-from-tag', 'delete with a from-tag the call does not have', (s) => [
  s.offer('A', A_OFFER),
  s.del({ 'from-tag': 'nobody' }),
  s.del(),
]);

scenario('delete-without-tags', 'delete by call-id alone', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.raw({ command: 'delete' }),
]);

scenario('answer-unknown-call', 'answer for a call that does not exist', (s) => [
  s.answer('A', 'B', B_ANSWER),
]);

scenario('answer-without-to-tag', 'answer without to-tag', (s) => [
  s.offer('A', A_OFFER),
  s.raw({ command: 'answer', 'from-tag': 'A', sdp: B_ANSWER }),
  s.del(),
]);

scenario('offer-without-from-tag', 'offer without from-tag', (s) => [
  s.raw({ command: 'offer', sdp: A_OFFER }),
]);

scenario('offer-without-sdp', 'offer without sdp', (s) => [s.raw({ command: 'offer', 'from-tag': 'A' })]);

scenario('offer-without-call-id', 'offer without call-id', () => [
  { command: 'offer', 'from-tag': 'A', sdp: A_OFFER },
]);

scenario('broken-sdp', 'an SDP that does not parse', (s) => [s.offer('A', 'hello world\r\n'), s.del()]);

scenario('sdp-without-c', 'an SDP without any c= line', (s) => [
  s.offer('A', crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 5000 RTP/AVP 0'])),
  s.del(),
]);

scenario('sdp-without-m', 'an SDP without m= lines', (s) => [
  s.offer('A', crlf(['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'])),
  s.query(),
  s.del(),
]);

scenario('ping', 'ping', () => [{ command: 'ping' }]);

scenario('unknown-command', 'a command rtpengine does not know', () => [{ command: 'dance' }]);

scenario('linphone-ice-remove', 'Linphone audio+video with ICE=remove', (s) => [
  s.offer('A', linphone, { ICE: 'remove' }),
  s.answer('A', 'B', linphoneAnswer, { ICE: 'remove' }),
  s.query(),
  s.del(),
]);

scenario('linphone-ice-default', 'Linphone with ICE left to rtpengine (it generates its own)', (s) => [
  s.offer('A', linphone),
  s.answer('A', 'B', linphoneAnswer),
  s.del(),
]);

scenario('linphone-video-rejected', 'the answer rejects the video stream', (s) => [
  s.offer('A', linphone, { ICE: 'remove' }),
  s.answer('A', 'B', linphoneAnswerNoVideo, { ICE: 'remove' }),
  s.query(),
  s.del(),
]);

scenario('asterisk', 'Asterisk offer, plain answer', (s) => [
  s.offer('A', asterisk(), kamailio('203.0.113.50')),
  s.answer(
    'A',
    'B',
    plainAnswer('203.0.113.60', 30500, '8 101', ['a=rtpmap:101 telephone-event/8000']),
    kamailio('203.0.113.60'),
  ),
  s.del(),
]);

scenario('freeswitch', 'FreeSWITCH offer with a full a=rtcp line', (s) => [
  s.offer('A', freeswitch, kamailio('198.51.100.80')),
  s.answer('A', 'B', plainAnswer('198.51.100.81', 16000, '9 101')),
  s.query(),
  s.del(),
]);

scenario('polycom', 'Polycom audio+video with session-level sendrecv and b=', (s) => [
  s.offer('A', polycom),
  s.answer(
    'A',
    'B',
    plainAnswer('192.0.2.32', 3000, '9', ['m=video 3002 RTP/AVP 109', 'a=rtpmap:109 H264/90000']),
  ),
  s.query(),
  s.del(),
]);

scenario('cisco', 'Cisco gateway style with media-level c=', (s) => [
  s.offer('A', cisco, { replace: ['origin'] }),
  s.answer('A', 'B', plainAnswer('10.20.30.50', 17000, '18 101')),
  s.del(),
]);

scenario('hold-sendonly', 're-offer with sendonly, answer recvonly', (s) => [
  s.offer('A', asterisk()),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124', 14568, 'sendonly')),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', ['a=recvonly'], 2)),
  s.query(),
  s.del(),
]);

scenario('hold-zero-address', 'old-style hold with c=0.0.0.0', (s) => [
  s.offer('A', asterisk()),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124', 14568, 'sendrecv', '0.0.0.0')),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', [], 2)),
  s.query(),
  s.del(),
]);

scenario('hold-inactive', 're-offer inactive', (s) => [
  s.offer('A', asterisk()),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124', 14568, 'inactive')),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', ['a=inactive'], 2)),
  s.del(),
]);

scenario('hold-and-resume', 'hold then resume: ports stay', (s) => [
  s.offer('A', asterisk()),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124', 14568, 'sendonly')),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', ['a=recvonly'], 2)),
  s.offer('A', asterisk('1698233125')),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', [], 3)),
  s.del(),
]);

scenario('reinvite-same-sdp', 're-INVITE with the same SDP keeps the ports', (s) => [
  s.offer('A', A_OFFER, kamailio('198.18.1.10')),
  s.answer('A', 'B', B_ANSWER, kamailio('198.18.2.10')),
  s.offer('A', A_OFFER, { ...kamailio('198.18.1.10'), 'to-tag': 'B' }),
  s.answer('A', 'B', B_ANSWER, kamailio('198.18.2.10')),
  s.del(),
]);

scenario('reinvite-new-port', 're-INVITE moving the caller to another address and port', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.offer('A', baresip('198.18.1.11', 20200), { 'to-tag': 'B' }),
  s.answer('A', 'B', B_ANSWER),
  s.query(),
  s.del(),
]);

scenario('reinvite-from-callee', 're-INVITE sent by the callee: tags swapped', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.offer('B', baresipAnswer('198.18.2.10', 20172, 'sendonly'), { 'to-tag': 'A' }),
  s.answer('B', 'A', baresip('198.18.1.10', 20132, 'alice', 'recvonly')),
  s.query(),
  s.del(),
]);

scenario(
  'fork-via-branch',
  'parallel forking: two offers with different via-branches, the second answers',
  (s) => [
    s.offer('A', A_OFFER, { 'via-branch': 'z9hG4bK.b1' }),
    s.offer('A', A_OFFER, { 'via-branch': 'z9hG4bK.b2' }),
    s.answer('A', 'B2', B_ANSWER, { 'via-branch': 'z9hG4bK.b2' }),
    s.query(),
    s.del(),
  ],
);

scenario('fork-to-tags', 'one offer, early answers from two to-tags, the second wins', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B1', baresipAnswer('198.18.2.10', 20172)),
  s.answer('A', 'B2', baresipAnswer('198.18.2.20', 20300)),
  s.query(),
  s.del(),
]);

scenario('fork-to-tags-first-again', 'answers from B1, B2 then B1 again', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B1', baresipAnswer('198.18.2.10', 20172)),
  s.answer('A', 'B2', baresipAnswer('198.18.2.20', 20300)),
  s.answer('A', 'B1', baresipAnswer('198.18.2.10', 20172)),
  s.query(),
  s.del(),
]);

scenario('delete-branch', 'forked call: delete one via-branch, the other goes on', (s) => [
  s.offer('A', A_OFFER, { 'via-branch': 'z9hG4bK.b1' }),
  s.offer('A', A_OFFER, { 'via-branch': 'z9hG4bK.b2' }),
  s.del({ 'via-branch': 'z9hG4bK.b1' }),
  s.answer('A', 'B2', B_ANSWER, { 'via-branch': 'z9hG4bK.b2' }),
  s.query(),
  s.del(),
]);

scenario('delete-to-tag-flag', 'forked call: delete one to-tag with the to-tag flag', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B1', baresipAnswer('198.18.2.10', 20172)),
  s.answer('A', 'B2', baresipAnswer('198.18.2.20', 20300)),
  s.del({ 'to-tag': 'B1', flags: ['to-tag'] }),
  s.query(),
  s.del(),
]);

scenario('delete-to-tag-two-party', 'delete with the to-tag flag on a two-party call', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.del({ 'to-tag': 'B', flags: ['to-tag'] }),
  s.query(),
]);

scenario(
  'late-offer',
  'late offer as Kamailio does it: 200 OK offers with tags swapped, ACK answers',
  (s) => [
    s.offer('B', B_ANSWER, { ...kamailio('198.18.2.10'), 'to-tag': 'A' }),
    s.answer('B', 'A', A_OFFER, kamailio('198.18.1.10')),
    s.query(),
    s.del(),
  ],
);

scenario('late-offer-no-to-tag', 'late offer where the offer carries only the callee tag', (s) => [
  s.offer('B', B_ANSWER),
  s.answer('B', 'A', A_OFFER),
  s.query(),
  s.del(),
]);

scenario('replace-origin', 'replace origin only', (s) => [
  s.offer('A', A_OFFER, { replace: ['origin'] }),
  s.answer('A', 'B', B_ANSWER, { replace: ['origin'] }),
  s.del(),
]);

scenario('replace-session-connection', 'replace session-connection only', (s) => [
  s.offer('A', A_OFFER, { replace: ['session-connection'] }),
  s.answer('A', 'B', B_ANSWER, { replace: ['session-connection'] }),
  s.del(),
]);

scenario('replace-username-session-name', 'replace username and session name across a re-offer', (s) => [
  s.offer('A', asterisk(), { replace: ['username', 'session-name'] }),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124').replace('s=Asterisk', 's=Other').replace('o=- ', 'o=someone '), {
    replace: ['username', 'session-name'],
    'to-tag': 'B',
  }),
  s.del(),
]);

scenario('replace-sdp-version', 'replace SDP version across re-offers', (s) => [
  s.offer('A', asterisk(), { replace: ['SDP version'] }),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('5'), { replace: ['SDP version'], 'to-tag': 'B' }),
  s.offer('A', asterisk('6', 14570), { replace: ['SDP version'], 'to-tag': 'B' }),
  s.del(),
]);

scenario('replace-zero-address', 'replace zero address on an old-style hold', (s) => [
  s.offer('A', asterisk('1', 14568, 'sendrecv', '0.0.0.0'), { replace: ['zero-address', 'origin'] }),
  s.del(),
]);

scenario('replace-flags-spelling', 'replace items given as flags (replace-origin)', (s) => [
  s.offer('A', A_OFFER, { flags: ['replace-origin', 'replace-session-connection'] }),
  s.answer('A', 'B', B_ANSWER, { flags: ['replace-origin', 'replace-session-connection'] }),
  s.del(),
]);

scenario(
  'direction-internal-external',
  'direction [default, ext]: the callee side on ext',
  (s) => [
    s.offer('A', A_OFFER, { direction: ['default', 'ext'], replace: ['origin', 'session-connection'] }),
    s.answer('A', 'B', B_ANSWER, { replace: ['origin', 'session-connection'] }),
    s.query(),
    s.del(),
  ],
  NAMED_IF,
);

scenario(
  'direction-external-internal',
  'direction [ext, default]: the caller side on ext',
  (s) => [
    s.offer('A', A_OFFER, { direction: ['ext', 'default'] }),
    s.answer('A', 'B', B_ANSWER),
    s.query(),
    s.del(),
  ],
  NAMED_IF,
);

scenario(
  'direction-unknown-name',
  'direction naming an interface that does not exist',
  (s) => [s.offer('A', A_OFFER, { direction: ['nope', 'ext'] }), s.del()],
  NAMED_IF,
);

scenario(
  'address-family-ip6',
  'IPv4 offer sent on as IPv6 with address family',
  (s) => [
    s.offer('A', A_OFFER, { 'address family': 'IP6', replace: ['origin', 'session-connection'] }),
    s.answer('A', 'B', ipv6('2001:db8::20', 4000), { 'address family': 'IP4' }),
    s.query(),
    s.del(),
  ],
  V6_IF,
);

scenario(
  'address-family-ip4',
  'IPv6 offer sent on as IPv4',
  (s) => [
    s.offer('A', ipv6('2001:db8::10', 4000), { 'address family': 'IP4' }),
    s.answer('A', 'B', B_ANSWER, { 'address family': 'IP6' }),
    s.del(),
  ],
  V6_IF,
);

scenario(
  'ipv6-plain',
  'IPv6 on both sides',
  (s) => [
    s.offer('A', ipv6('2001:db8::10', 4000), { replace: ['origin', 'session-connection'] }),
    s.answer('A', 'B', ipv6('2001:db8::20', 4002)),
    s.query(),
    s.del(),
  ],
  V6_IF,
);

scenario(
  'direction-v6',
  'direction selecting the IPv6 interface by name',
  (s) => [
    s.offer('A', A_OFFER, { direction: ['default', 'v6'] }),
    s.answer('A', 'B', ipv6('2001:db8::20', 4002)),
    s.del(),
  ],
  V6_IF,
);

scenario('media-address', 'media address overrides the advertised address', (s) => [
  s.offer('A', A_OFFER, { 'media address': '203.0.113.99', replace: ['origin', 'session-connection'] }),
  s.answer('A', 'B', B_ANSWER),
  s.del(),
]);

scenario('ice-remove', 'ICE=remove strips the candidates', (s) => [
  s.offer('A', webrtcish.replace('RTP/AVP', 'RTP/AVP'), { ICE: 'remove' }),
  s.answer('A', 'B', plainAnswer('192.0.2.91', 5000, '111', ['a=rtpmap:111 opus/48000/2'])),
  s.del(),
]);

scenario('mid-carried-to-answer', 'a=mid in the offer, none in the answer', (s) => [
  s.offer('A', webrtcish, { ICE: 'remove' }),
  s.answer('A', 'B', plainAnswer('192.0.2.91', 5000, '111', ['a=rtpmap:111 opus/48000/2']), {
    ICE: 'remove',
  }),
  s.query(),
  s.del(),
]);

scenario('sip-source-address', 'received-from with SIP source address', (s) => [
  s.offer('A', A_OFFER, { 'received-from': ['IP4', '198.51.100.1'], flags: ['SIP source address'] }),
  s.answer('A', 'B', B_ANSWER, { 'received-from': ['IP4', '198.51.100.2'], flags: ['SIP source address'] }),
  s.query(),
  s.del(),
]);

scenario('received-from-only', 'received-from without SIP source address', (s) => [
  s.offer('A', A_OFFER, { 'received-from': ['IP4', '198.51.100.1'] }),
  s.answer('A', 'B', B_ANSWER, { 'received-from': ['IP4', '198.51.100.2'] }),
  s.query(),
  s.del(),
]);

scenario('trust-address', 'trust address with received-from', (s) => [
  s.offer('A', A_OFFER, { 'received-from': ['IP4', '198.51.100.1'], flags: ['trust address'] }),
  s.answer('A', 'B', B_ANSWER, { 'received-from': ['IP4', '198.51.100.2'], flags: ['trust-address'] }),
  s.query(),
  s.del(),
]);

scenario('original-sendrecv', 'original sendrecv on a hold re-offer', (s) => [
  s.offer('A', asterisk(), { flags: ['original sendrecv'] }),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
  s.offer('A', asterisk('1698233124', 14568, 'sendonly', '0.0.0.0'), {
    flags: ['original-sendrecv'],
    'to-tag': 'B',
  }),
  s.del(),
]);

scenario('no-rtcp-attribute', 'no rtcp attribute', (s) => [
  s.offer('A', A_OFFER, { flags: ['no rtcp attribute'] }),
  s.answer('A', 'B', B_ANSWER, { flags: ['no-rtcp-attribute'] }),
  s.del(),
]);

scenario('full-rtcp-attribute', 'full rtcp attribute', (s) => [
  s.offer('A', A_OFFER, { flags: ['full rtcp attribute'] }),
  s.answer('A', 'B', B_ANSWER, { flags: ['full-rtcp-attribute'] }),
  s.del(),
]);

scenario(
  'full-rtcp-attribute-ipv6',
  'full rtcp attribute towards IPv6',
  (s) => [s.offer('A', ipv6('2001:db8::10', 4000), { flags: ['full-rtcp-attribute'] }), s.del()],
  V6_IF,
);

scenario('loop-protect', 'loop protect adds a=rtpengine', (s) => [
  s.offer('A', A_OFFER, { flags: ['loop protect'] }),
  s.answer('A', 'B', B_ANSWER, { flags: ['loop-protect'] }),
  s.del(),
]);

scenario('rejected-in-offer', 'an m= line rejected in the offer', (s) => [
  s.offer('A', linphone.replace('m=video 9078', 'm=video 0'), { ICE: 'remove' }),
  s.answer('A', 'B', linphoneAnswerNoVideo, { ICE: 'remove' }),
  s.query(),
  s.del(),
]);

scenario('rtcp-mux-agreed', 'rtcp-mux offered and accepted', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000)),
  s.answer('A', 'B', withRtcpMux('192.0.2.71', 6100)),
  s.query(),
  s.del(),
]);

scenario('rtcp-mux-refused', 'rtcp-mux offered, answer without it', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000)),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2'])),
  s.query(),
  s.del(),
]);

scenario('rtcp-mux-demux', 'rtcp-mux: [demux]', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000), { 'rtcp-mux': ['demux'] }),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2'])),
  s.del(),
]);

scenario('static-payload-types', 'static payload types without rtpmap', (s) => [
  s.offer(
    'A',
    crlf([
      'v=0',
      'o=- 706 7 IN IP4 192.0.2.58',
      's=-',
      'c=IN IP4 192.0.2.58',
      't=0 0',
      'm=audio 7400 RTP/AVP 0 3 8 9 13 18',
    ]),
  ),
  s.answer('A', 'B', plainAnswer('192.0.2.59', 7500, '8 13')),
  s.del(),
]);

scenario('ptime-carried-to-answer', 'ptime in the offer, none in the answer', (s) => [
  s.offer('A', asterisk()),
  s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8 0')),
  s.del(),
]);

scenario('two-audio-streams', 'two audio m= lines', (s) => [
  s.offer(
    'A',
    crlf([
      'v=0',
      'o=- 705 7 IN IP4 192.0.2.55',
      's=-',
      'c=IN IP4 192.0.2.55',
      't=0 0',
      'm=audio 7300 RTP/AVP 0',
      'm=audio 7302 RTP/AVP 8',
    ]),
  ),
  s.answer(
    'A',
    'B',
    crlf([
      'v=0',
      'o=- 9 9 IN IP4 192.0.2.56',
      's=-',
      'c=IN IP4 192.0.2.56',
      't=0 0',
      'm=audio 8300 RTP/AVP 0',
      'm=audio 8302 RTP/AVP 8',
    ]),
  ),
  s.query(),
  s.del(),
]);

scenario('label', 'label on offer and answer', (s) => [
  s.offer('A', A_OFFER, { label: 'caller' }),
  s.answer('A', 'B', B_ANSWER, { label: 'callee' }),
  s.query(),
  s.del(),
]);

scenario('offer-retransmit', 'the same offer twice with different cookies keeps the ports', (s) => [
  s.offer('A', A_OFFER),
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.answer('A', 'B', B_ANSWER),
  s.del(),
]);

scenario('lf-line-endings', 'an SDP with LF line endings', (s) => [
  s.offer('A', A_OFFER.replace(/\r\n/g, '\n')),
  s.answer('A', 'B', B_ANSWER.replace(/\r\n/g, '\n')),
  s.del(),
]);

scenario('transport-protocol-avpf', 'transport-protocol RTP/AVPF', (s) => [
  s.offer('A', A_OFFER, { 'transport-protocol': 'RTP/AVPF' }),
  s.answer('A', 'B', B_ANSWER.replace('RTP/AVP', 'RTP/AVPF'), { 'transport-protocol': 'RTP/AVP' }),
  s.query(),
  s.del(),
]);

scenario('session-c-shadowed', 'session c= shadowed by media c= on every m=', (s) => [
  s.offer(
    'A',
    crlf([
      'v=0',
      'o=- 705 7 IN IP4 192.0.2.55',
      's=-',
      'c=IN IP4 192.0.2.55',
      't=0 0',
      'm=audio 7300 RTP/AVP 0',
      'c=IN IP4 192.0.2.56',
      'm=video 7302 RTP/AVP 96',
      'c=IN IP4 192.0.2.57',
      'a=rtpmap:96 VP8/90000',
    ]),
    { replace: ['session-connection'] },
  ),
  s.del(),
]);

scenario('delete-by-callee-tag', 'delete naming the callee as from-tag (BYE from the callee)', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B', B_ANSWER),
  s.del({ 'from-tag': 'B' }),
  s.query(),
]);

scenario('answer-before-offer-tag-mismatch', 'answer whose from-tag matches no offer', (s) => [
  s.offer('A', A_OFFER),
  s.answer('X', 'B', B_ANSWER),
  s.del(),
]);

scenario(
  'delete-without-tags-delayed',
  'delete by call-id alone with a delete-delay: bare ok, the call lingers',
  (s) => [
    s.offer('A', A_OFFER),
    s.answer('A', 'B', B_ANSWER),
    s.raw({ command: 'delete', 'delete-delay': 5 }),
    s.query(),
  ],
);

scenario(
  'delete-from-tag-delayed',
  'delete naming the from-tag with a delete-delay: the tree, the call lingers',
  (s) => [s.offer('A', A_OFFER), s.answer('A', 'B', B_ANSWER), s.del({ 'delete-delay': 5 }), s.query()],
);

scenario('delete-to-tag-without-from-tag', 'forked call: to-tag delete that names no from-tag', (s) => [
  s.offer('A', A_OFFER),
  s.answer('A', 'B1', baresipAnswer('198.18.2.10', 20172)),
  s.answer('A', 'B2', baresipAnswer('198.18.2.20', 20300)),
  s.raw({ command: 'delete', 'to-tag': 'B1', flags: ['to-tag'] }),
  s.query(),
  s.del(),
]);

scenario(
  'delete-unknown-via-branch',
  'a delete naming a via-branch the call does not have ends the call',
  (s) => [
    s.offer('A', A_OFFER),
    s.answer('A', 'B', B_ANSWER),
    s.del({ 'via-branch': 'z9hG4bK.nope' }),
    s.query(),
  ],
);

scenario('rtcp-mux-flag-spelling', 'rtcp-mux-demux given inside flags (rtpengine ignores it there)', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000), { flags: ['rtcp-mux-demux'] }),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2'])),
  s.del(),
]);

scenario(
  'reanswer-new-port',
  're-INVITE answered from a new port: the offerer side gets fresh ports',
  (s) => [
    s.offer('A', A_OFFER),
    s.answer('A', 'B', B_ANSWER),
    s.offer('A', A_OFFER, { 'to-tag': 'B' }),
    s.answer('A', 'B', baresipAnswer('198.18.2.10', 20400)),
    s.query(),
    s.del(),
  ],
);

scenario(
  'answer-unknown-from-tag-query',
  'answer whose from-tag matches no offer, then a full query',
  (s) => [s.offer('A', A_OFFER), s.answer('X', 'B', B_ANSWER), s.query(), s.del()],
);

scenario(
  'hold-zero-address-resume',
  'old-style hold with c=0.0.0.0, then resume from the old address',
  (s) => [
    s.offer('A', asterisk()),
    s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8')),
    s.offer('A', asterisk('1698233124', 14568, 'sendrecv', '0.0.0.0'), { 'to-tag': 'B' }),
    s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', [], 2)),
    s.offer('A', asterisk('1698233125'), { 'to-tag': 'B' }),
    s.answer('A', 'B', plainAnswer('203.0.113.60', 30500, '8', [], 3)),
    s.query(),
    s.del(),
  ],
);

// --- offer/answer flags (issue 3 item 1): every flag set over every user-agent style ---

interface UaStyle {
  offer: string;
  answer: string;
  /** Keys every request of this user agent carries (Linphone needs ICE removed: ICE is a later issue). */
  base: NgDict;
}

const withExtmap = (sdp: string): string =>
  sdp.replace(
    /(m=audio[^\r\n]*\r\n)/,
    '$1a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\na=extmap-allow-mixed\r\n',
  );

const UA_STYLES: Record<string, UaStyle> = {
  baresip: { offer: withExtmap(A_OFFER), answer: B_ANSWER, base: {} },
  asterisk: {
    offer: asterisk(),
    answer: plainAnswer('203.0.113.60', 30500, '8 101', ['a=rtpmap:101 telephone-event/8000']),
    base: {},
  },
  freeswitch: {
    offer: freeswitch,
    answer: plainAnswer('198.51.100.81', 16000, '9 101', [
      'a=rtpmap:9 G722/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=fmtp:101 0-16',
    ]),
    base: {},
  },
  polycom: {
    offer: polycom,
    answer: plainAnswer('192.0.2.32', 3000, '9 127', [
      'a=rtpmap:127 telephone-event/8000',
      'm=video 3002 RTP/AVP 109',
      'a=rtpmap:109 H264/90000',
    ]),
    base: {},
  },
  cisco: {
    offer: cisco,
    answer: plainAnswer('10.20.30.50', 17000, '18 101 19', [
      'a=rtpmap:18 G729/8000',
      'a=rtpmap:101 telephone-event/8000',
      'a=rtpmap:19 CN/8000',
    ]),
    base: {},
  },
  linphone: { offer: linphone, answer: linphoneAnswer, base: { ICE: 'remove' } },
};

interface FlagSet {
  description: string;
  offer: NgDict;
  answer?: NgDict;
  /** Ask for the query tree after the answer. */
  query?: boolean;
}

const FLAG_SETS: Record<string, FlagSet> = {
  'codec-strip': { description: 'codec strip by name', offer: { codec: { strip: ['PCMU', 'G722'] } } },
  'codec-strip-all-except': {
    description: 'codec strip all except PCMA and telephone-event',
    offer: { codec: { strip: ['all'], except: ['PCMA', 'telephone-event'] } },
  },
  'codec-strip-all-offer': {
    description: 'codec strip all, offer G722 and opus/48000/2',
    offer: { codec: { strip: ['all'], offer: ['G722', 'opus/48000/2'] } },
  },
  'codec-mask': { description: 'codec mask', offer: { codec: { mask: ['G722', 'speex'] } } },
  'codec-mask-all-except': {
    description: 'codec mask all except G729 and VP8',
    offer: { codec: { mask: ['all'], except: ['G729', 'VP8', 'PCMU/8000'] } },
  },
  'codec-flag-prefix': {
    description: 'codec-strip-X and codec-mask-X inside flags',
    offer: { flags: ['codec-strip-telephone-event', 'codec-mask-GSM', 'codec-offer-G722'] },
  },
  'codec-clock-forms': {
    description: 'name/clock and name/clock/channels forms, with set',
    offer: { codec: { strip: ['G722/16000', 'opus/48000/2', 'telephone-event/48000'], set: ['PCMA/8000'] } },
  },
  'codec-answer-strip': {
    description: 'codec strip in the answer',
    offer: {},
    answer: { codec: { strip: ['telephone-event'] } },
  },
  'single-codec': {
    description: 'single codec on offer and answer',
    offer: { flags: ['single codec'] },
    answer: { flags: ['single codec'] },
  },
  'codec-order-flags': {
    description: 'reorder, symmetric and reuse codecs',
    offer: { flags: ['reorder codecs', 'symmetric codecs', 'reuse codecs'] },
    answer: { flags: ['asymmetric codecs', 'reorder codecs'] },
  },
  ptime: { description: 'ptime on the offer', offer: { ptime: 30 }, answer: { ptime: 40 } },
  'ptime-reverse': { description: 'ptime-reverse on the offer', offer: { 'ptime-reverse': 40 } },
  'generate-mid-strip-extmap': {
    description: 'generate mid and strip extmap',
    offer: { flags: ['generate mid', 'strip extmap'] },
    answer: { flags: ['generate mid', 'strip-extmap'] },
  },
  'rtcp-mux-offer': { description: 'rtcp-mux offer', offer: { 'rtcp-mux': ['offer'] } },
  'rtcp-mux-require': { description: 'rtcp-mux require', offer: { 'rtcp-mux': ['require'] } },
  'transport-avpf': {
    description: 'transport-protocol RTP/AVPF and back',
    offer: { 'transport-protocol': 'RTP/AVPF' },
    answer: { 'transport-protocol': 'RTP/AVP' },
  },
  'nat-and-latching': {
    description: 'pierce NAT, NAT-wait, port latching, unidirectional, media echo, TOS',
    offer: {
      flags: ['pierce NAT', 'NAT-wait', 'port latching', 'unidirectional', 'no port latching'],
      TOS: 184,
      'media echo': 'forward',
    },
    answer: { flags: ['reset', 'media echo'], TOS: 0 },
    query: true,
  },
  'callback-metadata-label': {
    description: 'xmlrpc-callback, metadata, label, set-label, drop-traffic',
    offer: { 'xmlrpc-callback': '127.0.0.1', metadata: 'user:alice|dir:out', label: 'caller' },
    answer: { 'set-label': 'callee', 'drop-traffic': 'stop' },
    query: true,
  },
  'later-issue-keys': {
    description: 'keys of later issues with values rtpengine ignores: ICE, SDES, OSRTP, T.38, DTLS off',
    offer: { ICE: 'bogus', SDES: ['off'], OSRTP: ['offer'], 'T.38': ['decode'], DTLS: 'off' },
    answer: { SDES: ['bogus'], 'endpoint-learning': 'bogus', 'rtcp-mux': ['bogus'] },
  },
};

for (const [ua, style] of Object.entries(UA_STYLES)) {
  for (const [set, fs] of Object.entries(FLAG_SETS)) {
    scenario(`flags-${set}-${ua}`, `${fs.description} (${ua})`, (s) => [
      s.offer('A', style.offer, { ...fs.offer, ...style.base }),
      s.answer('A', 'B', style.answer, { ...(fs.answer ?? {}), ...style.base }),
      ...(fs.query ? [s.query()] : []),
      s.del(),
    ]);
  }
}

const ALL_CODECS = crlf([
  'v=0',
  'o=- 1 1 IN IP4 192.0.2.1',
  's=-',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'm=audio 5000 RTP/AVP 8 0 3 9 101',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=sendrecv',
]);

const answerWith = (pts: string, lines: string[] = []): string => plainAnswer('192.0.2.2', 6000, pts, lines);

scenario('codec-strip-all-alone', 'strip all with nothing excepted: rtpengine keeps every codec', (s) => [
  s.offer('A', ALL_CODECS, { codec: { strip: ['all'] } }),
  s.offer('A', ALL_CODECS, { codec: { strip: ['full'] } }),
  s.del(),
]);

scenario('codec-strip-payload-number', 'strip by payload type number does nothing', (s) => [
  s.offer('A', ALL_CODECS, { codec: { strip: ['0', '101'] } }),
  s.del(),
]);

scenario('codec-answer-stripped-codec', 'the answer picks a codec the offer lost: it is dropped', (s) => [
  s.offer('A', ALL_CODECS, { codec: { strip: ['PCMU'] } }),
  s.answer('A', 'B', answerWith('0 8')),
  s.del(),
]);

scenario(
  'codec-answer-other-payload-type',
  'telephone-event under another payload type in the answer',
  (s) => [
    s.offer('A', ALL_CODECS),
    s.answer('A', 'B', answerWith('8 96', ['a=rtpmap:96 telephone-event/8000', 'a=rtpmap:8 PCMA/8000'])),
    s.del(),
  ],
);

scenario('codec-answer-unknown', 'the answer names a codec the offer never had', (s) => [
  s.offer('A', ALL_CODECS),
  s.answer('A', 'B', answerWith('18 8')),
  s.del(),
]);

scenario('codec-answer-order', 'the answer keeps its own order', (s) => [
  s.offer('A', ALL_CODECS),
  s.answer('A', 'B', answerWith('0 8 101', ['a=rtpmap:101 telephone-event/8000'])),
  s.del(),
]);

scenario('codec-mask-offer-only', 'mask, answer with what is left', (s) => [
  s.offer('A', ALL_CODECS, { codec: { mask: ['PCMA'] } }),
  s.answer('A', 'B', answerWith('0 101')),
  s.del(),
]);

scenario('codec-consume-offer', 'consume removes the codec from the offer', (s) => [
  s.offer('A', ALL_CODECS, { codec: { consume: ['PCMA', 'GSM'] } }),
  s.del(),
]);

scenario('codec-accept-offer', 'accept leaves the offer unchanged', (s) => [
  s.offer('A', ALL_CODECS, { codec: { accept: ['PCMA'] } }),
  s.del(),
]);

scenario('ptime-answer-own', 'ptime-reverse with an answer that has its own a=ptime', (s) => [
  s.offer('A', ALL_CODECS, { 'ptime-reverse': 30 }),
  s.answer('A', 'B', answerWith('8', ['a=ptime:40'])),
  s.del(),
]);

scenario('ptime-offer-answer-carried', 'ptime on the offer, an answer without a=ptime', (s) => [
  s.offer('A', ALL_CODECS, { ptime: 30 }),
  s.answer('A', 'B', answerWith('8')),
  s.del(),
]);

scenario('ptime-answer-flag', 'ptime on the answer only', (s) => [
  s.offer('A', ALL_CODECS),
  s.answer('A', 'B', answerWith('8', ['a=ptime:20']), { ptime: 40 }),
  s.del(),
]);

scenario('rtcp-mux-reject', 'rtcp-mux reject on a muxing offer, the answer muxes', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000), { 'rtcp-mux': ['reject'] }),
  s.answer('A', 'B', withRtcpMux('192.0.2.71', 6100)),
  s.del(),
]);

scenario('rtcp-mux-accept', 'rtcp-mux accept: the answer does not mux, the offerer gets mux', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000), { 'rtcp-mux': ['accept'] }),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2']), {
    'rtcp-mux': ['accept'],
  }),
  s.del(),
]);

scenario('rtcp-mux-accept-offer-only', 'rtcp-mux accept given with the offer only', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000), { 'rtcp-mux': ['accept'] }),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2'])),
  s.del(),
]);

scenario('rtcp-mux-accept-answer-only', 'rtcp-mux accept given with the answer only', (s) => [
  s.offer('A', withRtcpMux('192.0.2.70', 6000)),
  s.answer('A', 'B', plainAnswer('192.0.2.71', 6100, '111', ['a=rtpmap:111 opus/48000/2']), {
    'rtcp-mux': ['accept'],
  }),
  s.del(),
]);

scenario('rtcp-mux-offer-answer-muxes', 'rtcp-mux offer, the answer muxes', (s) => [
  s.offer('A', ALL_CODECS, { 'rtcp-mux': ['offer'] }),
  s.answer('A', 'B', answerWith('8', ['a=rtcp-mux'])),
  s.del(),
]);

scenario('codec-reinvite-strip', 'a re-INVITE with other codec flags', (s) => [
  s.offer('A', ALL_CODECS, { codec: { strip: ['PCMU'] } }),
  s.answer('A', 'B', answerWith('8 101', ['a=rtpmap:101 telephone-event/8000'])),
  s.offer('A', ALL_CODECS, { codec: { strip: ['PCMA'] }, 'to-tag': 'B' }),
  s.answer('A', 'B', answerWith('0 8 101', ['a=rtpmap:101 telephone-event/8000'])),
  s.del(),
]);

scenario('generate-mid-two-streams', 'generate mid over audio and video', (s) => [
  s.offer('A', polycom, { flags: ['generate mid'] }),
  s.del(),
]);

export const SCENARIOS: readonly NgScenario[] = scenarios;
