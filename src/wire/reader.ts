import { GatewayError } from '../errors/index.ts';

/**
 * Incremental framing of the client → server byte stream (PostgreSQL protocol 3.0).
 *
 * Two phases, switched by the caller (the session knows when the startup phase ends):
 *  - 'startup': untyped packets, `int32 length` (self-inclusive) then `int32 code` (StartupMessage's protocol
 *    version, or the SSLRequest / GSSENCRequest / CancelRequest magic numbers), then the body;
 *  - 'typed': `byte1 type` then `int32 length` (self-inclusive) then the body.
 *
 * Usage: `push(chunk)` for every socket chunk, then call `next()` until it returns null (needs more bytes).
 * Nothing here throws on bad input: a bad header yields `{ kind: 'error' }` once; the reader then stays
 * failed (`hasFailed`), ignores further chunks and returns null, so a `while (next() !== null)` loop ends.
 * The session sends the FATAL error and closes.
 *
 * Buffer discipline (borrowed from pg-protocol, with one change): the reader keeps one read buffer with a
 * start cursor and an end cursor. A chunk that arrives when nothing is pending is adopted as the read
 * buffer as is (no copy). A chunk that arrives while a partial message is pending is appended into spare
 * room at the tail of a buffer the reader owns, or else into a fresh, larger buffer (the "compaction"),
 * copying only the pending partial message. The reader never writes over bytes it has already handed
 * out, so message bodies are zero-copy views (`subarray`) that stay valid for as long as the caller
 * keeps them (e.g. Bind parameter values across an await). The price: a retained small view pins its
 * underlying chunk; copy it (`Buffer.from(view)`) if it is kept for long.
 *
 * Limits, as PostgreSQL (postgres.c SocketBackend, pqcomm.c pq_getmessage, postmaster.c): a length below 4
 * (below 8 for startup packets) or above the per-type maximum is refused from the header alone, before any
 * of the body is awaited or allocated; so is an unknown message type byte.
 */

/** StartupMessage protocol version 3.0 (major 3 << 16 | minor 0). */
export const PROTOCOL_VERSION_3_0 = 196608;
export const SSL_REQUEST_CODE = 80877103;
export const GSSENC_REQUEST_CODE = 80877104;
export const CANCEL_REQUEST_CODE = 80877102;

/** PostgreSQL's MAX_STARTUP_PACKET_LENGTH: the largest startup packet body, excluding the length word. */
export const DEFAULT_MAX_STARTUP_PACKET_LENGTH = 10000;
/** PostgreSQL's PQ_LARGE_MESSAGE_LIMIT (MaxAllocSize - 1, just under 1 GiB): Query, Parse, Bind, FunctionCall, CopyData. */
export const DEFAULT_MAX_MESSAGE_LENGTH = 0x3fffffff - 1;
/** PostgreSQL's PQ_SMALL_MESSAGE_LIMIT: Describe, Execute, Close, Sync, Flush, Terminate, CopyDone, CopyFail. */
export const DEFAULT_MAX_SMALL_MESSAGE_LENGTH = 10000;
/** PostgreSQL's PG_MAX_AUTH_TOKEN_LENGTH: password / SASL messages ('p'). */
export const DEFAULT_MAX_AUTH_MESSAGE_LENGTH = 65535;

/** Frontend message type bytes. */
export const FrontendType = {
  Bind: 0x42, // 'B'
  Close: 0x43, // 'C'
  Describe: 0x44, // 'D'
  Execute: 0x45, // 'E'
  FunctionCall: 0x46, // 'F'
  Flush: 0x48, // 'H'
  Parse: 0x50, // 'P'
  Query: 0x51, // 'Q'
  Sync: 0x53, // 'S'
  Terminate: 0x58, // 'X'
  CopyDone: 0x63, // 'c'
  CopyData: 0x64, // 'd'
  CopyFail: 0x66, // 'f'
  /** PasswordMessage, SASLInitialResponse, SASLResponse, GSSResponse: which one depends on the auth state. */
  AuthResponse: 0x70, // 'p'
} as const;
export type FrontendType = (typeof FrontendType)[keyof typeof FrontendType];

