/**
 * A media actor holds the sockets of one m= line of one party: its RTP and RTCP PacketStreams. Its call binds them
 * (`openMedia`, in the call actor's own turn) on a port pair from the allocator's pools and installs the socket
 * handlers that relay packets through the forwarding table (the PacketStream objects); the media actor closes them
 * and gives the ports back when it stops, and a fault in it escalates to its call.
 */
import type { RemoteInfo, Socket } from 'node:dgram';
import { type Ref, spawn } from 'nact';
import type { CallMedia, PacketStream } from '../../src/call/model.ts';
import type { InterfaceSpec } from '../../src/call/negotiate.ts';
import { bindUdpNow, closeQuietly } from '../../src/net/udp.ts';
import { NG_REASON } from '../../src/ng/errors.ts';
import { relayPacket } from '../../src/rtp/relay.ts';
import type { DaemonContext } from '../context.ts';
import type { MediaMsg } from '../messages.ts';
import { type AnyRef, escalateToParent } from '../runtime.ts';

interface MediaState {
  readonly media: CallMedia;
  readonly ctx: DaemonContext;
}

const BIND_ATTEMPTS = 16;
const PORT_QUARANTINE_MS = 30_000;

/**
 * The socket handlers are two functions shared by every socket (a call has four sockets; per-socket closures
 * would cost memory per call): each socket carries its stream and clock under these symbols.
 */
const STREAM = Symbol('stream');
const CLOCK = Symbol('clock');

interface MediaSocket extends Socket {
  [STREAM]: PacketStream;
  [CLOCK]: () => number;
}

function onPacket(this: MediaSocket, msg: Buffer, rinfo: RemoteInfo): void {
  relayPacket(this[STREAM], msg, rinfo.address, rinfo.port, rinfo.family as 'IPv4' | 'IPv6', this[CLOCK]());
}

// A socket error (e.g. ICMP unreachable reported on send) must not crash anything: count it.
function onSocketError(this: MediaSocket): void {
  this[STREAM].stats.errors++;
}

function attach(ctx: DaemonContext, s: PacketStream): void {
  const sock = s.socket as MediaSocket | null;
  if (!sock) return;
  sock[STREAM] = s;
  sock[CLOCK] = ctx.now;
  sock.on('message', onPacket);
  sock.on('error', onSocketError);
}

/** Whether a media's sockets are bound, and the ng error reason when they cannot be. */
export type OpenResult = { ok: true } | { ok: false; reason: string };

/**
 * Binds a media's RTP/RTCP pair on `local` (a new pair when `fresh`, or when it is bound elsewhere) and installs
 * the socket handlers; the media actor holds the sockets from then on and closes them when it stops. Synchronous:
 * the call actor runs it in its own turn (see call.ts openSockets).
 */
export function openMedia(
  ctx: DaemonContext,
  media: CallMedia,
  local: InterfaceSpec,
  fresh: boolean,
): OpenResult {
  if (!fresh && media.rtp.socket && media.rtp.local?.address === local.address) return { ok: true };
  const interfaceName = local.name;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const port = ctx.portPairs.pool(interfaceName).allocate();
    if (port === null) return { ok: false, reason: NG_REASON.outOfPorts };
    try {
      const rtp = bindUdpNow(local.address, local.family, port);
      let rtcp: Socket;
      try {
        rtcp = bindUdpNow(local.address, local.family, port + 1);
      } catch (e) {
        closeQuietly(rtp);
        throw e;
      }
      // the old pair (if any) goes back only now, so a rebind never gets the same ports again
      releaseMedia(ctx, media);
      const advertised = local.advertised ?? local.address;
      media.rtp.socket = rtp;
      media.rtcp.socket = rtcp;
      media.rtp.local = {
        interfaceName: local.name,
        family: local.family,
        address: local.address,
        advertised,
        port,
      };
      media.rtcp.local = { ...media.rtp.local, port: port + 1 };
      attach(ctx, media.rtp);
      attach(ctx, media.rtcp);
      return { ok: true };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EADDRINUSE') {
        // Not this port's fault (e.g. EMFILE, out of file descriptors): give it back and fail this request.
        ctx.portPairs.pool(interfaceName).release(port);
        ctx.log.warn('cannot bind media socket', { address: local.address, port, error: code ?? String(e) });
        return { ok: false, reason: NG_REASON.outOfPorts };
      }
      // Taken by a process outside our allocator: keep it out of rotation for a while, then try it again.
      setTimeout(() => ctx.portPairs.pool(interfaceName).release(port), PORT_QUARANTINE_MS).unref();
    }
  }
  return { ok: false, reason: NG_REASON.outOfPorts };
}

/**
 * Closes a media's sockets and gives its port pair back, once: both the media actor and its call may end it
 * (nact 7.6 does not cascade stops to grandchildren, so the call cleans up its whole tree itself).
 */
export function releaseMedia(ctx: DaemonContext, media: CallMedia): void {
  const local = media.rtp.local;
  for (const s of [media.rtp, media.rtcp]) {
    closeQuietly(s.socket);
    s.socket = null;
    s.local = null;
  }
  if (local && local.port !== 0) ctx.portPairs.pool(local.interfaceName).release(local.port);
}

function mediaActor(state: MediaState, msg: MediaMsg): MediaState {
  switch (msg.kind) {
    case 'fault':
      throw new Error(msg.error);
  }
  return state;
}

const afterMediaStop = (state: MediaState) => releaseMedia(state.ctx, state.media);

// The call decides: one broken stream ends its call cleanly, never the others.
const mediaOnCrash = escalateToParent<MediaMsg>();

export function spawnMedia(parent: AnyRef, ctx: DaemonContext, media: CallMedia): Ref<MediaMsg> {
  return spawn(parent, mediaActor, `media-${media.index}`, {
    initialState: { media, ctx },
    afterStop: afterMediaStop,
    onCrash: mediaOnCrash,
  });
}
