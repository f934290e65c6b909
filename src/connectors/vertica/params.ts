/**
 * Bound parameters: `$n` markers → Vertica's positional `?` markers, and canonical values → the text
 * Vertica's input functions read.
 *
 * Vertica's server-side prepared statements take `?` only (no `$n`): each occurrence is its own
 * parameter, in order of appearance. So every `$n` occurrence becomes a `?` and gets its own value
 * (`$1 ... $1` binds the value twice; `$2 ... $1` binds them swapped).
 *
 * Values travel as text in Bind, with the type OIDs Vertica reported in its ParameterDescription (as
 * vertica-nodejs does). Vertica infers a marker's type from its context; when the client declared a
 * parameter's type, the marker is cast to the Vertica type, as PostgreSQL would type it:
 *
 *   declared                        marker                               value text
 *   bool                            CAST(? AS BOOLEAN)                   t / f
 *   int2, int4, int8, oid           CAST(? AS INTEGER)                   decimal
 *   float4, float8                  CAST(? AS FLOAT)                     shortest exact, NaN, Infinity
 *   numeric                         CAST(? AS NUMERIC(p,s))              p, s from the value (PostgreSQL
 *                                                                        keeps the value's scale; Vertica's
 *                                                                        bare NUMERIC is (37,15))
 *   text, varchar, bpchar, name,    CAST(? AS VARCHAR(n)), n = bytes    as is (a bare VARCHAR is 80
 *   json, jsonb                     (LONG VARCHAR(n) above 65000)        bytes in Vertica: longer text
 *                                                                        would be cut)
 *   date, time, timetz, timestamp,  CAST(? AS DATE) ...                  ISO, UTC, BC suffix, infinity
 *   timestamptz
 *   uuid                            CAST(? AS UUID)
 *   interval                        CAST(? AS INTERVAL YEAR TO MONTH)    'Y-M' (months only) or
 *                                   CAST(? AS INTERVAL DAY TO SECOND)    'D HH:MM:SS.ffffff' (no months):
 *                                                                        a Vertica interval is one or the
 *                                                                        other; both at once is 22023
 *   bytea                           HEX_TO_BINARY(?)                     hex digits
 *   arrays                          0A000 (vertica-nodejs cannot read Vertica's arrays)
 *
 * An undeclared parameter (type 0) holding text goes as is, uncast (Vertica types it from the
 * statement); other JavaScript values are cast by their canonical type.
 */
import { GatewayError } from '../../errors/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { DEFAULT_OUTPUT_SETTINGS, isArrayOid, textEncoder, type ValueTextEncoder } from '../../pgtypes/index.ts';
import type { PgInterval, PgTimeTz, PgValue } from '../../pgtypes/values.ts';

export interface EncodedParam {
  /** What replaces the `$n` occurrence: `?`, `CAST(? AS ...)` or `HEX_TO_BINARY(?)`. */
  marker: string;
  /** The value's text for Bind (null for NULL); undefined when describing (no value). */
  text: string | null | undefined;
}

const MAX_VARCHAR = 65000;
const MAX_LONG_VARCHAR = 32_000_000;
const MAX_NUMERIC_PRECISION = 1024;

const encoders = new Map<number, ValueTextEncoder>();
function encoderFor(oid: number): ValueTextEncoder {
  let e = encoders.get(oid);
  if (e === undefined) {
    e = textEncoder(oid, DEFAULT_OUTPUT_SETTINGS);
    encoders.set(oid, e);
  }
  return e;
}

function invalid(index: number, message: string, cause?: unknown): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', `parameter $${index + 1}: ${message}`, cause === undefined ? {} : { cause });
}

const cast = (type: string): string => `CAST(? AS ${type})`;

function isInterval(v: PgValue): v is PgInterval {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && 'months' in v;
}
function isTimeTz(v: PgValue): v is PgTimeTz {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && 'offsetSeconds' in v;
}

/** The canonical type of a value whose parameter type was not declared (0 = keep it untyped text). */
function inferredOid(v: PgValue): number {
  if (typeof v === 'string' || v === null) return 0;
  if (typeof v === 'boolean') return OID.bool;
  if (typeof v === 'bigint') return OID.int8;
  if (typeof v === 'number') return Number.isInteger(v) ? OID.int8 : OID.float8;
  if (v instanceof Uint8Array) return OID.bytea;
  if (Array.isArray(v)) return OID._text;
  if (isInterval(v)) return OID.interval;
  if (isTimeTz(v)) return OID.timetz;
  return 0;
}

/** NUMERIC(p,s) holding this exact decimal text (PostgreSQL keeps the scale a value was written with). */
function numericMarker(text: string | undefined): string {
  if (text === undefined) return cast('NUMERIC');
  const m = /^[+-]?(\d*)(?:\.(\d*))?$/.exec(text);
  if (!m) return cast('FLOAT'); // NaN, Infinity: Vertica's NUMERIC has neither
  const scale = m[2]?.length ?? 0;
  const precision = Math.max((m[1] ?? '').replace(/^0+/, '').length + scale, scale, 1);
  return precision <= MAX_NUMERIC_PRECISION ? cast(`NUMERIC(${precision}, ${scale})`) : cast('FLOAT');
}

function textMarker(text: string | undefined): string {
  if (text === undefined) return cast(`VARCHAR(${MAX_VARCHAR})`);
  const bytes = Math.max(Buffer.byteLength(text, 'utf8'), 1);
  if (bytes <= MAX_VARCHAR) return cast(`VARCHAR(${bytes})`);
  return cast(`LONG VARCHAR(${Math.min(bytes, MAX_LONG_VARCHAR)})`);
}

