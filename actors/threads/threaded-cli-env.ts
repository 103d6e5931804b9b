/**
 * The CLI's view of a daemon whose calls live in call threads (`--num-threads` above 1): every question about
 * calls or figures is asked of the threads (call-threads.ts) and their answers merged; port usage is read from
 * the pools they share. The settings the CLI changes are the main thread's copy, handed to every thread after
 * each `set` or `params` command, so each thread's dispatcher and timeouts apply them.
 */
import type { Logger } from '../../src/log/logger.ts';
import type { DaemonSettings } from '../context.ts';
import { cliTunables, softOpenFileLimit } from '../control/cli.ts';
import { type CliEnv, currentParams } from '../control/cli-commands.ts';
import type { CallThreads } from './call-threads.ts';
import { liveSettingsOf } from './messages.ts';

/** `settings` must be the object the threads were started with (CallThreads keeps it for restarted threads). */
export function threadedCliEnv(threads: CallThreads, settings: DaemonSettings, log: Logger): CliEnv {
  const tunables = cliTunables(settings, log.level);
  return {
    settings,
    tunables,
    start: currentParams({ settings, tunables }),
    setLogLevel: (level) => {
      log.level = level;
    },
    settingsChanged: () => threads.applySettings(liveSettingsOf(settings), log.level),
    calls: () => threads.callSnapshots(),
    call: (callId) => threads.callSnapshot(callId),
    terminate: (callId) => threads.terminate(callId),
    statistics: () => threads.statistics(),
    portUsage: async (interfaceName) => threads.portUsage(interfaceName),
    now: () => Date.now(),
    maxOpenFiles: softOpenFileLimit,
    pid: process.pid,
  };
}
