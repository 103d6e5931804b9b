/**
 * Checks more than one scenario makes on a call through the proxy: media anchored on the proxy, each agent
 * hearing the other, the call gone after the BYE. Each throws an assertion error saying what was wrong.
 */
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ALICE_TONE_HZ, BOB_TONE_HZ, type CallWorld } from './call-world.ts';
import { type NgReply, packetsFrom, rtpStreamsOf } from './ng-reply.ts';
import { waitUntil } from './processes.ts';
import { readPcmWav, tonePower } from './tone.ts';

/** 2 s of 20 ms packets: enough that a relay which stalls after the first packets fails. */
export const MIN_RTP_PACKETS = 100;

/** Both agents log that their incoming RTP comes from the proxy's address. */
export async function assertMediaFromProxy(world: CallWorld): Promise<void> {
  const fromProxy = new RegExp(
    `incoming rtp for 'audio' established, receiving from ${world.net.serviceAddress}:`,
  );
  await world.agent('alice').waitForOutput(fromProxy, world.within(5_000));
  await world.agent('bob').waitForOutput(fromProxy, world.within(5_000));
}

/**
 * Waits until `query` counts MIN_RTP_PACKETS from each agent, then checks that exactly one RTP stream faces
 * each agent and is anchored on the proxy's address; resolves with that query reply.
 */
export async function assertRtpAnchoredOnProxy(world: CallWorld, callId: string): Promise<NgReply> {
  const { aliceAddress, bobAddress, serviceAddress } = world.net;
  const reply = await waitUntil('RTP from both agents in the query', world.within(10_000), async () => {
    const answer = await world.ng({ command: 'query', 'call-id': callId });
    assert.equal(answer.result, 'ok', `query failed: ${answer['error-reason'] ?? ''}`);
    const enough =
      packetsFrom(answer, aliceAddress) >= MIN_RTP_PACKETS &&
      packetsFrom(answer, bobAddress) >= MIN_RTP_PACKETS;
    return enough ? answer : undefined;
  });
  for (const address of [aliceAddress, bobAddress]) {
    const streams = rtpStreamsOf(reply, address);
    assert.equal(streams.length, 1, `exactly one RTP stream faces ${address}`);
    assert.equal(
      streams[0]?.['local address'],
      serviceAddress,
      `the stream facing ${address} is anchored on the proxy`,
    );
  }
  return reply;
}

/** The proxy stops knowing the call: `query` answers `Unknown call-id`. */
export async function assertCallGone(world: CallWorld, callId: string): Promise<void> {
  const gone = await world.waitForCallGone(callId);
  assert.match(gone['error-reason'] ?? '', /unknown call-id/i);
}

/** The proxy's `list` answers ok and holds no call. */
export async function assertNoCallListed(world: CallWorld): Promise<void> {
  const list = await world.ng({ command: 'list' });
  assert.equal(list.result, 'ok', `list failed: ${list['error-reason'] ?? ''}`);
  assert.deepEqual(list.calls, []);
}

/** After the call ended, each agent's decoded-audio dump is dominated by the other agent's tone. */
export async function assertEachHeardTheOther(world: CallWorld): Promise<void> {
  // baresip finishes the WAV dumps when the call ends.
  for (const name of ['alice', 'bob'] as const) {
    await world.agent(name).waitForOutput(/Call with \S+ terminated/, world.within(5_000));
  }
  for (const [dir, heard, own] of [
    [world.soundsOf('alice'), BOB_TONE_HZ, ALICE_TONE_HZ],
    [world.soundsOf('bob'), ALICE_TONE_HZ, BOB_TONE_HZ],
  ] as const) {
    const decoded = readdirSync(dir).filter((name) => name.endsWith('-dec.wav'));
    assert.equal(decoded.length, 1, `one decoded-audio dump in ${dir}`);
    const audio = readPcmWav(join(dir, decoded[0] ?? ''));
    assert.ok(audio.samples.length >= audio.sampleRate, `at least 1 s of received audio in ${dir}`);
    const heardPower = tonePower(audio, heard);
    const ownPower = tonePower(audio, own);
    assert.ok(heardPower > 10 * ownPower, `${heard} Hz dominates ${own} Hz (${heardPower} vs ${ownPower})`);
  }
}
