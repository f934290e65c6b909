/**
 * Constant values of literals and constant expressions, typed as PostgreSQL types them and held in the
 * canonical PgValue form (src/pgtypes/values.ts): `5` int4, `5000000000` int8, `0.06` numeric '0.06',
 * `'x'` unknown (its type comes from the column it is compared with), `DATE '1998-12-01'` date (days since
 * 1970), `'1998-12-01'::date` and `CAST('…' AS date)` likewise, `INTERVAL '90' DAY` interval.
 *
 * Folding is exact or refused (null), never approximate: integer and numeric + - * in exact decimal
 * arithmetic (int4/int8 overflow refused), date ± integer → date, date - date → int4, date|timestamp ±
 * interval → timestamp (PostgreSQL's timestamp_pl_interval: months with the day clamped to the month's
 * end, then days, then microseconds). Anything depending on the session (timestamptz arithmetic, now()) or
 * on a type modifier (numeric(10,2), varchar(3)) is refused.
 */
import { GatewayError } from '../../errors/index.ts';
import { textDecoder, type InputSettings } from '../../pgtypes/text-decoders.ts';
import { typeInfoByName } from '../../pgtypes/typeinfo.ts';
import { parseNumeric } from '../../pgtypes/numeric.ts';
import { date2j, j2date, UNIX_EPOCH_JDATE, USECS_PER_DAY_N, daysInMonth, type YMD } from '../../pgtypes/calendar.ts';
import type { PgInterval, PgValue } from '../../pgtypes/values.ts';

export interface Const {
  /** PostgreSQL type name (pg_type.typname): int4, int8, numeric, float8, bool, unknown, text, date, timestamp, … */
  readonly type: string;
  readonly value: PgValue;
}

const INT4_MIN = -(2 ** 31);
const INT4_MAX = 2 ** 31 - 1;
const INT8_MIN = -(2n ** 63n);
const INT8_MAX = 2n ** 63n - 1n;

/** The value of a numeric literal's text ('42', '0.06', '1.5e3', '12345678901'), typed as PostgreSQL does. */
export function numberConst(text: string): Const | null {
  if (/^[0-9]+$/.test(text)) {
    const big = BigInt(text);
    if (big <= BigInt(INT4_MAX)) return { type: 'int4', value: Number(big) };
    if (big <= INT8_MAX) return { type: 'int8', value: big };
    return { type: 'numeric', value: parseNumeric(text) };
  }
  try {
    return { type: 'numeric', value: parseNumeric(text) };
  } catch {
    return null;
  }
}

/** SQL type names as node-sql-parser gives them (upper case, no modifiers) → pg_type names. */
const TYPE_ALIASES: Record<string, string> = {
  int: 'int4', integer: 'int4', int4: 'int4', smallint: 'int2', int2: 'int2', bigint: 'int8', int8: 'int8',
  numeric: 'numeric', decimal: 'numeric', real: 'float4', float4: 'float4', float8: 'float8',
  'double precision': 'float8', double: 'float8', float: 'float8',
  boolean: 'bool', bool: 'bool', text: 'text', varchar: 'varchar', 'character varying': 'varchar',
  date: 'date', timestamp: 'timestamp', 'timestamp without time zone': 'timestamp', timestamptz: 'timestamptz',
  'timestamp with time zone': 'timestamptz', time: 'time', 'time without time zone': 'time', timetz: 'timetz',
  'time with time zone': 'timetz', interval: 'interval', uuid: 'uuid', bytea: 'bytea', json: 'json', jsonb: 'jsonb',
  name: 'name',
};

/** The pg_type name of a SQL type name, or null when it is not one we decode. */
export function pgTypeName(sqlName: string): string | null {
  const n = sqlName.trim().toLowerCase().replace(/\s+/g, ' ').replace(/^pg_catalog\./, '');
  return TYPE_ALIASES[n] ?? null;
}

/** Text form of a constant as the input of a cast (only forms whose text is unambiguous). */
function castInput(c: Const): string | null {
  if (c.value === null) return null;
  switch (c.type) {
    case 'unknown':
    case 'text':
    case 'varchar':
      return typeof c.value === 'string' ? c.value : null;
    case 'int4':
    case 'int8':
    case 'numeric':
      return String(c.value);
    case 'bool':
      return c.value ? 'true' : 'false';
    default:
      return null;
  }
}

