import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Monologue, newCall, newMedia } from '../../../src/call/model.ts';
import { SELECT_ERROR, selectParticipants } from '../../../src/call/participants.ts';
import type { ParticipantSelector } from '../../../src/ng/media-control.ts';

function party(tag: string, index: number, label: string | null, address: string): Monologue {
  const media = newMedia(1, 'audio', 'RTP/AVP', 'delayed');
  media.rtp.advertised = { family: 'IP4', address, port: 4000 };
  return {
    key: tag,
    tag,
    viaBranch: null,
    label,
    created: 0,
    medias: [media],
    peer: null,
    interfaceName: '',
    sdpVersion: null,
    lastSdp: null,
    deleted: false,
    index,
    iceControlling: false,
    subscribers: [],
    originState: undefined,
  };
}

function call() {
  const c = newCall('c', 0);
  c.monologues.set('B', party('B', 1, 'bl', '10.0.0.2'));
  c.monologues.set('A', party('A', 0, 'al', '10.0.0.2'));
  return c;
}

const sel = (s: Partial<ParticipantSelector>): ParticipantSelector => ({
  fromTag: null,
  address: null,
  label: null,
  all: false,
  ...s,
});

const tags = (r: ReturnType<typeof selectParticipants>) =>
  'error' in r ? r.error : r.parties.map((m) => m.tag);

test('no selector addresses the whole call, all addresses every party', () => {
  const c = call();
  const whole = selectParticipants(c, sel({}));
  assert.ok(!('error' in whole) && whole.scope === 'call');
  const all = selectParticipants(c, sel({ all: true, fromTag: 'A' }));
  assert.ok(!('error' in all) && all.scope === 'all');
  assert.deepEqual(tags(all).length, 2);
});

test('from-tag, label and address pick one party, address the first created that matches', () => {
  const c = call();
  assert.deepEqual(tags(selectParticipants(c, sel({ fromTag: 'B' }))), ['B']);
  assert.deepEqual(tags(selectParticipants(c, sel({ label: 'al' }))), ['A']);
  assert.deepEqual(tags(selectParticipants(c, sel({ address: '10.0.0.2' }))), ['A']);
});

test('a selector naming nobody gets rtpengine 10.5 reason', () => {
  const c = call();
  assert.equal(tags(selectParticipants(c, sel({ fromTag: 'Z' }))), SELECT_ERROR.noSuchTag);
  assert.equal(tags(selectParticipants(c, sel({ label: 'zz' }))), SELECT_ERROR.noSuchLabel);
  assert.equal(tags(selectParticipants(c, sel({ address: '1.1.1.1' }))), SELECT_ERROR.noSuchAddress);
});
