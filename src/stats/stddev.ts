/**
 * A standard deviation from a count, a sum and a sum of squares. rtpengine 10.5 takes the root of the
 * variance's size: its sum of squared call durations uses durations cut to whole milliseconds, so the
 * variance of identical calls can come out slightly below zero.
 */
export function stddev(n: number, sum: number, sumSquares: number): number {
  if (n <= 0) return 0;
  const mean = sum / n;
  return Math.sqrt(Math.abs(sumSquares / n - mean * mean));
}
