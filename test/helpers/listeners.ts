/** Control listeners (HTTP, CLI, rtpproxy, mediaproxy) spawned on a test daemon, and clients of the legacy ones. */
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { connect } from 'node:net';
import { type Ref, start, stop } from 'nact';
import type { CallRegistry } from '../../actors/calls/registry.ts';
import type { DaemonContext } from '../../actors/context.ts';
import type { NgDispatcher } from '../../actors/control/dispatcher.ts';
import { bindListener, type ListenerMsg } from '../../actors/control/ng-udp.ts';
import type { AnyRef } from '../../actors/runtime.ts';
import type { Daemon } from '../../actors/system.ts';

/** The shape shared by spawnHttpListener, spawnCliListener, spawnRtpproxyListener and spawnMediaproxyListener. */
export type ListenerSpawner = (
  parent: AnyRef,
  ctx: DaemonContext,
  registry: CallRegistry,
  dispatcher: NgDispatcher,
  host: string,
  port: number,
  name: string,
) => Ref<ListenerMsg>;

export interface Listeners {
  /** The bound port of each listener, in the order given. */
  ports: number[];
  stop(): void;
}

/** Spawns each `[spawner, name]` on 127.0.0.1 port 0 in an actor system of its own and binds it (asserted). */
export async function listenersOn(daemon: Daemon, ...which: [ListenerSpawner, string][]): Promise<Listeners> {
  const system = start();
  const refs = which.map(([spawnListener, name]) =>
    spawnListener(system, daemon.ctx, daemon.registry, daemon.dispatcher, '127.0.0.1', 0, name),
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
