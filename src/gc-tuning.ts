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
 * The old generation may grow to five times what survived the last full collection before the next one (V8's own
 * factor settled near 1.5 here). What a call thread promotes under setup load is mostly garbage within a second or
 * two (about 1 KB per setup), so the full collections' frequency is the promotion rate over the headroom above the
 * live heap; V8 starts marking about halfway to its limit. With V8's factor and ~10 MB live, each call thread ran a
 * full collection (1-8 ms pause) every second at 1,500 setups/s. At 200% (session 7): every 2.5 s, and in
 * alternated pairs at 3,000 setups/s paced the ng p99.9 fell in every pair (8.3-9.2 -> 6.1-7.8 ms). The cookie
 * cache then left the heap (src/ng/cookie-cache.ts), the live heap at the setup limit fell from 14-16 to 9 MB and
 * with it the headroom: 13-14 full collections per 10 s per thread instead of 8-9. At 400%: 7, and against the
 * build before the cookie change (at 200%), alternated: at the limit p99 3.79-3.96 against 4.16-4.44 ms, p99.9
 * 7.3-8.1 against 9.6-9.8; paced p99 1.23 against 1.35-1.74 ms; RSS per call with 4,500 calls 25.5-26.1 KB against
 * 24.5-25.5.
 */
import { setFlagsFromString } from 'node:v8';

export function tuneGarbageCollector(): void {
  setFlagsFromString('--no-allocation-site-pretenuring');
  setFlagsFromString('--heap-growing-percent=400');
}
