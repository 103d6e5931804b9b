/**
 * The XMLRPC teardown callback (`--b2b-url`, `--xmlrpc-format` 0/1/2) and the CDR line (`--log-facility-cdr`)
 * on a daemon with a fake clock: a call that times out for want of media makes the daemon POST rtpengine's
 * request bodies to a small HTTP server standing in for the B2BUA, with `%%` replaced by the call's
 * `xmlrpc-callback` (or the proxy's address); a deleted call sends nothing; every ended call logs one CDR.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, test } from 'node:test';
import type { XmlrpcFormat } from '../../actors/singletons/teardown-callback.ts';
import { type Daemon, startDaemon } from '../../actors/system.ts';
import { Logger } from '../../src/log/logger.ts';
import { loopbackSettings, sdpFor } from '../helpers/daemon.ts';
import { NgClient } from '../helpers/ng-client.ts';

interface Posted {
  path: string;
  contentType: string | undefined;
  body: string;
}

let server: Server;
let serverPort = 0;
const posted: Posted[] = [];
const logLines: Record<string, unknown>[] = [];
let clock = Date.now();
let daemon: Daemon;
let ng: NgClient;
const portMin = 46000 + (process.pid % 50) * 100;

before(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      posted.push({ path: req.url ?? '', contentType: req.headers['content-type'], body });
      res.writeHead(200, { 'Content-Type': 'text/xml' });
      res.end(
        '<?xml version="1.0"?><methodResponse><params><param><value>ok</value></param></params></methodResponse>',
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  serverPort = typeof addr === 'object' && addr ? addr.port : 0;
  daemon = await startDaemon({
    settings: {
      ...loopbackSettings(portMin, portMin + 99),
      cdr: true,
      b2bUrl: `http://%%:${serverPort}/RPC2`,
      xmlrpcFormat: 0,
    },
    listenNg: [{ host: '127.0.0.1', port: 0 }],
    listenTcpNg: [],
    log: new Logger({ level: 7, sink: (line) => logLines.push(JSON.parse(line)) }),
    now: () => clock,
    timeoutScanMs: 10,
  });
  ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
});

after(async () => {
  ng.close();
  await daemon.stop();
  await new Promise((r) => server.close(r));
});

async function setUp(callId: string, extra: Record<string, string> = {}): Promise<void> {
  const o = await ng.request({
    command: 'offer',
    'call-id': callId,
    'from-tag': 'ft',
    sdp: sdpFor(4000),
    ...extra,
  });
  assert.equal(o.result, 'ok');
  const a = await ng.request({
    command: 'answer',
    'call-id': callId,
    'from-tag': 'ft',
    'to-tag': 'tt',
    sdp: sdpFor(4002, 'bob'),
  });
  assert.equal(a.result, 'ok');
}

async function timeOut(callId: string, requests: number): Promise<Posted[]> {
  const start = posted.length;
  clock += 61_000;
  for (let i = 0; i < 100 && (daemon.registry.get(callId) || posted.length < start + requests); i++)
    await new Promise((r) => setTimeout(r, 20));
  return posted.slice(start);
}

const param = (s: string) => `<param><value><string>${s}</string></value></param>`;

test('format 0 posts SEMS di(sbc, postControlCmd, tag, teardown) once per party to the xmlrpc-callback address', async () => {
  daemon.ctx.settings.xmlrpcFormat = 0 as XmlrpcFormat;
  await setUp('x-0', { 'xmlrpc-callback': '127.0.0.1' });
  const got = await timeOut('x-0', 2);
  assert.equal(got.length, 2);
  for (const [i, tag] of ['ft', 'tt'].entries()) {
    assert.equal(got[i]?.path, '/RPC2');
    assert.equal(got[i]?.contentType, 'text/xml');
    assert.ok(got[i]?.body.includes('<methodName>di</methodName>'));
    assert.ok(
      got[i]?.body.includes(
        param('sbc') + '\n' + param('postControlCmd') + '\n' + param(tag) + '\n' + param('teardown'),
      ),
    );
  }
});

test('format 1 posts teardown(call-id), format 2 Kamailio dlg.terminate_dlg(call-id, from-tag, to-tag), to the SIP source without a callback', async () => {
  daemon.ctx.settings.xmlrpcFormat = 1 as XmlrpcFormat;
  await setUp('x-1');
  const one = await timeOut('x-1', 1);
  assert.equal(one.length, 1);
  assert.ok(one[0]?.body.includes(`<methodName>teardown</methodName>\n<params>\n${param('x-1')}\n</params>`));
  daemon.ctx.settings.xmlrpcFormat = 2 as XmlrpcFormat;
  await setUp('x-2');
  const two = await timeOut('x-2', 1);
  assert.equal(two.length, 1);
  assert.ok(
    two[0]?.body.includes(
      `<methodName>dlg.terminate_dlg</methodName>\n<params>\n${param('x-2')}\n${param('ft')}\n${param('tt')}\n</params>`,
    ),
  );
});

test('a deleted call sends no callback; every ended call logs one CDR with its termination reason', async () => {
  await setUp('x-del');
  const before = posted.length;
  const d = await ng.request({ command: 'delete', 'call-id': 'x-del' });
  assert.equal(d.result, 'ok');
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(posted.length, before);
  const cdrs = logLines.filter((l) => l.msg === 'CDR');
  const byCall = (id: string) => cdrs.filter((l) => l.callId === id);
  assert.equal(byCall('x-del').length, 1);
  const del = byCall('x-del')[0]?.cdr as Record<string, string | number>;
  assert.equal(del.ci, 'x-del');
  assert.equal(del.ml0_termination, 'REGULAR');
  assert.equal(del.ml0_local_tag, 'ft');
  assert.equal(del.ml0_remote_tag, 'tt');
  assert.equal(del.ml1_local_tag, 'tt');
  assert.equal(del.ml0_midx1_rtp_endpoint_port, 4000);
  assert.equal(del.ml0_midx1_rtp_relayed_packets, 0);
  assert.match(String(del.created_from), /^127\.0\.0\.1:\d+$/);
  assert.match(
    String(byCall('x-del')[0]?.line),
    /^ci=x-del, created_from=127\.0\.0\.1:\d+, last_signal=\d+, tos=0, ml0_start_time=\d+\.\d{6}, /,
  );
  const timedOut = byCall('x-1')[0]?.cdr as Record<string, string | number>;
  assert.equal(timedOut.ml0_termination, 'TIMEOUT');
});
