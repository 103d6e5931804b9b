/**
 * The XMLRPC teardown callback (`--b2b-url`, `--xmlrpc-format`): when a call ends because its media stopped,
 * the B2BUA or proxy that owns the dialog is told to tear it down. `%%` in the URL becomes the call's
 * `xmlrpc-callback` address, else the address of the proxy that created the call. The bodies are what
 * rtpengine 10.5 posts (checked against the daemon): format 0 is SEMS' `di(sbc, postControlCmd, <tag>,
 * teardown)`, once per tagged party; 1 is `teardown(<call-id>)`; 2 is Kamailio's
 * `dlg.terminate_dlg(<call-id>, <from-tag>, <to-tag>)`. Node's http client, fire and forget: a failure is logged.
 */
import { request } from 'node:http';
import type { Call, CallEndReason } from '../../src/call/model.ts';
import type { Logger } from '../../src/log/logger.ts';

export type XmlrpcFormat = 0 | 1 | 2;

/** The end reasons that trigger the callback: the call ended for want of media, not by signalling. */
export const TEARDOWN_REASONS: ReadonlySet<CallEndReason> = new Set(['timeout', 'silent-timeout']);

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function methodCall(method: string, params: readonly string[]): string {
  const ps = params.map((p) => `<param><value><string>${xmlEscape(p)}</string></value></param>\n`).join('');
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<methodCall>\n' +
    `<methodName>${xmlEscape(method)}</methodName>\n<params>\n${ps}</params>\n</methodCall>\n`
  );
}

/** The bodies to post for one ended call, in order. */
export function teardownBodies(format: XmlrpcFormat, call: Call): string[] {
  const parties = [...call.monologues.values()].sort((a, b) => a.index - b.index);
  switch (format) {
    case 0:
      return parties.flatMap((m) =>
        m.tag === null ? [] : [methodCall('di', ['sbc', 'postControlCmd', m.tag, 'teardown'])],
      );
    case 1:
      return [methodCall('teardown', [call.callId])];
    case 2: {
      const from = parties[0];
      const to = from?.peer ?? parties[1];
      return [methodCall('dlg.terminate_dlg', [call.callId, from?.tag ?? '', to?.tag ?? ''])];
    }
  }
}

/** `%%` → the callback address (IPv6 in brackets, as it goes into a URL). */
export function teardownUrl(template: string, address: string): string {
  const host = address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
  return template.split('%%').join(host);
}

/** Posts one XMLRPC body; resolves with the HTTP status, or rejects. */
export function postXmlrpc(url: string, body: string, timeoutMs = 5000): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) },
        timeout: timeoutMs,
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('timeout', () => req.destroy(new Error('XMLRPC request timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

/** Sends the callback for one ended call; requests go one after another, as rtpengine sends them. */
export async function sendTeardown(
  opts: { url: string; format: XmlrpcFormat; address: string; log: Logger },
  call: Call,
): Promise<void> {
  const url = teardownUrl(opts.url, opts.address);
  for (const body of teardownBodies(opts.format, call)) {
    try {
      const status = await postXmlrpc(url, body);
      opts.log.info('XMLRPC teardown sent', { callId: call.callId, url, status });
    } catch (e) {
      opts.log.warn('XMLRPC teardown failed', { callId: call.callId, url, error: e });
    }
  }
}
