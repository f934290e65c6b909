/**
 * Impala / Hive types → the PostgreSQL types tollgate serves, and HS2 result columns (TColumn) →
 * column-major arrays of canonical values (pgtypes/values.ts).
 *
 *   BOOLEAN → bool            TINYINT, SMALLINT → int2     INT → int4        BIGINT → int8
 *   FLOAT → float4            DOUBLE (REAL) → float8       DECIMAL(p,s) → numeric(p,s)
 *   STRING → text             VARCHAR(n) → varchar(n)      CHAR(n) → bpchar(n)
 *   TIMESTAMP → timestamp     DATE → date                  BINARY → bytea
 *   anything else (ARRAY, MAP, STRUCT, intervals, NULL_TYPE, …) → text, as Impala prints it
 *
 * Impala sends each column in the TColumn variant of its type (boolVal, byteVal, i16Val, i32Val,
 * i64Val, doubleVal, binaryVal) except DECIMAL, TIMESTAMP, DATE, CHAR, VARCHAR and complex types,
 * which come as strings: decimals are printed with exactly `scale` digits (padded here if a server
 * prints fewer), timestamps as 'yyyy-MM-dd HH:mm:ss[.fffffffff]' with up to nanoseconds (rounded to
 * PostgreSQL's microseconds), dates as 'yyyy-MM-dd' — both read directly in that fixed format, anything
 * else by pgtypes' PostgreSQL input functions. FLOAT arrives widened
 * to a double, which is exact.
 */
import type { ColumnInfo } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { textDecoder, type InputSettings } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { int64, TTypeId, type Int64Like, type TColumn, type TColumnDesc, type TRowSet, type TTypeEntry } from './thrift.ts';

