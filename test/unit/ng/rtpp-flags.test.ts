/** rtpp-flags (Kamailio 6's daemon-side flag string) becomes the dictionary Kamailio's module would have sent. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NgError } from '../../../src/ng/errors.ts';
import { parseRequest } from '../../../src/ng/request.ts';
import { parseRtppFlags, withRtppFlags } from '../../../src/ng/rtpp-flags.ts';

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

test('the flags of the Kamailio captures, as one string, give the captured dictionary keys', () => {
  const d = parseRtppFlags(
    'ICE=remove replace-origin replace-session-connection RTP/AVP direction=a direction=b',
  );
  assert.deepEqual(plain(d), {
    ICE: 'remove',
    replace: ['origin', 'session-connection'],
    'transport-protocol': 'RTP/AVP',
    direction: ['a', 'b'],
  });
});

test('bare words are flags; prefix forms go to their lists; key=value sets keys', () => {
  const d = parseRtppFlags(
    'trust-address strict-source SDES-off rtcp-mux-demux label=caller TOS=184 from-tags-x',
  );
  assert.deepEqual(plain(d), {
    flags: ['trust-address', 'strict-source'],
    SDES: ['off'],
    'rtcp-mux': ['demux'],
    label: 'caller',
    TOS: '184',
    'from-tags': ['x'],
  });
});

test('bracketed values: lists, nested dictionaries, and codec verbs in both spellings', () => {
  const d = parseRtppFlags(
    'codec=[transcode=[PCMA PCMU] strip=[EVS]] codec-mask-opus codec-offer=G722 x=[a b]',
  );
  assert.deepEqual(plain(d), {
    codec: { transcode: ['PCMA', 'PCMU'], strip: ['EVS'], mask: ['opus'], offer: ['G722'] },
    x: ['a', 'b'],
  });
});

test('-- inside a value stands for =', () => {
  assert.deepEqual(plain(parseRtppFlags('metadata=a--1|b--2')), { metadata: 'a=1|b=2' });
});

test('an unclosed bracket is an ng error, never a crash', () => {
  assert.throws(() => parseRtppFlags('codec=[strip=[EVS]'), NgError);
  assert.throws(() => parseRtppFlags('a ] b'), NgError);
});

test('parseRequest reads rtpp-flags: an offer with only rtpp-flags gets its replace, ICE and direction', () => {
  const { request } = parseRequest({
    command: 'offer',
    'call-id': 'c',
    'from-tag': 'f',
    sdp: 'v=0',
    'rtpp-flags': 'replace-origin ICE=remove direction=a direction=b trust-address',
  });
  assert.equal(request.command, 'offer');
  if (request.command !== 'offer') return;
  assert.ok(request.replace.has('origin'));
  assert.equal(request.ice, 'remove');
  assert.deepEqual(request.direction, ['a', 'b']);
  assert.ok(request.flags.has('trust-address'));
});

test('keys given in the dictionary win over rtpp-flags; lists are joined', () => {
  const merged = withRtppFlags({ ICE: 'force', flags: ['a'] }, parseRtppFlags('ICE=remove b'));
  assert.deepEqual(plain(merged), { ICE: 'force', flags: ['a', 'b'] });
});
