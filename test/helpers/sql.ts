/**
 * Queries shared by the wire tests. Every one is accepted by PostgreSQL 15 and by DuckDB, gives the same
 * values in both, and aliases every column (PostgreSQL would name `1::int2` "int2", DuckDB "CAST(1 AS SMALLINT)").
 */

/** One column of a typed-constant query, with what a PostgreSQL 15 server sends for it. */
export interface TypeCase {
  /** Column alias. */
  name: string;
  /** SQL expression. */
  expr: string;
  /** RowDescription type OID. */
  oid: number;
  /** Text-format value exactly as sent on the wire (null for SQL NULL); session TimeZone UTC, DateStyle ISO. */
  text: string | null;
  /** Binary-format value as hex (null for SQL NULL). */
  binary: string | null;
}

/** The basic types, one column each (the values named in the wire-test brief). */
export const TYPE_CASES: readonly TypeCase[] = [
  { name: 'c_int2', expr: '1::int2', oid: 21, text: '1', binary: '0001' },
  { name: 'c_int4', expr: '2::int4', oid: 23, text: '2', binary: '00000002' },
  { name: 'c_int8', expr: '3::int8', oid: 20, text: '3', binary: '0000000000000003' },
  { name: 'c_float4', expr: '1.5::float4', oid: 700, text: '1.5', binary: '3fc00000' },
  { name: 'c_float8', expr: '2.5::float8', oid: 701, text: '2.5', binary: '4004000000000000' },
  // numeric binary: ndigits=2 weight=0 sign=+ dscale=2, base-10000 digits 12 and 3400
  { name: 'c_numeric', expr: '12.34::numeric(10,2)', oid: 1700, text: '12.34', binary: '0002000000000002000c0d48' },
  { name: 'c_text', expr: "'x'::text", oid: 25, text: 'x', binary: '78' },
  { name: 'c_bool', expr: 'true', oid: 16, text: 't', binary: '01' },
  // date binary: days since 2000-01-01
  { name: 'c_date', expr: "date '2024-01-02'", oid: 1082, text: '2024-01-02', binary: '0000223f' },
  // timestamp(tz) binary: microseconds since 2000-01-01 00:00:00 (UTC for timestamptz)
  { name: 'c_timestamp', expr: "timestamp '2024-01-02 03:04:05.678'", oid: 1114, text: '2024-01-02 03:04:05.678', binary: '0002b0ec85204bb0' },
  { name: 'c_timestamptz', expr: "timestamptz '2024-01-02 03:04:05+00'", oid: 1184, text: '2024-01-02 03:04:05+00', binary: '0002b0ec8515f340' },
  // Not '\xdeadbeef'::bytea: DuckDB reads that literal as the byte 0xDE followed by the characters "adbeef".
  // High bytes are covered by the bytea parameter round trip instead.
  { name: 'c_bytea', expr: "'abc'::bytea", oid: 17, text: '\\x616263', binary: '616263' },
  { name: 'c_uuid', expr: "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid", oid: 2950, text: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', binary: 'a0eebc999c0b4ef8bb6d6bb9bd380a11' },
];

/** Edge values of the same types: extremes, negatives, before 2000, fractions, empty, NULL. */
export const EDGE_CASES: readonly TypeCase[] = [
  { name: 'e_int2_min', expr: '(-32768)::int2', oid: 21, text: '-32768', binary: '8000' },
  { name: 'e_int4_min', expr: '(-2147483648)::int4', oid: 23, text: '-2147483648', binary: '80000000' },
  { name: 'e_int8_max', expr: '9223372036854775807::int8', oid: 20, text: '9223372036854775807', binary: '7fffffffffffffff' },
  { name: 'e_int8_min', expr: '(-9223372036854775808)::int8', oid: 20, text: '-9223372036854775808', binary: '8000000000000000' },
  { name: 'e_float4', expr: '0.1::float4', oid: 700, text: '0.1', binary: '3dcccccd' },
  { name: 'e_float8', expr: '0.1::float8', oid: 701, text: '0.1', binary: '3fb999999999999a' },
  { name: 'e_float8_neg', expr: '(-1234.5)::float8', oid: 701, text: '-1234.5', binary: 'c0934a0000000000' },
  // ndigits=3 weight=1 sign=0x4000 (negative) dscale=3, digits 1234 5678 9010
  { name: 'e_numeric_neg', expr: '(-12345678.901)::numeric(12,3)', oid: 1700, text: '-12345678.901', binary: '0003000140000003' + '04d2162e2332' },
  // zero: no digits at all, dscale=2
  { name: 'e_numeric_zero', expr: '0.00::numeric(10,2)', oid: 1700, text: '0.00', binary: '0000000000000002' },
  { name: 'e_text_utf8', expr: "'héllo ✓'::text", oid: 25, text: 'héllo ✓', binary: '68c3a96c6c6f20e29c93' },
  { name: 'e_text_empty', expr: "''::text", oid: 25, text: '', binary: '' },
  { name: 'e_bool_false', expr: 'false', oid: 16, text: 'f', binary: '00' },
  { name: 'e_date_1999', expr: "date '1999-12-31'", oid: 1082, text: '1999-12-31', binary: 'ffffffff' },
  { name: 'e_timestamp_us', expr: "timestamp '2024-01-02 03:04:05.123456'", oid: 1114, text: '2024-01-02 03:04:05.123456', binary: '0002b0ec8517d580' },
  { name: 'e_timestamp_midnight', expr: "timestamp '2024-01-02 00:00:00'", oid: 1114, text: '2024-01-02 00:00:00', binary: '0002b0e9f2c0a000' },
  { name: 'e_timestamptz_offset', expr: "timestamptz '2024-06-30 23:59:59.5+02'", oid: 1184, text: '2024-06-30 21:59:59.5+00', binary: '0002bf215ed896e0' },
  { name: 'e_bytea_empty', expr: "''::bytea", oid: 17, text: '\\x', binary: '' },
  { name: 'e_null_int4', expr: 'null::int4', oid: 23, text: null, binary: null },
  { name: 'e_null_text', expr: 'null::text', oid: 25, text: null, binary: null },
];

export function selectOf(cases: readonly TypeCase[]): string {
  return `select ${cases.map((c) => `${c.expr} as ${c.name}`).join(', ')}`;
}

/** 100k rows of three columns; ordered (generate_series is, in both engines). Row i: (i, i*1.5, 'row i'). */
export const HUNDRED_K = "select i::int4 as i, i * 1.5::float8 as d, 'row ' || i as s from generate_series(1, 100000) as t(i)";

/**
 * A query that runs for a very long time on PostgreSQL (nested loop) and on DuckDB (10^12-row cross
 * product, about half an hour at a billion rows a second): something to cancel.
 */
export const LONG_QUERY = 'select count(*) as n from generate_series(1, 1000000) as a(i), generate_series(1, 1000000) as b(j)';
