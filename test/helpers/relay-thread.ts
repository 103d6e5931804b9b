/**
 * What the relay-thread tests share: an in-process daemon forwarding through a relay thread of its own (started
 * before a file's tests, stopped after), a call's RTP streams by party, waiting for a condition, and checking that
 * ports are free again (the relay thread holds duplicates of its sockets until it lets them go).
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { after, before } from 'node:test';
import type { DaemonSettings } from '../../actors/context.ts';
import type { Daemon } from '../../actors/system.ts';
import type { PacketStream } from '../../src/call/model.ts';
import type { NgDict } from '../../src/ng/types.ts';
import { RelayThread } from '../../src/relay-thread/relay-thread.ts';
import { testDaemon } from './daemon.ts';
import { NgClient } from './ng-client.ts';

export interface RelayThreadDaemon {
  readonly relay: RelayThread;
  readonly daemon: Daemon;
  readonly ng: NgClient;
}

/** Registers the file's `before`/`after`: a relay thread, a test daemon using it, an ng client to the daemon. */
export function useRelayThreadDaemon(
  over: Partial<DaemonSettings>,
  extra: { timeoutScanMs?: number } = {},
): RelayThreadDaemon {
  let relay: RelayThread | undefined;
  let daemon: Daemon | undefined;
  let ng: NgClient | undefined;
  before(async () => {
    const started = await RelayThread.start((e) => {
      throw e;
    });
    assert.ok(started, 'the relay thread starts on Linux');
    relay = started;
    daemon = await testDaemon(over, { relayThread: relay, ...extra });
    ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
  });
  after(async () => {
    ng?.close();
    await daemon?.stop();
    await relay?.stop();
  });
  const need = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the relay-thread daemon is not started yet (used outside a test?)');
    return v;
  };
  return {
    get relay() {
      return need(relay);
    },
    get daemon() {
      return need(daemon);
    },
    get ng() {
      return need(ng);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `what` every 5 ms until it holds or `ms` pass; says whether it held. */
export async function eventually(what: () => boolean, ms = 2000): Promise<boolean> {
  const end = Date.now() + ms;
  while (!what() && Date.now() < end) await sleep(5);
  return what();
}

/** A call's RTP streams (first m= line), keyed by the tag of the party whose packets each receives. */
export function rtpStreamsOf(daemon: Daemon, callId: string): Map<string, PacketStream> {
  const out = new Map<string, PacketStream>();
  for (const entry of daemon.registry.entries()) {
    if (entry.call.callId !== callId) continue;
    for (const m of entry.call.monologues.values()) {
      const media = m.medias[0];
      if (media && m.tag !== null) out.set(m.tag, media.rtp);
    }
  }
  return out;
}

/** Binds each port and closes it again: fails the test if any is still held (by a socket or its duplicate). */
export async function assertPortsFree(ports: readonly number[], address = '127.0.0.1'): Promise<void> {
  for (const port of ports) {
    const s = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, address, () => resolve());
    });
    s.close();
  }
}

/** The `query` flags of a party's first stream (RTP of its first m= line). */
export async function firstStreamFlags(ng: NgClient, callId: string, tag: string): Promise<string[]> {
  const q = await ng.request({ command: 'query', 'call-id': callId });
  const t = (q.tags as NgDict)[tag] as NgDict;
  return ((((t.medias as NgDict[])[0] as NgDict).streams as NgDict[])[0] as NgDict).flags as string[];
}
