import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  hostCandidates,
  NO_REPLACE,
  nextOriginState,
  outgoingDirection,
  parseSdp,
  planOptionsFromNg,
  rewriteSdp,
  SdpError,
  type SdpRewritePlan,
} from '../../../src/sdp/index.ts';

const crlf = (lines: string[]): string => `${lines.join('\r\n')}\r\n`;

const offer = crlf([
  'v=0',
  'o=- 10 20 IN IP4 192.0.2.1',
  's=call',
  'c=IN IP4 192.0.2.1',
  't=0 0',
  'a=x-session:1',
  'm=audio 5000 RTP/AVP 0 101',
  'a=x-first',
  'a=rtpmap:101 telephone-event/8000',
  'a=x-second:2',
  'a=sendrecv',
  'a=x-third',
]);

const basePlan = (over: Partial<SdpRewritePlan> = {}): SdpRewritePlan => ({
  address: { family: 'IP4', address: '203.0.113.1' },
  media: [{ rtpPort: 40000, rtcpPort: 40001, rtcpMux: false }],
  replace: NO_REPLACE,
  rtcpAttribute: 'default',
  originalSendrecv: false,
  ...over,
});

test('rewriteSdp keeps unknown attributes in their order and appends the managed ones after them', () => {
  const out = rewriteSdp(parseSdp(offer), basePlan());
  const lines = out.split('\r\n');
  const m = lines.indexOf('m=audio 40000 RTP/AVP 0 101');
  assert.deepEqual(lines.slice(m + 1), [
    'a=x-first',
    'a=x-second:2',
    'a=x-third',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=sendrecv',
    'a=rtcp:40001',
    '',
  ]);
  assert.ok(lines.includes('a=x-session:1'));
  assert.ok(lines.includes('c=IN IP4 203.0.113.1'));
  assert.ok(lines.includes('o=- 10 20 IN IP4 192.0.2.1'), 'o= untouched without replace origin');
});

test('rewriteSdp rejects a plan that does not have one entry per m= line', () => {
  assert.throws(
    () => rewriteSdp(parseSdp(offer), basePlan({ media: [] })),
    (e: unknown) => e instanceof SdpError && e.reason === 'Error rewriting SDP',
  );
});

test('rewriteSdp with rtpPort 0 rejects the m= line and drops its managed attributes', () => {
  const out = rewriteSdp(parseSdp(offer), basePlan({ media: [{ rtpPort: 0, rtcpPort: 0, rtcpMux: false }] }));
  assert.match(out, /m=audio 0 RTP\/AVP 0 101\r\na=x-first\r\na=x-second:2\r\na=x-third\r\n$/);
});

test('nextOriginState keeps the first username, session name and version, and bumps the version only on change', () => {
  const first = nextOriginState(undefined, parseSdp(offer));
  assert.deepEqual([first.username, first.sessionName, first.sessionVersion], ['-', 'call', '20']);
  const sameButNewVersion = nextOriginState(first, parseSdp(offer.replace('o=- 10 20', 'o=- 10 21')));
  assert.equal(sameButNewVersion.sessionVersion, '20');
  const changed = nextOriginState(
    sameButNewVersion,
    parseSdp(
      offer.replace('o=- 10 20', 'o=bob 10 22').replace('s=call', 's=other').replace('a=x-third', 'a=x-3'),
    ),
  );
  assert.deepEqual([changed.username, changed.sessionName, changed.sessionVersion], ['-', 'call', '21']);
  const huge = nextOriginState(
    undefined,
    parseSdp(offer.replace('o=- 10 20', 'o=- 10 18446744073709551615')),
  );
  assert.equal(
    nextOriginState(huge, parseSdp(offer.replace('a=x-third', 'a=x-3'))).sessionVersion,
    '18446744073709551616',
  );
});

test('rewriteSdp applies username, session name and SDP version from the origin state only when asked', () => {
  const state = { username: 'first', sessionName: 'first-s', sessionVersion: '7', fingerprint: '' };
  const all = rewriteSdp(
    parseSdp(offer),
    basePlan({
      origin: state,
      replace: { ...NO_REPLACE, username: true, sessionName: true, sdpVersion: true, origin: true },
    }),
  );
  assert.ok(all.includes('\r\no=first 10 7 IN IP4 203.0.113.1\r\ns=first-s\r\n'));
  const none = rewriteSdp(parseSdp(offer), basePlan({ origin: state }));
  assert.ok(none.includes('\r\no=- 10 20 IN IP4 192.0.2.1\r\ns=call\r\n'));
});

test('hostCandidates gives RFC 8445 host priorities and omits component 2 when RTCP is muxed', () => {
  const both = hostCandidates('F', '127.0.0.1', 30000, 30001);
  assert.deepEqual(both, [
    'F 1 UDP 2130706431 127.0.0.1 30000 typ host',
    'F 2 UDP 2130706430 127.0.0.1 30001 typ host',
  ]);
  assert.equal(hostCandidates('F', '::1', 30000, null).length, 1);
});

test('outgoingDirection inherits the session direction and takes "recv" away for a zero c= address', () => {
  const held = parseSdp(
    crlf([
      'v=0',
      'o=- 1 1 IN IP4 0.0.0.0',
      's=-',
      'c=IN IP4 0.0.0.0',
      't=0 0',
      'a=recvonly',
      'm=audio 1 RTP/AVP 0',
      'm=audio 3 RTP/AVP 0',
      'a=sendrecv',
    ]),
  );
  const [first, second] = held.media;
  assert.ok(first !== undefined && second !== undefined);
  assert.equal(outgoingDirection(held, first), 'inactive');
  assert.equal(outgoingDirection(held, second), 'sendonly');
  const plain = parseSdp(offer);
  const [m] = plain.media;
  assert.ok(m !== undefined);
  assert.equal(outgoingDirection(plain, m), 'sendrecv');
});

test('planOptionsFromNg reads replace items, flags and ICE in their dash, space and flag spellings', () => {
  const o = planOptionsFromNg({
    replace: ['origin', 'session-connection', 'SDP version'],
    flags: [
      'original-sendrecv',
      'loop protect',
      'no-rtcp-attribute',
      'replace-zero-address',
      'replace-session-name',
    ],
    ICE: 'remove',
    'transport-protocol': 'RTP/AVP',
  });
  assert.deepEqual(o.replace, {
    origin: true,
    sessionConnection: true,
    username: false,
    sessionName: true,
    sdpVersion: true,
    zeroAddress: true,
  });
  assert.equal(o.rtcpAttribute, 'none');
  assert.equal(o.originalSendrecv, true);
  assert.equal(o.loopProtect, true);
  assert.equal(o.iceRemove, true);
  assert.equal(o.transportProtocol, 'RTP/AVP');
  const empty = planOptionsFromNg({});
  assert.deepEqual(empty.replace, NO_REPLACE);
  assert.equal(empty.rtcpAttribute, 'default');
  assert.equal(planOptionsFromNg({ flags: ['full-rtcp-attribute'] }).rtcpAttribute, 'full');
});
