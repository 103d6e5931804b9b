/**
 * End to end with the legacy rtpproxy protocol's real client: two baresip agents call each other through
 * Kamailio, whose `rtpproxy` module (not `rtpengine`) anchors the media in the media proxy under test over
 * `--listen-udp`. The test itself watches the call over ng (`list`, `query`). `E2E_MEDIA_PROXY=rtpengine`
 * runs Debian's rtpengine (the oracle), `ts` (default) runs ours with the same command line.
 * See README.md in this folder.
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
import { CallWorld } from './call-world.ts';
import { netnsUnavailableReason } from './topology.ts';

const RTPPROXY_PORT = 2224;

const skipReason = netnsUnavailableReason();

describe('Kamailio rtpproxy module + two baresip agents through the media proxy (--listen-udp)', {
  skip: skipReason ?? false,
}, () => {
  const world = new CallWorld({
    kamailioConfig: 'kamailio-rtpproxy.cfg',
    defines: { RTPPROXY_SOCKET: `"udp:127.0.0.1:${RTPPROXY_PORT}"` },
    extraProxyArgs: [`--listen-udp=127.0.0.1:${RTPPROXY_PORT}`],
    workDirPrefix: 'e2e-kamailio-rtpproxy-',
  });
  const step = world.step.bind(world);
  let callId = '';

  before(() => world.start(), { timeout: 40_000 });
  after(() => world.stop());

  it(
    "alice dials bob, both agents report the call established and the proxy's list shows it",
    { timeout: 15_000 },
    step(async () => {
      await world.dial();
      // The Call-ID comes from the SIP side, so a proxy whose `list` is broken still gets the later checks.
      const offer = await world.kamailio.waitForOutput(/media: offer for (\S+)/, world.within(5_000));
      await world.kamailio.waitForOutput(/media: answer for /, world.within(5_000));
      callId = offer[1] ?? '';
      assert.notEqual(callId, '', 'Kamailio logged the Call-ID it sent to the proxy');
      assert.doesNotMatch(world.kamailio.log(), /rtpproxy_(offer|answer) failed|rtpproxy.*(disabled|ERROR)/i);
      // Kamailio speaks no ng here: the call can only have reached the proxy over --listen-udp.
      const list = await world.ng({ command: 'list' });
      assert.equal(list.result, 'ok', `list failed: ${list['error-reason'] ?? ''}`);
      assert.deepEqual(list.calls, [callId], 'the call set up over the rtpproxy protocol is listed');
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
      assert.equal(Object.keys(reply.tags ?? {}).length, 2, 'two parties: one monologue per agent');
    }),
  );

  it(
    "alice's BYE makes Kamailio's unforce_rtp_proxy() delete the call in the proxy",
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
