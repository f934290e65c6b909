/**
 * The canonical in-memory form of a value of each PostgreSQL type, shared by connectors (which produce
 * them) and the wire encoder (which prints them). One form per type keeps every engine's quirks at the
 * connector edge. `null` is SQL NULL for every type.
 *
 *   bool                     boolean
 *   int2, int4, oid          number
 *   int8                     bigint
 *   float4, float8           number (NaN and ±Infinity allowed)
 *   numeric                  string holding the exact decimal text ('12.50', '-0.001', 'NaN')
 *   text, varchar, bpchar,
 *   name, json, jsonb        string
 *   uuid                     string, lower-case canonical 8-4-4-4-12 form
 *   bytea                    Uint8Array
 *   date                     number: days since 1970-01-01 (±Infinity for infinity dates)
 *   time                     bigint: microseconds since midnight
 *   timetz                   { micros: bigint; offsetSeconds: number } (offset east of UTC)
 *   timestamp                bigint: microseconds since 1970-01-01 00:00:00 (wall clock, no zone)
 *   timestamptz              bigint: microseconds since 1970-01-01 00:00:00 UTC
 *   interval                 { months: number; days: number; micros: bigint }
 *   arrays (_int4, ...)      PgArray: JS array of element values (nested arrays for more dimensions)
 *
 * Infinite timestamps are represented by the bigint sentinels below, as PostgreSQL does.
 */
export interface PgInterval {
  months: number;
  days: number;
  micros: bigint;
}

export interface PgTimeTz {
  micros: bigint;
  offsetSeconds: number;
}

export type PgScalar = boolean | number | bigint | string | Uint8Array | PgInterval | PgTimeTz;
export type PgValue = PgScalar | null | PgValue[];

/** PostgreSQL's DT_NOBEGIN / DT_NOEND for timestamps. */
export const TIMESTAMP_NEG_INFINITY = -(2n ** 63n);
export const TIMESTAMP_POS_INFINITY = 2n ** 63n - 1n;
