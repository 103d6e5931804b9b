import assert from 'node:assert/strict';
import type { Socket } from 'node:dgram';
import { test } from 'node:test';
import { formatNumSessions, formatSession, snapshotCall } from '../../../actors/control/cli-commands.ts';
import { type Call, type Monologue, newCall, newMedia } from '../../../src/call/model.ts';

function party(call: Call, tag: string, port: number, now: number): Monologue {
  const media = newMedia(1, 'audio', 'RTP/AVP', 'delayed');
  media.rtp.local = {
    interfaceName: 'default',
    family: 'IP4',
    address: '127.0.0.1',
    advertised: '127.0.0.1',
    port,
  };
  media.rtp.endpoint = { family: 'IP4', address: '127.0.0.1', port: port + 1000 };
  media.rtp.stats.packets = port % 7;
  // a live stream holds what cannot cross threads (a socket with its methods)
  media.rtp.socket = { send() {} } as unknown as Socket;
  const m: Monologue = {
    key: tag,
    tag,
    viaBranch: null,
    label: `label-${tag}`,
    created: now,
    medias: [media],
    peer: null,
    interfaceName: 'default',
    sdpVersion: null,
    lastSdp: null,
    deleted: false,
    index: call.nextMonologueIndex++,
    iceControlling: false,
    subscribers: [],
    originState: undefined,
  };
  call.monologues.set(tag, m);
  return m;
}

test('a call snapshot crosses a thread boundary (structured clone) and the CLI writes it exactly as the live call', () => {
  const now = 1_700_000_000_000;
  const call = newCall('snap-1', now);
  const a = party(call, 'A', 30000, now);
  const b = party(call, 'B', 30002, now + 500);
  a.subscribers.push({ subscriber: b, seq: 1 });
  b.subscribers.push({ subscriber: a, seq: 2 });
  assert.throws(() => structuredClone(call), 'the live call cannot be posted');

  const crossed = structuredClone(snapshotCall(call));
  assert.equal(formatSession(crossed, now + 4000), formatSession(call, now + 4000));
  assert.match(formatSession(crossed, now + 4000), /--- {5}subscribed to 'A'\n--- {5}subscription of 'A'/);
  assert.equal(formatNumSessions([crossed]), formatNumSessions([call]));
});
