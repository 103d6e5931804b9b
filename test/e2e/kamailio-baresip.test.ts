/**
 * End to end with real clients: two baresip agents call each other through Kamailio, which anchors the
 * media in the media proxy under test over ng. `E2E_MEDIA_PROXY=rtpengine` runs Debian's rtpengine (the
 * oracle), `ts` (default) runs ours with the same command line. See README.md in this folder.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  assertCallGone,
  assertEachHeardTheOther,
  assertMediaFromProxy,
  assertNoCallListed,
  assertRtpAnchoredOnProxy,
  MIN_RTP_PACKETS,
} from './call-checks.ts';
import { CallWorld, NG_PORT } from './call-world.ts';
import { netnsUnavailableReason } from './topology.ts';

const skipReason = netnsUnavailableReason();

describe('Kamailio + two baresip agents through the media proxy', { skip: skipReason ?? false }, () => {
  const world = new CallWorld({
    kamailioConfig: 'kamailio.cfg',
    defines: { NG_SOCKET: `"udp:127.0.0.1:${NG_PORT}"` },
    workDirPrefix: 'e2e-kamailio-baresip-',
  });
  const step = world.step.bind(world);
  let callId = '';

  before(() => world.start(), { timeout: 40_000 });
  after(() => world.stop());

  it(
    'alice dials bob through Kamailio and both agents report the call established',
    { timeout: 15_000 },
    step(async () => {
      await world.dial();
      // The Call-ID comes from the SIP side, so a proxy whose `list` is broken still gets the later checks.
      const offer = await world.kamailio.waitForOutput(/media: offer for (\S+)/, world.within(5_000));
      await world.kamailio.waitForOutput(/media: answer for /, world.within(5_000));
      callId = offer[1] ?? '';
      assert.notEqual(callId, '', 'Kamailio logged the Call-ID it sent to the proxy');
    }),
  );

  it(
    'each agent receives its media from the proxy address, not from the other agent',
    { timeout: 10_000 },
    step(() => assertMediaFromProxy(world)),
  );

  it(
    `the proxy's query counts at least ${MIN_RTP_PACKETS} RTP packets from each agent on its own address`,
    { timeout: 15_000 },
    step(async () => {
      const reply = await assertRtpAnchoredOnProxy(world, callId);
      assert.equal(Object.keys(reply.tags ?? {}).length, 2, 'one monologue per agent');
    }),
  );

  it(
    "alice's BYE makes Kamailio delete the call in the proxy",
    { timeout: 15_000 },
    step(async () => {
      await world.hangup();
      await assertCallGone(world, callId);
    }),
  );

  it(
    "after the BYE the proxy's list holds no call",
    { timeout: 5_000 },
    step(() => assertNoCallListed(world)),
  );

  it(
    "each agent heard the other's tone, not its own: audio went both ways through the proxy",
    { timeout: 10_000 },
    step(() => assertEachHeardTheOther(world)),
  );
});
