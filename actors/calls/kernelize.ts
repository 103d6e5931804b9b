/**
 * Handing a call's streams to the kernel and taking them back (kernel/README.md has the mechanism).
 *
 * A stream pair moves to the kernel once both parties' endpoints are confirmed and nothing needs userspace:
 * no block/silence/DTMF switch, no DTMF injection or DTMF logging, no media handover (the kernel only forwards
 * from the learned source), same address family on both sides (the NAT maps do not translate IPv4<->IPv6).
 * Any signalling on the call (re-INVITE, answer, media control) takes every pair back first; pairs whose
 * endpoints did not change return to the kernel right after. Delete, timeout and a crash of the call's actors
 * remove the call's pairs in the call's cleanup, whatever happened before.
 *
 * Without a kernel table the relay thread (src/relay-thread/) takes the same pairs in userspace, and earlier:
 * see `ready`.
 */
import type { Call, PacketStream } from '../../src/call/model.ts';
import type { KernelLookup } from '../../src/call/query-tree.ts';
import { LEARNING_WINDOW_MS } from '../../src/rtp/endpoint-learning.ts';
import { relayTotals } from '../../src/rtp/relay.ts';
import type { DaemonContext } from '../context.ts';

/** Bound, with somewhere to send to: the SDP's endpoint at least. */
function placed(s: PacketStream): boolean {
  return (
    s.socket !== null && s.local !== null && s.endpoint !== null && s.endpoint.port !== 0 && !s.mediaHandover
  );
}

/**
 * The kernel takes a stream once its endpoint is confirmed (it only forwards from one source, for good). The relay
 * thread takes it as soon as a packet taught the endpoint: it hands back the packet that confirms it, and any
 * from another source, so learning goes on in the socket's handler and a move re-installs the pair.
 */
function ready(s: PacketStream, inKernel: boolean): boolean {
  if (!placed(s)) return false;
  if (s.confirmed || s.learning === 'off' || s.asymmetric) return true;
  return !inKernel && s.endpointFromPacket;
}

/** The endpoints a pair was handed over with: a stream whose endpoint object changed since needs a new pair. */
const installedWith = new WeakMap<PacketStream, PacketStream['endpoint']>();

function moved(s: PacketStream): boolean {
  return s.kernelized && installedWith.get(s) !== s.endpoint;
}

/** When learning would confirm an unconfirmed endpoint (0: confirmed, or never learned). */
function confirmAtMs(s: PacketStream): number {
  if (s.confirmed || s.learning === 'off' || s.asymmetric || s.learning === 'immediate') return 0;
  return s.learningSince + LEARNING_WINDOW_MS;
}

function needsUserspace(ctx: DaemonContext, s: PacketStream): boolean {
  const c = s.control;
  if (ctx.settings.dtmfLogDest) return true;
  // the kernel only forwards to the sink: echo, blackhole, dropping, RTCP demux and NAT-wait are done here
  if (s.mediaEcho !== undefined || s.dropTraffic === true) return true;
  if (s.rtcpSink !== undefined || s.natWait === true || s.sink?.natWait === true) return true;
  if (s.delay !== undefined) return true;
  if (!c) return false;
  // an armed DTMF trigger must see the events; an in-band digit is written into the packets
  if (c.inband || (c.party.trigger && c.party.trigger.phase !== 'done')) return true;
  // every DTMF-security mode, `off` included, acts on the events in userspace (rtpengine 10.5)
  const dtmfBlocked = (b: typeof c.call.blockDtmf) => b !== null;
  const any = (sw: typeof c.call) => sw.blockMedia || sw.silenceMedia || dtmfBlocked(sw.blockDtmf);
  return any(c.call) || any(c.party) || c.out.injecting;
}

