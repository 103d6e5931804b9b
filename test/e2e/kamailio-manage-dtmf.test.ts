/**
 * Issue 3's "Done when" with real clients: Kamailio drives the whole call with rtpengine_manage() (the module
 * picks offer, answer and delete) and runs block_dtmf(), unblock_dtmf() and play_dtmf("code=5") from its
 * routing script when the test sends it a MESSAGE with an `X-Action` header (sip-action.ts). The packet-level
 * evidence is bob's baresip log: it prints "received event: 'N' (end=0)" only for RFC 4733 telephone-events
 * that arrive over RTP (a DTMF in SIP INFO is logged as "call: received DTMF: ..." instead), and Kamailio
 * refuses SIP INFO in this config anyway, so an event bob logs came as RTP through the proxy.
 *
 * Debian's Kamailio 5.6 has no `dtmf_events_sock` modparam (it arrived in a later release), so the proxy's
 * DTMF event datagrams (`--dtmf-log-dest`) are not part of this scenario.
 *
 * `E2E_MEDIA_PROXY=rtpengine` runs Debian's rtpengine (the oracle), `ts` (default) runs ours with the same
 * command line. Topology and helpers in call-world.ts; see README.md in this folder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertCallGone, assertNoCallListed } from './call-checks.ts';
import { CallWorld, NG_PORT, SIP_PORT } from './call-world.ts';
import { controlCount, type NgReply, packetsFrom } from './ng-reply.ts';
import type { NamespacedProcess } from './processes.ts';
import { netnsUnavailableReason } from './topology.ts';

/** The code kamailio-manage.cfg passes to play_dtmf(). */
const PLAYED_DIGIT = '5';
/**
 * How long a DTMF sent while blocked gets to (wrongly) arrive: baresip sends an event over ~100 ms and
 * logs it on the first packet, so this is many times what an unblocked event takes.
 */
const BLOCKED_WAIT_MS = 2_000;

/** baresip 1.0's log line for the start of a received DTMF event (`end=1` follows when it ends). */
function receivedDtmf(digit: string): RegExp {
  return new RegExp(`received event: '${digit.replace(/[*#]/g, '\\$&')}' \\(end=0\\)`);
}

/** Counts baresip's "received event" lines for `digit` so far: a later wait looks only at new ones. */
const receivedCount = (ua: NamespacedProcess, digit: string): number =>
  ua.log().match(new RegExp(receivedDtmf(digit).source, 'g'))?.length ?? 0;

const skipReason = netnsUnavailableReason();

