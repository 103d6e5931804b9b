import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type OfferRequest, parseRequest } from '../../../src/ng/request.ts';

function offerWith(extra: Record<string, unknown>): OfferRequest {
  const r = parseRequest({
    command: 'offer',
    'call-id': 'c',
    'from-tag': 'A',
    sdp: 'v=0\r\n',
    ...extra,
  }).request;
  assert.equal(r.command, 'offer');
  return r as OfferRequest;
}

test('replace-* inside flags is not a replace item: rtpengine 10.5 ignores it (only Kamailio translates it)', () => {
  const r = offerWith({ flags: ['replace-origin', 'replace-session-connection'] });
  assert.equal(r.replace.size, 0);
});

test('rtcp-mux-* inside flags is not an rtcp-mux item either (checked against rtpengine 10.5)', () => {
  const r = offerWith({ flags: ['rtcp-mux-demux', 'rtcp-mux-offer'] });
  assert.equal(r.rtcpMux.size, 0);
});

test('the replace and rtcp-mux keys themselves still work', () => {
  const r = offerWith({ replace: ['origin', 'session connection'], 'rtcp-mux': ['demux'] });
  assert.deepEqual([...r.replace].sort(), ['origin', 'session-connection']);
  assert.deepEqual([...r.rtcpMux], ['demux']);
});