/** The pairs of this call that can be forwarded by the kernel now, with both legs. */
function candidatePairs(ctx: DaemonContext, call: Call, inKernel: boolean): [PacketStream, PacketStream][] {
  const out: [PacketStream, PacketStream][] = [];
  const seen = new Set<PacketStream>();
  for (const m of call.monologues.values()) {
    if (!m.peer || m.deleted) continue;
    // `inject DTMF` (either party): injected events continue the stream's own numbering and hold its audio back,
    // so its packets must pass through userspace from the start, as rtpengine keeps such media out of the kernel
    if (m.mediaControl?.injectDtmf || m.peer.mediaControl?.injectDtmf) continue;
    for (const media of m.medias) {
      if (media.rejected) continue;
      for (const a of [media.rtp, media.rtcp]) {
        const b = a.sink;
        if (!b || b.sink !== a || seen.has(a) || seen.has(b)) continue;
        seen.add(a);
        seen.add(b);
        // `unidirectional`: media flows one way only, so one confirmed side is enough (the silent side is taken
        // at its SDP's word), as rtpengine kernelizes one-way streams with that flag
        const peerMedia = m.peer.medias[media.index - 1];
        const oneWay = media.unidirectional === true || peerMedia?.unidirectional === true;
        const bothReady = ready(a, inKernel) && ready(b, inKernel);
        const oneWayReady = oneWay && placed(a) && placed(b) && (ready(a, inKernel) || ready(b, inKernel));
        if (!(bothReady || oneWayReady)) continue;
        if (a.kernelized && !moved(a) && !moved(b)) continue;
        if (needsUserspace(ctx, a) || needsUserspace(ctx, b)) continue;
        if (a.local?.family !== b.local?.family || a.endpoint?.family !== a.local?.family) continue;
        if (b.endpoint?.family !== b.local?.family) continue;
        out.push([a, b]);
      }
    }
  }
  return out;
}

/** Pairs asked for and not answered yet: a second trigger (the other party's confirmation) must not ask again. */
const inFlight = new Set<string>();

/** Calls that asked the kernel for a pair since their last removal: only they have anything to take back. */
const asked = new Set<string>();

/** Installs every pair of the call that qualifies; marks its streams kernelized when the kernel took it. */
export function kernelizeCall(ctx: DaemonContext, call: Call): void {
  const kernel = ctx.kernel;
  if (!kernel) return;
  for (const [a, b] of candidatePairs(ctx, call, kernel.inKernel)) {
    const pairId = `${a.id}:${b.id}`;
    if (inFlight.has(pairId)) continue;
    inFlight.add(pairId);
    asked.add(call.callId);
    const la = a.local!;
    const lb = b.local!;
    const ea = a.endpoint!;
    const eb = b.endpoint!;
    // Kept false until the kernel said yes: meanwhile userspace goes on relaying.
    void kernel
      .install(
        {
          pairId,
          callId: call.callId,
          family: la.family,
          a: {
            streamId: a.id,
            endpoint: { address: ea.address, port: ea.port },
            local: { address: la.address, port: la.port },
          },
          b: {
            streamId: b.id,
            endpoint: { address: eb.address, port: eb.port },
            local: { address: lb.address, port: lb.port },
          },
        },
        { a: a.socket!, b: b.socket!, confirmAtMs: { a: confirmAtMs(a), b: confirmAtMs(b) } },
      )
      .then((r) => {
        inFlight.delete(pairId);
        // The endpoints may have moved while the change was in flight: only a still-valid pair is marked.
        const still = a.endpoint === ea && b.endpoint === eb && a.socket !== null && b.socket !== null;
        if (r.ok && still) {
          a.kernelized = true;
          b.kernelized = true;
          installedWith.set(a, ea);
          installedWith.set(b, eb);
        } else if (r.ok) {
          void kernel.remove(pairId);
        }
      });
  }
}

/** Takes every pair of the call back to userspace (before signalling changes it, and at its end). */
export function unkernelizeCall(ctx: DaemonContext, call: Call): void {
  const kernel = ctx.kernel;
  if (!kernel) return;
  let any = false;
  for (const m of call.monologues.values())
    for (const media of m.medias)
      for (const s of [media.rtp, media.rtcp]) {
        if (!s.kernelized) continue;
        any = true;
        // The kernel's counts end with the pair: keep them in the stream's own (minus at most one read interval).
        const k = kernel.counters.get(s.id);
        if (k) {
          s.stats.packets += k.packets;
          s.stats.bytes += k.bytes;
          s.stats.lastPacket = Math.max(s.stats.lastPacket, Math.floor(k.lastPacketMs / 1000));
          // the relay thread is userspace: what it relayed stays in the user totals after the pair is gone
          if (!kernel.inKernel) {
            relayTotals.packets += k.packets;
            relayTotals.bytes += k.bytes;
          }
        }
        s.kernelized = false;
      }
  // A pair may also be in flight (installed, not yet marked): remove by call, which covers both.
  if (any || asked.has(call.callId)) void kernel.removeCall(call.callId);
  asked.delete(call.callId);
}

/** The kernel counters of a stream for the query tree and timeouts, or undefined without a kernel table. */
export function kernelLookup(ctx: DaemonContext): KernelLookup | undefined {
  const kernel = ctx.kernel;
  if (!kernel) return undefined;
  // Only a stream in the kernel now has live kernel counts; earlier ones were folded into its own stats.
  const lookup = (s: PacketStream) => (s.kernelized ? (kernel.counters.get(s.id) ?? null) : null);
  return Object.assign(lookup, { inKernel: kernel.inKernel });
}
