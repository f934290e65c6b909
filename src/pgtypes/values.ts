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

/**
 * A string that identifies a list of canonical values exactly, for cache keys: bigints, bytes and
 * non-finite numbers are tagged so that none collides with a string or with null (plain JSON would turn
 * 5n into "5n", like the string '5n', and NaN into null).
 */
export function valuesKey(values: readonly PgValue[]): string {
  return JSON.stringify(values, (_k, v: unknown) => {
    if (typeof v === 'bigint') return { $b: v.toString() };
    if (v instanceof Uint8Array) return { $x: Buffer.from(v).toString('hex') };
    if (typeof v === 'number' && !Number.isFinite(v)) return { $n: String(v) };
    return v;
  });
}
