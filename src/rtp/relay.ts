/**
 * The packet path: what a stream's socket does with each datagram it receives. It runs in the socket's
 * 'message' handler and reads the forwarding table (the PacketStream objects the actors keep current) without
 * any mailbox. It never throws: a bad packet is dropped and counted.
 */
import type { DelayedPacket, PacketStream } from '../call/model.ts';
import { learnFrom } from './endpoint-learning.ts';
import { controlPacket } from './media-control.ts';
import { isRtcp } from './rtcp-demux.ts';

/** Global counters for `statistics`: relayed packets and errors across all calls. */
export const relayTotals = {
  packets: 0,
  bytes: 0,
  errors: 0,
  dropped: 0,
};

const MIN_RTP = 4;

/** Handles one datagram received on `s`'s socket from address:port. */
export function relayPacket(
  s: PacketStream,
  msg: Buffer,
  address: string,
  port: number,
  family: 'IPv4' | 'IPv6',
  nowMs: number,
): void {
  s.stats.lastPacket = Math.floor(nowMs / 1000);
  if (msg.length < MIN_RTP) {
    s.stats.errors++;
    relayTotals.errors++;
    return;
  }
  // `NAT-wait`: the party's NAT is open towards us once it has sent something
  if (s.natWait === true) s.natWait = false;
  const wasConfirmed = s.confirmed;
  const wasLearned = s.endpointFromPacket;
  const endpointBefore = s.endpoint;
  if (learnFrom(s, address, port, family === 'IPv6' ? 'IP6' : 'IP4', nowMs) === 'drop') {
    relayTotals.dropped++;
    return;
  }
  // the call hands its streams over: once confirmed (kernel), once learned (relay thread), and again on a move
  const learnedNow = !wasLearned && s.endpointFromPacket;
  if ((!wasConfirmed && s.confirmed) || learnedNow || (s.kernelized && s.endpoint !== endpointBefore))
    s.onConfirmed?.(s);
  // `drop-traffic start`: rtpengine 10.5 does not even count these packets in the stream's stats
  if (s.dropTraffic === true) {
    relayTotals.dropped++;
    return;
  }
  s.stats.packets++;
  s.stats.bytes += msg.length;
  let packet = msg;
  const control = s.control;
  if (control !== undefined) {
    const controlled = controlPacket(control, msg, address, nowMs);
    if (controlled === null) {
      relayTotals.dropped++;
      return;
    }
    packet = controlled;
  }
  // `media echo`: counted as received, then reflected to the party that sent it, or dropped
  const echo = s.mediaEcho;
  if (echo === 'blackhole') {
    relayTotals.dropped++;
    return;
  }
  let out = echo === 'echo' ? s : s.sink;
  // rtcp-mux on our side only: its RTCP goes to the other side's RTCP port
  if (s.rtcpSink !== undefined && echo !== 'echo' && isRtcp(packet)) out = s.rtcpSink;
  if (!out) {
    relayTotals.dropped++;
    return;
  }
  const delay = s.delay;
  if (delay !== undefined) {
    if (!delay.push({ packet, out, from: s })) relayTotals.dropped++;
    return;
  }
  sendOut(s, out, packet);
}

/** Delivers a packet out of a stream's delay buffer, to the endpoint its way out has now (if any). */
export function sendDelayed(d: DelayedPacket): void {
  sendOut(d.from, d.out, d.packet);
}

function sendOut(s: PacketStream, out: PacketStream, packet: Buffer): void {
  const socket = out.socket;
  const ep = out.endpoint;
  if (!socket || !ep || ep.port === 0 || out.natWait === true) {
    relayTotals.dropped++;
    return;
  }
  relayTotals.packets++;
  relayTotals.bytes += packet.length;
  try {
    socket.send(packet, ep.port, ep.address);
  } catch {
    // A socket closed under us (call being torn down) or an address of the wrong family: count and go on.
    s.stats.errors++;
    relayTotals.errors++;
  }
}
