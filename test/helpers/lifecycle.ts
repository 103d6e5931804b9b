/** One test daemon and an ng client to it for a whole test file: started before its tests, stopped after. */
import { after, before } from 'node:test';
import type { DaemonSettings } from '../../actors/context.ts';
import type { Daemon } from '../../actors/system.ts';
import { testDaemon } from './daemon.ts';
import { NgClient } from './ng-client.ts';

export interface DaemonUnderTest {
  readonly daemon: Daemon;
  readonly ng: NgClient;
}

/**
 * What a file sets up on top of the daemon. Node runs a file's top-level `before` hooks concurrently, so what
 * needs the daemon goes here rather than in a `before` of its own.
 */
export interface DaemonHooks {
  /** Runs once the daemon and the ng client are up. */
  started?: (under: DaemonUnderTest) => Promise<void> | void;
  /** Runs before the ng client and the daemon stop. */
  stopping?: () => Promise<void> | void;
}

/**
 * Registers the file's `before`/`after` hooks. `over` may be a function, run in the `before` hook, when a
 * setting is only known once something else is up (a listener's port, say): a file's own `before` hooks are
 * not guaranteed to have finished before this one runs.
 */
export function useTestDaemon(
  over: Partial<DaemonSettings> | (() => Promise<Partial<DaemonSettings>>) = {},
  hooks: DaemonHooks = {},
): DaemonUnderTest {
  let daemon: Daemon | undefined;
  let ng: NgClient | undefined;
  before(async () => {
    daemon = await testDaemon(typeof over === 'function' ? await over() : over);
    ng = new NgClient('127.0.0.1', daemon.ngPorts[0] ?? 0);
    await hooks.started?.(under);
  });
  after(async () => {
    await hooks.stopping?.();
    ng?.close();
    await daemon?.stop();
  });
  const under: DaemonUnderTest = {
    get daemon() {
      if (!daemon) throw new Error('the test daemon is not started yet (used outside a test?)');
      return daemon;
    },
    get ng() {
      if (!ng) throw new Error('the test daemon is not started yet (used outside a test?)');
      return ng;
    },
  };
  return under;
}
