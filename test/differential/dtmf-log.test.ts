/**
 * Differential test of `--dtmf-log-dest` against Debian's rtpengine 10.5: replays the DTMF scenario of
 * test/tools/record-dtmf-log-golden.ts (events both ways, with and without end packets and labels, `play DTMF`,
 * blocked DTMF) against our in-process daemon and compares, step by step, the raw JSON datagrams (key order,
 * value types and values; the send time normalized) with what rtpengine sent, recorded in test/golden/dtmf-log/.
 *
 * A step we deliberately do not match yet is listed in KNOWN_DIFFERENCES with its reason and reported as `todo`
 * (still run, still shown); an entry whose step matches again fails the test until it is removed.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import type { Daemon } from '../../actors/system.ts';
import { testDaemon } from '../helpers/daemon.ts';
import { GOLDEN_PATH, playScenario, type RecordedStep, SCENARIO } from '../tools/record-dtmf-log-golden.ts';

/** Step name -> why ours differs there. */
const KNOWN_DIFFERENCES: ReadonlyMap<string, string> = new Map();

const golden = JSON.parse(readFileSync(GOLDEN_PATH, 'utf8')) as RecordedStep[];
const listener = createSocket('udp4');
let daemon: Daemon;
let ours: RecordedStep[] = [];

before(async () => {
  await new Promise<void>((r) => listener.bind(0, '127.0.0.1', () => r()));
  daemon = await testDaemon({ dtmfLogDest: { address: '127.0.0.1', port: listener.address().port } });
  ours = await playScenario(daemon.ngPorts[0]!, listener);
});

after(async () => {
  listener.close();
  await daemon?.stop();
});

test('the golden file was recorded from the scenario the test plays (same steps, same order)', () => {
  assert.deepEqual(
    golden.map((s) => s.name),
    SCENARIO.map((s) => s.name),
  );
});

test('the golden file holds datagrams to compare with (the oracle reported events)', () => {
  assert.ok(golden.some((s) => s.datagrams.length > 0));
});

for (const [i, step] of golden.entries()) {
  const reason = KNOWN_DIFFERENCES.get(step.name);
  test(
    `step ${i + 1} "${step.name}" gets rtpengine 10.5's ng result and datagrams, byte for byte`,
    reason ? { todo: reason } : {},
    () => {
      const mine = ours[i];
      assert.ok(mine, 'the scenario ran this step');
      assert.deepEqual(
        { name: mine.name, result: mine.result, datagrams: mine.datagrams },
        { name: step.name, result: step.result, datagrams: step.datagrams },
      );
    },
  );
}

test('every known difference names a step of the scenario', () => {
  for (const name of KNOWN_DIFFERENCES.keys())
    assert.ok(
      golden.some((s) => s.name === name),
      name,
    );
});