export type ReaderPhase = 'startup' | 'typed';

export interface ReaderOptions {
  /** Initial phase; 'startup' (the default) for a fresh connection. */
  phase?: ReaderPhase;
  /** Largest length field accepted for 'Q', 'P', 'B', 'F', 'd' (self-inclusive). */
  maxMessageLength?: number;
  /** Largest length field accepted for 'D', 'E', 'C', 'S', 'H', 'X', 'c', 'f'. */
  maxSmallMessageLength?: number;
  /** Largest length field accepted for 'p'. */
  maxAuthMessageLength?: number;
  /** Largest startup packet, excluding its 4-byte length word (PostgreSQL: 10000). */
  maxStartupPacketLength?: number;
}

/** An untyped startup-phase packet: `code` is the first int32 after the length, `body` what follows it. */
export interface StartupFrame {
  readonly kind: 'startup';
  readonly code: number;
  readonly body: Buffer;
}

/** A typed message: `type` is the type byte (see FrontendType), `body` excludes type and length. */
export interface MessageFrame {
  readonly kind: 'message';
  readonly type: FrontendType;
  readonly body: Buffer;
}

export interface FrameError {
  readonly kind: 'error';
  readonly error: GatewayError;
}

export type Frame = StartupFrame | MessageFrame | FrameError;

const EMPTY = Buffer.alloc(0);
/** Smallest buffer allocated when appending to a pending partial message. */
const MIN_OWNED_CAPACITY = 16 * 1024;

// Size classes of the type bytes (the limit that applies to the length field).
const UNKNOWN = 0;
const LARGE = 1;
const SMALL = 2;
const AUTH = 3;

/** Size class per type byte; 0 = not a frontend message type. */
const SIZE_CLASS = new Uint8Array(256);
for (const t of [FrontendType.Query, FrontendType.Parse, FrontendType.Bind, FrontendType.FunctionCall, FrontendType.CopyData]) {
  SIZE_CLASS[t] = LARGE;
}
for (const t of [
  FrontendType.Describe,
  FrontendType.Execute,
  FrontendType.Close,
  FrontendType.Sync,
  FrontendType.Flush,
  FrontendType.Terminate,
  FrontendType.CopyDone,
  FrontendType.CopyFail,
]) {
  SIZE_CLASS[t] = SMALL;
}
SIZE_CLASS[FrontendType.AuthResponse] = AUTH;

export class MessageReader {
  /** Current framing phase; set it to 'typed' once the StartupMessage has been accepted. */
  phase: ReaderPhase;

  private buf: Buffer = EMPTY;
  /** Start of the first unconsumed byte in `buf`. */
  private start = 0;
  /** End of valid data in `buf`. */
  private end = 0;
  /** Whether `buf` was allocated by the reader (then bytes after `end` may be written), or adopted. */
  private owned = false;
  private failed = false;

  private readonly maxLarge: number;
  private readonly maxSmall: number;
  private readonly maxAuth: number;
  private readonly maxStartup: number;

  constructor(options: ReaderOptions = {}) {
    this.phase = options.phase ?? 'startup';
    this.maxLarge = options.maxMessageLength ?? DEFAULT_MAX_MESSAGE_LENGTH;
    this.maxSmall = options.maxSmallMessageLength ?? DEFAULT_MAX_SMALL_MESSAGE_LENGTH;
    this.maxAuth = options.maxAuthMessageLength ?? DEFAULT_MAX_AUTH_MESSAGE_LENGTH;
    this.maxStartup = options.maxStartupPacketLength ?? DEFAULT_MAX_STARTUP_PACKET_LENGTH;
  }

  /**
   * Bytes received but not yet returned as frames. After an SSLRequest or GSSENCRequest the session must
   * check this is 0 before starting the handshake: bytes sent before the TLS handshake must not be read
   * as if they had been encrypted (CVE-2021-23214; PostgreSQL answers "received unencrypted data after
   * SSL request").
   */
  get buffered(): number {
    return this.end - this.start;
  }

