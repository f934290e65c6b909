/**
 * Canonical parameter values → DuckDB bound values.
 *
 * Strings are always bound as VARCHAR: DuckDB casts them to the type it inferred for the parameter
 * (INTEGER for `id = $1`, TIMESTAMP for `ts < $1`, ...) with its own parser, which accepts
 * PostgreSQL's text forms. That covers parameters that arrive untyped (OID 0) from the wire, and the
 * types whose canonical form is text (numeric, uuid, json). Typed non-string values are bound natively.
 */
import {
  BIGINT,
  BLOB,
  BOOLEAN,
  DATE,
  DECIMAL,
  DOUBLE,
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBIntervalValue,
  DuckDBListValue,
  DuckDBTimeTZValue,
  DuckDBTimeValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  FLOAT,
  INTEGER,
  INTERVAL,
  LIST,
  SMALLINT,
  TIME,
  TIMESTAMP,
  TIMESTAMPTZ,
  TIMETZ,
  VARCHAR,
  type DuckDBPreparedStatement,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';
import { GatewayError } from '../../errors/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { TIMESTAMP_NEG_INFINITY, type PgInterval, type PgTimeTz, type PgValue } from '../../pgtypes/values.ts';

interface Bound {
  value: DuckDBValue;
  type: DuckDBType;
}

const ELEMENT_OF: Readonly<Record<number, number>> = {
  [OID._bool]: OID.bool,
  [OID._bytea]: OID.bytea,
  [OID._int2]: OID.int2,
  [OID._int4]: OID.int4,
  [OID._int8]: OID.int8,
  [OID._float4]: OID.float4,
  [OID._float8]: OID.float8,
  [OID._numeric]: OID.numeric,
  [OID._text]: OID.text,
  [OID._varchar]: OID.varchar,
  [OID._bpchar]: OID.bpchar,
  [OID._json]: OID.json,
  [OID._jsonb]: OID.jsonb,
  [OID._uuid]: OID.uuid,
  [OID._date]: OID.date,
  [OID._time]: OID.time,
  [OID._timetz]: OID.timetz,
  [OID._timestamp]: OID.timestamp,
  [OID._timestamptz]: OID.timestamptz,
  [OID._interval]: OID.interval,
};

const DUCK_TYPE_OF: Readonly<Record<number, DuckDBType>> = {
  [OID.bool]: BOOLEAN,
  [OID.bytea]: BLOB,
  [OID.int2]: SMALLINT,
  [OID.int4]: INTEGER,
  [OID.int8]: BIGINT,
  [OID.float4]: FLOAT,
  [OID.float8]: DOUBLE,
  [OID.date]: DATE,
  [OID.time]: TIME,
  [OID.timetz]: TIMETZ,
  [OID.timestamp]: TIMESTAMP,
  [OID.timestamptz]: TIMESTAMPTZ,
  [OID.interval]: INTERVAL,
};

const DUCK_DATE_POS_INFINITY = 2147483647;
const DUCK_DATE_NEG_INFINITY = -2147483647;
const DUCK_TIMESTAMP_NEG_INFINITY = -(2n ** 63n - 1n);

function badParam(index: number, why: string): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', `parameter $${index}: ${why}`);
}

/** numeric text → DECIMAL when it fits DuckDB's 38 digits, else DOUBLE (only when DuckDB gave no type). */
function numericValue(text: string): Bound {
  const m = /^\s*([+-]?)(\d*)(?:\.(\d*))?\s*$/.exec(text);
  if (m && (m[2] !== '' || (m[3] ?? '') !== '')) {
    const intPart = m[2]!.replace(/^0+(?=\d)/, '');
    const frac = m[3] ?? '';
    const digits = (intPart + frac).replace(/^0+(?=\d)/, '');
    const width = Math.max(digits.length, frac.length + 1, 1);
    if (width <= 38) {
      const unscaled = BigInt(`${m[1] === '-' ? '-' : ''}${intPart}${frac}` || '0');
      return { value: new DuckDBDecimalValue(unscaled, width, frac.length), type: DECIMAL(width, frac.length) };
    }
  }
  return { value: Number(text), type: DOUBLE };
}

function isInterval(v: PgValue): v is PgInterval {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && 'months' in v;
}

function isTimeTz(v: PgValue): v is PgTimeTz {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array) && 'offsetSeconds' in v;
}

