/**
 * DuckDB vectors → columns of canonical values (see src/pgtypes/values.ts).
 *
 * A reader is chosen once per result column from its DuckDB type and then applied to every chunk. It
 * reads the vector's buffers directly: fixed-width values through a typed-array view, validity as
 * bytes, strings from the 16-byte string_t slots. When a column has no NULLs and its canonical value
 * is a plain number or bigint, the reader returns a typed array (Int32Array, Float64Array,
 * BigInt64Array, ...) instead of an Array: it is an `ArrayLike<PgValue>` like any other column, and
 * copying it is an order of magnitude cheaper than boxing each value.
 */
import { Buffer } from 'node:buffer';
import { DuckDBTypeId, DuckDBVector, type DuckDBType } from '@duckdb/node-api';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgValue } from '../../pgtypes/values.ts';
import { raw, type RawVector } from './bindings.ts';

/**
 * Reads `count` values of a vector. `plain` asks for a JS Array (list children are sliced into
 * PostgreSQL arrays, which must be Arrays); otherwise a typed array may come back.
 */
export type VectorReader = (vector: RawVector, count: number, plain: boolean) => ArrayLike<PgValue>;

type TypedArrayCtor<T> = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): T;
  readonly BYTES_PER_ELEMENT: number;
};

/** A typed view of a vector's data; copies first in the (never observed) case of a misaligned buffer. */
function view<T>(Ctor: TypedArrayCtor<T>, data: Uint8Array, length: number): T {
  if (data.byteOffset % Ctor.BYTES_PER_ELEMENT !== 0) {
    const copy = data.slice();
    return new Ctor(copy.buffer, 0, length);
  }
  return new Ctor(data.buffer, data.byteOffset, length);
}

function dataOf(vector: RawVector, count: number, width: number): Uint8Array {
  return raw.vector_get_data(vector, count * width);
}

/** Validity bitmap as bytes (bit i of byte i>>3), or null when every row is valid. */
function validityOf(vector: RawVector, count: number): Uint8Array | null {
  return raw.vector_get_validity(vector, Math.ceil(count / 64) * 8);
}

function isValid(validity: Uint8Array, i: number): boolean {
  return (validity[i >> 3]! & (1 << (i & 7))) !== 0;
}

/** Applies `convert` to every valid row; NULL rows become null. */
function mapRows<T>(count: number, validity: Uint8Array | null, convert: (i: number) => T): (T | null)[] {
  const out = new Array<T | null>(count);
  if (validity === null) {
    for (let i = 0; i < count; i++) out[i] = convert(i);
  } else {
    for (let i = 0; i < count; i++) out[i] = isValid(validity, i) ? convert(i) : null;
  }
  return out;
}

interface CopyableTypedArray<E> extends ArrayLike<E> {
  slice(): CopyableTypedArray<E>;
}

/** Fixed-width values whose canonical form is the typed array's own element (number or bigint). */
function direct<E extends number | bigint>(Ctor: TypedArrayCtor<CopyableTypedArray<E>>): VectorReader {
  return (vector, count, plain) => {
    if (count === 0) return [];
    const items = view(Ctor, dataOf(vector, count, Ctor.BYTES_PER_ELEMENT), count);
    const validity = validityOf(vector, count);
    if (validity === null && !plain) return items.slice();
    return mapRows(count, validity, (i) => items[i]!);
  };
}

/** Fixed-width values converted one by one. */
function converted<A, T extends PgValue>(
  Ctor: TypedArrayCtor<A>,
  width: number,
  convert: (items: A, i: number) => T,
): VectorReader {
  return (vector, count) => {
    if (count === 0) return [];
    const data = dataOf(vector, count, width);
    const items = view(Ctor, data, (count * width) / Ctor.BYTES_PER_ELEMENT);
    return mapRows(count, validityOf(vector, count), (i) => convert(items, i));
  };
}

