/**
 * Text output of result values: `textEncoder(oid, settings)` picks, once per column, the function that
 * prints a (non-null) value of that type exactly as PostgreSQL 15 would under the session's settings.
 * The wire layer writes NULL itself (length -1) and never passes null here.
 */
import type { OutputSettings } from '../wire/backend.ts';
import { OID } from './oids.ts';
import type { PgInterval, PgTimeTz, PgValue } from './values.ts';
import { elementOid } from './typeinfo.ts';
import { floatFormatter } from './float.ts';
import { byteaFormatter, byteaToHex } from './bytea.ts';
import { parseDateStyle } from './calendar.ts';
import { dateFormatter, timeToText, timestampFormatter, timestamptzFormatter, timetzToText } from './datetime-format.ts';
import { resolveTimeZone } from './timezone.ts';
import { intervalFormatter, parseIntervalStyle } from './interval.ts';
import { arrayTextFormatter } from './arrays.ts';
import { DEFAULT_OUTPUT_SETTINGS } from './settings.ts';

export type ValueTextEncoder = (v: PgValue) => string;

const boolText: ValueTextEncoder = (v) => (v ? 't' : 'f');
const numberText: ValueTextEncoder = (v) => String(v);
const stringText: ValueTextEncoder = (v) => (typeof v === 'string' ? v : String(v));
/** numeric values are strings; a number or bigint from a lax connector is printed without an exponent. */
const numericText: ValueTextEncoder = (v) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') {
    if (v !== v) return 'NaN';
    if (v === Infinity || v === -Infinity) return v > 0 ? 'Infinity' : '-Infinity';
    const s = String(v);
    return s.includes('e') ? numberToPlainDecimal(v) : s;
  }
  return String(v);
};

function numberToPlainDecimal(v: number): string {
  const neg = v < 0;
  const s = (neg ? -v : v).toExponential();
  const e = s.indexOf('e');
  const digits = s.slice(0, e).replace('.', '');
  const exp = Number(s.slice(e + 1));
  let out: string;
  if (exp >= digits.length - 1) out = digits + '0'.repeat(exp - digits.length + 1);
  else if (exp >= 0) out = `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  else out = `0.${'0'.repeat(-exp - 1)}${digits}`;
  return neg ? `-${out}` : out;
}

const timeText: ValueTextEncoder = (v) => timeToText(v as bigint);
const timetzText: ValueTextEncoder = (v) => timetzToText(v as PgTimeTz);

/** Text for a value of a type tollgate has no formatter for, going by its JavaScript form. */
const genericText: ValueTextEncoder = (v) => {
  if (typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Uint8Array) return byteaToHex(v);
  if (Array.isArray(v)) return genericArray(v);
  if (typeof v === 'object' && v !== null) return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
};
const genericArray = arrayTextFormatter(genericText);

/**
 * The text output function for a column of type `oid` under the given session settings. Unknown OIDs get
 * a generic printer (strings as is, numbers and bigints in decimal, bytes as hex).
 */
export function textEncoder(oid: number, settings: OutputSettings = DEFAULT_OUTPUT_SETTINGS): ValueTextEncoder {
  switch (oid) {
    case OID.bool:
      return boolText;
    case OID.int2:
    case OID.int4:
    case OID.int8:
    case OID.oid:
      return numberText;
    case OID.regproc:
      return genericText;
    case OID.float4:
    case OID.float8: {
      const fmt = floatFormatter(oid === OID.float4, settings.extraFloatDigits);
      return (v) => fmt(typeof v === 'number' ? v : Number(v));
    }
    case OID.numeric:
      return numericText;
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.char:
    case OID.json:
    case OID.jsonb:
    case OID.xml:
    case OID.unknown:
    case OID.uuid:
      return stringText;
    case OID.bytea: {
      const fmt = byteaFormatter(settings.byteaOutput);
      return (v) => fmt(v as Uint8Array);
    }
    case OID.date: {
      const fmt = dateFormatter(parseDateStyle(settings.dateStyle));
      return (v) => fmt(v as number);
    }
    case OID.time:
      return timeText;
    case OID.timetz:
      return timetzText;
    case OID.timestamp: {
      const fmt = timestampFormatter(parseDateStyle(settings.dateStyle));
      return (v) => fmt(v as bigint);
    }
    case OID.timestamptz: {
      const fmt = timestamptzFormatter(parseDateStyle(settings.dateStyle), resolveTimeZone(settings.timeZone));
      return (v) => fmt(v as bigint);
    }
    case OID.interval: {
      const fmt = intervalFormatter(parseIntervalStyle(settings.intervalStyle));
      return (v) => fmt(v as PgInterval);
    }
    default: {
      const elem = elementOid(oid);
      if (elem !== 0) return arrayTextFormatter(textEncoder(elem, settings));
      return genericText;
    }
  }
}