  /** Whether a bad header has put the reader in its failed state. */
  get hasFailed(): boolean {
    return this.failed;
  }

  /** Appends a chunk received from the socket. The chunk is kept by reference; do not reuse its memory. */
  push(chunk: Uint8Array): void {
    if (this.failed || chunk.length === 0) return;
    const data = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    const pending = this.end - this.start;
    if (pending === 0) {
      // Nothing pending: adopt the chunk itself, no copy.
      this.buf = data;
      this.start = 0;
      this.end = data.length;
      this.owned = false;
      return;
    }
    if (this.owned && this.buf.length - this.end >= data.length) {
      // Room at the tail of our own buffer: bytes after `end` were never handed out.
      data.copy(this.buf, this.end);
      this.end += data.length;
      return;
    }
    // Fresh buffer; copy the pending partial message and the chunk. Grow geometrically, but never beyond
    // what the pending message needs (when its header is known): a header claiming 1 GiB allocates as
    // the bytes actually arrive, not up front.
    const required = pending + data.length;
    let capacity = Math.max(MIN_OWNED_CAPACITY, required * 2);
    const expected = this.pendingFrameLength();
    if (expected > 0 && expected >= required) capacity = Math.min(capacity, expected);
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, this.start, this.end);
    data.copy(next, pending);
    this.buf = next;
    this.start = 0;
    this.end = required;
    this.owned = true;
  }

  /**
   * The next complete frame, or null when more bytes are needed. On a bad header: an error frame, once;
   * null from then on. Never throws.
   */
  next(): Frame | null {
    if (this.failed) return null;
    const available = this.end - this.start;
    const buf = this.buf;
    const s = this.start;
    if (this.phase === 'startup') {
      if (available < 4) return null;
      const length = buf.readUInt32BE(s);
      // PostgreSQL: len - 4 must hold at least the 4-byte code and at most MAX_STARTUP_PACKET_LENGTH.
      if (length < 8 || length - 4 > this.maxStartup) {
        return this.fail('invalid length of startup packet');
      }
      if (available < length) return null;
      const code = buf.readUInt32BE(s + 4);
      const body = buf.subarray(s + 8, s + length);
      this.consume(length);
      return { kind: 'startup', code, body };
    }
    if (available < 1) return null;
    const type = buf[s];
    const sizeClass = SIZE_CLASS[type];
    if (sizeClass === UNKNOWN) {
      return this.fail(`invalid frontend message type ${type}`);
    }
    if (available < 5) return null;
    const length = buf.readUInt32BE(s + 1);
    const max = sizeClass === LARGE ? this.maxLarge : sizeClass === SMALL ? this.maxSmall : this.maxAuth;
    if (length < 4 || length > max) {
      return this.fail('invalid message length');
    }
    if (available < length + 1) return null;
    const body = buf.subarray(s + 5, s + 1 + length);
    this.consume(length + 1);
    return { kind: 'message', type: type as FrontendType, body };
  }

  /** Drops everything buffered (e.g. when the connection is closing). */
  reset(): void {
    this.buf = EMPTY;
    this.start = 0;
    this.end = 0;
    this.owned = false;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) {
      // Nothing pending: drop the reference; the next chunk is adopted as is.
      this.buf = EMPTY;
      this.start = 0;
      this.end = 0;
      this.owned = false;
    }
  }

  /** Total byte size of the pending frame if its header is complete (and valid), else 0. */
  private pendingFrameLength(): number {
    const available = this.end - this.start;
    if (this.phase === 'startup') {
      if (available < 4) return 0;
      const length = this.buf.readUInt32BE(this.start);
      return length >= 8 && length - 4 <= this.maxStartup ? length : 0;
    }
    if (available < 5) return 0;
    const length = this.buf.readUInt32BE(this.start + 1);
    return length >= 4 && length <= this.maxLarge ? length + 1 : 0;
  }

  private fail(message: string): FrameError {
    this.failed = true;
    this.reset();
    return { kind: 'error', error: new GatewayError('PROTOCOL_VIOLATION', message) };
  }
}
