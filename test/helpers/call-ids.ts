/** Call-ids chosen by the call-thread hash, for tests that need calls in given threads. */
import { threadOf } from '../../actors/threads/placement.ts';

/** Two call-ids (`prefix-N`) that the hash puts in different threads of two. */
export function callIdsInBothThreads(prefix: string): [string, string] {
  const ids: (string | undefined)[] = [undefined, undefined];
  for (let i = 0; ids.includes(undefined); i++) {
    const id = `${prefix}-${i}`;
    const t = threadOf(id, 2);
    if (ids[t] === undefined) ids[t] = id;
  }
  return ids as [string, string];
}
