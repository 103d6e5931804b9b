/**
 * Setting up and tearing down the relay benchmarks' calls through ng (loopback in relay.ts, namespaces in
 * ns-measure.ts), 32 requests in flight: offer and answer per call, then the ports the proxy announced in
 * each rewritten SDP, which is where each end must send.
 */
import {
  announcedAddress,
  announcedPort,
  answerRequest,
  type CallIds,
  deleteRequest,
  type Endpoint,
  newCallIds,
  offerRequest,
} from './call-shapes.ts';
import { failureReason, isOk, type NgClient, type NgDict } from './ng-client.ts';

/** What a call's delete needs. */
export interface CallLeg {
  ids: CallIds;
  caller: Endpoint;
}

/** The two ends of one call: where the caller and the callee receive. */
export interface CallEnds {
  caller: Endpoint;
  callee: Endpoint;
}

export interface CallSetup {
  legs: CallLeg[];
  failures: number;
  reason?: string;
  /** performance.now() of the last answer. */
  lastAnswerAt: number;
}

/**
 * Offer + answer for every call of `ends` (`offerExtra` added to each offer); `onCall` gets, per call that was set
 * up, where the caller must send (the answer's SDP) and where the callee must send (the offer's SDP).
 */
export async function setUpCalls(
  client: NgClient,
  ends: readonly CallEnds[],
  run: string,
  onCall: (index: number, toCaller: Endpoint, toCallee: Endpoint) => void,
  offerExtra: NgDict = {},
): Promise<CallSetup> {
  const legs: CallLeg[] = [];
  let failures = 0;
  let reason: string | undefined;
  let lastAnswerAt = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < ends.length) {
        const index = next++;
        const { caller, callee } = ends[index] as CallEnds;
        const ids = newCallIds(run);
        const offer = await client.request({ ...offerRequest(ids, caller), ...offerExtra });
        const answer = isOk(offer) ? await client.request(answerRequest(ids, callee)) : offer;
        lastAnswerAt = performance.now();
        legs.push({ ids, caller });
        if (!isOk(offer) || !isOk(answer)) {
          failures++;
          reason ??= failureReason(isOk(offer) ? answer : offer);
          continue;
        }
        const toCallee = {
          address: announcedAddress(String(offer.reply.sdp)),
          port: announcedPort(String(offer.reply.sdp)),
        };
        const toCaller = {
          address: announcedAddress(String(answer.reply.sdp)),
          port: announcedPort(String(answer.reply.sdp)),
        };
        if (!toCallee.address || !toCallee.port || !toCaller.address || !toCaller.port) {
          failures++;
          reason ??= 'no media address in rewritten SDP';
          continue;
        }
        onCall(
          index,
          { address: toCaller.address, port: toCaller.port },
          { address: toCallee.address, port: toCallee.port },
        );
      }
    }),
  );
  return { legs, failures, ...(reason === undefined ? {} : { reason }), lastAnswerAt };
}

/** Deletes the calls, 32 requests in flight, without delete delay. */
export async function deleteCalls(client: NgClient, legs: readonly CallLeg[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: 32 }, async () => {
      while (next < legs.length) {
        const leg = legs[next++] as CallLeg;
        await client.request({ ...deleteRequest(leg.ids, leg.caller), 'delete-delay': 0 });
      }
    }),
  );
}