/** The DuckDB value for one canonical value of PostgreSQL type `oid` (0 when unknown). */
export function toDuckDBValue(v: Exclude<PgValue, null>, oid: number, index: number, inferred?: DuckDBTypeId): Bound {
  if (typeof v === 'string') {
    // A numeric parameter is bound as the exact DECIMAL its text needs, even where DuckDB inferred an
    // integer from the context (`$1 * 2`): PostgreSQL keeps 1.20 * 2 = 2.40.
    if (oid === OID.numeric) return numericValue(v);
    return { value: v, type: VARCHAR };
  }
  if (Array.isArray(v)) {
    const elementOid = ELEMENT_OF[oid];
    if (elementOid === undefined) throw badParam(index, 'an array value needs an array type');
    const items = v.map((item) => (item === null ? null : toDuckDBValue(item, elementOid, index)));
    const first = items.find((b) => b !== null);
    const elementType = DUCK_TYPE_OF[elementOid] ?? first?.type ?? VARCHAR;
    return { value: new DuckDBListValue(items.map((b) => (b === null ? null : b.value))), type: LIST(elementType) };
  }
  switch (oid) {
    case OID.date:
      if (typeof v === 'number') {
        const days = v === Infinity ? DUCK_DATE_POS_INFINITY : v === -Infinity ? DUCK_DATE_NEG_INFINITY : v;
        return { value: new DuckDBDateValue(days), type: DATE };
      }
      break;
    case OID.time:
      if (typeof v === 'bigint') return { value: new DuckDBTimeValue(v), type: TIME };
      break;
    case OID.timetz:
      if (isTimeTz(v)) return { value: DuckDBTimeTZValue.fromMicrosAndOffset(v.micros, v.offsetSeconds), type: TIMETZ };
      break;
    case OID.timestamp:
    case OID.timestamptz:
      if (typeof v === 'bigint') {
        const micros = v === TIMESTAMP_NEG_INFINITY ? DUCK_TIMESTAMP_NEG_INFINITY : v;
        return oid === OID.timestamp
          ? { value: new DuckDBTimestampValue(micros), type: TIMESTAMP }
          : { value: new DuckDBTimestampTZValue(micros), type: TIMESTAMPTZ };
      }
      break;
    case OID.interval:
      if (isInterval(v)) return { value: new DuckDBIntervalValue(v.months, v.days, v.micros), type: INTERVAL };
      break;
    case OID.float4:
      if (typeof v === 'number') return { value: v, type: FLOAT };
      break;
    case OID.float8:
      if (typeof v === 'number') return { value: v, type: DOUBLE };
      break;
    case OID.int2:
      if (typeof v === 'number') return { value: v, type: SMALLINT };
      break;
    case OID.int4:
    case OID.oid:
      if (typeof v === 'number') return { value: v, type: oid === OID.oid ? BIGINT : INTEGER };
      break;
    default:
      break;
  }
  // By JavaScript type, for unknown OIDs or values in a neighbouring form (an int8 given as a number...).
  if (typeof v === 'boolean') return { value: v, type: BOOLEAN };
  if (typeof v === 'bigint') return { value: v, type: BIGINT };
  if (typeof v === 'number') {
    if (oid === OID.int8) {
      if (!Number.isSafeInteger(v)) throw badParam(index, 'int8 value is not an integer');
      return { value: BigInt(v), type: BIGINT };
    }
    if (Number.isInteger(v) && v >= -2147483648 && v <= 2147483647 && oid !== OID.float8 && oid !== OID.float4) {
      return { value: v, type: INTEGER };
    }
    return { value: v, type: DOUBLE };
  }
  if (v instanceof Uint8Array) return { value: new DuckDBBlobValue(new Uint8Array(v)), type: BLOB };
  if (isInterval(v)) return { value: new DuckDBIntervalValue(v.months, v.days, v.micros), type: INTERVAL };
  if (isTimeTz(v)) return { value: DuckDBTimeTZValue.fromMicrosAndOffset(v.micros, v.offsetSeconds), type: TIMETZ };
  throw badParam(index, `cannot bind a value of this form for type OID ${oid}`);
}

/** Binds all parameters of a prepared statement; the count must match exactly. */
export function bindParams(
  stmt: DuckDBPreparedStatement,
  params: readonly PgValue[],
  paramTypes: readonly number[],
): void {
  const count = stmt.parameterCount;
  if (params.length !== count) {
    throw new GatewayError(
      'INVALID_PARAMETER_VALUE',
      `the statement has ${count} parameter${count === 1 ? '' : 's'} but ${params.length} value${params.length === 1 ? ' was' : 's were'} supplied`,
    );
  }
  for (let i = 0; i < count; i++) {
    const index = i + 1;
    const v = params[i]!;
    if (v === null) {
      stmt.bindNull(index);
      continue;
    }
    let inferred: DuckDBTypeId | undefined;
    try {
      inferred = stmt.parameterTypeId(index);
    } catch {
      inferred = undefined;
    }
    const bound = toDuckDBValue(v, paramTypes[i] ?? 0, index, inferred);
    stmt.bindValue(index, bound.value, bound.type);
  }
}
