/**
 * A minimal reader of Thrift's compact protocol, enough for Parquet's footer (FileMetaData), page headers
 * and bloom filter headers. It decodes into a generic tree (a struct is a Map from field id to value) that
 * footer.ts maps onto the few fields the estimator needs; unknown fields are decoded and ignored, so newer
 * writers' additions do not break it.
 *
 * Integers come back as JavaScript numbers: every integer the estimator reads (offsets, sizes, counts)
 * stays far below 2^53. i64 values beyond that are rounded, never wrapped.
 */

/** A decoded Thrift value: i8/i16/i32/i64/double as number, bool, binary/string as bytes, list, struct. */
export type ThriftValue = number | boolean | Uint8Array | ThriftValue[] | ThriftStruct;
export type ThriftStruct = Map<number, ThriftValue>;

const enum CType {
  STOP = 0,
  TRUE = 1,
  FALSE = 2,
  BYTE = 3,
  I16 = 4,
  I32 = 5,
  I64 = 6,
  DOUBLE = 7,
  BINARY = 8,
  LIST = 9,
  SET = 10,
  MAP = 11,
  STRUCT = 12,
}

/** Thrown when the buffer ends before the value does (the caller may retry with more bytes). */
export class ThriftTruncatedError extends Error {
  constructor() {
    super('thrift: unexpected end of buffer');
    this.name = 'ThriftTruncatedError';
  }
}

const MAX_DEPTH = 64;

export class CompactReader {
  pos: number;

  constructor(
    private readonly buf: Uint8Array,
    start = 0,
  ) {
    this.pos = start;
  }

  private byte(): number {
    if (this.pos >= this.buf.length) throw new ThriftTruncatedError();
    return this.buf[this.pos++]!;
  }

  /** Unsigned LEB128 varint, as a number (exact up to 2^53). */
  private varint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const b = this.byte();
      result += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return result;
      scale *= 128;
    }
    throw new Error('thrift: varint longer than 10 bytes');
  }

  private zigzag(): number {
    const n = this.varint();
    // n is even for non-negative values: n / 2; odd for negative: -(n + 1) / 2. Division keeps it exact.
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  private bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.buf.length) throw new ThriftTruncatedError();
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }

  private value(type: number, depth: number): ThriftValue {
    switch (type) {
      case CType.TRUE:
        return true;
      case CType.FALSE:
        return false;
      case CType.BYTE: {
        const b = this.byte();
        return b > 127 ? b - 256 : b;
      }
      case CType.I16:
      case CType.I32:
      case CType.I64:
        return this.zigzag();
      case CType.DOUBLE: {
        if (this.pos + 8 > this.buf.length) throw new ThriftTruncatedError();
        const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
        this.pos += 8;
        return v;
      }
      case CType.BINARY:
        return this.bytes();
      case CType.LIST:
      case CType.SET:
        return this.list(depth);
      case CType.MAP:
        return this.map(depth);
      case CType.STRUCT:
        return this.struct(depth + 1);
      default:
        throw new Error(`thrift: unknown compact type ${type}`);
    }
  }

  private list(depth: number): ThriftValue[] {
    const header = this.byte();
    let size = header >> 4;
    const elemType = header & 0x0f;
    if (size === 15) size = this.varint();
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) {
      // Booleans inside containers are one byte each (1 = true).
      if (elemType === CType.TRUE || elemType === CType.FALSE) out.push(this.byte() === 1);
      else out.push(this.value(elemType, depth));
    }
    return out;
  }

  /** Maps are not used by the fields we read; they are decoded as a list of [key, value] pairs. */
  private map(depth: number): ThriftValue[] {
    const size = this.varint();
    if (size === 0) return [];
    const types = this.byte();
    const kt = types >> 4;
    const vt = types & 0x0f;
    const out: ThriftValue[] = [];
    for (let i = 0; i < size; i++) out.push([this.value(kt, depth), this.value(vt, depth)]);
    return out;
  }

  /** Reads one struct starting at `pos`. */
  struct(depth = 0): ThriftStruct {
    if (depth > MAX_DEPTH) throw new Error('thrift: structs nested too deeply');
    const out: ThriftStruct = new Map();
    let lastId = 0;
    for (;;) {
      const header = this.byte();
      const type = header & 0x0f;
      if (type === CType.STOP) return out;
      const delta = header >> 4;
      const id = delta === 0 ? this.zigzag() : lastId + delta;
      lastId = id;
      out.set(id, this.value(type, depth));
    }
  }
}

/** Decodes the struct at the start of `buf`; `end` is the offset just after it. */
export function readStruct(buf: Uint8Array, start = 0): { value: ThriftStruct; end: number } {
  const r = new CompactReader(buf, start);
  const value = r.struct();
  return { value, end: r.pos };
}

// Typed accessors for footer.ts: absent or mistyped fields read as undefined.
export function num(s: ThriftStruct, id: number): number | undefined {
  const v = s.get(id);
  return typeof v === 'number' ? v : undefined;
}
export function bool(s: ThriftStruct, id: number): boolean | undefined {
  const v = s.get(id);
  return typeof v === 'boolean' ? v : undefined;
}
export function bin(s: ThriftStruct, id: number): Uint8Array | undefined {
  const v = s.get(id);
  return v instanceof Uint8Array ? v : undefined;
}
export function str(s: ThriftStruct, id: number): string | undefined {
  const v = bin(s, id);
  return v === undefined ? undefined : new TextDecoder().decode(v);
}
export function struct(s: ThriftStruct, id: number): ThriftStruct | undefined {
  const v = s.get(id);
  return v instanceof Map ? v : undefined;
}
export function list(s: ThriftStruct, id: number): ThriftValue[] | undefined {
  const v = s.get(id);
  return Array.isArray(v) ? v : undefined;
}
