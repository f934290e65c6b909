/**
 * Typed comparison for pruning: Parquet statistics (plain-encoded bytes), hive partition values (text in
 * the path) and predicate literals (canonical PgValues) are brought into one of three comparable forms:
 *
 *   exact   a decimal m / 10^s with bigint m: integers, decimals, dates (days), timestamps (microseconds)
 *   float   a JavaScript number (FLOAT/DOUBLE columns)
 *   bytes   UTF-8 / raw bytes compared unsigned, byte by byte (Parquet's and DuckDB's string order)
 *
 * A literal is only converted when DuckDB would compare it with the column as the column's own type (the
 * literal cast to the column type, so that its min/max filter applies); anything else (a timestamptz
 * literal against a timestamp column, a number against a string column, a text that does not parse)
 * converts to undefined and the predicate is not used for pruning: keeping a row group is always safe.
 */
import type { PgValue } from '../pgtypes/values.ts';
import type { LeafColumn } from './footer.ts';

export type Comparable = { d: 'exact'; m: bigint; s: number } | { d: 'float'; v: number } | { d: 'bytes'; v: Uint8Array };

/** The type of a column as far as comparisons go. */
export type ColumnType =
  | { t: 'int' }
  | { t: 'decimal'; scale: number }
  | { t: 'float' }
  | { t: 'date' }
  | { t: 'timestamp'; tz: boolean }
  | { t: 'string' }
  | { t: 'binary' }
  | { t: 'bool' }
  | { t: 'other' };

const MICROS_PER_DAY = 86_400_000_000n;
const utf8 = new TextEncoder();

export function exact(m: bigint, s = 0): Comparable {
  return { d: 'exact', m, s };
}

/** -1, 0, 1; undefined when the two are not of the same form. */
export function compare(a: Comparable, b: Comparable): number | undefined {
  if (a.d === 'exact' && b.d === 'exact') {
    const s = Math.max(a.s, b.s);
    const am = a.m * 10n ** BigInt(s - a.s);
    const bm = b.m * 10n ** BigInt(s - b.s);
    return am < bm ? -1 : am > bm ? 1 : 0;
  }
  if (a.d === 'float' && b.d === 'float') return a.v < b.v ? -1 : a.v > b.v ? 1 : a.v === b.v ? 0 : undefined;
  if (a.d === 'bytes' && b.d === 'bytes') {
    const n = Math.min(a.v.length, b.v.length);
    for (let i = 0; i < n; i++) if (a.v[i] !== b.v[i]) return a.v[i]! < b.v[i]! ? -1 : 1;
    return a.v.length === b.v.length ? 0 : a.v.length < b.v.length ? -1 : 1;
  }
  return undefined;
}

/** The comparison type of a Parquet leaf. */
export function leafType(leaf: LeafColumn): ColumnType {
  const v = leaf.value;
  switch (v.kind) {
    case 'int':
      return { t: 'int' };
    case 'decimal':
      return { t: 'decimal', scale: v.scale };
    case 'float':
      return { t: 'float' };
    case 'date':
      return { t: 'date' };
    case 'timestamp':
      return { t: 'timestamp', tz: v.utc };
    case 'string':
      return { t: 'string' };
    case 'binary':
      return { t: 'binary' };
    case 'bool':
      return { t: 'bool' };
    default:
      return { t: 'other' };
  }
}

/** The comparison type of a DuckDB type name (partition columns, as DuckDB typed them). */
export function duckType(name: string): ColumnType {
  const n = name.trim().toUpperCase();
  if (n === 'VARCHAR' || n.startsWith('VARCHAR(')) return { t: 'string' };
  if (/^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)$/.test(n)) return { t: 'int' };
  if (n === 'DOUBLE' || n === 'FLOAT') return { t: 'float' };
  if (n === 'DATE') return { t: 'date' };
  if (n === 'TIMESTAMP') return { t: 'timestamp', tz: false };
  if (n === 'TIMESTAMP WITH TIME ZONE' || n === 'TIMESTAMPTZ') return { t: 'timestamp', tz: true };
  if (n === 'BOOLEAN') return { t: 'bool' };
  if (n === 'BLOB') return { t: 'binary' };
  const dec = /^DECIMAL\(\s*\d+\s*,\s*(\d+)\s*\)$/.exec(n);
  if (dec) return { t: 'decimal', scale: Number(dec[1]) };
  return { t: 'other' };
}

// ---- statistics ------------------------------------------------------------------------------------

