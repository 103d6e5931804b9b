/**
 * Starting a worker thread (call threads, the relay thread) on a script beside its caller: the compiled .js next
 * to it, or, when the daemon runs from its TypeScript sources (tests, RTPENGINE_TS_SOURCE), the .ts source after
 * registering tsx's loader in the worker: Node 20 gives worker threads neither the parent's `--import tsx` nor
 * its module hooks.
 */
import { Worker, type WorkerOptions } from 'node:worker_threads';

/** The script `name` (no extension) beside the module whose `import.meta.url` is `base`, .ts or .js as it is. */
export function scriptBeside(base: string, name: string): URL {
  return new URL(`./${name}${base.endsWith('.ts') ? '.ts' : '.js'}`, base);
}

export function startWorker(script: URL, options: WorkerOptions): Worker {
  if (!script.pathname.endsWith('.ts')) return new Worker(script, options);
  const tsx = import.meta.resolve('tsx/esm/api');
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(boot, { ...options, eval: true });
}
