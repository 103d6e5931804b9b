/**
 * The libuv handle under a Node dgram socket: its file descriptor (for socket options and for sending on another
 * thread's socket), and reading stopped or started again (the relay thread). Node 20 offers neither publicly
 * (`socket._handle` is deprecated, DEP0112); the handle is reached through the socket's internal state instead,
 * and every use checks its shape, so a Node that moved it makes the caller decline (no TOS, the stream stays on
 * Node's path) instead of failing.
 */
import type { Socket } from 'node:dgram';

export interface NodeSocketHandle {
  readonly fd: number;
  recvStart(): void;
  recvStop(): void;
}

let stateKey: symbol | null | undefined;

function stateOf(socket: Socket): unknown {
  if (stateKey === undefined)
    stateKey = Object.getOwnPropertySymbols(socket).find((k) => k.description === 'state symbol') ?? null;
  if (stateKey === null) return undefined;
  return (socket as unknown as Record<symbol, unknown>)[stateKey];
}

/** The bound socket's handle, or null (closed, not bound, or a Node whose internals differ). */
export function nodeSocketHandle(socket: Socket): NodeSocketHandle | null {
  const state = stateOf(socket) as { handle?: unknown } | undefined;
  const handle = state?.handle as Partial<NodeSocketHandle> | null | undefined;
  if (!handle || typeof handle.fd !== 'number' || handle.fd < 0) return null;
  if (typeof handle.recvStart !== 'function' || typeof handle.recvStop !== 'function') return null;
  return handle as NodeSocketHandle;
}

/** The OS file descriptor of a bound dgram socket, or -1. */
export function socketFd(socket: Socket): number {
  const state = stateOf(socket) as { handle?: { fd?: unknown } | null } | undefined;
  const fd = state?.handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
