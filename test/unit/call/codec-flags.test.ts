import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRequest } from '../../../src/ng/request.ts';

const offer = (extra: Record<string, unknown>) => {
  const { request } = parseRequest({
    command: 'offer',
    'call-id': 'c',
    'from-tag': 'A',
    sdp: 'v=0',
    ...extra,
  } as never);
  assert.equal(request.command, 'offer');
  return request as Extract<typeof request, { command: 'offer' }>;
};

test('the codec dictionary and the codec-VERB-X flags merge into one list per verb', () => {
  const r = offer({
    codec: { strip: ['PCMU'], except: 'G722' },
    flags: ['codec-strip-opus/48000/2', 'codec_mask_GSM'],
  });
  assert.deepEqual(r.codec.strip, ['PCMU', 'opus/48000/2']);
  assert.deepEqual(r.codec.except, ['G722']);
  assert.deepEqual(r.codec.mask, ['GSM']);
  assert.deepEqual(r.codec.offer, []);
});

test('ptime and ptime-reverse are read as positive integers, anything else is none', () => {
  const r = offer({ ptime: 30, 'ptime reverse': '40' });
  assert.equal(r.ptime, 30);
  assert.equal(r.ptimeReverse, 40);
  const z = offer({ ptime: 0, 'ptime-reverse': 'x' });
  assert.equal(z.ptime, null);
  assert.equal(z.ptimeReverse, null);
});
