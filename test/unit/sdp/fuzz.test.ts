import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  NO_REPLACE,
  parseSdp,
  rewriteSdp,
  SdpError,
  type SdpSession,
  writeSdp,
} from '../../../src/sdp/index.ts';
import { allGoldenSdps } from './golden-cases.ts';

const seeds = allGoldenSdps()
  .map((x) => x.sdp)
  .filter((s) => s.startsWith('v='));

/** Parses, and when that works checks the round trip and that a rewrite only fails with SdpError. */
function exercise(text: string): void {
  let session: SdpSession;
  try {
    session = parseSdp(text);
  } catch (e) {
    assert.ok(e instanceof SdpError, `parseSdp threw ${String(e)}`);
    return;
  }
  assert.equal(writeSdp(session), text);
  try {
    rewriteSdp(session, {
      address: { family: 'IP4', address: '127.0.0.1' },
      media: session.media.map((_, i) => ({
        rtpPort: 30000 + 2 * i,
        rtcpPort: 30001 + 2 * i,
        rtcpMux: false,
      })),
      replace: { ...NO_REPLACE, origin: true, sessionConnection: true },
      rtcpAttribute: 'default',
      originalSendrecv: false,
    });
  } catch (e) {
    assert.ok(e instanceof SdpError, `rewriteSdp threw ${String(e)}`);
  }
}

test('parseSdp on random text only ever returns or throws SdpError, and never hangs', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => exercise(text)),
    { numRuns: 500 },
  );
});

test('parseSdp on random SDP-shaped lines only ever returns or throws SdpError', () => {
  const line = fc
    .tuple(fc.constantFrom('v', 'o', 's', 'c', 't', 'm', 'a', 'b', 'x', ''), fc.string({ maxLength: 40 }))
    .map(([t, v]) => (t === '' ? v : `${t}=${v}`));
  fc.assert(
    fc.property(fc.array(line, { maxLength: 20 }), fc.constantFrom('\r\n', '\n'), (lines, eol) =>
      exercise(`v=0${eol}${lines.join(eol)}`),
    ),
    { numRuns: 500 },
  );
});

test('parseSdp on mutated recorded SDPs only ever returns or throws SdpError', () => {
  const mutation = fc.record({
    seed: fc.integer({ min: 0, max: seeds.length - 1 }),
    at: fc.nat(),
    cut: fc.integer({ min: 0, max: 20 }),
    insert: fc.string({ unit: 'binary', maxLength: 20 }),
  });
  fc.assert(
    fc.property(mutation, ({ seed, at, cut, insert }) => {
      const s = seeds[seed] ?? '';
      const pos = at % (s.length + 1);
      exercise(s.slice(0, pos) + insert + s.slice(pos + cut));
    }),
    { numRuns: 1000 },
  );
});

test('parseSdp of a 1 MB SDP with 20000 attribute lines finishes quickly', () => {
  const big = `v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n${'a=x-filler:0123456789012345678901234567890123456789\r\n'.repeat(20000)}`;
  const started = performance.now();
  assert.equal(writeSdp(parseSdp(big)), big);
  assert.ok(performance.now() - started < 2000);
});
