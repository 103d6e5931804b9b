import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newCall } from '../../../src/call/model.ts';
import {
  applySdp,
  chooseLocal,
  type InterfaceSpec,
  movedEndpoint,
  pairForAnswer,
  pairForOffer,
} from '../../../src/call/negotiate.ts';
import { parseForCall } from '../../../src/call/sdp-adapter.ts';
import { type AnswerRequest, type OfferRequest, parseRequest } from '../../../src/ng/request.ts';
import type { NgDict } from '../../../src/ng/types.ts';

const IFACES: InterfaceSpec[] = [
  { name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' },
  { name: 'v6', address: '::1', advertised: null, family: 'IP6' },
];

const sdp = (addr: string, port: number, extra = ''): string =>
  `v=0\r\no=- 1 1 IN IP4 ${addr}\r\ns=-\r\nc=IN IP4 ${addr}\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n${extra}`;

function offer(d: NgDict): OfferRequest {
  const r = parseRequest({ command: 'offer', 'call-id': 'c', ...d }).request;
  assert.equal(r.command, 'offer');
  return r as OfferRequest;
}

function answer(d: NgDict): AnswerRequest {
  const r = parseRequest({ command: 'answer', 'call-id': 'c', ...d }).request;
  assert.equal(r.command, 'answer');
  return r as AnswerRequest;
}

/** Pretends every media that asked for sockets got them, as the call actor's media actors would. */
function bindAll(medias: { rtp: { socket: unknown } }[]): void {
  for (const m of medias) m.rtp.socket = {} as never;
}

function setUp() {
  const call = newCall('c', 1_000_000);
  const o = offer({ 'from-tag': 'A', sdp: sdp('198.18.1.10', 20132) });
  const p1 = pairForOffer(call, o, IFACES, 0);
  bindAll(applySdp(p1, parseForCall(o.sdp).view, o, 'delayed').needSockets);
  const a = answer({ 'from-tag': 'A', 'to-tag': 'B', sdp: sdp('198.18.2.10', 20172) });
  const p2 = pairForAnswer(call, a, 0);
  bindAll(applySdp(p2, parseForCall(a.sdp).view, a, 'delayed').needSockets);
  return { call, a: p1.sender, b: p2.sender };
}

test('movedEndpoint: a new address or port is a move; a first SDP, a hold or a rejection is not', () => {
  const ep = (address: string, port: number) => ({ family: 'IP4' as const, address, port });
  assert.equal(movedEndpoint(ep('1.1.1.1', 10), ep('1.1.1.1', 12)), true);
  assert.equal(movedEndpoint(ep('1.1.1.1', 10), ep('1.1.1.2', 10)), true);
  assert.equal(movedEndpoint(ep('1.1.1.1', 10), ep('1.1.1.1', 10)), false);
  assert.equal(movedEndpoint(null, ep('1.1.1.1', 10)), false);
  assert.equal(movedEndpoint(ep('1.1.1.1', 10), ep('0.0.0.0', 10)), false);
  assert.equal(movedEndpoint(ep('0.0.0.0', 10), ep('1.1.1.1', 10)), false);
  assert.equal(movedEndpoint(ep('1.1.1.1', 10), ep('1.1.1.1', 0)), false);
});

test('a re-offer from a new port rebinds the receiving side only; the same SDP rebinds nothing', () => {
  const { call, a, b } = setUp();
  const same = offer({ 'from-tag': 'A', 'to-tag': 'B', sdp: sdp('198.18.1.10', 20132) });
  const w0 = applySdp(pairForOffer(call, same, IFACES, 0), parseForCall(same.sdp).view, same, 'delayed');
  assert.deepEqual(w0, { needSockets: [], rebind: [], release: [] });
  const moved = offer({ 'from-tag': 'A', 'to-tag': 'B', sdp: sdp('198.18.1.11', 20200) });
  const p = pairForOffer(call, moved, IFACES, 0);
  const w1 = applySdp(p, parseForCall(moved.sdp).view, moved, 'delayed');
  assert.equal(p.receiver, b);
  assert.deepEqual(w1.rebind, b.medias);
  assert.ok(!w1.rebind.some((m) => a.medias.includes(m)));
});

test('a new to-tag answering (a fork) rebinds the offerer; the first answer does not', () => {
  const call = newCall('c', 0);
  const o = offer({ 'from-tag': 'A', sdp: sdp('198.18.1.10', 20132) });
  const p1 = pairForOffer(call, o, IFACES, 0);
  bindAll(applySdp(p1, parseForCall(o.sdp).view, o, 'delayed').needSockets);
  const a1 = answer({ 'from-tag': 'A', 'to-tag': 'B1', sdp: sdp('198.18.2.10', 20172) });
  const q1 = pairForAnswer(call, a1, 0);
  assert.equal(q1.freshReceiverPorts, false);
  const w1 = applySdp(q1, parseForCall(a1.sdp).view, a1, 'delayed');
  assert.deepEqual(w1.rebind, []);
  bindAll(w1.needSockets);
  const a2 = answer({ 'from-tag': 'A', 'to-tag': 'B2', sdp: sdp('198.18.2.20', 20300) });
  const q2 = pairForAnswer(call, a2, 0);
  assert.equal(q2.freshReceiverPorts, true);
  const w2 = applySdp(q2, parseForCall(a2.sdp).view, a2, 'delayed');
  assert.deepEqual(w2.rebind, p1.sender.medias);
  assert.equal(w2.needSockets.length, 1, 'the new branch gets its own ports');
  assert.equal(call.monologues.size, 3);
});

test('an answer that rejects a bound media asks for its sockets on both sides to be released', () => {
  const { call, a, b } = setUp();
  const rej = answer({ 'from-tag': 'A', 'to-tag': 'B', sdp: sdp('198.18.2.10', 0) });
  const w = applySdp(pairForAnswer(call, rej, 0), parseForCall(rej.sdp).view, rej, 'delayed');
  assert.deepEqual(new Set(w.release), new Set([...a.medias, ...b.medias]));
  assert.deepEqual(w.needSockets, []);
});

test('an answer whose from-tag no offer made sets up a new pair of sides, as rtpengine does', () => {
  const { call, a } = setUp();
  const stray = answer({ 'from-tag': 'X', 'to-tag': 'Y', sdp: sdp('198.18.2.10', 20172) });
  const p = pairForAnswer(call, stray, 0);
  assert.equal(p.receiver.tag, 'X');
  assert.equal(p.sender.tag, 'Y');
  assert.equal(p.sender.iceControlling, true);
  assert.equal(p.receiver.iceControlling, false);
  assert.equal(p.freshReceiverPorts, false);
  assert.equal(a.peer?.tag, 'B', 'the existing dialogue is untouched');
});

test('monologue bookkeeping lives in the model: creation index, ICE role, subscriptions', () => {
  const { a, b } = setUp();
  assert.deepEqual([a.index, b.index], [0, 1]);
  assert.deepEqual([a.iceControlling, b.iceControlling], [false, true]);
  assert.deepEqual(
    a.subscribers.map((l) => l.subscriber),
    [b],
  );
  assert.deepEqual(
    b.subscribers.map((l) => l.subscriber),
    [a],
  );
  assert.equal(a.medias[0]?.reportedDirection, 'sendrecv');
});

test('chooseLocal: an interface direction names wins over the family; unnamed, the family picks', () => {
  assert.equal(chooseLocal(IFACES, 'v6', 'IP4').address, '::1');
  assert.equal(chooseLocal(IFACES, '', 'IP6').address, '::1');
  assert.equal(chooseLocal(IFACES, '', 'IP4').address, '127.0.0.1');
  assert.equal(chooseLocal(IFACES, 'nope', 'IP4').address, '127.0.0.1');
});
