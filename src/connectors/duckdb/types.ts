/**
 * DuckDB logical types → PostgreSQL type OIDs and typmods.
 *
 *   BOOLEAN                         bool
 *   TINYINT, SMALLINT, UTINYINT     int2
 *   INTEGER, USMALLINT              int4
 *   BIGINT, UINTEGER                int8
 *   UBIGINT, HUGEINT, UHUGEINT,
 *   BIGNUM (VARINT)                 numeric (no typmod)
 *   FLOAT / DOUBLE                  float4 / float8
 *   DECIMAL(p,s)                    numeric, typmod ((p << 16) | s) + 4
 *   VARCHAR                         text   (DuckDB strings are unbounded, which is PostgreSQL's text;
 *                                           varchar without a length would say the same thing less plainly)
 *   VARCHAR alias JSON              json
 *   ENUM                            text
 *   BLOB                            bytea
 *   UUID                            uuid
 *   DATE / TIME / TIME_NS / TIMETZ  date / time / time / timetz
 *   TIMESTAMP[_S|_MS|_NS]           timestamp (microseconds; nanoseconds are dropped)
 *   TIMESTAMPTZ                     timestamptz
 *   INTERVAL                        interval
 *   LIST / ARRAY of a scalar above  the PostgreSQL array type of the element (element typmod kept)
 *   anything else (STRUCT, MAP, UNION, BIT, nested lists, GEOMETRY, VARIANT, ...)
 *                                   text, produced by DuckDB's own CAST(... AS VARCHAR)
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import { OID } from '../../pgtypes/oids.ts';

export interface PgTypeInfo {
  typeOid: number;
  typeModifier: number;
  /** The value cannot be read natively: the statement casts the column to VARCHAR and it is sent as text. */
  castToText: boolean;
}

const ARRAY_OF: Readonly<Record<number, number>> = {
  [OID.bool]: OID._bool,
  [OID.bytea]: OID._bytea,
  [OID.int2]: OID._int2,
  [OID.int4]: OID._int4,
  [OID.int8]: OID._int8,
  [OID.float4]: OID._float4,
  [OID.float8]: OID._float8,
  [OID.numeric]: OID._numeric,
  [OID.text]: OID._text,
  [OID.json]: OID._json,
  [OID.uuid]: OID._uuid,
  [OID.date]: OID._date,
  [OID.time]: OID._time,
  [OID.timetz]: OID._timetz,
  [OID.timestamp]: OID._timestamp,
  [OID.timestamptz]: OID._timestamptz,
  [OID.interval]: OID._interval,
};

const TEXT: PgTypeInfo = { typeOid: OID.text, typeModifier: -1, castToText: true };

function scalar(typeOid: number, typeModifier = -1): PgTypeInfo {
  return { typeOid, typeModifier, castToText: false };
}

/** numeric typmod as PostgreSQL stores it in pg_attribute.atttypmod. */
export function numericTypmod(precision: number, scale: number): number {
  return ((precision << 16) | scale) + 4;
}

/** The PostgreSQL type of a scalar DuckDB type, or undefined when it is not a scalar tollgate reads natively. */
function scalarType(t: DuckDBType): PgTypeInfo | undefined {
  switch (t.typeId) {
    case DuckDBTypeId.BOOLEAN:
      return scalar(OID.bool);
    case DuckDBTypeId.TINYINT:
    case DuckDBTypeId.SMALLINT:
    case DuckDBTypeId.UTINYINT:
      return scalar(OID.int2);
    case DuckDBTypeId.INTEGER:
    case DuckDBTypeId.USMALLINT:
      return scalar(OID.int4);
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UINTEGER:
      return scalar(OID.int8);
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return scalar(OID.numeric);
    case DuckDBTypeId.FLOAT:
      return scalar(OID.float4);
    case DuckDBTypeId.DOUBLE:
      return scalar(OID.float8);
    case DuckDBTypeId.DECIMAL:
      return scalar(OID.numeric, numericTypmod(t.width, t.scale));
    case DuckDBTypeId.VARCHAR:
      return scalar(t.alias?.toUpperCase() === 'JSON' ? OID.json : OID.text);
    case DuckDBTypeId.ENUM:
      return scalar(OID.text);
    case DuckDBTypeId.BLOB:
      return scalar(OID.bytea);
    case DuckDBTypeId.UUID:
      return scalar(OID.uuid);
    case DuckDBTypeId.DATE:
      return scalar(OID.date);
    case DuckDBTypeId.TIME:
    case DuckDBTypeId.TIME_NS:
      return scalar(OID.time);
    case DuckDBTypeId.TIME_TZ:
      return scalar(OID.timetz);
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return scalar(OID.timestamp);
    case DuckDBTypeId.TIMESTAMP_TZ:
      return scalar(OID.timestamptz);
    case DuckDBTypeId.INTERVAL:
      return scalar(OID.interval);
    default:
      return undefined;
  }
}

/** Maps a DuckDB result or table column type to PostgreSQL. */
export function pgTypeOf(t: DuckDBType): PgTypeInfo {
  if (t.typeId === DuckDBTypeId.BIGNUM) return { typeOid: OID.numeric, typeModifier: -1, castToText: true };
  if (t.typeId === DuckDBTypeId.LIST || t.typeId === DuckDBTypeId.ARRAY) {
    const element = scalarType(t.valueType);
    const arrayOid = element === undefined ? undefined : ARRAY_OF[element.typeOid];
    if (element === undefined || arrayOid === undefined) return TEXT;
    return scalar(arrayOid, element.typeModifier);
  }
  return scalarType(t) ?? TEXT;
}

/** Parameter types as DuckDB inferred them; 0 (unknown) when DuckDB could not tell. */
export function pgParamTypeOf(t: DuckDBType | undefined): number {
  if (t === undefined) return 0;
  return pgTypeOf(t).typeOid;
}
