import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  answerFormats,
  lostLeadClocks,
  NO_REPLACE,
  namesCodecIn,
  offerFormats,
  parseSdp,
  repacketizableFormats,
  rewriteSdp,
  strandedSupplemental,
} from '../../../src/sdp/index.ts';

const sdp = (pts: string, extra: string[] = []): string =>
  [
    'v=0',
    'o=- 1 1 IN IP4 192.0.2.1',
    's=-',
    'c=IN IP4 192.0.2.1',
    't=0 0',
    `m=audio 5000 RTP/AVP ${pts}`,
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=rtpmap:103 telephone-event/48000',
    'a=rtpmap:96 opus/48000/2',
    ...extra,
    '',
  ].join('\r\n');

const media = (pts: string) => {
  const m = parseSdp(sdp(pts)).media[0];
  assert.ok(m);
  return m;
};
const none: string[] = [];
const rules = (r: Partial<Record<'strip' | 'offer' | 'except' | 'mask' | 'consume', string[]>>) => ({
  strip: none,
  offer: none,
  except: none,
  mask: none,
  consume: none,
  ...r,
});

test('offerFormats strips and masks by name, case-insensitively, and by name/clock/channels', () => {
  assert.deepEqual(offerFormats(media('8 0 9 101'), rules({ strip: ['pcmu'], mask: ['G722/8000'] })), [
    '8',
    '101',
  ]);
  assert.deepEqual(offerFormats(media('8 96 101'), rules({ strip: ['opus/48000/1'] })), ['8', '96', '101']);
  assert.deepEqual(offerFormats(media('8 96 101'), rules({ strip: ['opus/48000/2'] })), ['8', '101']);
});

test('offerFormats strip all keeps what except names in place and appends offer in its own order', () => {
  assert.deepEqual(offerFormats(media('8 0 9 101'), rules({ strip: ['all'], except: ['PCMU'] })), ['0']);
  assert.deepEqual(offerFormats(media('8 0 9 101'), rules({ strip: ['all'], offer: ['G722', 'PCMA'] })), [
    '9',
    '8',
  ]);
});

test('offerFormats keeps the list when everything would go, and empties it when only telephone-event is left', () => {
  assert.deepEqual(offerFormats(media('8 0 101'), rules({ strip: ['all'] })), ['8', '0', '101']);
  assert.deepEqual(offerFormats(media('0 101'), rules({ strip: ['PCMU'] })), []);
});

test('offerFormats drops telephone-event whose clock rate no codec left has', () => {
  assert.deepEqual(offerFormats(media('96 8 103 101'), rules({ strip: ['opus'] })), ['8', '101']);
});

test('answerFormats keeps only payload types the offer carried, and single codec keeps the first one', () => {
  const m = media('0 8 9 101');
  assert.deepEqual(
    answerFormats(m, { offered: ['8', '9', '101'], strip: none, mask: none, singleCodec: false }),
    ['8', '9', '101'],
  );
  assert.deepEqual(answerFormats(m, { strip: none, mask: none, singleCodec: true }), ['0', '101']);
  assert.deepEqual(answerFormats(m, { offered: [], strip: none, mask: none, singleCodec: false }), [
    '0',
    '8',
    '9',
    '101',
  ]);
});

test('rewriteSdp writes only the planned payload types, or an empty m= list with rtpmaps left in place', () => {
  const input = parseSdp(sdp('8 0 101', ['a=fmtp:101 0-16', 'a=extmap:1 urn:x']));
  const plan = (formats: string[]) => ({
    address: { family: 'IP4' as const, address: '127.0.0.1' },
    media: [{ rtpPort: 4000, rtcpPort: 4001, rtcpMux: false, formats, ptimeOverride: 30 }],
    replace: NO_REPLACE,
    rtcpAttribute: 'default' as const,
    originalSendrecv: false,
    stripExtmap: true,
  });
  const out = rewriteSdp(input, plan(['0', '101']));
  assert.match(out, /m=audio 4000 RTP\/AVP 0 101\r\n/);
  assert.doesNotMatch(out, /rtpmap:8 |extmap/);
  assert.match(out, /a=fmtp:101 0-16\r\n[\s\S]*a=ptime:30\r\n$/);
  const empty = rewriteSdp(input, plan([]));
  assert.match(empty, /m=audio 4000 RTP\/AVP \r\na=rtpmap:8 PCMA\/8000\r\n/);
});

test('namesCodecIn is true only when a named codec is on the m= line (accept/consume engage the codec engine)', () => {
  assert.equal(namesCodecIn(media('8 0 101'), ['PCMA']), true);
  assert.equal(namesCodecIn(media('8 0 101'), ['G729', 'all']), false);
});

test('repacketizableFormats drops codecs rtpengine cannot repacketize and keeps the ones it can', () => {
  const m = parseSdp(sdp('8 0 102 96 101', ['a=rtpmap:102 G7221/16000'])).media[0];
  assert.ok(m);
  assert.deepEqual(repacketizableFormats(m, m.formats), ['8', '0', '96', '101']);
});

test('lostLeadClocks names the clock rates whose first real codec an offer lost', () => {
  assert.deepEqual(lostLeadClocks(media('96 0 8 101'), ['96', '8', '101']), [8000]);
  assert.deepEqual(lostLeadClocks(media('96 0 8 101'), ['0', '8', '101']), [48000]);
  assert.deepEqual(lostLeadClocks(media('96 0 8 101'), ['96', '0', '101']), []);
});

test('strandedSupplemental drops telephone-event without a codec of its clock only when the offer lost it or its lead codec', () => {
  const answer = media('96 101');
  assert.deepEqual(strandedSupplemental(answer, ['96', '101'], ['96', '8', '101'], [8000]), ['101']);
  assert.deepEqual(strandedSupplemental(answer, ['96', '101'], ['96', '0', '101'], []), []);
  assert.deepEqual(strandedSupplemental(answer, ['96', '101'], ['0'], []), ['101']);
  assert.deepEqual(strandedSupplemental(media('8 101'), ['8', '101'], ['0'], [8000]), []);
});

test('an fmtpOverride replaces the input fmtp of its payload type in the rewritten SDP', () => {
  const session = parseSdp(sdp('8 101', ['a=fmtp:8 own=1']));
  const out = rewriteSdp(session, {
    address: { family: 'IP4', address: '127.0.0.1' },
    media: [{ rtpPort: 30000, rtcpPort: 30001, rtcpMux: false, fmtpOverride: new Map([['8', 'offer=1']]) }],
    replace: NO_REPLACE,
    rtcpAttribute: 'default',
    originalSendrecv: false,
    stripExtmap: false,
  });
  assert.match(out, /a=fmtp:8 offer=1\r\n/);
  assert.doesNotMatch(out, /own=1/);
});
