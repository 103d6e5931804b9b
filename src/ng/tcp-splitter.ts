/**
 * Splits a TCP-ng byte stream into messages. TCP-ng has no length prefix: a message is a cookie, a space,
 * and exactly one complete dictionary (bencode `d…e`, or a JSON object), so the only way to find its end
 * is to follow the dictionary's structure. The splitter does that incrementally: each byte is looked at
 * once whatever the chunking, and bencode string contents are skipped by their length, not scanned.
 *
 * Bytes between messages are not skipped: like rtpengine 10.5, a newline after a message becomes the start
 * of the next cookie, and the reply echoes it (so newline-separated requests get newline-separated replies).
 *
 * It only finds boundaries; the message itself is decoded (strictly) by `parseNgDatagram`. A stream that can
 * never become a valid message throws `NgStreamError`; the caller closes that connection.
 */

export class NgStreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'NgStreamError';
  }
}

export interface NgStreamSplitterOptions {
  /** Longest accepted cookie. Default 256. */
  maxCookieBytes?: number;
  /** Largest accepted message, cookie included. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Deepest accepted nesting of lists/dictionaries or arrays/objects. Default 64, like the decoder. */
  maxDepth?: number;
}

type Phase =
  | 'cookie'
  | 'body-start'
  | 'bencode-value' // expecting a bencode value or the `e` that closes the container
  | 'bencode-length' // digits of a string length, up to `:`
  | 'bencode-string' // skipping `remaining` bytes of string content
  | 'bencode-integer'
  | 'json'
  | 'json-string'
  | 'json-escape';

const SP = 0x20;
const CH_D = 0x64;
const CH_L = 0x6c;
const CH_I = 0x69;
const CH_E = 0x65;
const CH_COLON = 0x3a;
const CH_MINUS = 0x2d;
const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_LBRACE = 0x7b;
const CH_RBRACE = 0x7d;
const CH_LBRACKET = 0x5b;
const CH_RBRACKET = 0x5d;
const CH_QUOTE = 0x22;
const CH_BACKSLASH = 0x5c;

export class NgStreamSplitter {
  readonly #maxCookie: number;
  readonly #maxMessage: number;
  readonly #maxDepth: number;

  /** Received bytes not yet handed out; `#start` is where the current message begins. */
  #buf: Buffer = Buffer.alloc(0);
  #length = 0;
  #start = 0;
  /** Everything before `#scan` has been looked at; scanning resumes here on the next push. */
  #scan = 0;

  #phase: Phase = 'cookie';
  #depth = 0;
  #remaining = 0;

  constructor(opts: NgStreamSplitterOptions = {}) {
    this.#maxCookie = opts.maxCookieBytes ?? 256;
    this.#maxMessage = opts.maxMessageBytes ?? 16 * 1024 * 1024;
    this.#maxDepth = opts.maxDepth ?? 64;
  }

  /** Bytes received but not yet returned as part of a message. */
  get buffered(): number {
    return this.#length - this.#start;
  }

