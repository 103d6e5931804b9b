import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCall } from '../../../src/call/model.ts';
import { applySdp, pairForAnswer, pairForOffer } from '../../../src/call/negotiate.ts';
import { queryTree } from '../../../src/call/query-tree.ts';
import { parseForCall } from '../../../src/call/sdp-adapter.ts';
import { type AnswerRequest, type OfferRequest, parseRequest } from '../../../src/ng/request.ts';
import type { NgDict } from '../../../src/ng/types.ts';

const IFACES = [{ name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' as const }];
const sdp = (addr: string, port: number): string =>
  `v=0\r\no=- 1 1 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\na=rtcp-mux\r\n`;

function request<T extends OfferRequest | AnswerRequest>(d: NgDict): T {
  return parseRequest({ 'call-id': 'c', ...d }).request as T;
}

function mediaFlags(tree: NgDict, tag: string): unknown {
  const tags = tree.tags as Record<string, { medias: { flags: unknown }[] }>;
  return tags[tag]?.medias[0]?.flags;
}

test('query media flags: "unidirectional" follows the last SDP of the side that gave it, "transcoding" comes last', () => {
  const call = newCall('c', 1_000_000);
  const o = request<OfferRequest>({
    command: 'offer',
    'from-tag': 'A',
    flags: ['unidirectional'],
    sdp: sdp('198.18.1.10', 20132),
  });
  applySdp(pairForOffer(call, o, IFACES, 0), parseForCall(o.sdp).view, o, 'delayed');
  const a = request<AnswerRequest>({
    command: 'answer',
    'from-tag': 'A',
    'to-tag': 'B',
    flags: ['unidirectional'],
    sdp: sdp('198.18.2.10', 20172),
  });
  const p = pairForAnswer(call, a, 0);
  applySdp(p, parseForCall(a.sdp).view, a, 'delayed');
  const b = p.sender.medias[0];
  assert.ok(b);
  b.transcoding = true;
  const tree = queryTree(call);
  assert.deepEqual(mediaFlags(tree, 'A'), ['send', 'recv', 'rtcp-mux', 'unidirectional']);
  assert.deepEqual(mediaFlags(tree, 'B'), [
    'send',
    'recv',
    'rtcp-mux',
    'ICE controlling',
    'unidirectional',
    'transcoding',
  ]);
  const again = request<OfferRequest>({
    command: 'offer',
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdp('198.18.1.10', 20132),
  });
  applySdp(pairForOffer(call, again, IFACES, 0), parseForCall(again.sdp).view, again, 'delayed');
  assert.deepEqual(mediaFlags(queryTree(call), 'A'), ['send', 'recv', 'rtcp-mux']);
});
