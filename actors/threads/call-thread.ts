/**
 * A call thread's entry point (run by `new Worker`, see call-threads.ts): a daemon's whole call side (shards,
 * calls, media sockets, timeouts, port allocator over the shared pools) without listeners, answering the ng
 * messages the main thread routes to it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Logger } from '../../src/log/logger.ts';
import { sendDatagram, sockaddrOf } from '../../src/net/datagram-send.ts';
import { cliEnvFor } from '../control/cli.ts';
import { snapshotCall } from '../control/cli-commands.ts';
import { localLegacyCalls } from '../control/legacy-calls.ts';
import { statisticsReply } from '../control/statistics.ts';
import type { PortMsg, PortUsage } from '../messages.ts';
import { ask } from '../runtime.ts';
import { startDaemon } from '../system.ts';
import { kernelLinkOver, kernelProxy } from './kernel-proxy.ts';
import {
  type CallThreadData,
  type FromCallThread,
  ownBytes,
  requestCrossed,
  type ToCallThread,
} from './messages.ts';
import { requestAnswered, threadOf } from './placement.ts';
import { answerLegacy } from './threaded-legacy-calls.ts';

const port = parentPort;
if (!port) throw new Error('call-thread.ts runs as a worker thread only');
const data = workerData as CallThreadData;
const log = new Logger({ level: data.logLevel }).child({ thread: data.index });

// As in the main thread: what escapes the actors is logged, never fatal to the thread's other calls.
process.on('uncaughtException', (e) => log.err('uncaught exception', { error: e }));
process.on('unhandledRejection', (e) => log.err('unhandled rejection', { error: e }));

const daemon = await startDaemon({
  settings: data.settings,
  listenNg: [],
  listenTcpNg: [],
  log,
  threadShare: data.share,
  ...(data.timeoutScanMs !== undefined ? { timeoutScanMs: data.timeoutScanMs } : {}),
  ...(data.relay ? { relayLink: data.relay } : {}),
});
// the nft table has one owner, the main thread: this thread's changes and counters go through it
if (data.kernel) daemon.ctx.kernel = kernelProxy(kernelLinkOver(port));

/** Counted as the main thread counts what it sends (placement.ts), every kind of message alike. */
let received = 0;
const requestsInFlight = new Int32Array(data.requestsInFlight);
const threads = data.share.sessions.length;

/**
 * Calls that the main thread placed here away from their call-id's hashed thread are reported when they end, a
 * batch at a time, so that it forgets where they were: a call-id in the registry again (offered anew meanwhile) is
 * left out.
 */
const endedHere: string[] = [];
/** How long ended calls wait to be reported together. */
const ENDED_REPORT_MS = 100;
let endedScheduled = false;
daemon.registry.onRetired = (callId) => {
  if (threadOf(callId, threads) === data.index) return;
  endedHere.push(callId);
  if (endedScheduled) return;
  endedScheduled = true;
  setTimeout(() => {
    endedScheduled = false;
    const callIds = endedHere.splice(0).filter((id) => daemon.registry.get(id) === undefined);
    if (callIds.length > 0) post({ kind: 'ended', callIds, received });
  }, ENDED_REPORT_MS).unref();
};

/** What the main thread's CLI asks of this thread's calls, answered as a one-thread daemon's CLI would. */
const cli = cliEnvFor(daemon.ctx, daemon.registry);

/** What the main thread's rtpproxy and mediaproxy listeners ask of this thread's calls. */
const legacy = localLegacyCalls(daemon.ctx, daemon.registry, daemon.dispatcher);

/** sockaddr per ng client (a few proxies send everything): built once. */
const peers = new Map<string, Buffer>();
const NO_ADDRESS = Buffer.alloc(0);

function peerAddress(address: string, port: number): Buffer {
  const key = `${address}|${port}`;
  let a = peers.get(key);
  if (!a) {
    a = sockaddrOf(address, port) ?? NO_ADDRESS;
    if (peers.size > 4096) peers.clear();
    peers.set(key, a);
  }
  return a;
}

function post(m: FromCallThread): void {
  if ((m.kind === 'ng' || m.kind === 'send') && m.reply)
    port?.postMessage(m, [m.reply.buffer as ArrayBuffer]);
  else port?.postMessage(m);
}

/** A CLI question is always answered: a failure is logged and answered as "nothing here". */
function answerCli(make: () => Promise<FromCallThread>, failed: FromCallThread): void {
  make().then(post, (e) => {
    log.err('CLI request failed', { error: e });
    post(failed);
  });
}

port.on('message', (m: ToCallThread) => {
  received++;
  switch (m.kind) {
    case 'ng': {
      const buf = requestCrossed(m.message);
      const via = m.via;
      daemon.dispatcher.handle(buf, m.from).then(
        (reply) => {
          if (!via) {
            post({ kind: 'ng', id: m.id, reply: reply ? ownBytes(reply) : null });
            return;
          }
          requestAnswered(requestsInFlight, data.index);
          if (reply && !sendDatagram(via.fd, reply, peerAddress(via.address, via.port)))
            post({ kind: 'send', via, reply: ownBytes(reply) });
        },
        (e) => {
          log.err('ng dispatch failed', { error: e });
          if (!via) post({ kind: 'ng', id: m.id, reply: null });
          else requestAnswered(requestsInFlight, data.index);
        },
      );
      break;
    }
    case 'list':
      post({ kind: 'list', id: m.id, callIds: daemon.registry.callIds(m.limit) });
      break;
    case 'statistics':
      ask<PortMsg, PortUsage>(daemon.ctx.ports, (reply) => ({ kind: 'usage', reply })).then(
        (usage) =>
          post({
            kind: 'statistics',
            id: m.id,
            statistics: statisticsReply(daemon.ctx, daemon.registry, usage),
          }),
        (e) => {
          log.err('statistics failed', { error: e });
          post({ kind: 'statistics', id: m.id, statistics: {} });
        },
      );
      break;
    case 'calls':
      answerCli(async () => ({ kind: 'calls', id: m.id, calls: (await cli.calls()).map(snapshotCall) }), {
        kind: 'calls',
        id: m.id,
        calls: [],
      });
      break;
    case 'call':
      answerCli(
        async () => {
          const call = await cli.call(m.callId);
          return { kind: 'call', id: m.id, call: call ? snapshotCall(call) : null };
        },
        { kind: 'call', id: m.id, call: null },
      );
      break;
    case 'terminate':
      answerCli(async () => ({ kind: 'terminate', id: m.id, found: await cli.terminate(m.callId) }), {
        kind: 'terminate',
        id: m.id,
        found: false,
      });
      break;
    case 'settings':
      Object.assign(daemon.ctx.settings, m.settings);
      cli.setLogLevel(m.logLevel);
      post({ kind: 'settings', id: m.id });
      break;
    case 'legacy':
      answerLegacy(legacy, m.question).then((answer) => {
        try {
          post({ kind: 'legacy', id: m.id, answer });
        } catch (e) {
          // a reply that cannot be cloned must still be answered, or the listener waits for the timeout
          post({ kind: 'legacy', id: m.id, answer: { kind: 'failed', message: String(e) } });
        }
      });
      break;
    case 'stop':
      daemon.stop().then(() => {
        post({ kind: 'stop', id: m.id });
        port?.close();
      });
      break;
  }
});
post({ kind: 'ready' });
