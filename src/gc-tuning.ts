/**
 * V8 settings for the daemon's heaps, applied before any call thread starts (V8 flags are process-wide, so the
 * call threads' isolates get them too).
 *
 * Allocation-site pretenuring is off. V8 allocates straight into the old generation whatever an allocation site
 * made that survived young collections at a high rate; under setup load that is request dictionaries, SDP and call
 * state that live a few milliseconds and die, so the old generation filled with garbage and each call thread ran a
 * full collection (3-12 ms pauses, every request of the thread waiting) about once a second. Off, in alternated runs
 * of the bench's setup load (two call threads, 32 requests in flight): 3-14% more setups/s, ng p99 10-20% lower,
 * about 5% less CPU per setup, fewer and shorter full collections.
 *
 * The old generation may grow to three times what survived the last full collection before the next one (V8's own
 * factor settled near 1.5 here). What a call thread promotes under setup load is mostly garbage within a second or
 * two (about 1.4 MB/s per thread at 1,500 setups/s), and with 10 MB live V8 ran a full collection (1-8 ms pause)
 * every second per thread; at 200% it runs one every 2.5 s. Alternated runs of 3,000 setups/s paced, 20-25 s each:
 * ng p99.9 lower in every pair (8.3-9.2 ms -> 6.1-7.8 ms), p99 equal or lower; at the setup limit no change beyond
 * the noise; RSS per call (4,500 calls) unchanged, peak RSS under setup load within the noise of it.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneGarbageCollector(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString('--heap-growing-percent=200');
}
