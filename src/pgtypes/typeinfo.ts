import { OID } from './oids.ts';

/** pg_type.typcategory letters used by the supported types. */
export type TypeCategory = 'A' | 'B' | 'D' | 'N' | 'S' | 'T' | 'U' | 'X' | 'Z';

/** What the wire needs to know about a type (RowDescription, array handling), as in pg_type. */
export interface TypeInfo {
  readonly oid: number;
  /** pg_type.typname ('int4', '_int4', ...). */
  readonly name: string;
  /** pg_type.typlen: fixed size in bytes, -1 for varlena, -2 for C strings. */
  readonly typlen: number;
  readonly category: TypeCategory;
  /** OID of the array type whose elements are this type (0 if none). */
  readonly arrayOid: number;
  /** For array types, the element type OID; 0 otherwise. */
  readonly elementOid: number;
  /** Array element delimiter (',' for every supported type). */
  readonly delimiter: string;
}

// oid, typname, typlen, typcategory, typarray — copied from PostgreSQL 15's pg_type.
const SCALARS: ReadonlyArray<readonly [number, string, number, TypeCategory, number]> = [
  [OID.bool, 'bool', 1, 'B', OID._bool],
  [OID.bytea, 'bytea', -1, 'U', OID._bytea],
  [OID.char, 'char', 1, 'Z', OID._char],
  [OID.name, 'name', 64, 'S', OID._name],
  [OID.int8, 'int8', 8, 'N', OID._int8],
  [OID.int2, 'int2', 2, 'N', OID._int2],
  [OID.int4, 'int4', 4, 'N', OID._int4],
  [OID.regproc, 'regproc', 4, 'N', OID._regproc],
  [OID.text, 'text', -1, 'S', OID._text],
  [OID.oid, 'oid', 4, 'N', OID._oid],
  [OID.json, 'json', -1, 'U', OID._json],
  [OID.xml, 'xml', -1, 'U', OID._xml],
  [OID.float4, 'float4', 4, 'N', OID._float4],
  [OID.float8, 'float8', 8, 'N', OID._float8],
  [OID.unknown, 'unknown', -2, 'X', 0],
  [OID.bpchar, 'bpchar', -1, 'S', OID._bpchar],
  [OID.varchar, 'varchar', -1, 'S', OID._varchar],
  [OID.date, 'date', 4, 'D', OID._date],
  [OID.time, 'time', 8, 'D', OID._time],
  [OID.timestamp, 'timestamp', 8, 'D', OID._timestamp],
  [OID.timestamptz, 'timestamptz', 8, 'D', OID._timestamptz],
  [OID.interval, 'interval', 16, 'T', OID._interval],
  [OID.timetz, 'timetz', 12, 'D', OID._timetz],
  [OID.numeric, 'numeric', -1, 'N', OID._numeric],
  [OID.uuid, 'uuid', 16, 'U', OID._uuid],
  [OID.jsonb, 'jsonb', -1, 'U', OID._jsonb],
];

const BY_OID = new Map<number, TypeInfo>();
const BY_NAME = new Map<string, TypeInfo>();

function add(info: TypeInfo): void {
  BY_OID.set(info.oid, Object.freeze(info));
  BY_NAME.set(info.name, info);
}

for (const [oid, name, typlen, category, arrayOid] of SCALARS) {
  add({ oid, name, typlen, category, arrayOid, elementOid: 0, delimiter: ',' });
  if (arrayOid !== 0) add({ oid: arrayOid, name: `_${name}`, typlen: -1, category: 'A', arrayOid: 0, elementOid: oid, delimiter: ',' });
}

/** Metadata of a supported type, or undefined for an OID tollgate does not know. */
export function typeInfo(oid: number): TypeInfo | undefined {
  return BY_OID.get(oid);
}

/** Metadata by pg_type.typname ('int4', '_text', ...). */
export function typeInfoByName(name: string): TypeInfo | undefined {
  return BY_NAME.get(name);
}

/** Element OID of an array type, or 0 when `oid` is not a (supported) array type. */
export function elementOid(oid: number): number {
  return BY_OID.get(oid)?.elementOid ?? 0;
}

/** Array type OID for an element type, or 0 when there is none. */
export function arrayOid(oid: number): number {
  return BY_OID.get(oid)?.arrayOid ?? 0;
}

export function isArrayOid(oid: number): boolean {
  return elementOid(oid) !== 0;
}

/** Every supported type, scalars and arrays. */
export function allTypes(): TypeInfo[] {
  return [...BY_OID.values()];
}

/** The name PostgreSQL uses in messages ('integer', 'double precision', 'timestamp with time zone', ...). */
export function displayName(oid: number): string {
  const elem = elementOid(oid);
  if (elem !== 0) return `${displayName(elem)}[]`;
  return DISPLAY_NAMES[oid] ?? BY_OID.get(oid)?.name ?? `oid ${oid}`;
}

const DISPLAY_NAMES: Record<number, string> = {
  [OID.bool]: 'boolean',
  [OID.char]: '"char"',
  [OID.int2]: 'smallint',
  [OID.int4]: 'integer',
  [OID.int8]: 'bigint',
  [OID.float4]: 'real',
  [OID.float8]: 'double precision',
  [OID.varchar]: 'character varying',
  [OID.bpchar]: 'character',
  [OID.time]: 'time without time zone',
  [OID.timetz]: 'time with time zone',
  [OID.timestamp]: 'timestamp without time zone',
  [OID.timestamptz]: 'timestamp with time zone',
};

/**
 * The type as PostgreSQL's format_type(oid, typmod) prints it: numeric(10,2), character varying(20),
 * timestamp(3) without time zone, integer[]. Used for DDL and for information_schema-style answers.
 */
export function formatType(oid: number, typmod: number): string {
  const elem = elementOid(oid);
  if (elem !== 0) return `${formatType(elem, typmod)}[]`;
  const base = displayName(oid);
  if (typmod < 0) return base;
  switch (oid) {
    case OID.numeric: {
      const t = typmod - 4;
      return `numeric(${(t >> 16) & 0xffff},${t & 0xffff})`;
    }
    case OID.varchar:
    case OID.bpchar:
      return `${base}(${typmod - 4})`;
    case OID.timestamp:
    case OID.timestamptz:
    case OID.time:
    case OID.timetz: {
      // 'timestamp without time zone' with precision 3 is 'timestamp(3) without time zone'
      const space = base.indexOf(' ');
      return `${base.slice(0, space)}(${typmod})${base.slice(space)}`;
    }
    default:
      return base;
  }
}