/** `c::type` / CAST(c AS type) for a type without modifiers; null when not exactly known. */
export function castConst(c: Const, typeName: string, settings: InputSettings): Const | null {
  const type = pgTypeName(typeName);
  if (type === null) return null;
  if (c.type === type) return c;
  if (c.value === null) return { type, value: null };
  // date → timestamp is exact; the others go through text only from text-like or numeric constants.
  if (c.type === 'date' && type === 'timestamp' && typeof c.value === 'number' && Number.isFinite(c.value)) {
    return { type, value: BigInt(c.value) * USECS_PER_DAY_N };
  }
  // numeric → integer rounds in PostgreSQL; keep it out.
  if ((type === 'int2' || type === 'int4' || type === 'int8') && c.type === 'numeric') return null;
  const text = castInput(c);
  if (text === null) return null;
  const info = typeInfoByName(type);
  if (info === undefined) return null;
  try {
    const v = textDecoder(info.oid, settings)(text);
    if (type === 'float4' || type === 'float8') {
      // Float values have no exact decimal form for pruning decimals; keep them only when finite.
      if (typeof v !== 'number' || !Number.isFinite(v)) return null;
    }
    return { type, value: v };
  } catch (e) {
    if (e instanceof GatewayError) return null;
    throw e;
  }
}

/** A typed literal: DATE 'x', TIMESTAMP 'x', TIME 'x', INTERVAL 'x' [unit]. */
export function typedLiteral(typeName: string, text: string, settings: InputSettings, unit?: string): Const | null {
  const type = pgTypeName(typeName);
  if (type === null) return null;
  if (type === 'interval' && unit) return intervalWithUnit(text, unit, settings);
  return castConst({ type: 'unknown', value: text }, type, settings);
}

const UNIT_MONTHS: Record<string, number> = { year: 12, month: 1 };
const UNIT_DAYS: Record<string, number> = { day: 1, week: 7 };
const UNIT_MICROS: Record<string, bigint> = { hour: 3_600_000_000n, minute: 60_000_000n, second: 1_000_000n };

/** INTERVAL '90' DAY: a plain integer count of the unit; any other text is refused. */
function intervalWithUnit(text: string, unit: string, _settings: InputSettings): Const | null {
  const u = unit.toLowerCase().replace(/s$/, '');
  const m = /^\s*([+-]?[0-9]+)\s*$/.exec(text);
  if (m === null) return null;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n)) return null;
  let v: PgInterval;
  if (u in UNIT_MONTHS) v = { months: n * UNIT_MONTHS[u]!, days: 0, micros: 0n };
  else if (u in UNIT_DAYS) v = { months: 0, days: n * UNIT_DAYS[u]!, micros: 0n };
  else if (u in UNIT_MICROS) v = { months: 0, days: 0, micros: BigInt(n) * UNIT_MICROS[u]! };
  else return null;
  if (Math.abs(v.months) > INT4_MAX || Math.abs(v.days) > INT4_MAX) return null;
  return { type: 'interval', value: v };
}

// ---------------------------------------------------------------------------------------------------------
// Arithmetic

interface Decimal {
  digits: bigint; // value = digits / 10^scale
  scale: number;
}

function toDecimal(c: Const): Decimal | null {
  if (c.value === null) return null;
  if (c.type === 'int4' || c.type === 'int2') return { digits: BigInt(c.value as number), scale: 0 };
  if (c.type === 'int8') return { digits: c.value as bigint, scale: 0 };
  if (c.type === 'numeric') {
    const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(c.value as string);
    if (m === null) return null; // NaN, Infinity
    const frac = m[3] ?? '';
    return { digits: BigInt(m[1] + m[2] + frac), scale: frac.length };
  }
  return null;
}

function decimalText(d: Decimal): string {
  const neg = d.digits < 0n;
  let s = (neg ? -d.digits : d.digits).toString();
  if (d.scale > 0) {
    s = s.padStart(d.scale + 1, '0');
    s = `${s.slice(0, s.length - d.scale)}.${s.slice(s.length - d.scale)}`;
  }
  return (neg && d.digits !== 0n ? '-' : '') + s;
}

function align(a: Decimal, b: Decimal): [bigint, bigint, number] {
  const scale = Math.max(a.scale, b.scale);
  return [a.digits * 10n ** BigInt(scale - a.scale), b.digits * 10n ** BigInt(scale - b.scale), scale];
}

const isInt = (t: string): boolean => t === 'int2' || t === 'int4' || t === 'int8';
const isExactNumber = (t: string): boolean => isInt(t) || t === 'numeric';

function intResult(type: 'int4' | 'int8', v: bigint): Const | null {
  if (type === 'int4') return v >= BigInt(INT4_MIN) && v <= BigInt(INT4_MAX) ? { type, value: Number(v) } : null;
  return v >= INT8_MIN && v <= INT8_MAX ? { type, value: v } : null;
}

