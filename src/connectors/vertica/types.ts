/**
 * Vertica's types → the PostgreSQL types tollgate serves, and the decoders that read Vertica's text.
 *
 * Vertica describes result columns with its own type OIDs (v-protocol's VerticaType; the same numbers
 * as v_catalog.types.type_id and v_catalog.columns.data_type_id for the built-in types) and sends
 * values as text (vertica-nodejs requests `binary_data_protocol=0`). The sessions pin what the text
 * depends on (DATESTYLE ISO, TIME ZONE UTC, INTERVALSTYLE plain: options.ts).
 *
 *   Vertica                         served as               value
 *   BOOLEAN (5)                     bool                    't' / 'f'
 *   INTEGER (6), all integer types  int8                    64-bit in Vertica (INT, SMALLINT, TINYINT alike)
 *   FLOAT (7), DOUBLE, REAL         float8                  64-bit in Vertica; 'NaN', 'Infinity'
 *   NUMERIC(p,s) (16)               numeric (typmod kept)   typmod ((p << 16) | s) + 4 as in PostgreSQL
 *   CHAR(n) (8)                     bpchar (typmod kept)    blank-padded
 *   VARCHAR(n) (9)                  varchar (typmod kept)
 *   LONG VARCHAR (115)              text
 *   BINARY, VARBINARY, LONG VARBINARY (117, 17, 116)  bytea   octal escapes \ooo, \\ for a backslash
 *   DATE (10), TIME (11), TIMETZ (15), TIMESTAMP (12), TIMESTAMPTZ (13)   the same, precision typmod kept
 *   INTERVAL day-time (14)          interval                '[-]D HH:MM:SS.ffffff' (fields per qualifier)
 *   INTERVAL year-month (114)       interval                '[-]Y-M'
 *   UUID (20)                       uuid
 *   anything else                   text                    Vertica's own output
 *
 * Vertica's day-time intervals are one quantity of microseconds (a day is 24 hours): they become
 * { months: 0, days, micros } with the day count Vertica prints; year-month intervals become months.
 */
import { OID } from '../../pgtypes/oids.ts';
import { textDecoder, type InputSettings, type ValueTextDecoder } from '../../pgtypes/index.ts';
import { parseInterval } from '../../pgtypes/interval.ts';
import type { PgInterval, PgValue } from '../../pgtypes/values.ts';
import { GatewayError } from '../../errors/index.ts';

/** Vertica's type OIDs (v-protocol's VerticaType). */
export const VerticaOid = {
  boolean: 5,
  integer: 6,
  float: 7,
  char: 8,
  varchar: 9,
  date: 10,
  time: 11,
  timestamp: 12,
  timestamptz: 13,
  interval: 14,
  timetz: 15,
  numeric: 16,
  varbinary: 17,
  uuid: 20,
  intervalYearToMonth: 114,
  longVarchar: 115,
  longVarbinary: 116,
  binary: 117,
} as const;

/** The settings the sessions run with (options.ts), as pgtypes' decoders take them. */
export const SESSION_SETTINGS: Readonly<InputSettings> = Object.freeze({
  dateStyle: 'ISO, MDY',
  timeZone: 'UTC',
  intervalStyle: 'postgres',
});

export interface ServedType {
  typeOid: number;
  typeModifier: number;
}

/** A length typmod (n + 4) when it is one. */
function lengthTypmod(typmod: number): number {
  return typmod > 4 ? typmod : -1;
}

/** A fractional-seconds precision typmod (0..6), as PostgreSQL keeps it for time and timestamps. */
function precisionTypmod(typmod: number): number {
  return typmod >= 0 && typmod <= 6 ? typmod : -1;
}

/** NUMERIC(p,s): PostgreSQL's numeric allows p up to 1000 (Vertica's up to 1024). */
function numericTypmod(typmod: number): number {
  if (typmod < 4) return -1;
  const p = ((typmod - 4) >> 16) & 0xffff;
  return p >= 1 && p <= 1000 ? typmod : -1;
}