const SETTINGS: Readonly<InputSettings> = Object.freeze({ dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' });

export interface ServedType {
  typeOid: number;
  typeModifier: number;
}

const TEXT: ServedType = { typeOid: OID.text, typeModifier: -1 };
export const numericTypmod = (precision: number, scale: number): number => ((precision << 16) | scale) + 4;

function qualifier(entry: TTypeEntry, name: string): number | undefined {
  const q = entry.primitiveEntry?.typeQualifiers?.qualifiers?.[name];
  const v = q?.i32Value;
  return typeof v === 'number' ? v : undefined;
}

/** The served type of a result column's HS2 type descriptor (its first, "top" entry). */
export function servedTypeOfEntry(entry: TTypeEntry | undefined): ServedType {
  const t = entry?.primitiveEntry?.type;
  switch (t) {
    case TTypeId.BOOLEAN:
      return { typeOid: OID.bool, typeModifier: -1 };
    case TTypeId.TINYINT:
    case TTypeId.SMALLINT:
      return { typeOid: OID.int2, typeModifier: -1 };
    case TTypeId.INT:
      return { typeOid: OID.int4, typeModifier: -1 };
    case TTypeId.BIGINT:
      return { typeOid: OID.int8, typeModifier: -1 };
    case TTypeId.FLOAT:
      return { typeOid: OID.float4, typeModifier: -1 };
    case TTypeId.DOUBLE:
      return { typeOid: OID.float8, typeModifier: -1 };
    case TTypeId.DECIMAL: {
      const p = qualifier(entry!, 'precision');
      const s = qualifier(entry!, 'scale');
      return { typeOid: OID.numeric, typeModifier: p !== undefined && s !== undefined && p >= 1 && s >= 0 && s <= p ? numericTypmod(p, s) : -1 };
    }
    case TTypeId.VARCHAR: {
      const n = qualifier(entry!, 'characterMaximumLength');
      return { typeOid: OID.varchar, typeModifier: n !== undefined && n > 0 ? n + 4 : -1 };
    }
    case TTypeId.CHAR: {
      const n = qualifier(entry!, 'characterMaximumLength');
      return { typeOid: OID.bpchar, typeModifier: n !== undefined && n > 0 ? n + 4 : -1 };
    }
    case TTypeId.STRING:
      return TEXT;
    case TTypeId.TIMESTAMP:
      return { typeOid: OID.timestamp, typeModifier: -1 };
    case TTypeId.DATE:
      return { typeOid: OID.date, typeModifier: -1 };
    case TTypeId.BINARY:
      return { typeOid: OID.bytea, typeModifier: -1 };
    default:
      return TEXT;
  }
}

export function columnInfoOf(desc: TColumnDesc): ColumnInfo {
  return { name: desc.columnName, ...servedTypeOfEntry(desc.typeDesc?.types?.[0]) };
}

/**
 * The served type of an Impala type as DESCRIBE and SHOW COLUMN STATS print it ('int', 'decimal(10,2)',
 * 'varchar(20)', 'array<string>', ...).
 */
export function servedTypeOfName(typeName: string): ServedType {
  const t = typeName.trim().toLowerCase();
  const m = /^(\w+)\s*(?:\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\))?$/.exec(t);
  if (!m) return TEXT;
  const [, base, a, b] = m;
  switch (base) {
    case 'boolean':
      return { typeOid: OID.bool, typeModifier: -1 };
    case 'tinyint':
    case 'smallint':
      return { typeOid: OID.int2, typeModifier: -1 };
    case 'int':
    case 'integer':
      return { typeOid: OID.int4, typeModifier: -1 };
    case 'bigint':
      return { typeOid: OID.int8, typeModifier: -1 };
    case 'float':
      return { typeOid: OID.float4, typeModifier: -1 };
    case 'double':
    case 'real':
      return { typeOid: OID.float8, typeModifier: -1 };
    case 'decimal': {
      // Impala's DECIMAL without arguments is DECIMAL(9,0).
      const p = a === undefined ? 9 : Number(a);
      const s = b === undefined ? 0 : Number(b);
      return { typeOid: OID.numeric, typeModifier: numericTypmod(p, s) };
    }
    case 'varchar':
      return { typeOid: OID.varchar, typeModifier: a === undefined ? -1 : Number(a) + 4 };
    case 'char':
      return { typeOid: OID.bpchar, typeModifier: a === undefined ? -1 : Number(a) + 4 };
    case 'string':
      return TEXT;
    case 'timestamp':
      return { typeOid: OID.timestamp, typeModifier: -1 };
    case 'date':
      return { typeOid: OID.date, typeModifier: -1 };
    case 'binary':
      return { typeOid: OID.bytea, typeModifier: -1 };
    default:
      return TEXT;
  }
}

interface RawColumn {
  values: ArrayLike<unknown>;
  nulls: Buffer | undefined;
}

function rawOf(col: TColumn): RawColumn | undefined {
  const c = col.boolVal ?? col.byteVal ?? col.i16Val ?? col.i32Val ?? col.i64Val ?? col.doubleVal ?? col.stringVal ?? col.binaryVal;
  if (!c) return undefined;
  return { values: c.values ?? [], nulls: c.nulls ?? undefined };
}

/** Rows in a TRowSet (the length of its first column's values). */
export function rowCountOf(rowset: TRowSet | null | undefined): number {
  const first = rowset?.columns?.[0];
  if (!first) return 0;
  return rawOf(first)?.values.length ?? 0;
}

function anyNull(nulls: Buffer | undefined, rows: number): boolean {
  if (nulls === undefined || nulls.length === 0) return false;
  const full = rows >>> 3;
  const n = Math.min(full, nulls.length);
  for (let i = 0; i < n; i++) if (nulls[i] !== 0) return true;
  const rest = rows & 7;
  if (rest !== 0 && full < nulls.length && (nulls[full]! & ((1 << rest) - 1)) !== 0) return true;
  return false;
}

const isNull = (nulls: Buffer | undefined, i: number): boolean => nulls !== undefined && (i >>> 3) < nulls.length && (nulls[i >>> 3]! & (1 << (i & 7))) !== 0;

/** One column of a fetched TRowSet → canonical values of its served type. */
export type ColumnReader = (col: TColumn, rows: number) => ArrayLike<PgValue>;

function mapped(convert: (v: unknown) => PgValue): ColumnReader {
  return (col, rows) => {
    const raw = rawOf(col);
    const out = new Array<PgValue>(rows);
    if (!raw) return out.fill(null);
    const { values, nulls } = raw;
    for (let i = 0; i < rows; i++) out[i] = isNull(nulls, i) || values[i] === undefined ? null : convert(values[i]);
    return out;
  };
}

/** Values that are already canonical (booleans, numbers): the array is used as it came when it holds no NULL. */
const passThrough: ColumnReader = (col, rows) => {
  const raw = rawOf(col);
  if (!raw) return new Array<PgValue>(rows).fill(null);
  const { values, nulls } = raw;
  if (!anyNull(nulls, rows) && values.length === rows) return values as ArrayLike<PgValue>;
  const out = new Array<PgValue>(rows);
  for (let i = 0; i < rows; i++) out[i] = isNull(nulls, i) ? null : (values[i] as PgValue);
  return out;
};

function decimalText(scale: number | undefined): (v: unknown) => string {
  const decode = textDecoder(OID.numeric, SETTINGS);
  return (v) => {
    const s = String(v);
    const m = /^(-?\d+)(?:\.(\d*))?$/.exec(s);
    if (!m) return decode(s) as string;
    if (scale === undefined || scale <= 0) return s;
    const frac = m[2] ?? '';
    return frac.length >= scale ? s : `${m[1]}.${frac.padEnd(scale, '0')}`;
  };
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  y -= m <= 2 ? 1 : 0;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const MONTH_DAYS = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1 || d > MONTH_DAYS[m - 1]!) return false;
  return m !== 2 || d < 29 || (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0));
}