function view(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

function bigEndianSigned(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return b[0]! & 0x80 ? v - (1n << BigInt(8 * b.length)) : v;
}

/**
 * A statistic of `leaf` as a comparable value; `bound` says whether it is a minimum or a maximum (a
 * nanosecond timestamp rounds outwards to microseconds). Undefined when it cannot be used.
 */
export function decodeStat(bytes: Uint8Array, leaf: LeafColumn, bound: 'min' | 'max'): Comparable | undefined {
  const v = leaf.value;
  const p = leaf.physical;
  try {
    switch (v.kind) {
      case 'int':
      case 'date':
      case 'decimal': {
        let m: bigint;
        if (p === 'INT32' && bytes.length === 4) m = BigInt(v.kind === 'int' && !v.signed ? view(bytes).getUint32(0, true) : view(bytes).getInt32(0, true));
        else if (p === 'INT64' && bytes.length === 8) m = v.kind === 'int' && !v.signed ? view(bytes).getBigUint64(0, true) : view(bytes).getBigInt64(0, true);
        else if (v.kind === 'decimal' && (p === 'FIXED_LEN_BYTE_ARRAY' || p === 'BYTE_ARRAY')) m = bigEndianSigned(bytes);
        else return undefined;
        return exact(m, v.kind === 'decimal' ? v.scale : 0);
      }
      case 'timestamp': {
        if (p !== 'INT64' || bytes.length !== 8) return undefined;
        const raw = view(bytes).getBigInt64(0, true);
        if (v.unit === 'micros') return exact(raw);
        if (v.unit === 'millis') return exact(raw * 1000n);
        const q = raw / 1000n; // truncates toward zero
        const r = raw % 1000n;
        if (r === 0n) return exact(q);
        // floor for a minimum, ceiling for a maximum
        if (bound === 'min') return exact(raw < 0n ? q - 1n : q);
        return exact(raw < 0n ? q : q + 1n);
      }
      case 'float': {
        let f: number;
        if (p === 'FLOAT' && bytes.length === 4) f = view(bytes).getFloat32(0, true);
        else if (p === 'DOUBLE' && bytes.length === 8) f = view(bytes).getFloat64(0, true);
        else return undefined;
        return Number.isNaN(f) ? undefined : { d: 'float', v: f };
      }
      case 'string':
      case 'binary':
        return { d: 'bytes', v: bytes };
      case 'bool':
        return bytes.length >= 1 ? exact(bytes[0] ? 1n : 0n) : undefined;
      default:
        return undefined;
    }
  } catch {
    return undefined;
  }
}

// ---- literals ---------------------------------------------------------------------------------------

/** '12.50', '-3', '1e3', '.5' → exact decimal; undefined otherwise. */
export function parseDecimal(text: string): Comparable | undefined {
  const m = /^\s*([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?\s*$/.exec(text);
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return undefined;
  const digits = `${m[2]}${m[3] ?? ''}`;
  let scale = (m[3] ?? '').length - Number(m[4] ?? 0);
  let mant = BigInt(digits || '0');
  if (scale < 0) {
    if (-scale > 400) return undefined;
    mant *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (scale > 400) return undefined;
  return exact(m[1] === '-' ? -mant : mant, scale);
}

function daysFromCivil(y: number, mo: number, d: number): number | undefined {
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return undefined;
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return undefined;
  return Math.round(date.getTime() / 86_400_000);
}

/** 'YYYY-MM-DD' → days since 1970-01-01. */
export function parseDate(text: string): number | undefined {
  const m = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})\s*$/.exec(text);
  return m ? daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])) : undefined;
}

/** 'YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]]' (no zone) → microseconds since the epoch. */
export function parseTimestamp(text: string): bigint | undefined {
  const m = /^\s*(\d{4,})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?)?\s*$/.exec(text);
  if (!m) return undefined;
  const days = daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
  if (days === undefined) return undefined;
  const h = Number(m[4] ?? 0);
  const mi = Number(m[5] ?? 0);
  const s = Number(m[6] ?? 0);
  if (h > 24 || mi > 59 || s > 60) return undefined;
  const frac = BigInt((m[7] ?? '').padEnd(6, '0') || '0');
  return BigInt(days) * MICROS_PER_DAY + BigInt(h * 3600 + mi * 60 + s) * 1_000_000n + frac;
}

function numberLike(value: PgValue): Comparable | undefined {
  if (typeof value === 'bigint') return exact(value);
  if (typeof value === 'number') return Number.isFinite(value) ? parseDecimal(String(value)) : undefined;
  if (typeof value === 'string') return parseDecimal(value);
  return undefined;
}

const NUMERIC_TYPES = new Set(['int2', 'int4', 'int8', 'numeric', 'float4', 'float8', 'oid', 'unknown']);
const TEXT_TYPES = new Set(['text', 'varchar', 'bpchar', 'name', 'unknown']);

