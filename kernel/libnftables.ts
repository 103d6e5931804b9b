/**
 * libnftables through koffi: one nft context per table owner, commands given as nft script text, output and
 * errors captured in buffers (never on the process's stdout/stderr), listings as JSON. One call to `run` is one
 * netlink transaction however many commands the script holds, which is what makes batching cheap.
 */
import koffi from 'koffi';

/** `NFT_CTX_OUTPUT_JSON` of <nftables/libnftables.h>. */
const NFT_CTX_OUTPUT_JSON = 1 << 4;
const NFT_CTX_DEFAULT = 0;

/** libnftables could not be loaded (package libnftables1 missing) or refused to make a context. */
export class NftUnavailableError extends Error {
  override readonly name = 'NftUnavailableError';
}

/** nft rejected a script: `message` is nft's own error text (with the offending line), `script` what was sent. */
export class NftCommandError extends Error {
  override readonly name = 'NftCommandError';
  constructor(
    message: string,
    readonly script: string,
  ) {
    super(message);
  }
}

interface Lib {
  ctxNew: (flags: number) => unknown;
  ctxFree: (ctx: unknown) => void;
  runCmdFromBuffer: (ctx: unknown, buf: string) => number;
  bufferOutput: (ctx: unknown) => number;
  getOutputBuffer: (ctx: unknown) => string | null;
  bufferError: (ctx: unknown) => number;
  getErrorBuffer: (ctx: unknown) => string | null;
  outputGetFlags: (ctx: unknown) => number;
  outputSetFlags: (ctx: unknown, flags: number) => void;
}

let lib: Lib | undefined;

function load(): Lib {
  if (lib) return lib;
  let so: ReturnType<typeof koffi.load>;
  try {
    so = koffi.load('libnftables.so.1');
  } catch (e) {
    throw new NftUnavailableError(
      `libnftables.so.1 cannot be loaded (install Debian package libnftables1): ${(e as Error).message}`,
    );
  }
  const ctxPtr = koffi.pointer('nft_ctx', koffi.opaque());
  lib = {
    ctxNew: so.func('nft_ctx_new', ctxPtr, ['uint32_t']) as Lib['ctxNew'],
    ctxFree: so.func('nft_ctx_free', 'void', [ctxPtr]) as Lib['ctxFree'],
    runCmdFromBuffer: so.func('nft_run_cmd_from_buffer', 'int', [
      ctxPtr,
      'const char *',
    ]) as Lib['runCmdFromBuffer'],
    bufferOutput: so.func('nft_ctx_buffer_output', 'int', [ctxPtr]) as Lib['bufferOutput'],
    getOutputBuffer: so.func('nft_ctx_get_output_buffer', 'const char *', [ctxPtr]) as Lib['getOutputBuffer'],
    bufferError: so.func('nft_ctx_buffer_error', 'int', [ctxPtr]) as Lib['bufferError'],
    getErrorBuffer: so.func('nft_ctx_get_error_buffer', 'const char *', [ctxPtr]) as Lib['getErrorBuffer'],
    outputGetFlags: so.func('nft_ctx_output_get_flags', 'unsigned int', [ctxPtr]) as Lib['outputGetFlags'],
    outputSetFlags: so.func('nft_ctx_output_set_flags', 'void', [
      ctxPtr,
      'unsigned int',
    ]) as Lib['outputSetFlags'],
  };
  return lib;
}

/**
 * One libnftables context. It works in the network namespace of the thread that made it (the daemon's main
 * thread), with the privileges of the process.
 */
export class NftContext {
  #ctx: unknown;
  readonly #lib: Lib;

  private constructor(l: Lib, ctx: unknown) {
    this.#lib = l;
    this.#ctx = ctx;
  }

  /** Throws NftUnavailableError when the library or a context cannot be had. */
  static open(): NftContext {
    const l = load();
    const ctx = l.ctxNew(NFT_CTX_DEFAULT);
    if (!ctx) throw new NftUnavailableError('nft_ctx_new returned NULL');
    if (l.bufferOutput(ctx) !== 0 || l.bufferError(ctx) !== 0) {
      l.ctxFree(ctx);
      throw new NftUnavailableError('libnftables cannot buffer its output');
    }
    l.outputSetFlags(ctx, l.outputGetFlags(ctx) | NFT_CTX_OUTPUT_JSON);
    return new NftContext(l, ctx);
  }

  get closed(): boolean {
    return this.#ctx === null;
  }

  /**
   * Runs a script (any number of newline-separated commands) as one transaction: all of it or none of it.
   * Returns what nft printed (JSON for listings, '' for changes); throws NftCommandError with nft's message.
   */
  run(script: string): string {
    if (this.#ctx === null) throw new NftUnavailableError('nft context already closed');
    const rc = this.#lib.runCmdFromBuffer(this.#ctx, script);
    // The buffers are reset by each get: read both every time so a stale message never leaks into the next call.
    const out = this.#lib.getOutputBuffer(this.#ctx) ?? '';
    const err = this.#lib.getErrorBuffer(this.#ctx) ?? '';
    if (rc !== 0) throw new NftCommandError(err.trim() || `nft failed (rc ${rc})`, script);
    return out;
  }

  close(): void {
    if (this.#ctx === null) return;
    this.#lib.ctxFree(this.#ctx);
    this.#ctx = null;
  }
}
