import {
  Binary,
  Bool,
  DateDay,
  Field,
  Float32,
  Float64,
  Int16,
  Int32,
  Int64,
  makeData,
  Schema,
  TimestampMicrosecond,
  Utf8,
  type Data,
  type DataType,
} from 'apache-arrow';
import type { ColumnInfo } from '../../connectors/contract.ts';
import { OID, textEncoder, typeInfo, type PgValue } from '../../pgtypes/index.ts';
import type { OutputSettings } from '../../wire/backend.ts';

/**
 * PostgreSQL columns as Arrow columns. Fixed-width types are filled straight from the canonical values
 * (pgtypes/values.ts) into typed arrays, so int8 and timestamps stay exact (bigint → Int64):
 *   int2 → Int16, int4 → Int32, int8 → Int64, float4 → Float32, float8 → Float64, bool → Bool,
 *   date → DateDay (±infinity as INT32 max/min, as PostgreSQL's binary format does),
 *   timestamp → Timestamp[µs], timestamptz → Timestamp[µs, 'UTC'] (±infinity as INT64 max/min),
 *   bytea → Binary, numeric → Utf8 (exact decimal text; field metadata says so), others → Utf8 holding
 *   PostgreSQL's text output. Every field carries 'tollgate.pg_type' (typname) in its metadata.
 */

const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** Fills one Arrow column from rows [from, to) of a column of canonical values. */
type Fill = (values: ArrayLike<PgValue>, from: number, to: number) => Data;

export interface ArrowColumn {
  field: Field;
  fill: Fill;
}

/** The validity bitmap of rows [from, to) and how many are null. */
function validity(values: ArrayLike<PgValue>, from: number, to: number): { nullBitmap: Uint8Array; nullCount: number } {
  const bitmap = new Uint8Array(Math.ceil((to - from) / 8));
  let nullCount = 0;
  for (let i = from; i < to; i++) {
    if (values[i] === null) nullCount++;
    else bitmap[(i - from) >> 3]! |= 1 << ((i - from) & 7);
  }
  return { nullBitmap: bitmap, nullCount };
}

type NumericArray = Int16Array | Int32Array | Float32Array | Float64Array;
type NumericCtor = new (n: number) => NumericArray;

function numbers<T extends DataType>(type: T, Ctor: NumericCtor, toNumber: (v: PgValue) => number = Number): Fill {
  return (values, from, to) => {
    const data = new Ctor(to - from);
    for (let i = from; i < to; i++) if (values[i] !== null) data[i - from] = toNumber(values[i]!);
    return makeData({ type, length: to - from, data, ...validity(values, from, to) } as never);
  };
}

function bigints<T extends DataType>(type: T): Fill {
  return (values, from, to) => {
    const data = new BigInt64Array(to - from);
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v !== null) data[i - from] = typeof v === 'bigint' ? v : BigInt(v as number);
    }
    return makeData({ type, length: to - from, data, ...validity(values, from, to) } as never);
  };
}

const boolFill: Fill = (values, from, to) => {
  const data = new Uint8Array(Math.ceil((to - from) / 8));
  for (let i = from; i < to; i++) if (values[i] === true) data[(i - from) >> 3]! |= 1 << ((i - from) & 7);
  return makeData({ type: new Bool(), length: to - from, data, ...validity(values, from, to) });
};

/** Variable-width columns (Utf8, Binary): offsets and one data buffer. */
function bytes<T extends Utf8 | Binary>(type: T, toBytes: (v: PgValue) => Uint8Array): Fill {
  return (values, from, to) => {
    const valueOffsets = new Int32Array(to - from + 1);
    const parts: Uint8Array[] = [];
    let size = 0;
    for (let i = from; i < to; i++) {
      const v = values[i];
      if (v !== null) {
        const b = toBytes(v!);
        parts.push(b);
        size += b.byteLength;
      }
      valueOffsets[i - from + 1] = size;
    }
    const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
    return makeData({ type, length: to - from, valueOffsets, data, ...validity(values, from, to) } as never);
  };
}

function dayNumber(v: PgValue): number {
  const n = Number(v);
  if (n === Infinity) return INT32_MAX;
  if (n === -Infinity) return INT32_MIN;
  return n;
}

export function arrowColumn(c: ColumnInfo, settings: OutputSettings): ArrowColumn {
  const pgType = typeInfo(c.typeOid)?.name ?? 'unknown';
  const metadata = new Map([['tollgate.pg_type', pgType]]);
  const field = (type: DataType) => new Field(c.name, type, true, metadata);
  const text = (t: Utf8, encode: (v: PgValue) => string) => bytes(t, (v) => Buffer.from(encode(v), 'utf8'));
  switch (c.typeOid) {
    case OID.int2:
      return { field: field(new Int16()), fill: numbers(new Int16(), Int16Array) };
    case OID.int4:
      return { field: field(new Int32()), fill: numbers(new Int32(), Int32Array) };
    case OID.int8:
      return { field: field(new Int64()), fill: bigints(new Int64()) };
    case OID.float4:
      return { field: field(new Float32()), fill: numbers(new Float32(), Float32Array) };
    case OID.float8:
      return { field: field(new Float64()), fill: numbers(new Float64(), Float64Array) };
    case OID.bool:
      return { field: field(new Bool()), fill: boolFill };
    case OID.date:
      return { field: field(new DateDay()), fill: numbers(new DateDay(), Int32Array, dayNumber) };
    case OID.timestamp:
      return { field: field(new TimestampMicrosecond()), fill: bigints(new TimestampMicrosecond()) };
    case OID.timestamptz:
      // Canonical timestamptz values are UTC microseconds: the zone is UTC whatever the session's TimeZone.
      return { field: field(new TimestampMicrosecond('UTC')), fill: bigints(new TimestampMicrosecond('UTC')) };
    case OID.bytea:
      return { field: field(new Binary()), fill: bytes(new Binary(), (v) => v as Uint8Array) };
    case OID.numeric:
      // Decimal128 needs one precision and scale for the column; numeric without a typmod has neither.
      metadata.set('tollgate.note', 'numeric as exact decimal text');
      return { field: field(new Utf8()), fill: text(new Utf8(), textEncoder(OID.numeric, settings)) };
    default:
      return { field: field(new Utf8()), fill: text(new Utf8(), textEncoder(c.typeOid, settings)) };
  }
}

/** The Arrow schema of a result; the statement's notices ride along in its metadata too. */
export function arrowSchema(columns: readonly ArrowColumn[], notices: readonly string[]): Schema {
  const metadata = new Map<string, string>();
  if (notices.length > 0) metadata.set('tollgate.notices', JSON.stringify(notices));
  return new Schema(columns.map((c) => c.field), metadata);
}
