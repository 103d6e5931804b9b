/**
 * The main thread's handle on the relay thread: starts it, opens a link for each thread that owns media sockets
 * (the daemon itself, or each call thread), drops a link whose thread is gone, and stops it at exit.
 *
 * Why a thread of its own: a packet read by Node's dgram costs more CPU than rtpengine's whole relay (a 64 KiB
 * receive buffer, the source as a string, an event per datagram); this loop reads and sends through libc
 * directly and costs about two thirds of it (bench/README.md). Streams take this path only when nothing about
 * them needs JavaScript, by the same criteria as the kernel path (actors/calls/kernelize.ts).
 */
import { MessageChannel, type MessagePort, type TransferListItem, type Worker } from 'node:worker_threads';
import { EFD_CLOEXEC, EFD_NONBLOCK, loadLibc, signalEventfd } from '../net/libc.ts';
import { scriptBeside, startWorker } from '../worker-script.ts';
import { counterBuffer, type RelayControl, type RelayLinkData, type RelayStatus } from './protocol.ts';
import type { RelayWorkerData } from './worker.ts';

const SCRIPT = scriptBeside(import.meta.url, 'worker');

function newRelayWorker(data: RelayWorkerData): Worker {
  return startWorker(SCRIPT, { workerData: data, transferList: [data.control] });
}

export class RelayThread {
  readonly #worker: Worker;
  readonly #control: MessagePort;
  readonly #wakeFd: number;
  #nextLink = 1;
  #stopped: Promise<void> | null = null;
  #exited = false;

  private constructor(worker: Worker, control: MessagePort, wakeFd: number) {
    this.#worker = worker;
    this.#control = control;
    this.#wakeFd = wakeFd;
    worker.once('exit', () => {
      this.#exited = true;
    });
  }

  /**
   * Starts the relay thread; null where it cannot run (not Linux, no libc through koffi, no eventfd), and the
   * daemon relays with Node's sockets alone. `onError` hears of an error that ended the thread; however it ends,
   * every link sees its channel close and gives its sockets back to Node (link.ts), so no call goes silent.
   */
  static async start(onError: (e: Error) => void): Promise<RelayThread | null> {
    const libc = loadLibc();
    if (!libc) return null;
    const wakeFd = libc.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd < 0) return null;
    const { port1, port2 } = new MessageChannel();
    const worker = newRelayWorker({ control: port2, wakeFd });
    const ready = await new Promise<boolean>((resolve) => {
      worker.once('message', (m: RelayStatus) => resolve(m.op === 'ready'));
      worker.once('error', (e) => {
        onError(e);
        resolve(false);
      });
    });
    if (!ready) {
      await worker.terminate();
      libc.close(wakeFd);
      return null;
    }
    worker.on('error', onError);
    worker.unref();
    return new RelayThread(worker, port1, wakeFd);
  }

  /** A new link for a thread; its port is to be transferred to that thread. */
  newLink(): RelayLinkData {
    const link = this.#nextLink++;
    const { port1, port2 } = new MessageChannel();
    const counters = counterBuffer();
    this.#tell({ op: 'link', link, port: port2, counters }, [port2]);
    return { link, port: port1, counters, wakeFd: this.#wakeFd };
  }

  /** The thread of this link is gone: its pairs are removed and their sockets' duplicates closed. */
  dropLink(link: number): void {
    this.#tell({ op: 'drop-link', link });
  }

  /** Ends the thread abruptly, as a crash would (fault-injection hook for tests): its links take their sockets back. */
  kill(): Promise<number> {
    return this.#worker.terminate();
  }

  /** Stops forwarding and ends the thread (every duplicated socket closed). Idempotent. */
  stop(): Promise<void> {
    this.#stopped ??= new Promise<void>((resolve) => {
      if (this.#exited) {
        resolve();
        return;
      }
      const done = () => {
        clearTimeout(timer);
        void this.#worker.terminate().then(() => resolve());
      };
      const timer = setTimeout(done, 2000);
      this.#worker.on('message', (m: RelayStatus) => {
        if (m.op === 'stopped') done();
      });
      this.#worker.once('exit', done);
      this.#tell({ op: 'stop' });
    }).then(() => {
      loadLibc()?.close(this.#wakeFd);
    });
    return this.#stopped;
  }

  #tell(m: RelayControl, transfer: readonly TransferListItem[] = []): void {
    this.#control.postMessage(m, transfer);
    signalEventfd(this.#wakeFd);
  }
}