describe('Kamailio rtpengine_manage() + block_dtmf/unblock_dtmf/play_dtmf on a baresip call', {
  skip: skipReason ?? false,
}, () => {
  const world = new CallWorld({
    kamailioConfig: 'kamailio-manage.cfg',
    defines: { NG_SOCKET: `"udp:127.0.0.1:${NG_PORT}"` },
    workDirPrefix: 'e2e-kamailio-manage-',
  });
  const step = world.step.bind(world);
  let callId = '';
  let callerTag = '';

  before(() => world.start(), { timeout: 40_000 });
  after(() => world.stop());

  /** Asks Kamailio's script to run one media action on the call; resolves with the SIP status line. */
  async function kamailioAction(action: string): Promise<string> {
    const args = [world.net.serviceAddress, String(SIP_PORT), callId, callerTag, action];
    return (await world.runInCore('sip-action.ts', args)).trim();
  }

  it(
    "rtpengine_manage() sets the call up: Kamailio's offer and answer reach the proxy, whose query shows both agents",
    { timeout: 15_000 },
    step(async () => {
      await world.dial();
      const invite = await world.kamailio.waitForOutput(
        /media: manage INVITE for (\S+)/,
        world.within(5_000),
      );
      const reply = await world.kamailio.waitForOutput(
        /media: manage reply 200 for (\S+) from-tag (\S+) to-tag (\S+)/,
        world.within(5_000),
      );
      callId = invite[1] ?? '';
      callerTag = reply[2] ?? '';
      assert.notEqual(callId, '', 'Kamailio logged the Call-ID');
      assert.equal(reply[1], callId, 'the 200 OK belongs to the same call');

      const query = await world.ng({ command: 'query', 'call-id': callId });
      assert.equal(query.result, 'ok', `query failed: ${query['error-reason'] ?? ''}`);
      assert.deepEqual(
        Object.keys(query.tags ?? {}).sort(),
        [callerTag, reply[3] ?? ''].sort(),
        "one monologue per agent, keyed by the dialog's tags",
      );
      const stats = await world.ng({ command: 'statistics' });
      assert.equal(stats.result, 'ok', `statistics failed: ${stats['error-reason'] ?? ''}`);
      assert.equal(controlCount(stats, 'offer'), 1, 'the module chose one offer');
      assert.equal(controlCount(stats, 'answer'), 1, 'the module chose one answer');
      assert.equal(controlCount(stats, 'delete'), 0, 'and no delete yet');
    }),
  );

  it(
    'play_dtmf("code=5") makes the proxy send an RFC 4733 event for 5 that bob receives',
    { timeout: 10_000 },
    step(async () => {
      const bob = world.agent('bob');
      assert.equal(receivedCount(bob, PLAYED_DIGIT), 0, 'bob received no 5 before the action');
      assert.match(await kamailioAction('play-dtmf'), /^SIP\/2\.0 200/);
      await bob.waitForOutput(receivedDtmf(PLAYED_DIGIT), world.within(5_000));
    }),
  );

  it(
    "before block_dtmf, alice's DTMF 3 reaches bob (the path the block must cut works)",
    { timeout: 10_000 },
    step(async () => {
      await world.baresip('alice', 'sndcode', '3');
      await world.agent('bob').waitForOutput(receivedDtmf('3'), world.within(5_000));
    }),
  );

  it(
    "after block_dtmf(), alice's DTMF 1 does not reach bob while her audio still does",
    { timeout: 10_000 },
    step(async () => {
      assert.match(await kamailioAction('block-dtmf'), /^SIP\/2\.0 200/);
      const earlier = await world.ng({ command: 'query', 'call-id': callId });
      await world.baresip('alice', 'sndcode', '1');
      await sleep(world.within(BLOCKED_WAIT_MS));
      assert.equal(receivedCount(world.agent('bob'), '1'), 0, 'bob logged no DTMF 1');
      // The proxy still relayed alice's audio meanwhile: the block hit DTMF, not the whole stream.
      const later = await world.ng({ command: 'query', 'call-id': callId });
      const fromAlice = (reply: NgReply): number => packetsFrom(reply, world.net.aliceAddress);
      assert.ok(
        fromAlice(later) > fromAlice(earlier),
        `alice's RTP kept flowing into the proxy (${fromAlice(earlier)} then ${fromAlice(later)} packets)`,
      );
      assert.doesNotMatch(
        world.agent('alice').log(),
        /DTMF.*(error|fail)/i,
        'alice sent the DTMF without error',
      );
    }),
  );

  it(
    "after unblock_dtmf(), alice's DTMF 2 reaches bob again",
    { timeout: 10_000 },
    step(async () => {
      assert.match(await kamailioAction('unblock-dtmf'), /^SIP\/2\.0 200/);
      await world.baresip('alice', 'sndcode', '2');
      await world.agent('bob').waitForOutput(receivedDtmf('2'), world.within(5_000));
      assert.equal(receivedCount(world.agent('bob'), '1'), 0, 'the blocked 1 was dropped, not delayed');
    }),
  );

  it(
    "the proxy counted Kamailio's block DTMF, unblock DTMF and play DTMF requests, and no DTMF went over SIP INFO",
    { timeout: 5_000 },
    step(async () => {
      const stats = await world.ng({ command: 'statistics' });
      assert.equal(stats.result, 'ok', `statistics failed: ${stats['error-reason'] ?? ''}`);
      assert.equal(controlCount(stats, 'blkdtmf'), 1);
      assert.equal(controlCount(stats, 'unblkdtmf'), 1);
      assert.equal(controlCount(stats, 'playdtmf'), 1);
      assert.doesNotMatch(world.kamailio.log(), /SIP INFO refused/);
    }),
  );

  it(
    "alice's BYE makes rtpengine_manage() delete the call: query answers Unknown call-id and list is empty",
    { timeout: 15_000 },
    step(async () => {
      await world.hangup();
      await world.kamailio.waitForOutput(/media: manage BYE for /, world.within(5_000));
      await assertCallGone(world, callId);
      await assertNoCallListed(world);
      const stats = await world.ng({ command: 'statistics' });
      assert.equal(controlCount(stats, 'delete'), 1, 'the module chose one delete');
    }),
  );
});
