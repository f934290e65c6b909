import type { ColumnInfo } from '../../connectors/contract.ts';
import { elementOid, OID, textEncoder, typeInfo, type PgValue } from '../../pgtypes/index.ts';
import type { OutputSettings } from '../../wire/backend.ts';

/** A value as it goes into the JSON answer of POST /v1/query. */
export type JsonValue = string | number | boolean | null | JsonValue[];

/** One column of the JSON (and Arrow metadata) answer: its name and PostgreSQL type. */
export interface ColumnJson {
  name: string;
  /** pg_type.typname ('int4', 'timestamptz', '_text'); 'unknown' for an OID tollgate does not know. */
  type: string;
  typeOid: number;
}

export function columnJson(c: ColumnInfo): ColumnJson {
  return { name: c.name, type: typeInfo(c.typeOid)?.name ?? 'unknown', typeOid: c.typeOid };
}

type Convert = (v: PgValue) => JsonValue;

/** NaN and ±Infinity have no JSON number: they go out as PostgreSQL spells them. */
function nonFinite(v: number): string {
  return v !== v ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
}

/**
 * The JSON form of (non-null) values of a column of type `oid`, picked once per column:
 *   bool → true/false; int2, int4, oid → number; float4/float8 → number (NaN, Infinity as strings);
 *   int8 and numeric → string (exact, as node-postgres returns them); arrays → JSON arrays of their
 *   elements' forms; everything else → PostgreSQL's text output under the session's settings (dates
 *   and timestamps in DateStyle ISO: '2024-01-31', '2024-01-31 12:00:00', '2024-01-31 12:00:00+00'),
 *   bytea as '\x…' hex whatever bytea_output says.
 */
export function jsonEncoder(oid: number, settings: OutputSettings): Convert {
  switch (oid) {
    case OID.bool:
      return (v) => v === true;
    case OID.int2:
    case OID.int4:
    case OID.oid:
      return (v) => Number(v);
    case OID.float8:
      return (v) => {
        const n = Number(v);
        return Number.isFinite(n) ? n : nonFinite(n);
      };
    case OID.float4: {
      // A float4 is held as the double nearest to it (1.1 → 1.100000023841858); its shortest float4
      // text read back as a double is what PostgreSQL prints and node-postgres returns (1.1).
      const text = textEncoder(OID.float4, settings);
      return (v) => {
        const n = Number(v);
        return Number.isFinite(n) ? Number(text(n)) : nonFinite(n);
      };
    }
    case OID.int8:
      return (v) => String(v);
    case OID.bytea:
      return textEncoder(OID.bytea, { ...settings, byteaOutput: 'hex' });
    default: {
      const elem = elementOid(oid);
      if (elem !== 0) {
        const element = nullable(jsonEncoder(elem, settings));
        const each = (v: PgValue): JsonValue => (Array.isArray(v) ? v.map(each) : element(v));
        return each;
      }
      return textEncoder(oid, settings);
    }
  }
}

/** The converter with SQL NULL → JSON null. */
export function nullable(convert: Convert): Convert {
  return (v) => (v === null ? null : convert(v));
}
