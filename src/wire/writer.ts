/**
 * A growable output buffer for backend messages (pg-protocol's Writer, reshaped for throughput).
 *
 * - `begin(type)` writes the type byte and reserves the 4-byte length; `end()` back-fills the length.
 * - Many messages accumulate in one buffer; `flush()` hands out everything written since the last flush as
 *   one Buffer for one `socket.write`. The returned Buffer is a view of the writer's memory, and the
 *   writer never writes over bytes it has handed out: after a flush it keeps appending behind them, and
 *   when it runs out of room it moves to a fresh buffer (copying only what was not flushed). So the
 *   socket may keep the flushed Buffer as long as it likes.
 * - Strings are written in place as UTF-8 (no intermediate Buffer): an ASCII loop for short strings,
 *   Buffer#utf8Write for long or non-ASCII ones.
 */

const DEFAULT_CAPACITY = 64 * 1024;
const EMPTY = Buffer.alloc(0);

/** Strings up to this many UTF-16 units are tried with a JS ASCII loop before falling back to utf8Write. */
const ASCII_LOOP_MAX = 48;

type Utf8Writable = Buffer & { utf8Write(s: string, offset: number, length: number): number };

export class BufferWriter {
  /** Current buffer; bytes [flushed, pos) are written and not yet flushed. */
  protected buf: Buffer;
  protected pos = 0;
  protected flushed = 0;
  /** Offset of the current message's type byte, -1 outside a message. */
  protected msgStart = -1;
  private readonly initialCapacity: number;

  constructor(initialCapacity = DEFAULT_CAPACITY) {
    this.initialCapacity = Math.max(64, initialCapacity);
    this.buf = Buffer.allocUnsafe(this.initialCapacity);
  }

  /** Bytes written since the last flush (use it to decide when to flush: e.g. at >= 64 KiB). */
  get length(): number {
    return this.pos - this.flushed;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.buf.length - this.pos < n) this.grow(n);
  }

  /** Moves to a larger buffer with room for `n` more bytes (copies only the unflushed bytes). */
  protected grow(n: number): void {
    const pending = this.pos - this.flushed;
    const capacity = Math.max(this.initialCapacity, (pending + n) * 2);
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, this.flushed, this.pos);
    if (this.msgStart >= 0) this.msgStart -= this.flushed;
    this.buf = next;
    this.pos = pending;
    this.flushed = 0;
  }

  /** Starts a message: type byte plus a 4-byte length placeholder. */
  begin(type: number): void {
    if (this.buf.length - this.pos < 5) this.grow(5);
    this.buf[this.pos] = type;
    this.msgStart = this.pos;
    this.pos += 5;
  }

  /** Ends the current message, back-filling its length (which counts itself, not the type byte). */
  end(): void {
    const start = this.msgStart;
    this.buf.writeUInt32BE(this.pos - start - 1, start + 1);
    this.msgStart = -1;
  }

  int8(v: number): void {
    if (this.buf.length - this.pos < 1) this.grow(1);
    this.buf[this.pos++] = v;
  }

  int16(v: number): void {
    if (this.buf.length - this.pos < 2) this.grow(2);
    this.buf.writeInt16BE(v, this.pos);
    this.pos += 2;
  }

  uint16(v: number): void {
    if (this.buf.length - this.pos < 2) this.grow(2);
    this.buf.writeUInt16BE(v, this.pos);
    this.pos += 2;
  }

  int32(v: number): void {
    if (this.buf.length - this.pos < 4) this.grow(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint32(v: number): void {
    if (this.buf.length - this.pos < 4) this.grow(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  bytes(b: Uint8Array): void {
    const n = b.length;
    if (this.buf.length - this.pos < n) this.grow(n);
    this.buf.set(b, this.pos);
    this.pos += n;
  }

  /** Appends pre-built bytes (e.g. a complete fixed message). */
  raw(b: Uint8Array): void {
    this.bytes(b);
  }

  /** A copy of the last `n` bytes written (not yet flushed), e.g. to write them again later with raw(). */
  copyOfLast(n: number): Buffer {
    if (n < 0 || n > this.pos - this.flushed) throw new RangeError(`copyOfLast(${n}): only ${this.pos - this.flushed} bytes are unflushed`);
    return Buffer.from(this.buf.subarray(this.pos - n, this.pos));
  }

  /** Writes a string as UTF-8 without a terminator; returns the number of bytes written. */
  string(s: string): number {
    const max = s.length * 3;
    if (this.buf.length - this.pos < max) this.grow(max);
    const n = writeUtf8(this.buf, s, this.pos);
    this.pos += n;
    return n;
  }

  /**
   * Writes a NUL-terminated string. A NUL inside `s` would end the string early and shift every later
   * field of the message, so NULs are dropped.
   */
  cstring(s: string): void {
    if (s.indexOf('\0') >= 0) s = s.replaceAll('\0', '');
    this.string(s);
    this.int8(0);
  }

  /**
   * Everything written since the last flush, as one Buffer (empty when nothing was written). Must not be
   * called in the middle of a message.
   */
  flush(): Buffer {
    if (this.pos === this.flushed) return EMPTY;
    const out = this.buf.subarray(this.flushed, this.pos);
    this.flushed = this.pos;
    if (this.buf.length - this.pos < 256) {
      // Not worth keeping a tiny tail: start the next writes in a fresh buffer.
      this.buf = Buffer.allocUnsafe(this.initialCapacity);
      this.pos = 0;
      this.flushed = 0;
    }
    return out;
  }

  /** Drops everything not yet flushed (e.g. after an error while writing a message). */
  discard(): void {
    this.pos = this.flushed;
    this.msgStart = -1;
  }
}

/**
 * Writes `s` as UTF-8 at `offset` and returns the byte count. The caller guarantees room for
 * 3 * s.length bytes. Lone surrogates become U+FFFD, as with Buffer#write.
 */
export function writeUtf8(buf: Buffer, s: string, offset: number): number {
  const len = s.length;
  if (len <= ASCII_LOOP_MAX) {
    let i = 0;
    for (; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      buf[offset + i] = c;
    }
    if (i === len) return len;
    return i + (buf as Utf8Writable).utf8Write(s.slice(i), offset + i, buf.length - offset - i);
  }
  return (buf as Utf8Writable).utf8Write(s, offset, buf.length - offset);
}