const IMPALA_DATE = /^(\d{4})-(\d\d)-(\d\d)$/;
const IMPALA_TIMESTAMP = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?$/;

/**
 * Impala's DATE text ('yyyy-MM-dd') read directly; anything else (or an impossible date) goes to
 * pgtypes' date input, which accepts or rejects it as PostgreSQL would.
 */
function dateReader(): (v: unknown) => PgValue {
  const slow = textDecoder(OID.date, SETTINGS);
  return (v) => {
    const s = asText(v);
    const m = IMPALA_DATE.exec(s);
    if (m) {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const d = Number(m[3]);
      if (y >= 1 && validDate(y, mo, d)) return daysFromCivil(y, mo, d);
    }
    return slow(s);
  };
}

/**
 * Impala's TIMESTAMP text ('yyyy-MM-dd HH:mm:ss[.f…]' with up to nine fractional digits) read directly,
 * nanoseconds rounded half away from zero to microseconds; exact halves and anything else go to
 * pgtypes' timestamp input (PostgreSQL's own rounding and validation).
 */
function timestampReader(): (v: unknown) => PgValue {
  const slow = textDecoder(OID.timestamp, SETTINGS);
  return (v) => {
    const s = asText(v);
    const m = IMPALA_TIMESTAMP.exec(s);
    if (m) {
      const y = Number(m[1]);
      const mo = Number(m[2]);
      const d = Number(m[3]);
      const h = Number(m[4]);
      const mi = Number(m[5]);
      const sec = Number(m[6]);
      const frac = (m[7] ?? '').padEnd(9, '0');
      const nanosBeyond = Number(frac.slice(6));
      if (y >= 1 && validDate(y, mo, d) && h < 24 && mi < 60 && sec < 60 && nanosBeyond !== 500) {
        const micros = Number(frac.slice(0, 6)) + (nanosBeyond > 500 ? 1 : 0);
        const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
        return BigInt(seconds) * 1_000_000n + BigInt(micros);
      }
    }
    return slow(s);
  };
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (Buffer.isBuffer(v)) return v.toString('utf8');
  if (typeof v === 'object' && v !== null && 'buffer' in v) return int64(v as Int64Like).toString();
  return String(v);
}

/** The reader for a result column of a served type. */
export function readerFor(served: ServedType): ColumnReader {
  switch (served.typeOid) {
    case OID.bool:
    case OID.int2:
    case OID.int4:
    case OID.float4:
    case OID.float8:
      return passThrough;
    case OID.int8:
      return mapped((v) => (typeof v === 'object' && v !== null ? int64(v as Int64Like) : BigInt(asText(v))));
    case OID.numeric:
      return mapped(decimalText(served.typeModifier >= 4 ? (served.typeModifier - 4) & 0xffff : undefined));
    case OID.timestamp:
      return mapped(timestampReader());
    case OID.date:
      return mapped(dateReader());
    case OID.bytea:
      return mapped((v) => (Buffer.isBuffer(v) || v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(Buffer.from(asText(v), 'utf8'))));
    default:
      return mapped(asText);
  }
}

/** Reads every column of a TRowSet; a value that cannot be read is ENGINE_ERROR naming its column. */
export function readBatch(rowset: TRowSet, columns: readonly ColumnInfo[], readers: readonly ColumnReader[]): { rowCount: number; columns: ArrayLike<PgValue>[] } {
  const rowCount = rowCountOf(rowset);
  const cols = rowset.columns ?? [];
  if (rowCount > 0 && cols.length !== readers.length) {
    throw new GatewayError('ENGINE_ERROR', `Impala sent ${cols.length} columns for a result of ${readers.length}`);
  }
  const out = new Array<ArrayLike<PgValue>>(readers.length);
  for (let c = 0; c < readers.length; c++) {
    try {
      out[c] = rowCount === 0 ? [] : readers[c]!(cols[c]!, rowCount);
    } catch (e) {
      const col = columns[c]!;
      throw new GatewayError('ENGINE_ERROR', `cannot read the value of column "${col.name}" (type OID ${col.typeOid}) that Impala sent`, {
        cause: e,
        detail: e instanceof Error ? e.message : String(e),
      });
    }
  }
  return { rowCount, columns: out };
}