// ---------------------------------------------------------------------------------------------------
// Strings (VARCHAR, BLOB): 16-byte string_t = uint32 length, then either up to 12 inline bytes or a
// 4-byte prefix and an 8-byte pointer. One native call per non-inlined string costs ~1-2 µs, which
// dominates for long strings, so the pointers of a chunk are grouped into clusters of nearby memory
// (DuckDB writes a chunk's strings into a few arena blocks) and each cluster is copied with one call.
// A cluster only spans gaps smaller than a page (4096 bytes): every byte between two readable bytes
// that are less than a page apart lies on one of their two pages, so the copy never touches an
// unmapped page. Clusters are capped at 16 MiB.

const PAGE = 4096;
const MAX_CLUSTER = 16 * 1024 * 1024;
const TWO_32 = 4294967296;
const pointerScratch = new ArrayBuffer(8);
const pointerScratch32 = new Uint32Array(pointerScratch);

let ptrBuf = new Float64Array(2048);
let lenBuf = new Uint32Array(2048);
let rowBuf = new Int32Array(2048);

function ensureScratch(count: number): void {
  if (ptrBuf.length < count) {
    ptrBuf = new Float64Array(count);
    lenBuf = new Uint32Array(count);
    rowBuf = new Int32Array(count);
  }
}