/**
 * A literal of PostgreSQL type `pgType` as a value of a column of type `col`, or undefined when DuckDB
 * would not prune with it (see the file comment).
 */
export function coerceLiteral(value: PgValue, pgType: string, col: ColumnType): Comparable | undefined {
  if (value === null || Array.isArray(value)) return undefined;
  switch (col.t) {
    case 'int': {
      if (!NUMERIC_TYPES.has(pgType)) return undefined;
      const n = numberLike(value);
      // A fractional literal makes DuckDB compare in DECIMAL/DOUBLE, casting the column: no min/max filter.
      if (n === undefined || n.d !== 'exact' || n.m % 10n ** BigInt(n.s) !== 0n) return undefined;
      return exact(n.m / 10n ** BigInt(n.s));
    }
    case 'decimal': {
      if (!NUMERIC_TYPES.has(pgType)) return undefined;
      return numberLike(value);
    }
    case 'float': {
      if (!NUMERIC_TYPES.has(pgType)) return undefined;
      const n = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'string' ? Number(value) : NaN;
      return Number.isNaN(n) ? undefined : { d: 'float', v: n };
    }
    case 'date': {
      if (pgType === 'date' && typeof value === 'number' && Number.isFinite(value)) return exact(BigInt(value));
      if (pgType === 'unknown' && typeof value === 'string') {
        const d = parseDate(value);
        return d === undefined ? undefined : exact(BigInt(d));
      }
      return undefined;
    }
    case 'timestamp': {
      if (pgType === 'date' && typeof value === 'number' && Number.isFinite(value)) return exact(BigInt(value) * MICROS_PER_DAY);
      // DuckDB's TimeZone is UTC in the connector: a timestamp literal against a timestamptz column is the
      // same instant. A timestamptz literal against a plain timestamp column casts the column: no filter.
      if ((pgType === 'timestamp' || (pgType === 'timestamptz' && col.tz)) && typeof value === 'bigint') {
        return value > -(2n ** 62n) && value < 2n ** 62n ? exact(value) : undefined;
      }
      if (pgType === 'unknown' && typeof value === 'string') {
        const t = parseTimestamp(value);
        return t === undefined ? undefined : exact(t);
      }
      return undefined;
    }
    case 'string':
      return TEXT_TYPES.has(pgType) && typeof value === 'string' ? { d: 'bytes', v: utf8.encode(value) } : undefined;
    case 'binary':
      return pgType === 'bytea' && value instanceof Uint8Array ? { d: 'bytes', v: value } : undefined;
    case 'bool':
      return typeof value === 'boolean' ? exact(value ? 1n : 0n) : undefined;
    default:
      return undefined;
  }
}

/**
 * A hive partition value (the text after `key=` in the path) as a value of type `col`: null for DuckDB's
 * NULL partition, undefined when it does not parse (then the file is kept).
 */
export function parsePartitionValue(text: string, col: ColumnType): Comparable | null | undefined {
  if (text === 'NULL' || text === '__HIVE_DEFAULT_PARTITION__') return null;
  switch (col.t) {
    case 'string':
      return { d: 'bytes', v: utf8.encode(text) };
    case 'int': {
      const n = parseDecimal(text);
      return n !== undefined && n.d === 'exact' && n.s === 0 ? n : undefined;
    }
    case 'decimal':
      return parseDecimal(text);
    case 'float': {
      const n = Number(text);
      return text.trim() === '' || Number.isNaN(n) ? undefined : { d: 'float', v: n };
    }
    case 'date': {
      const d = parseDate(text);
      return d === undefined ? undefined : exact(BigInt(d));
    }
    case 'timestamp': {
      const t = parseTimestamp(text);
      return t === undefined ? undefined : exact(t);
    }
    case 'bool': {
      const l = text.toLowerCase();
      return l === 'true' ? exact(1n) : l === 'false' ? exact(0n) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The type DuckDB gives a hive partition column whose values are `texts` (hive_types_autocast): DATE when
 * every value is a date, else TIMESTAMP, else BIGINT, else VARCHAR. NULL partitions do not vote.
 */
export function detectPartitionType(texts: readonly string[]): ColumnType {
  const vals = texts.filter((t) => t !== 'NULL' && t !== '__HIVE_DEFAULT_PARTITION__');
  if (vals.length === 0) return { t: 'string' };
  if (vals.every((v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && parseDate(v) !== undefined)) return { t: 'date' };
  if (vals.every((v) => /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(v) && parseTimestamp(v) !== undefined)) return { t: 'timestamp', tz: false };
  if (vals.every((v) => /^-?\d{1,18}$/.test(v))) return { t: 'int' };
  return { t: 'string' };
}
