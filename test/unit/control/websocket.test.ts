import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  encodeWsClose,
  encodeWsFrame,
  WS_OPCODE,
  WsFrameParser,
  WsProtocolError,
  wsAcceptKey,
} from '../../../src/net/websocket.ts';

test('the accept key is the one of RFC 6455 section 1.3', () => {
  assert.equal(wsAcceptKey('dGhlIHNhbXBsZSBub25jZQ=='), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
});

test('a masked client frame of any size decodes to its payload whatever the chunking', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70_000 }), fc.integer({ min: 1, max: 5000 }), (bytes, step) => {
      const payload = Buffer.from(bytes);
      const wire = encodeWsFrame(WS_OPCODE.binary, payload, true);
      const p = new WsFrameParser({ expectMasked: true });
      const got = [];
      for (let i = 0; i < wire.length; i += step) got.push(...p.push(wire.subarray(i, i + step)));
      assert.equal(got.length, 1);
      assert.deepEqual(got[0], { kind: 'binary', data: payload });
    }),
    { numRuns: 40 },
  );
});

test('fragments are reassembled and control frames between them come out on their own', () => {
  const first = encodeWsFrame(WS_OPCODE.text, Buffer.from('hel'), true);
  first[0] = (first[0] ?? 0) & 0x7f; // not final
  const ping = encodeWsFrame(WS_OPCODE.ping, Buffer.from('p'), true);
  const last = encodeWsFrame(WS_OPCODE.continuation, Buffer.from('lo'), true);
  const p = new WsFrameParser({ expectMasked: true });
  const got = p.push(Buffer.concat([first, ping, last]));
  assert.deepEqual(got, [
    { kind: 'ping', data: Buffer.from('p') },
    { kind: 'text', data: Buffer.from('hello') },
  ]);
});

test('a close frame carries its status code', () => {
  const p = new WsFrameParser({ expectMasked: false });
  assert.deepEqual(p.push(encodeWsClose(1000, 'bye')), [{ kind: 'close', code: 1000, reason: 'bye' }]);
});

test('an unmasked client frame, an oversized frame and a reserved opcode are protocol errors', () => {
  const server = () => new WsFrameParser({ expectMasked: true, maxMessage: 100 });
  assert.throws(() => server().push(encodeWsFrame(WS_OPCODE.text, Buffer.from('x'))), WsProtocolError);
  assert.throws(
    () => server().push(encodeWsFrame(WS_OPCODE.binary, Buffer.alloc(200), true).subarray(0, 8)),
    (e: unknown) => e instanceof WsProtocolError && e.code === 1009,
  );
  const bad = encodeWsFrame(WS_OPCODE.text, Buffer.from('x'), true);
  bad[0] = 0x83;
  assert.throws(() => server().push(bad), WsProtocolError);
});

test('a 64-bit length beyond the limit is refused before its payload arrives', () => {
  const head = Buffer.from([0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]);
  assert.throws(
    () => new WsFrameParser({ expectMasked: true }).push(head),
    (e: unknown) => e instanceof WsProtocolError && e.code === 1009,
  );
});