/** The PostgreSQL type tollgate serves for a Vertica type OID and typmod. */
export function servedType(verticaOid: number, typmod: number): ServedType {
  switch (verticaOid) {
    case VerticaOid.boolean:
      return { typeOid: OID.bool, typeModifier: -1 };
    case VerticaOid.integer:
      return { typeOid: OID.int8, typeModifier: -1 };
    case VerticaOid.float:
      return { typeOid: OID.float8, typeModifier: -1 };
    case VerticaOid.numeric:
      return { typeOid: OID.numeric, typeModifier: numericTypmod(typmod) };
    case VerticaOid.char:
      return { typeOid: OID.bpchar, typeModifier: lengthTypmod(typmod) };
    case VerticaOid.varchar:
      return { typeOid: OID.varchar, typeModifier: lengthTypmod(typmod) };
    case VerticaOid.longVarchar:
      return { typeOid: OID.text, typeModifier: -1 };
    case VerticaOid.binary:
    case VerticaOid.varbinary:
    case VerticaOid.longVarbinary:
      return { typeOid: OID.bytea, typeModifier: -1 };
    case VerticaOid.date:
      return { typeOid: OID.date, typeModifier: -1 };
    case VerticaOid.time:
      return { typeOid: OID.time, typeModifier: precisionTypmod(typmod) };
    case VerticaOid.timetz:
      return { typeOid: OID.timetz, typeModifier: precisionTypmod(typmod) };
    case VerticaOid.timestamp:
      return { typeOid: OID.timestamp, typeModifier: precisionTypmod(typmod) };
    case VerticaOid.timestamptz:
      return { typeOid: OID.timestamptz, typeModifier: precisionTypmod(typmod) };
    case VerticaOid.interval:
    case VerticaOid.intervalYearToMonth:
      return { typeOid: OID.interval, typeModifier: -1 };
    case VerticaOid.uuid:
      return { typeOid: OID.uuid, typeModifier: -1 };
    default:
      return { typeOid: OID.text, typeModifier: -1 };
  }
}

/**
 * The Vertica type OID of a v_catalog `data_type` name ('varchar(200)', 'numeric(10,2)', 'int',
 * 'long varbinary(1000)', 'interval day to second', 'timestamptz(3)', ...), or undefined.
 */