function copyFrom(address: number, byteCount: number): Buffer {
  pointerScratch32[0] = address % TWO_32;
  pointerScratch32[1] = Math.floor(address / TWO_32);
  const bytes = raw.get_data_from_pointer(pointerScratch, 0, byteCount);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function stringLike<T extends PgValue>(decode: (bytes: Buffer, start: number, end: number) => T): VectorReader {
  return (vector, count) => {
    if (count === 0) return [];
    const data = dataOf(vector, count, 16);
    const words = view(Uint32Array, data, count * 4);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const validity = validityOf(vector, count);
    const out = new Array<T | null>(count);
    ensureScratch(count);
    const ptrs = ptrBuf;
    const lens = lenBuf;
    const rows = rowBuf;
    let n = 0;
    let sorted = true;
    let last = -1;
    for (let i = 0; i < count; i++) {
      if (validity !== null && !isValid(validity, i)) {
        out[i] = null;
        continue;
      }
      const len = words[i * 4]!;
      if (len <= 12) {
        const start = i * 16 + 4;
        out[i] = decode(bytes, start, start + len);
      } else {
        const p = words[i * 4 + 2]! + words[i * 4 + 3]! * TWO_32;
        if (p < last) sorted = false;
        last = p;
        ptrs[n] = p;
        lens[n] = len;
        rows[n] = i;
        n++;
      }
    }
    if (n === 0) return out;
    let order: ArrayLike<number>;
    if (sorted) {
      order = identity(n);
    } else {
      const idx = Array.from(identity(n));
      idx.sort((a, b) => ptrs[a]! - ptrs[b]!);
      order = idx;
    }
    let first = 0;
    let start = ptrs[order[0]!]!;
    let end = start + lens[order[0]!]!;
    const flush = (from: number, to: number): void => {
      const chunk = copyFrom(start, end - start);
      for (let k = from; k < to; k++) {
        const j = order[k]!;
        const s = ptrs[j]! - start;
        out[rows[j]!] = decode(chunk, s, s + lens[j]!);
      }
    };
    for (let k = 1; k < n; k++) {
      const j = order[k]!;
      const s = ptrs[j]!;
      const e = s + lens[j]!;
      if (s - end >= PAGE || Math.max(e, end) - start > MAX_CLUSTER) {
        flush(first, k);
        first = k;
        start = s;
        end = e;
      } else if (e > end) {
        end = e;
      }
    }
    flush(first, n);
    return out;
  };
}

let identityBuf = new Int32Array(0);
function identity(n: number): Int32Array {
  if (identityBuf.length < n) {
    identityBuf = new Int32Array(Math.max(n, 2048));
    for (let i = 0; i < identityBuf.length; i++) identityBuf[i] = i;
  }
  return identityBuf.subarray(0, n);
}

/**
 * UTF-8 → string. Buffer's own utf8Slice skips toString's argument handling (~30% faster on short
 * strings); inlined strings (<= 12 bytes) that are ASCII are cheaper still to assemble by hand.
 */
type Slicer = (this: Buffer, start: number, end: number) => string;
const utf8Slice: Slicer =
  (Buffer.prototype as unknown as { utf8Slice?: Slicer }).utf8Slice ??
  function (this: Buffer, start: number, end: number) {
    return this.toString('utf8', start, end);
  };

const decodeText = (b: Buffer, s: number, e: number): string => {
  if (e - s <= 12) {
    let out = '';
    for (let k = s; k < e; k++) {
      const ch = b[k]!;
      if (ch > 127) return utf8Slice.call(b, s, e);
      out += String.fromCharCode(ch);
    }
    return out;
  }
  return utf8Slice.call(b, s, e);
};
const decodeBytes = (b: Buffer, s: number, e: number): Uint8Array => {
  const copy = new Uint8Array(e - s);
  copy.set(b.subarray(s, e));
  return copy;
};

// ---------------------------------------------------------------------------------------------------
// Decimal text

/** Exact decimal text of `unscaled / 10^scale`, always with exactly `scale` fractional digits. */
export function decimalText(unscaled: number | bigint, scale: number): string {
  let digits: string;
  let negative: boolean;
  if (typeof unscaled === 'number') {
    negative = unscaled < 0;
    digits = String(negative ? -unscaled : unscaled);
  } else {
    negative = unscaled < 0n;
    digits = (negative ? -unscaled : unscaled).toString();
  }
  if (scale > 0) {
    if (digits.length <= scale) digits = '0'.repeat(scale - digits.length + 1) + digits;
    digits = `${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
  }
  return negative ? `-${digits}` : digits;
}

function int128(words: Uint32Array, i: number, signed: boolean): bigint {
  const base = i * 4;
  const lo = BigInt(words[base]!) | (BigInt(words[base + 1]!) << 32n);
  const hiRaw = BigInt(words[base + 2]!) | (BigInt(words[base + 3]!) << 32n);
  const hi = signed ? BigInt.asIntN(64, hiRaw) : hiRaw;
  return (hi << 64n) | lo;
}

function decimalReader(width: number, scale: number): VectorReader {
  if (width <= 4) return converted(Int16Array, 2, (a, i) => decimalText(a[i]!, scale));
  if (width <= 9) return converted(Int32Array, 4, (a, i) => decimalText(a[i]!, scale));
  if (width <= 18) {
    return converted(Int32Array, 8, (a, i) => {
      const hi = a[i * 2 + 1]!;
      const lo = a[i * 2]! >>> 0;
      // Exact as a double while |value| < 2^53, i.e. the high word within ±2^21.
      if (hi >= -2097152 && hi < 2097152) return decimalText(hi * TWO_32 + lo, scale);
      return decimalText((BigInt(hi) << 32n) | BigInt(lo), scale);
    });
  }
  return converted(Uint32Array, 16, (a, i) => decimalText(int128(a, i, true), scale));
}

// ---------------------------------------------------------------------------------------------------
// UUID: a HUGEINT with the top bit flipped so that signed order is UUID order.

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

function uuidText(bytes: Uint8Array, base: number): string {
  // Little-endian 128-bit value: byte 15 is the most significant.
  let s = HEX[bytes[base + 15]! ^ 0x80]!;
  for (let k = 14; k >= 0; k--) {
    s += HEX[bytes[base + k]!]!;
    if (k === 12 || k === 10 || k === 8 || k === 6) s += '-';
  }
  return s;
}

// ---------------------------------------------------------------------------------------------------
// Dates and times

const DATE_POS_INFINITY = 2147483647;
const DATE_NEG_INFINITY = -2147483647;
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -2147483648;

const dateReader: VectorReader = (vector, count, plain) => {
  if (count === 0) return [];
  const days = view(Int32Array, dataOf(vector, count, 4), count);
  const validity = validityOf(vector, count);
  const convert = (i: number): number => {
    const d = days[i]!;
    return d === DATE_POS_INFINITY ? Infinity : d === DATE_NEG_INFINITY ? -Infinity : d;
  };
  if (validity === null && !plain) {
    const out = new Float64Array(count);
    for (let i = 0; i < count; i++) out[i] = convert(i);
    return out;
  }
  return mapRows(count, validity, convert);
};

/**
 * TIMESTAMP and TIMESTAMPTZ hold microseconds as PostgreSQL does. DuckDB's -infinity is
 * -(2^63 - 1) where PostgreSQL's is -2^63; +infinity is 2^63 - 1 in both. No finite DuckDB timestamp
 * has 0x80000000 as its high word, so that word alone spots -infinity without making BigInts.
 */
const timestampReader: VectorReader = (vector, count, plain) => {
  if (count === 0) return [];
  const data = dataOf(vector, count, 8);
  const items = view(BigInt64Array, data, count);
  const words = view(Int32Array, data, count * 2);
  const validity = validityOf(vector, count);
  if (validity === null && !plain) {
    const out = items.slice();
    for (let i = 0; i < count; i++) if (words[i * 2 + 1] === INT32_MIN) out[i] = TIMESTAMP_NEG_INFINITY;
    return out;
  }
  return mapRows(count, validity, (i) => (words[i * 2 + 1] === INT32_MIN ? TIMESTAMP_NEG_INFINITY : items[i]!));
};

/** TIMESTAMP_S / _MS / _NS → microseconds (nanoseconds dropped toward -infinity, like the text's digits). */
function scaledTimestampReader(toMicros: (v: bigint) => bigint): VectorReader {
  return converted(BigInt64Array, 8, (a, i) => {
    const v = a[i]!;
    if (v === INT64_MAX) return TIMESTAMP_POS_INFINITY;
    if (v <= -INT64_MAX) return TIMESTAMP_NEG_INFINITY;
    const micros = toMicros(v);
    if (micros >= INT64_MAX) return TIMESTAMP_POS_INFINITY;
    if (micros <= -INT64_MAX) return TIMESTAMP_NEG_INFINITY;
    return micros;
  });
}

function floorDiv(v: bigint, d: bigint): bigint {
  const q = v / d;
  return v % d < 0n ? q - 1n : q;
}

/** TIMETZ: 40 bits of microseconds, then 24 bits holding 57599 - offset (offset in seconds east of UTC). */
const timeTzReader: VectorReader = converted(Uint32Array, 8, (w, i) => {
  const lo = w[i * 2]!;
  const hi = w[i * 2 + 1]!;
  return { micros: BigInt(hi * 256 + (lo >>> 24)), offsetSeconds: 57599 - (lo & 0xffffff) };
});

/** INTERVAL: int32 months, int32 days, int64 micros, exactly PostgreSQL's three fields. */
const intervalReader: VectorReader = (vector, count) => {
  if (count === 0) return [];
  const data = dataOf(vector, count, 16);
  const ints = view(Int32Array, data, count * 4);
  const longs = view(BigInt64Array, data, count * 2);
  return mapRows(count, validityOf(vector, count), (i) => ({
    months: ints[i * 4]!,
    days: ints[i * 4 + 1]!,
    micros: longs[i * 2 + 1]!,
  }));
};

// ---------------------------------------------------------------------------------------------------
// Lists and arrays of scalars

function listReader(element: VectorReader): VectorReader {
  return (vector, count) => {
    if (count === 0) return [];
    const entries = view(Uint32Array, dataOf(vector, count, 16), count * 4);
    const childCount = raw.list_vector_get_size(vector);
    const children = childCount === 0 ? [] : (element(raw.list_vector_get_child(vector), childCount, true) as PgValue[]);
    return mapRows(count, validityOf(vector, count), (i) => {
      const offset = entries[i * 4]! + entries[i * 4 + 1]! * TWO_32;
      const length = entries[i * 4 + 2]! + entries[i * 4 + 3]! * TWO_32;
      return children.slice(offset, offset + length);
    });
  };
}

function arrayReader(element: VectorReader, size: number): VectorReader {
  return (vector, count) => {
    if (count === 0) return [];
    const children = element(raw.array_vector_get_child(vector), count * size, true) as PgValue[];
    return mapRows(count, validityOf(vector, count), (i) => children.slice(i * size, (i + 1) * size));
  };
}

// ---------------------------------------------------------------------------------------------------

/**
 * Safety net for types tollgate normally casts to VARCHAR in SQL (STRUCT, MAP, ...): node-api's own
 * value objects, printed with their toString (which follows DuckDB's text form).
 */
export const displayTextReader: VectorReader = (vector, count) => {
  if (count === 0) return [];
  const v = DuckDBVector.create(vector as never, count);
  const out = new Array<string | null>(count);
  for (let i = 0; i < count; i++) {
    const item = v.getItem(i);
    out[i] = item === null ? null : String(item);
  }
  return out;
};

function boolReader(): VectorReader {
  const size = raw.sizeof_bool;
  const Ctor = size === 1 ? Uint8Array : size === 2 ? Uint16Array : size === 4 ? Uint32Array : undefined;
  if (Ctor === undefined) return displayTextReader;
  return converted(Ctor as TypedArrayCtor<ArrayLike<number>>, size, (a, i) => a[i] !== 0);
}

function enumReader(values: readonly string[], internal: DuckDBTypeId): VectorReader {
  const convert = (a: ArrayLike<number>, i: number): string => values[a[i]!]!;
  switch (internal) {
    case DuckDBTypeId.UTINYINT:
      return converted(Uint8Array, 1, convert);
    case DuckDBTypeId.USMALLINT:
      return converted(Uint16Array, 2, convert);
    default:
      return converted(Uint32Array, 4, convert);
  }
}

/** The reader for a column of DuckDB type `t`; types without one are read via displayTextReader. */
export function readerFor(t: DuckDBType): VectorReader {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return boolReader();
    case DuckDBTypeId.TINYINT:
      return direct(Int8Array);
    case DuckDBTypeId.SMALLINT:
      return direct(Int16Array);
    case DuckDBTypeId.INTEGER:
      return direct(Int32Array);
    case DuckDBTypeId.BIGINT:
      return direct(BigInt64Array);
    case DuckDBTypeId.UTINYINT:
      return direct(Uint8Array);
    case DuckDBTypeId.USMALLINT:
      return direct(Uint16Array);
    case DuckDBTypeId.UINTEGER:
      return converted(Uint32Array, 4, (a, i) => BigInt(a[i]!));
    case DuckDBTypeId.UBIGINT:
      return converted(BigUint64Array, 8, (a, i) => a[i]!.toString());
    case DuckDBTypeId.HUGEINT:
      return converted(Uint32Array, 16, (a, i) => int128(a, i, true).toString());
    case DuckDBTypeId.UHUGEINT:
      return converted(Uint32Array, 16, (a, i) => int128(a, i, false).toString());
    case DuckDBTypeId.FLOAT:
      return direct(Float32Array);
    case DuckDBTypeId.DOUBLE:
      return direct(Float64Array);
    case DuckDBTypeId.DECIMAL:
      return decimalReader(t.width, t.scale);
    case DuckDBTypeId.VARCHAR:
      return stringLike(decodeText);
    case DuckDBTypeId.BLOB:
      return stringLike(decodeBytes);
    case DuckDBTypeId.ENUM:
      return enumReader(t.values, t.internalTypeId);
    case DuckDBTypeId.UUID:
      return converted(Uint8Array, 16, (a, i) => uuidText(a, i * 16));
    case DuckDBTypeId.DATE:
      return dateReader;
    case DuckDBTypeId.TIME:
      return direct(BigInt64Array);
    case DuckDBTypeId.TIME_NS:
      return converted(BigInt64Array, 8, (a, i) => floorDiv(a[i]!, 1000n));
    case DuckDBTypeId.TIME_TZ:
      return timeTzReader;
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_TZ:
      return timestampReader;
    case DuckDBTypeId.TIMESTAMP_S:
      return scaledTimestampReader((v) => v * 1000000n);
    case DuckDBTypeId.TIMESTAMP_MS:
      return scaledTimestampReader((v) => v * 1000n);
    case DuckDBTypeId.TIMESTAMP_NS:
      return scaledTimestampReader((v) => floorDiv(v, 1000n));
    case DuckDBTypeId.INTERVAL:
      return intervalReader;
    case DuckDBTypeId.LIST:
      return listReader(readerFor(t.valueType));
    case DuckDBTypeId.ARRAY:
      return arrayReader(readerFor(t.valueType), t.length);
    default:
      return displayTextReader;
  }
}