/** -c for exact numbers and intervals. */
export function negateConst(c: Const): Const | null {
  if (c.value === null) return c;
  if (isExactNumber(c.type)) {
    const d = toDecimal(c);
    if (d === null) return null;
    if (c.type === 'numeric') return { type: 'numeric', value: decimalText({ digits: -d.digits, scale: d.scale }) };
    return intResult(c.type === 'int8' ? 'int8' : 'int4', -d.digits);
  }
  if (c.type === 'interval') {
    const v = c.value as PgInterval;
    return { type: 'interval', value: { months: -v.months, days: -v.days, micros: -v.micros } };
  }
  return null;
}

/** a op b for op in + - *, exactly as PostgreSQL computes it, or null. */
export function arithmetic(op: string, a: Const, b: Const): Const | null {
  if (a.value === null || b.value === null) return null;
  if (isExactNumber(a.type) && isExactNumber(b.type)) {
    const x = toDecimal(a);
    const y = toDecimal(b);
    if (x === null || y === null) return null;
    const numeric = a.type === 'numeric' || b.type === 'numeric';
    let r: Decimal;
    if (op === '+' || op === '-') {
      const [p, q, scale] = align(x, y);
      r = { digits: op === '+' ? p + q : p - q, scale };
    } else if (op === '*') r = { digits: x.digits * y.digits, scale: x.scale + y.scale };
    else return null;
    if (numeric) return { type: 'numeric', value: decimalText(r) };
    return intResult(a.type === 'int8' || b.type === 'int8' ? 'int8' : 'int4', r.digits);
  }
  if (op !== '+' && op !== '-') return null;
  // date ± integer → date; date - date → int4
  if (a.type === 'date' && (b.type === 'int4' || b.type === 'int2')) {
    const d = a.value as number;
    const n = b.value as number;
    if (!Number.isFinite(d)) return null;
    return { type: 'date', value: op === '+' ? d + n : d - n };
  }
  if (op === '+' && (a.type === 'int4' || a.type === 'int2') && b.type === 'date') return arithmetic('+', b, a);
  if (op === '-' && a.type === 'date' && b.type === 'date') {
    const x = a.value as number;
    const y = b.value as number;
    return Number.isFinite(x) && Number.isFinite(y) ? { type: 'int4', value: x - y } : null;
  }
  // date|timestamp ± interval → timestamp
  if (b.type === 'interval' && (a.type === 'date' || a.type === 'timestamp')) {
    const ts = a.type === 'date' ? (Number.isFinite(a.value as number) ? BigInt(a.value as number) * USECS_PER_DAY_N : null) : (a.value as bigint);
    if (ts === null) return null;
    const iv = b.value as PgInterval;
    const r = timestampPlusInterval(ts, op === '+' ? iv : { months: -iv.months, days: -iv.days, micros: -iv.micros });
    return r === null ? null : { type: 'timestamp', value: r };
  }
  if (op === '+' && a.type === 'interval' && (b.type === 'date' || b.type === 'timestamp')) return arithmetic('+', b, a);
  return null;
}

const ymd: YMD = { year: 0, month: 0, day: 0 };
const MAX_TS = 9223371331200000000n - 946684800000000n; // END_TIMESTAMP relative to 1970 (approximate bound check)

/** PostgreSQL's timestamp_pl_interval for finite timestamps (microseconds since 1970). */
function timestampPlusInterval(ts: bigint, iv: PgInterval): bigint | null {
  let t = ts;
  if (iv.months !== 0) {
    const { days, time } = split(t);
    j2date(days + UNIX_EPOCH_JDATE, ymd);
    let month = ymd.month + iv.months;
    let year = ymd.year;
    if (month > 12) {
      year += Math.trunc((month - 1) / 12);
      month = ((month - 1) % 12) + 1;
    } else if (month < 1) {
      year += Math.trunc(month / 12) - 1;
      month = (month % 12) + 12;
    }
    const day = Math.min(ymd.day, daysInMonth(year, month));
    t = BigInt(date2j(year, month, day) - UNIX_EPOCH_JDATE) * USECS_PER_DAY_N + time;
  }
  if (iv.days !== 0) {
    const { days, time } = split(t);
    t = BigInt(days + iv.days) * USECS_PER_DAY_N + time;
  }
  t += iv.micros;
  return t > MAX_TS || t < -MAX_TS ? null : t;
}

function split(ts: bigint): { days: number; time: bigint } {
  let days = ts / USECS_PER_DAY_N;
  let time = ts % USECS_PER_DAY_N;
  if (time < 0n) {
    time += USECS_PER_DAY_N;
    days -= 1n;
  }
  return { days: Number(days), time };
}