const pad = (n: bigint | number, width: number): string => String(n).padStart(width, '0');

/** A PostgreSQL interval as Vertica's interval input: year-month or day-time, never both. */
function intervalParam(v: PgInterval, index: number): { marker: string; text: string } {
  const dayTime = v.days !== 0 || v.micros !== 0n;
  if (v.months !== 0 && dayTime) {
    throw invalid(index, 'a Vertica interval is either year-month or day-time; this one has months and days or time', undefined);
  }
  if (v.months !== 0) {
    const sign = v.months < 0 ? '-' : '';
    const m = Math.abs(v.months);
    return { marker: cast('INTERVAL YEAR TO MONTH'), text: `${sign}${Math.trunc(m / 12)}-${m % 12}` };
  }
  // Vertica's day-time interval is one quantity; a day is 24 hours.
  const total = BigInt(v.days) * 86_400_000_000n + v.micros;
  const sign = total < 0n ? '-' : '';
  let t = total < 0n ? -total : total;
  const micros = t % 1_000_000n;
  t /= 1_000_000n;
  const seconds = t % 60n;
  t /= 60n;
  const minutes = t % 60n;
  t /= 60n;
  const hours = t % 24n;
  const days = t / 24n;
  return { marker: cast('INTERVAL DAY TO SECOND'), text: `${sign}${days} ${pad(hours, 2)}:${pad(minutes, 2)}:${pad(seconds, 2)}.${pad(micros, 6)}` };
}

/**
 * The marker and value text of parameter `index` (0-based) declared as `declared` (0 = undeclared).
 * `value` undefined means describing: the marker only.
 */
export function encodeParam(index: number, declared: number, value: PgValue | undefined): EncodedParam {
  if (value === null) return { marker: declared === 0 ? '?' : markerOnly(index, declared), text: null };
  const oid = declared !== 0 || value === undefined ? declared : inferredOid(value);
  if (value === undefined) return { marker: markerOnly(index, oid), text: undefined };
  if (isArrayOid(oid) || Array.isArray(value)) {
    throw new GatewayError('FEATURE_NOT_SUPPORTED', `parameter $${index + 1}: array parameters are not supported by the vertica connector`, {
      hint: 'vertica-nodejs cannot read Vertica arrays; pass the elements as separate parameters',
    });
  }
  try {
    switch (oid) {
      case 0:
        return { marker: '?', text: checkText(index, typeof value === 'string' ? value : String(value)) };
      case OID.bytea:
        return { marker: 'HEX_TO_BINARY(?)', text: Buffer.from((value as Uint8Array).buffer, (value as Uint8Array).byteOffset, (value as Uint8Array).length).toString('hex') };
      case OID.interval:
        return intervalParam(value as PgInterval, index);
      case OID.numeric: {
        const text = encoderFor(oid)(value);
        return { marker: numericMarker(text), text };
      }
      case OID.text:
      case OID.varchar:
      case OID.bpchar:
      case OID.name:
      case OID.char:
      case OID.json:
      case OID.jsonb:
      case OID.xml: {
        const text = checkText(index, encoderFor(oid)(value));
        return { marker: textMarker(text), text };
      }
      default: {
        const type = VERTICA_CAST[oid];
        const text = checkText(index, type === undefined && typeof value === 'string' ? value : encoderFor(oid)(value));
        return { marker: type === undefined ? '?' : cast(type), text };
      }
    }
  } catch (e) {
    if (e instanceof GatewayError) throw e;
    throw invalid(index, `cannot print this value as type OID ${oid}`, e);
  }
}

/** Vertica casts for declared types whose marker does not depend on the value. */
const VERTICA_CAST: Readonly<Record<number, string>> = {
  [OID.bool]: 'BOOLEAN',
  [OID.int2]: 'INTEGER',
  [OID.int4]: 'INTEGER',
  [OID.int8]: 'INTEGER',
  [OID.oid]: 'INTEGER',
  [OID.float4]: 'FLOAT',
  [OID.float8]: 'FLOAT',
  [OID.date]: 'DATE',
  [OID.time]: 'TIME',
  [OID.timetz]: 'TIMETZ',
  [OID.timestamp]: 'TIMESTAMP',
  [OID.timestamptz]: 'TIMESTAMPTZ',
  [OID.uuid]: 'UUID',
};

function markerOnly(index: number, oid: number): string {
  if (isArrayOid(oid)) {
    throw new GatewayError('FEATURE_NOT_SUPPORTED', `parameter $${index + 1}: array parameters are not supported by the vertica connector`);
  }
  switch (oid) {
    case 0:
      return '?';
    case OID.bytea:
      return 'HEX_TO_BINARY(?)';
    case OID.interval:
      return cast('INTERVAL DAY TO SECOND');
    case OID.numeric:
      return numericMarker(undefined);
    case OID.text:
    case OID.varchar:
    case OID.bpchar:
    case OID.name:
    case OID.char:
    case OID.json:
    case OID.jsonb:
    case OID.xml:
      return textMarker(undefined);
    default: {
      const type = VERTICA_CAST[oid];
      return type === undefined ? '?' : cast(type);
    }
  }
}

function checkText(index: number, text: string): string {
  if (text.includes('\0')) {
    throw new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', `parameter $${index + 1}: Vertica text cannot contain NUL (0x00)`);
  }
  return text;
}
