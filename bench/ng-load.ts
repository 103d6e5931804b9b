/**
 * ng control-plane load: establishing background calls, and measuring offer+answer+delete call
 * setups per second and per-request latency with a fixed number of requests in flight.
 */
import { answerRequest, deleteRequest, type Endpoint, newCallIds, offerRequest } from './call-shapes.ts';
import { failureReason, isOk, type NgClient, type NgOutcome } from './ng-client.ts';
import { LatencySamples, percentile } from './stats.ts';

export interface FailureCounts {
  total: number;
  timeouts: number;
  reasons: Record<string, number>;
}

function newFailures(): FailureCounts {
  return { total: 0, timeouts: 0, reasons: {} };
}

function countFailure(failures: FailureCounts, outcome: NgOutcome): void {
  failures.total++;
  if (outcome.kind === 'timeout') failures.timeouts++;
  const reason = failureReason(outcome);
  failures.reasons[reason] = (failures.reasons[reason] ?? 0) + 1;
}

/**
 * Media endpoints for the i-th call. Nothing ever sends media in the ng runs, so the ports only
 * need to differ from call to call (as they do between real phones).
 */
function endpointsFor(index: number): { caller: Endpoint; callee: Endpoint } {
  const slot = index % 15000;
  return {
    caller: { address: '127.0.0.1', port: 2000 + slot * 4 },
    callee: { address: '127.0.0.1', port: 2002 + slot * 4 },
  };
}

/** Runs `worker` `parallel` times at once until each returns false. */
async function runWorkers(parallel: number, worker: () => Promise<boolean>): Promise<void> {
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (await worker()) {
        // The worker does the work; the loop only keeps it going.
      }
    }),
  );
}

export interface EstablishResult {
  established: number;
  failures: FailureCounts;
  seconds: number;
}

/** Creates `count` calls with offer+answer (no media, no delete), `inFlight` requests at a time. */
export async function establishCalls(
  client: NgClient,
  count: number,
  run: string,
  inFlight = 32,
): Promise<EstablishResult> {
  const failures = newFailures();
  let next = 0;
  let established = 0;
  const started = performance.now();
  await runWorkers(inFlight, async () => {
    if (next >= count) return false;
    const index = next++;
    const ids = newCallIds(run);
    const { caller, callee } = endpointsFor(index);
    const offer = await client.request(offerRequest(ids, caller));
    if (!isOk(offer)) {
      countFailure(failures, offer);
      return true;
    }
    const answer = await client.request(answerRequest(ids, callee));
    if (!isOk(answer)) {
      countFailure(failures, answer);
      return true;
    }
    established++;
    return true;
  });
  return { established, failures, seconds: (performance.now() - started) / 1000 };
}

export interface SetupRateResult {
  /** How long the measurement ran. */
  seconds: number;
  setupsPerSecond: number;
  completedSetups: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  failures: FailureCounts;
  /** Fraction of one core the bench's own ng client used (if near 1, the client limits the rate). */
  clientCpuShare: number;
}

/**
 * Each of `inFlight` workers repeats offer -> answer -> delete on a fresh call for `durationMs`, so
 * `inFlight` requests are outstanding at any moment. Every request's latency is recorded (also into `pooled`,
 * when given: the rounds of one level are summed up from all their samples).
 */
export async function measureSetupRate(
  client: NgClient,
  durationMs: number,
  run: string,
  inFlight = 32,
  pooled?: LatencySamples,
): Promise<SetupRateResult> {
  const failures = newFailures();
  const latencies = new LatencySamples();
  let completed = 0;
  let index = 1_000_000;
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const until = started + durationMs;
  const step = async (outcome: NgOutcome): Promise<boolean> => {
    latencies.add(outcome.latencyMs);
    pooled?.add(outcome.latencyMs);
    if (isOk(outcome)) return true;
    countFailure(failures, outcome);
    return false;
  };
  await runWorkers(inFlight, async () => {
    if (performance.now() >= until) return false;
    const ids = newCallIds(run);
    const { caller, callee } = endpointsFor(index++);
    if (!(await step(await client.request(offerRequest(ids, caller))))) return true;
    const answered = await step(await client.request(answerRequest(ids, callee)));
    // Delete even after a failed answer so that a half-made call does not linger.
    const deleted = await step(await client.request(deleteRequest(ids, caller)));
    if (answered && deleted) completed++;
    return true;
  });
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const sorted = latencies.sorted();
  return {
    setupsPerSecond: completed / seconds,
    seconds,
    completedSetups: completed,
    requests: latencies.size,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    failures,
    clientCpuShare: (cpu.user + cpu.system) / 1e6 / seconds,
  };
}

/**
 * Several rounds of one level as one result: setups over the summed time, percentiles over every request of every
 * round (`pooled`), failures added up, the client's share averaged over time.
 */
export function mergeSetupRates(rounds: readonly SetupRateResult[], pooled: LatencySamples): SetupRateResult {
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const completed = rounds.reduce((s, r) => s + r.completedSetups, 0);
  const failures = newFailures();
  for (const r of rounds) {
    failures.total += r.failures.total;
    failures.timeouts += r.failures.timeouts;
    for (const [reason, n] of Object.entries(r.failures.reasons))
      failures.reasons[reason] = (failures.reasons[reason] ?? 0) + n;
  }
  const sorted = pooled.sorted();
  return {
    seconds,
    setupsPerSecond: seconds > 0 ? completed / seconds : 0,
    completedSetups: completed,
    requests: pooled.size,
    p50Ms: percentile(sorted, 0.5),
    p99Ms: percentile(sorted, 0.99),
    failures,
    clientCpuShare: seconds > 0 ? rounds.reduce((s, r) => s + r.clientCpuShare * r.seconds, 0) / seconds : 0,
  };
}