export function verticaOidOfTypeName(name: string): number | undefined {
  const n = name.trim().toLowerCase().replace(/\(.*$/, '').trim();
  if (/^interval\b/.test(n)) return /year|month/.test(n) ? VerticaOid.intervalYearToMonth : VerticaOid.interval;
  switch (n) {
    case 'boolean':
    case 'bool':
      return VerticaOid.boolean;
    case 'int':
    case 'integer':
    case 'bigint':
    case 'smallint':
    case 'tinyint':
    case 'int8':
      return VerticaOid.integer;
    case 'float':
    case 'float8':
    case 'real':
    case 'double precision':
      return VerticaOid.float;
    case 'numeric':
    case 'decimal':
    case 'number':
    case 'money':
      return VerticaOid.numeric;
    case 'char':
    case 'character':
      return VerticaOid.char;
    case 'varchar':
    case 'character varying':
      return VerticaOid.varchar;
    case 'long varchar':
      return VerticaOid.longVarchar;
    case 'binary':
      return VerticaOid.binary;
    case 'varbinary':
    case 'bytea':
    case 'raw':
      return VerticaOid.varbinary;
    case 'long varbinary':
      return VerticaOid.longVarbinary;
    case 'date':
      return VerticaOid.date;
    case 'time':
      return VerticaOid.time;
    case 'timetz':
    case 'time with time zone':
      return VerticaOid.timetz;
    case 'timestamp':
    case 'datetime':
    case 'smalldatetime':
    case 'timestamp without time zone':
      return VerticaOid.timestamp;
    case 'timestamptz':
    case 'timestamp with time zone':
      return VerticaOid.timestamptz;
    case 'uuid':
      return VerticaOid.uuid;
    default:
      return undefined;
  }
}

// Interval qualifier bits in the typmod's range field, as in PostgreSQL's datetime.h (Vertica keeps them).
const MASK_MONTH = 1 << 1;
const MASK_DAY = 1 << 3;
const MASK_HOUR = 1 << 10;
const MASK_MINUTE = 1 << 11;

function intervalRange(typmod: number): number {
  if (typmod < 0) return 0;
  const range = (typmod >>> 16) & 0x7fff;
  return range === 0x7fff ? 0 : range;
}

function badInterval(text: string): GatewayError {
  return new GatewayError('ENGINE_ERROR', `cannot read Vertica's interval "${text}"`);
}

const MICROS_PER_SECOND = 1_000_000n;

/** '[-]D HH:MM:SS.ffffff' and the shorter forms a qualifier prints ('D', 'HH:MM', 'MM:SS', 'SS.ff'). */
export function parseDayTimeInterval(text: string, typmod = -1): PgInterval {
  const s = text.trim();
  if (/[a-z]/i.test(s)) return parseInterval(s, 'postgres'); // INTERVALSTYLE units: '1 day 02:03'
  const m = /^([+-])?(?:(\d+)\s+)?(\d+(?::\d+){0,2}(?:\.\d+)?)$/.exec(s);
  if (!m) throw badInterval(text);
  const negative = m[1] === '-';
  let days = m[2] === undefined ? 0 : Number(m[2]);
  const range = intervalRange(typmod);
  const [whole, fraction = ''] = m[3]!.split('.');
  const parts = whole!.split(':').map(Number);
  let seconds = 0n;
  if (parts.length === 3) seconds = BigInt(parts[0]!) * 3600n + BigInt(parts[1]!) * 60n + BigInt(parts[2]!);
  else if (parts.length === 2) {
    // HH:MM unless the qualifier starts at MINUTE (MINUTE TO SECOND prints MM:SS).
    const minuteFirst = range !== 0 && (range & (MASK_DAY | MASK_HOUR)) === 0 && (range & MASK_MINUTE) !== 0;
    seconds = minuteFirst ? BigInt(parts[0]!) * 60n + BigInt(parts[1]!) : BigInt(parts[0]!) * 3600n + BigInt(parts[1]!) * 60n;
  } else if (m[2] !== undefined) {
    seconds = BigInt(parts[0]!) * 3600n; // DAY TO HOUR: 'D HH'
  } else if (fraction === '') {
    // One number: the qualifier's leading field (DAY unless told otherwise).
    const n = parts[0]!;
    if (range === 0 || (range & MASK_DAY) !== 0) days = n;
    else if ((range & MASK_HOUR) !== 0) seconds = BigInt(n) * 3600n;
    else if ((range & MASK_MINUTE) !== 0) seconds = BigInt(n) * 60n;
    else seconds = BigInt(n);
  } else seconds = BigInt(parts[0]!); // SECOND with a fraction
  if (fraction.length > 6) throw badInterval(text);
  let micros = seconds * MICROS_PER_SECOND + BigInt(fraction.padEnd(6, '0') || '0');
  if (negative) {
    days = -days;
    micros = -micros;
  }
  return { months: 0, days: days === 0 ? 0 : days, micros };
}

/** '[-]Y-M', or one number for INTERVAL YEAR / INTERVAL MONTH (by the typmod's qualifier). */
export function parseYearMonthInterval(text: string, typmod = -1): PgInterval {
  const s = text.trim();
  if (/[a-z]/i.test(s)) return parseInterval(s, 'postgres');
  const m = /^([+-])?(\d+)(?:-(\d+))?$/.exec(s);
  if (!m) throw badInterval(text);
  const sign = m[1] === '-' ? -1 : 1;
  const first = Number(m[2]);
  let months: number;
  if (m[3] !== undefined) months = first * 12 + Number(m[3]);
  else {
    const range = intervalRange(typmod);
    months = range !== 0 && (range & ~MASK_MONTH) === 0 ? first : first * 12;
  }
  return { months: months === 0 ? 0 : sign * months, days: 0, micros: 0n };
}

/** Vertica's binary text: octal escapes \ooo for bytes outside printable ASCII, \\ for a backslash. */
export function parseVerticaBinary(text: string): Uint8Array {
  const out = new Uint8Array(Buffer.byteLength(text, 'utf8'));
  let n = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 92) {
      const next = text.charCodeAt(i + 1);
      if (next === 92) {
        out[n++] = 92;
        i += 2;
        continue;
      }
      const oct = text.slice(i + 1, i + 4);
      if (/^[0-3][0-7]{2}$/.test(oct)) {
        out[n++] = parseInt(oct, 8);
        i += 4;
        continue;
      }
      throw new GatewayError('ENGINE_ERROR', `cannot read Vertica's binary value: bad escape at character ${i + 1}`);
    }
    if (c < 0x80) {
      out[n++] = c;
      i++;
      continue;
    }
    // Not something Vertica escapes: keep the character's UTF-8 bytes.
    const cp = text.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    n += Buffer.from(out.buffer, out.byteOffset + n).write(ch, 'utf8');
    i += ch.length;
  }
  return out.subarray(0, n);
}

