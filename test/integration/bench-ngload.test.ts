/**
 * The benchmark's C ng client (bench/ngload.c) measures what it claims: over real UDP it sends the very requests
 * the Node client builds from Kamailio's shapes (bench/call-shapes.ts), byte for byte after the cookie; it runs
 * offer -> answer -> delete per call; it counts a setup per deleted call, one latency per measured request, and
 * a reply other than ok as a failure with its reason; paced, it starts the setups at the rate asked, not as fast
 * as they are answered.
 */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { after, before, test } from 'node:test';
import { bencode } from '../../bench/bencode.ts';
import { answerRequest, type CallIds, deleteRequest, offerRequest } from '../../bench/call-shapes.ts';
import { measureSetupRateC } from '../../bench/ngload.ts';

let server: Socket;
let port = 0;
/** Requests received, as `cookie` and the bencoded body after the space. */
const received: { cookie: string; body: string }[] = [];
/** What the fake daemon answers to a command (default: ok). */
let answerFor: (command: string) => string = () => 'd6:result2:oke';

before(async () => {
  server = createSocket('udp4');
  server.on('message', (msg, rinfo) => {
    const text = msg.toString('latin1');
    const space = text.indexOf(' ');
    const cookie = text.slice(0, space);
    const body = text.slice(space + 1);
    received.push({ cookie, body });
    const command = /7:command\d+:(\w+)e$/.exec(body)?.[1] ?? '';
    server.send(Buffer.from(`${cookie} ${answerFor(command)}`, 'latin1'), rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => server.bind(0, '127.0.0.1', () => r()));
  port = server.address().port;
});

after(() => server.close());

/** The ids and endpoints ngload gives its n-th call of a run (the same scheme as the Node client). */
function callN(run: string, n: number): { ids: CallIds; caller: number; callee: number } {
  const hex = n.toString(16).padStart(8, '0');
  const slot = n % 15000;
  return {
    ids: { callId: `bench-${run}-${hex}`, fromTag: `from-${hex}`, toTag: `to-${hex}` },
    caller: 2000 + slot * 4,
    callee: 2002 + slot * 4,
  };
}

test('ngload sends the Node client request shapes byte for byte, offer then answer then delete, and counts each setup', async () => {
  received.length = 0;
  const result = await measureSetupRateC(port, 0, 400, 'shape', 1);
  const { ids, caller, callee } = callN('shape', 0);
  const address = '127.0.0.1';
  assert.deepEqual(
    received.slice(0, 3).map((r) => r.body),
    [
      bencode(offerRequest(ids, { address, port: caller })),
      bencode(answerRequest(ids, { address, port: callee })),
      bencode(deleteRequest(ids, { address, port: caller })),
    ],
  );
  const next = callN('shape', 1);
  assert.equal(received[3]?.body, bencode(offerRequest(next.ids, { address, port: next.caller })));
  assert.equal(new Set(received.map((r) => r.cookie)).size, received.length, 'every cookie is new');
  assert.equal(result.failures.total, 0);
  assert.ok(result.completedSetups > 10, `setups: ${result.completedSetups}`);
  assert.ok(
    result.requests >= 3 * result.completedSetups && result.requests <= 3 * result.completedSetups + 2,
    'three measured requests per setup (and the ones of the setup under way)',
  );
  assert.ok(result.p50Ms > 0 && result.p99Ms >= result.p50Ms && result.p99Ms < 100);
  assert.ok(result.clientCpuShare >= 0 && result.clientCpuShare < 2);
});

test('an error reply is a failure with its reason, and the worker goes on with a new call', async () => {
  received.length = 0;
  answerFor = (command) =>
    command === 'offer' ? 'd6:result5:error12:error-reason16:Ran out of portse' : 'd6:result2:oke';
  try {
    const result = await measureSetupRateC(port, 0, 300, 'fail', 2);
    assert.equal(result.completedSetups, 0);
    assert.ok(result.failures.total > 0);
    assert.equal(result.failures.timeouts, 0);
    assert.deepEqual(Object.keys(result.failures.reasons), ['Ran out of ports']);
    assert.ok(
      received.every((r) => r.body.endsWith('7:command5:offere')),
      'after a failed offer it offers a new call, never answers it',
    );
  } finally {
    answerFor = () => 'd6:result2:oke';
  }
});

test('paced, ngload starts the rate asked of it: far fewer setups than unpaced, spread over the window', async () => {
  received.length = 0;
  // the fake daemon answers at once, so unpaced 8 workers complete thousands of setups in this window
  const unpaced = await measureSetupRateC(port, 0, 500, 'unpaced', 8);
  received.length = 0;
  const paced = await measureSetupRateC(port, 0, 1000, 'paced', 8, undefined, 200);
  assert.ok(unpaced.completedSetups > 1000, `unpaced setups: ${unpaced.completedSetups}`);
  // 200/s over 1 s; the bounds only tell pacing from no pacing on a loaded machine
  assert.ok(
    paced.completedSetups >= 120 && paced.completedSetups <= 260,
    `paced setups: ${paced.completedSetups}`,
  );
  assert.equal(paced.failures.total, 0);
  const offers = received.filter((r) => r.body.endsWith('7:command5:offere')).length;
  assert.ok(offers <= 260, `offers sent: ${offers}`);
  assert.ok(paced.p99Ms < 100);
});