  /** Feeds the next chunk of the stream; returns every message it completed, in order (each a fresh copy). */
  push(chunk: Buffer): Buffer[] {
    this.#append(chunk);
    const messages: Buffer[] = [];
    while (this.#scan < this.#length) {
      if (this.#step()) {
        messages.push(Buffer.from(this.#buf.subarray(this.#start, this.#scan)));
        this.#start = this.#scan;
        this.#phase = 'cookie';
      }
      if (this.#scan - this.#start > this.#maxMessage) {
        throw new NgStreamError(`message longer than ${this.#maxMessage} bytes`);
      }
    }
    return messages;
  }

  #append(chunk: Buffer): void {
    if (this.#length + chunk.length > this.#buf.length) {
      // Move the live bytes to the front, growing so that at least as much room as they take is left
      // free: the next move is then at least that many bytes away, so each byte is copied O(1) times.
      const live = this.#length - this.#start;
      const needed = live + chunk.length;
      const target =
        needed * 2 > this.#buf.length ? Buffer.allocUnsafe(Math.max(needed * 2, 4096)) : this.#buf;
      this.#buf.copy(target, 0, this.#start, this.#length);
      this.#buf = target;
      this.#scan -= this.#start;
      this.#length = live;
      this.#start = 0;
    }
    chunk.copy(this.#buf, this.#length);
    this.#length += chunk.length;
  }

  /** Consumes bytes from `#scan` in the current phase; returns true when a message just ended at `#scan`. */
  #step(): boolean {
    const buf = this.#buf;
    switch (this.#phase) {
      case 'cookie': {
        // Never look further than the longest allowed cookie (plus its space).
        const limit = Math.min(this.#length, this.#start + this.#maxCookie + 1);
        const space = buf.subarray(this.#scan, limit).indexOf(SP);
        if (space < 0) {
          if (limit - this.#start > this.#maxCookie) {
            throw new NgStreamError(`cookie longer than ${this.#maxCookie} bytes`);
          }
          this.#scan = limit;
          return false;
        }
        this.#scan += space + 1;
        this.#phase = 'body-start';
        return false;
      }
      case 'body-start': {
        const c = buf[this.#scan++] as number;
        this.#depth = 1;
        if (c === CH_D) this.#phase = 'bencode-value';
        else if (c === CH_LBRACE) this.#phase = 'json';
        else throw new NgStreamError('message body is neither a bencode dictionary nor a JSON object');
        return false;
      }
      case 'bencode-value':
        return this.#bencodeValue(buf[this.#scan++] as number);
      case 'bencode-length': {
        const c = buf[this.#scan++] as number;
        if (c === CH_COLON) {
          this.#phase = 'bencode-string';
          return this.#remaining === 0 ? this.#endOfValue() : false;
        }
        if (c < CH_0 || c > CH_9) throw new NgStreamError('invalid byte in a bencode string length');
        this.#remaining = this.#remaining * 10 + (c - CH_0);
        if (this.#remaining > this.#maxMessage)
          throw new NgStreamError('bencode string longer than a message may be');
        return false;
      }
      case 'bencode-string': {
        const take = Math.min(this.#remaining, this.#length - this.#scan);
        this.#scan += take;
        this.#remaining -= take;
        return this.#remaining === 0 ? this.#endOfValue() : false;
      }
      case 'bencode-integer': {
        const c = buf[this.#scan++] as number;
        if (c === CH_E) return this.#endOfValue();
        if ((c < CH_0 || c > CH_9) && c !== CH_MINUS)
          throw new NgStreamError('invalid byte in a bencode integer');
        return false;
      }
      case 'json':
        return this.#json();
      case 'json-string': {
        // Only `"` and `\` matter inside a string; jump between them.
        for (; this.#scan < this.#length; this.#scan++) {
          const c = buf[this.#scan];
          if (c === CH_QUOTE) {
            this.#scan++;
            this.#phase = 'json';
            return false;
          }
          if (c === CH_BACKSLASH) {
            this.#scan++;
            this.#phase = 'json-escape';
            return false;
          }
        }
        return false;
      }
      case 'json-escape':
        this.#scan++;
        this.#phase = 'json-string';
        return false;
    }
  }

  #bencodeValue(c: number): boolean {
    if (c >= CH_0 && c <= CH_9) {
      this.#remaining = c - CH_0;
      this.#phase = 'bencode-length';
      return false;
    }
    if (c === CH_I) {
      this.#phase = 'bencode-integer';
      return false;
    }
    if (c === CH_D || c === CH_L) {
      if (++this.#depth > this.#maxDepth) throw new NgStreamError('bencode nesting too deep');
      return false;
    }
    if (c === CH_E) {
      this.#depth--;
      return this.#depth === 0;
    }
    throw new NgStreamError(`unexpected byte 0x${c.toString(16)} in a bencode dictionary`);
  }

  /** A string or integer ended; the enclosing container (never the top level) continues. */
  #endOfValue(): boolean {
    this.#phase = 'bencode-value';
    return false;
  }

  #json(): boolean {
    const buf = this.#buf;
    while (this.#scan < this.#length) {
      const c = buf[this.#scan++] as number;
      if (c === CH_QUOTE) {
        this.#phase = 'json-string';
        return false;
      }
      if (c === CH_LBRACE || c === CH_LBRACKET) {
        if (++this.#depth > this.#maxDepth) throw new NgStreamError('JSON nesting too deep');
      } else if (c === CH_RBRACE || c === CH_RBRACKET) {
        if (--this.#depth === 0) return true;
      }
    }
    return false;
  }
}
