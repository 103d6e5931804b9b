/**
 * payloadTypesOfSession (read from the SDP the call has just parsed) equals payloadTypesOfSdp (read from the SDP's
 * text) on every SDP of the golden cases and the Kamailio fixtures, and on hand-made edge cases: the call may use
 * either without a difference in the packet path.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { payloadTypesOfSdp, payloadTypesOfSession } from '../../../src/rtp/payload-types.ts';
import { parseSdp } from '../../../src/sdp/index.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

/** Every string in a JSON value that looks like an SDP. */
function sdpsIn(value: unknown, out: string[]): void {
  if (typeof value === 'string') {
    if (value.startsWith('v=0')) out.push(value);
  } else if (Array.isArray(value)) for (const v of value) sdpsIn(v, out);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) sdpsIn(v, out);
}

function goldenSdps(): string[] {
  const out: string[] = [];
  for (const f of files(join(ROOT, 'test/golden')).filter((f) => f.endsWith('.json')))
    sdpsIn(JSON.parse(readFileSync(f, 'utf8')) as unknown, out);
  const fixtures = join(ROOT, '../shared/fixtures/kamailio-ng');
  try {
    for (const f of files(fixtures)) {
      const text = readFileSync(f, 'latin1');
      // bencoded: `3:sdp<len>:v=0...`; take each SDP by its length prefix
      for (const m of text.matchAll(/(\d+):v=0/g))
        out.push(text.substr((m.index ?? 0) + m[1]!.length + 1, Number(m[1])));
    }
  } catch {
    // the shared fixtures are beside the checkout on the project's machines; the golden cases are enough alone
  }
  return out;
}

function same(sdp: string): void {
  const session = parseSdp(sdp);
  assert.deepEqual(payloadTypesOfSession(session), payloadTypesOfSdp(sdp), sdp);
}

test('the parsed and the textual reading agree on every golden and fixture SDP', () => {
  const sdps = goldenSdps();
  assert.ok(sdps.length > 200, `found ${sdps.length} SDPs`);
  let compared = 0;
  for (const sdp of sdps) {
    try {
      parseSdp(sdp);
    } catch {
      continue; // an SDP the call refuses never reaches the packet path
    }
    same(sdp);
    compared++;
  }
  assert.ok(compared > 200, `compared ${compared}`);
});

test('they agree on edge cases: duplicate rtpmaps, rtpmaps for types not offered, dynamic types without one, several m= lines', () => {
  const base = 'v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n';
  same(
    `${base}m=audio 4000 RTP/AVP 96 0 101\r\na=rtpmap:96 opus/48000/2\r\na=rtpmap:96 OPUS/16000\r\na=rtpmap:101 telephone-event/8000\r\n`,
  );
  same(`${base}m=audio 4000 RTP/AVP 0\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:97 telephone-event/8000\r\n`);
  same(`${base}m=audio 4000 RTP/AVP 13 98 0\r\na=rtpmap:13 CN/8000\r\n`);
  same(
    `${base}m=audio 4000 RTP/AVP 8 101\r\na=rtpmap:101 telephone-event/8000\r\nm=video 4002 RTP/AVP 97\r\na=rtpmap:97 H264/90000\r\n`,
  );
  same(
    `${base}m=audio 0 RTP/AVP 0\r\nm=audio 4000 RTP/SAVP 9 18\r\na=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n`,
  );
});
