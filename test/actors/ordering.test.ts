/**
 * Commands on one call are applied in arrival order and once: requests pipelined without waiting for replies
 * (as Kamailio's several workers can send them) still see each other's effects, and a retransmission that
 * arrives while the original is still running gets the original's reply without running the command again.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PortMsg } from '../../actors/messages.ts';
import { ask } from '../../actors/runtime.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { mediaPort, sdpFor } from '../helpers/daemon.ts';
import { useTestDaemon } from '../helpers/lifecycle.ts';
import { str } from '../helpers/ng-client.ts';

const live = useTestDaemon();

const portsUsed = async () =>
  (await ask<PortMsg, { used: number }>(live.daemon.ctx.ports, (reply) => ({ kind: 'usage', reply }))).used;

test('offer, answer, re-offer and query sent back to back are applied in arrival order', async () => {
  const id = 'order-1';
  const [offer, answer, reoffer, query] = await Promise.all([
    live.ng.request({ command: 'offer', 'call-id': id, 'from-tag': 'A', sdp: sdpFor(6000) }),
    live.ng.request({ command: 'answer', 'call-id': id, 'from-tag': 'A', 'to-tag': 'B', sdp: sdpFor(6002) }),
    live.ng.request({
      command: 'offer',
      'call-id': id,
      'from-tag': 'A',
      'to-tag': 'B',
      sdp: sdpFor(6000).replace('a=sendrecv', 'a=sendonly'),
    }),
    live.ng.request({ command: 'query', 'call-id': id }),
  ]);
  assert.equal(offer.result, 'ok');
  assert.equal(answer.result, 'ok', 'the answer ran after the offer that created the call');
  assert.equal(reoffer.result, 'ok');
  assert.equal(
    mediaPort(str(reoffer.sdp)),
    mediaPort(str(offer.sdp)),
    'the re-INVITE (hold) keeps the ports',
  );
  assert.match(str(reoffer.sdp), /a=sendonly/);
  assert.deepEqual(Object.keys(query.tags as NgDict).sort(), ['A', 'B'], 'the query ran after the answer');
  await live.ng.request({ command: 'delete', 'call-id': id });
});

test('a retransmission arriving while the original runs gets the same reply, and the offer runs once', async () => {
  await new Promise((r) => setTimeout(r, 50)); // the previous test's call gives its ports back asynchronously
  const before = await portsUsed();
  const msg = { command: 'offer', 'call-id': 'order-2', 'from-tag': 'A', sdp: sdpFor(7000) };
  const [first, second, third] = await Promise.all([
    live.ng.request(msg, 'same-cookie'),
    live.ng.request(msg, 'same-cookie'),
    live.ng.request(msg, 'same-cookie'),
  ]);
  assert.equal(first.result, 'ok', JSON.stringify(first));
  assert.deepEqual(second, first);
  assert.deepEqual(third, first);
  assert.equal((await portsUsed()) - before, 2, 'ports for one offer only');
  const stats = (await live.ng.request({ command: 'statistics' })).statistics as NgDict;
  const totals = stats.controlstatistics as NgDict;
  assert.ok(Number(totals.totaloffercount) >= 1);
  await live.ng.request({ command: 'delete', 'call-id': 'order-2' });
});

test('a new cookie with the same content runs again (it is a new request, not a retransmission)', async () => {
  const msg = { command: 'offer', 'call-id': 'order-3', 'from-tag': 'A', sdp: sdpFor(7100) };
  const first = await live.ng.request(msg, 'cookie-x');
  const again = await live.ng.request(msg, 'cookie-y');
  assert.equal(first.result, 'ok');
  assert.equal(again.result, 'ok');
  assert.equal(mediaPort(str(again.sdp)), mediaPort(str(first.sdp)), 'an identical re-offer keeps its ports');
  await live.ng.request({ command: 'delete', 'call-id': 'order-3' });
});
