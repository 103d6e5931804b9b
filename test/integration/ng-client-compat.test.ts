/**
 * Debian's `rtpengine-ng-client` (perl, NGCP::Rtpengine) against our daemon: the real rtpengine's own client
 * can ping, offer, answer, query and delete, and the call it sets up relays RTP.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { mediaPort, sdpFor, testDaemon } from '../helpers/daemon.ts';
import { RtpPeer, rtpPacket } from '../helpers/rtp-peer.ts';

const CLIENT = '/usr/bin/rtpengine-ng-client';
const skip = existsSync(CLIENT) ? false : `${CLIENT} is not installed (Debian package rtpengine-utils)`;

let daemon: Daemon;

before(async () => {
  daemon = await testDaemon();
});

after(async () => {
  await daemon?.stop();
});

interface ClientRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the client asynchronously: the daemon lives in this process and must keep its event loop. */
function client(...args: string[]): Promise<ClientRun> {
  return new Promise((resolve) => {
    execFile(
      CLIENT,
      ['--proxy-address=127.0.0.1', `--proxy-port=${daemon.ngPorts[0]}`, ...args],
      { timeout: 10_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** The "New SDP" section the client prints after offer and answer. */
function newSdp(out: string): string {
  const m = /New SDP:\n-+8<[-8<]*\n([\s\S]*?)\n-+>8/.exec(out);
  assert.ok(m?.[1], `a New SDP section in:\n${out}`);
  return m[1];
}

test('ping through rtpengine-ng-client gives pong', { skip }, async () => {
  const r = await client('ping');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /result => 'pong'/);
});

test('offer, answer, query and delete through rtpengine-ng-client, with RTP relayed in between', {
  skip,
}, async () => {
  const alice = await RtpPeer.open();
  const bob = await RtpPeer.open();
  try {
    const ids = ['--call-id=perl-1', '--from-tag=ptagA'];
    const offer = await client('offer', ...ids, '--replace-origin', `--sdp=${sdpFor(alice.port, 'alice')}`);
    assert.equal(offer.code, 0, offer.stderr);
    const offered = newSdp(offer.stdout);
    assert.match(offered, /^c=IN IP4 127\.0\.0\.1\r?$/m);
    const toBob = mediaPort(offered);
    assert.notEqual(toBob, alice.port, 'the offer carries a port of ours');

    const answer = await client('answer', ...ids, '--to-tag=ptagB', `--sdp=${sdpFor(bob.port, 'bob')}`);
    assert.equal(answer.code, 0, answer.stderr);
    const toAlice = mediaPort(newSdp(answer.stdout));

    for (let i = 0; i < 5; i++) {
      await alice.send(rtpPacket(i, 1), toAlice);
      await bob.send(rtpPacket(i, 2), toBob);
    }
    await bob.waitFor(5);
    await alice.waitFor(5);
    assert.equal(bob.received.length, 5, 'alice → bob relayed');
    assert.equal(alice.received.length, 5, 'bob → alice relayed');

    const query = await client('query', '--call-id=perl-1');
    assert.equal(query.code, 0, query.stderr);
    assert.match(query.stdout, /ptagA/);
    assert.match(query.stdout, /ptagB/);
    assert.match(query.stdout, /packets => '?10'?/, 'both directions counted');

    const del = await client('delete', ...ids);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, /totals =>/, 'the delete reply carries the call statistics');

    const gone = await client('query', '--call-id=perl-1');
    assert.notEqual(gone.code, 0, 'the client fails on an error reply');
    assert.match(gone.stderr + gone.stdout, /Unknown call-id/);
  } finally {
    alice.close();
    bob.close();
  }
});