/** Text kept as it is (CHAR, VARCHAR, LONG VARCHAR, and what is served as text). */
export const textAsIs: ValueTextDecoder = (s) => s;

const parseInt8Text = textDecoder(OID.int8, SESSION_SETTINGS) as (s: string) => bigint;
const parseFloat8Text = textDecoder(OID.float8, SESSION_SETTINGS) as (s: string) => number;

/**
 * int8 as Vertica prints it ('-123'): up to 15 digits read as a number, exactly; anything else (longer,
 * signs, spaces, junk) goes to pgtypes' int8 input, which has the last word (and the error messages).
 */
export function fastInt8(s: string): bigint {
  const n = s.length;
  if (n > 0 && n <= 15) {
    let i = s.charCodeAt(0) === 45 ? 1 : 0;
    if (i < n) {
      let v = 0;
      for (; i < n; i++) {
        const d = s.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        v = v * 10 + d;
      }
      if (i === n) return BigInt(s.charCodeAt(0) === 45 ? -v : v);
    }
  }
  return parseInt8Text(s);
}

/**
 * float8 as Vertica prints it ('1.5', '-2.5e+30'): plain decimal text read with Number() when the result
 * is finite and not zero (zero and out-of-range go through pgtypes' float8 input, which tells an
 * underflow from a zero); 'NaN', 'Infinity' and anything unusual go there too.
 */
export function fastFloat8(s: string): number {
  const n = s.length;
  if (n > 0 && n <= 64) {
    let ok = true;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      // 0-9 . + - e E
      if (!((c >= 48 && c <= 57) || c === 46 || c === 45 || c === 43 || c === 101 || c === 69)) {
        ok = false;
        break;
      }
    }
    if (ok) {
      const v = Number(s);
      if (v !== 0 && Number.isFinite(v)) return v;
    }
  }
  return parseFloat8Text(s);
}

/** The decoder for the values of a column of Vertica type `verticaOid`. */
export function decoderFor(verticaOid: number, typmod: number): ValueTextDecoder {
  const served = servedType(verticaOid, typmod);
  switch (verticaOid) {
    case VerticaOid.interval:
      return (s) => parseDayTimeInterval(s, typmod);
    case VerticaOid.intervalYearToMonth:
      return (s) => parseYearMonthInterval(s, typmod);
    case VerticaOid.binary:
    case VerticaOid.varbinary:
    case VerticaOid.longVarbinary:
      return parseVerticaBinary;
    case VerticaOid.char:
    case VerticaOid.varchar:
    case VerticaOid.longVarchar:
      return textAsIs;
    case VerticaOid.integer:
      return served.typeOid === OID.int8 ? fastInt8 : (textDecoder(served.typeOid, SESSION_SETTINGS) as (s: string) => PgValue);
    case VerticaOid.float:
      return served.typeOid === OID.float8 ? fastFloat8 : (textDecoder(served.typeOid, SESSION_SETTINGS) as (s: string) => PgValue);
    default:
      return served.typeOid === OID.text ? textAsIs : (textDecoder(served.typeOid, SESSION_SETTINGS) as (s: string) => PgValue);
  }
}
