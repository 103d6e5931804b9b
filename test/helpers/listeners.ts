/** Control listeners (HTTP, CLI, rtpproxy, mediaproxy) spawned on a test daemon, and clients of the legacy ones. */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { start, stop } from 'nact';
import { bindListener } from '../../actors/control/ng-udp.ts';
import { type ListenerKind, spawnListener } from '../../actors/control/surfaces.ts';
import type { Daemon } from '../../actors/system.ts';

export interface Listeners {
  /** The bound port of each listener, in the order given. */
  ports: number[];
  stop(): void;
}

/** Spawns one listener of each kind on 127.0.0.1 port 0, over the daemon's own surfaces, and binds it (asserted). */
export async function listenersOn(daemon: Daemon, ...kinds: ListenerKind[]): Promise<Listeners> {
  const system = start();
  const refs = kinds.map((kind) =>
    spawnListener(kind, system, daemon.ctx, daemon.surfaces, '127.0.0.1', 0, 0),
  );
  const ports: number[] = [];
  for (const ref of refs) {
    const r = await bindListener(ref);
    assert.ok(r.ok, r.ok ? '' : r.error);
    ports.push(r.port);
  }
  return {
    ports,
    stop() {
      for (const ref of refs) stop(ref);
      stop(system);
    },
  };
}

/** A UDP socket bound to a free loopback port. */
export function udpSocket(): Promise<Socket> {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}

/**
 * One mediaproxy command on its own connection (the protocol's one command per connection): resolves with
 * everything received until the daemon closes it.
 */
export function mediaproxyExchange(port: number, data: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`connection not closed after ${JSON.stringify(data)}`));
    }, timeoutMs);
    let got = '';
    sock.on('data', (d) => {
      got += d.toString('latin1');
    });
    sock.on('error', reject);
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(got);
    });
    sock.on('connect', () => sock.write(data));
  });
}
