import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCall } from '../../../src/call/model.ts';
import { applySdp, type InterfaceSpec, pairForOffer } from '../../../src/call/negotiate.ts';
import { LOOP_PROTECT_MARKER, parseForCall, renderFor } from '../../../src/call/sdp-adapter.ts';
import { type OfferRequest, parseRequest } from '../../../src/ng/request.ts';

const IFACES: InterfaceSpec[] = [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' }];
const SDP =
  'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n';

function rendered(callId: string, fromTag: string): string {
  const req = parseRequest({
    command: 'offer',
    'call-id': callId,
    'from-tag': fromTag,
    sdp: SDP,
    flags: ['loop protect'],
  }).request as OfferRequest;
  const call = newCall(callId, 0);
  const p = pairForOffer(call, req, IFACES, 0);
  const { session, view } = parseForCall(req.sdp);
  for (const m of applySdp(p, view, req, 'delayed').needSockets) {
    m.rtp.local = {
      interfaceName: 'default',
      family: 'IP4',
      address: '127.0.0.1',
      advertised: '127.0.0.1',
      port: 30000,
    };
  }
  return renderFor(session, p.sender, p.receiver, req);
}

test('the loop-protect marker is 12 hex digits, as rtpengine writes it', () => {
  assert.match(LOOP_PROTECT_MARKER, /^[0-9a-f]{12}$/);
});

test('loop protect writes one marker per daemon instance, the same for every call and tag', () => {
  const a = rendered('c1', 'A');
  const b = rendered('c2', 'Z');
  assert.ok(a.includes(`a=rtpengine:${LOOP_PROTECT_MARKER}\r\n`));
  assert.ok(b.includes(`a=rtpengine:${LOOP_PROTECT_MARKER}\r\n`));
  assert.ok(!a.includes('a=rtpengine:A'));
});
