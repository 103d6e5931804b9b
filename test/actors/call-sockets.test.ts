/**
 * The call actor's socket work against a real in-process daemon: ports go back to the allocator when a side
 * moves to fresh ports, when an answer rejects a media, and when a scoped delete releases one side; and a
 * failed offer that set the call up says so (`keepCall`).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { CallMsg, CallReply, PortMsg, PortUsage } from '../../actors/messages.ts';
import { ask } from '../../actors/runtime.ts';
import type { Daemon } from '../../actors/system.ts';
import { parseRequest } from '../../src/ng/request.ts';
import { mediaPort, testDaemon } from '../helpers/daemon.ts';
import { NgClient, str } from '../helpers/ng-client.ts';

let daemon: Daemon;
let client: NgClient;

before(async () => {
  daemon = await testDaemon({
    interfaces: [
      { name: 'default', address: '127.0.0.1', advertised: null, family: 'IP4' },
      { name: 'ext', address: '127.0.0.2', advertised: null, family: 'IP4' },
    ],
  });
  client = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  client.close();
  await daemon.stop();
});

const usage = (interfaceName?: string) =>
  ask<PortMsg, PortUsage>(daemon.ctx.ports, (reply) => ({
    kind: 'usage',
    ...(interfaceName !== undefined ? { interfaceName } : {}),
    reply,
  }));
const settle = () => new Promise((r) => setTimeout(r, 30));

const sdp = (addr: string, ports: number[]): string =>
  [
    'v=0',
    `o=- 1 1 IN IP4 ${addr}`,
    's=-',
    `c=IN IP4 ${addr}`,
    't=0 0',
    ...ports.flatMap((p, i) => [`m=${i === 0 ? 'audio' : 'video'} ${p} RTP/AVP ${i === 0 ? 0 : 96}`]),
    '',
  ].join('\r\n');

test('two interfaces hand out the same port number on their own addresses', async () => {
  const r = await client.request({
    command: 'offer',
    'call-id': 'per-if',
    'from-tag': 'A',
    sdp: sdp('192.0.2.1', [5000]),
    direction: ['default', 'ext'],
  });
  assert.equal(r.result, 'ok');
  assert.equal((await usage('default')).used, 1);
  assert.equal((await usage('ext')).used, 1);
  const q = await client.request({ command: 'query', 'call-id': 'per-if' });
  const ports = JSON.stringify(q).match(/"local port":\d+/g) ?? [];
  assert.equal(new Set(ports).size, 2, 'RTP and RTCP port, each the same number on both addresses');
  await client.request({ command: 'delete', 'call-id': 'per-if', 'from-tag': 'A' });
  await settle();
  assert.equal((await usage()).used, 0);
});

test('a re-offer from a new port moves the other side to fresh ports and frees the old pair', async () => {
  const id = 'move';
  const o1 = await client.request({
    command: 'offer',
    'call-id': id,
    'from-tag': 'A',
    sdp: sdp('192.0.2.1', [5000]),
  });
  await client.request({
    command: 'answer',
    'call-id': id,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdp('192.0.2.2', [6000]),
  });
  const used = (await usage()).used;
  const o2 = await client.request({
    command: 'offer',
    'call-id': id,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdp('192.0.2.1', [5002]),
  });
  assert.notEqual(mediaPort(str(o2.sdp)), mediaPort(str(o1.sdp)));
  await settle();
  assert.equal((await usage()).used, used, 'the old pair went back');
  await client.request({ command: 'delete', 'call-id': id, 'from-tag': 'A' });
  await settle();
  assert.equal((await usage()).used, 0);
});

test('an answer rejecting a media (port 0) frees the sockets of that media on both sides', async () => {
  const id = 'reject';
  await client.request({
    command: 'offer',
    'call-id': id,
    'from-tag': 'A',
    sdp: sdp('192.0.2.1', [5000, 5002]),
  });
  assert.equal((await usage()).used, 4);
  const a = await client.request({
    command: 'answer',
    'call-id': id,
    'from-tag': 'A',
    'to-tag': 'B',
    sdp: sdp('192.0.2.2', [6000, 0]),
  });
  assert.match(str(a.sdp), /^m=video 0 /m);
  await settle();
  assert.equal((await usage()).used, 2);
  await client.request({ command: 'delete', 'call-id': id, 'from-tag': 'A' });
  await settle();
  assert.equal((await usage()).used, 0);
});

test('a to-tag delete in a forked call frees that branch only, keeps it listed and replies with that side', async () => {
  const id = 'fork';
  await client.request({ command: 'offer', 'call-id': id, 'from-tag': 'A', sdp: sdp('192.0.2.1', [5000]) });
  for (const [tag, port] of [
    ['B1', 6000],
    ['B2', 6100],
  ] as const)
    await client.request({
      command: 'answer',
      'call-id': id,
      'from-tag': 'A',
      'to-tag': tag,
      sdp: sdp('192.0.2.2', [port]),
    });
  const before = (await usage()).used;
  const d = await client.request({
    command: 'delete',
    'call-id': id,
    'from-tag': 'A',
    'to-tag': 'B1',
    flags: ['to-tag'],
  });
  assert.deepEqual(Object.keys(d.tags as object), ['B1']);
  await settle();
  assert.equal((await usage()).used, before - 1);
  const q = await client.request({ command: 'query', 'call-id': id });
  assert.deepEqual(Object.keys(q.tags as object).sort(), ['A', 'B1', 'B2']);
  const bare = await client.request({ command: 'delete', 'call-id': id });
  assert.deepEqual({ ...bare }, { result: 'ok' }, 'a delete by call-id alone gets no statistics');
  await settle();
  assert.equal((await usage()).used, 0);
});

test('an offer whose SDP has no m= line fails with keepCall: the call is set up and stays', async () => {
  const entry = daemon.registry.create('no-m');
  const { request } = parseRequest({
    command: 'offer',
    'call-id': 'no-m',
    'from-tag': 'A',
    sdp: 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n',
  });
  assert.equal(request.command, 'offer');
  const r = await ask<CallMsg, CallReply>(entry.ref, (reply) => ({
    kind: 'ng',
    request: request as never,
    reply,
  }));
  assert.deepEqual(r, { ok: false, reason: 'Error rewriting SDP', keepCall: true });
  assert.equal(entry.call.monologues.size, 2);
  const bad = await client.request({
    command: 'offer',
    'call-id': 'broken',
    'from-tag': 'A',
    sdp: 'hello\r\n',
  });
  assert.equal(bad.result, 'error');
  assert.equal(daemon.registry.get('broken'), undefined, 'an SDP that does not parse keeps no call');
});
