/**
 * The DuckDB connector: the shared conformance suite over a small Parquet lake (written by DuckDB
 * itself, hive partitions included), then what is particular to DuckDB: every type mapping checked
 * against node-api's own decoding, the sandbox, quoting, the pool, error text and positions.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  DuckDBBlobValue,
  DuckDBDateValue,
  DuckDBDecimalValue,
  DuckDBInstance,
  DuckDBIntervalValue,
  DuckDBTimestampNanosecondsValue,
  DuckDBTimestampValue,
  DuckDBTimestampTZValue,
  DuckDBTimeTZValue,
  DuckDBUUIDValue,
  type DuckDBValue,
} from '@duckdb/node-api';
import type { Connector, RowBatch } from '../../src/connectors/contract.ts';
import { DuckDBConnector, parseDuckDBMessage, type DuckDBConnectorOptions, type InputRelation } from '../../src/connectors/duckdb/index.ts';
import { chunkToBatch } from '../../src/connectors/duckdb/stream.ts';
import { readerFor } from '../../src/connectors/duckdb/vectors.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { OID } from '../../src/pgtypes/oids.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgValue } from '../../src/pgtypes/values.ts';
import { collect, errorOf, normalize, query, run, runConformance, type ConformanceFixture } from './conformance.ts';

const root = mkdtempSync(path.join(tmpdir(), 'tollgate-duckdb-'));
const lake = path.join(root, 'lake');
const quirkyDir = path.join(lake, "it's \"odd\"");

/**
 * Random values of every natively read type, rows shuffled; the low-cardinality long strings of
 * `pick` come back from Parquet's dictionary, so their pointers are not in address order.
 */
const RANDOM_SQL = `
      SELECT i,
        (random() * 1998 - 999)::DECIMAL(4,1) AS d4,
        (random() * 1.9e7 - 9.5e6)::DECIMAL(9,2) AS d9,
        ((random() - 0.5) * (CASE WHEN i % 2 = 0 THEN 1.9e12 ELSE 2e6 END))::DECIMAL(18,6) AS d18,
        (random() * 1e34 - 5e33)::DECIMAL(38,3) AS d38,
        ((random() - 0.5) * 1.7e38)::HUGEINT AS h,
        gen_random_uuid() AS u,
        DATE '1900-01-01' + (random() * 100000)::INTEGER AS dt,
        make_timestamp(((random() - 0.5) * 8e18)::BIGINT) AS ts,
        make_timestamp(((random() - 0.5) * 8e18)::BIGINT)::TIMESTAMPTZ AS tstz,
        make_timestamp_ns(((random() - 0.5) * 4e18)::BIGINT) AS tsns,
        to_months((random() * 100)::INTEGER) + to_days((random() * 100 - 50)::INTEGER) + to_microseconds(((random() - 0.5) * 1e12)::BIGINT) AS iv,
        (lpad((i % 24)::VARCHAR, 2, '0') || ':' || lpad((i % 60)::VARCHAR, 2, '0') || ':'
          || lpad((i * 7 % 60)::VARCHAR, 2, '0') || '.' || lpad((hash(i) % 1000000)::VARCHAR, 6, '0') || CASE WHEN i % 2 = 0 THEN '+' ELSE '-' END
          || lpad((i % 15)::VARCHAR, 2, '0') || ':' || lpad(((i % 4) * 15)::VARCHAR, 2, '0'))::TIMETZ AS ttz,
        (random() * 3.4e38)::UHUGEINT AS uh,
        CASE WHEN i % 11 = 0 THEN NULL
             WHEN i % 3 = 0 THEN 's' || i
             WHEN i % 3 = 1 THEN 'a longer string, ünïcødé ✓ 日本, number ' || i
             ELSE repeat('x', (i % 300)::INTEGER) END AS s,
        CASE WHEN i % 13 = 0 THEN NULL ELSE ('blob ' || repeat('b', (i % 20)::INTEGER))::BLOB END AS b,
        CASE WHEN i % 17 = 0 THEN NULL ELSE [i, NULL, i + 1] END AS l,
        ['first long string value #1', 'second long string value #2', NULL, 'short'][1 + (i % 4)::INTEGER] AS pick
      FROM range(12000) t(i)
      ORDER BY hash(i)`;

/** Writes the Parquet lake with DuckDB: bookings (hive-partitioned by region), customers, a quirky path. */
async function writeLake(): Promise<void> {
  mkdirSync(quirkyDir, { recursive: true });
  const q = (p: string) => `'${p.replaceAll("'", "''")}'`;
  const instance = await DuckDBInstance.create(':memory:');
  const c = await instance.connect();
  await c.run(`COPY (
      SELECT i::INTEGER AS id,
             'customer ' || (i % 50) AS customer,
             (i * 1.25)::DECIMAL(10,2) AS amount,
             DATE '2024-01-01' + (i % 60)::INTEGER AS day,
             TIMESTAMP '2024-01-01 08:00:00' + i * INTERVAL 1 MINUTE AS booked_at,
             CASE WHEN i % 7 = 0 THEN NULL ELSE 'note for booking number ' || i END AS note,
             CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END AS region
      FROM range(2000) t(i)
    ) TO ${q(path.join(lake, 'bookings'))} (FORMAT parquet, PARTITION_BY (region))`);
  await c.run(`COPY (
      SELECT i::BIGINT AS id, 'Customer ' || i AS name, ['vip', 'tag ' || (i % 3)] AS tags
      FROM range(50) t(i)
    ) TO ${q(path.join(lake, 'customers.parquet'))} (FORMAT parquet)`);
  await c.run(`COPY (SELECT 1 AS one) TO ${q(path.join(quirkyDir, 'x.parquet'))} (FORMAT parquet)`);
  mkdirSync(path.join(lake, 'random'));
  await c.run(`COPY (SELECT i, s, b, pick, l, d38, u, dt FROM (${RANDOM_SQL})) TO ${q(path.join(lake, 'random', 'r.parquet'))} (FORMAT parquet)`);
  c.closeSync();
  instance.closeSync();
  writeFileSync(path.join(lake, 'secret.csv'), 'password\nhunter2\n');
}

function options(extra: Partial<DuckDBConnectorOptions> = {}): DuckDBConnectorOptions {
  return {
    name: 'lake',
    dataDir: lake,
    tables: [
      {
        schema: 'lake',
        name: 'bookings',
        path: 'bookings/**/*.parquet',
        comment: 'one row per booking',
        columns: { id: 'booking id', amount: 'in EUR' },
      },
      { schema: 'lake', name: 'customers', path: 'customers.parquet', hivePartitioning: false },
      { schema: 'odd "schema"', name: "we'ird", path: path.join(quirkyDir, '*.parquet') },
      { schema: 'lake', name: 'random', path: 'random/*.parquet' },
    ],
    threads: 2,
    ...extra,
  };
}

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86400000;

const fixture: ConformanceFixture = {
  types: [
    { sql: 'SELECT true AS v', typeOid: OID.bool, value: true },
    { sql: 'SELECT 7::TINYINT AS v', typeOid: OID.int2, value: 7 },
    { sql: 'SELECT (-300)::SMALLINT AS v', typeOid: OID.int2, value: -300 },
    { sql: 'SELECT 2147483647::INTEGER AS v', typeOid: OID.int4, value: 2147483647 },
    { sql: 'SELECT 9007199254740993::BIGINT AS v', typeOid: OID.int8, value: 9007199254740993n },
    { sql: 'SELECT 255::UTINYINT AS v', typeOid: OID.int2, value: 255 },
    { sql: 'SELECT 65535::USMALLINT AS v', typeOid: OID.int4, value: 65535 },
    { sql: 'SELECT 4294967295::UINTEGER AS v', typeOid: OID.int8, value: 4294967295n },
    { sql: 'SELECT 18446744073709551615::UBIGINT AS v', typeOid: OID.numeric, value: '18446744073709551615' },
    {
      sql: 'SELECT (-170141183460469231731687303715884105727)::HUGEINT AS v',
      typeOid: OID.numeric,
      value: '-170141183460469231731687303715884105727',
    },
    {
      sql: 'SELECT 340282366920938463463374607431768211455::UHUGEINT AS v',
      typeOid: OID.numeric,
      value: '340282366920938463463374607431768211455',
    },
    { sql: 'SELECT 1.5::FLOAT AS v', typeOid: OID.float4, value: 1.5 },
    { sql: 'SELECT 0.1::DOUBLE AS v', typeOid: OID.float8, value: 0.1 },
    { sql: "SELECT 'NaN'::DOUBLE AS v", typeOid: OID.float8, value: NaN },
    { sql: "SELECT '-inf'::DOUBLE AS v", typeOid: OID.float8, value: -Infinity },
    { sql: 'SELECT 12.3::DECIMAL(4,2) AS v', typeOid: OID.numeric, typeModifier: ((4 << 16) | 2) + 4, value: '12.30' },
    { sql: 'SELECT (-0.05)::DECIMAL(9,4) AS v', typeOid: OID.numeric, typeModifier: ((9 << 16) | 4) + 4, value: '-0.0500' },
    { sql: 'SELECT 123456789.123::DECIMAL(18,3) AS v', typeOid: OID.numeric, value: '123456789.123' },
    { sql: 'SELECT (-1234567890123456.78)::DECIMAL(18,2) AS v', typeOid: OID.numeric, value: '-1234567890123456.78' },
    {
      sql: 'SELECT (-12345678901234567890123456789.123456789)::DECIMAL(38,9) AS v',
      typeOid: OID.numeric,
      typeModifier: ((38 << 16) | 9) + 4,
      value: '-12345678901234567890123456789.123456789',
    },
    { sql: 'SELECT 5::DECIMAL(10,0) AS v', typeOid: OID.numeric, typeModifier: ((10 << 16) | 0) + 4, value: '5' },
    { sql: "SELECT 'héllo wörld ✓ 日本' AS v", typeOid: OID.text, value: 'héllo wörld ✓ 日本' },
    { sql: "SELECT '' AS v", typeOid: OID.text, value: '' },
    { sql: `SELECT '{"a": [1, 2]}'::JSON AS v`, typeOid: OID.json, value: '{"a": [1, 2]}' },
    { sql: "SELECT 'b'::ENUM('a', 'b') AS v", typeOid: OID.text, value: 'b' },
    { sql: "SELECT '\\xDE\\xAD\\xBE\\xEF'::BLOB AS v", typeOid: OID.bytea, value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
    {
      sql: "SELECT 'a blob longer than twelve bytes'::BLOB AS v",
      typeOid: OID.bytea,
      value: new TextEncoder().encode('a blob longer than twelve bytes'),
    },
    {
      sql: "SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::UUID AS v",
      typeOid: OID.uuid,
      value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    },
    { sql: "SELECT '00000000-0000-0000-0000-000000000001'::UUID AS v", typeOid: OID.uuid, value: '00000000-0000-0000-0000-000000000001' },
    { sql: "SELECT 'ffffffff-ffff-ffff-ffff-ffffffffffff'::UUID AS v", typeOid: OID.uuid, value: 'ffffffff-ffff-ffff-ffff-ffffffffffff' },
    { sql: "SELECT DATE '2024-02-29' AS v", typeOid: OID.date, value: days('2024-02-29') },
    { sql: "SELECT DATE '1969-12-31' AS v", typeOid: OID.date, value: -1 },
    { sql: "SELECT 'infinity'::DATE AS v", typeOid: OID.date, value: Infinity },
    { sql: "SELECT '-infinity'::DATE AS v", typeOid: OID.date, value: -Infinity },
    { sql: "SELECT TIME '13:45:30.123456' AS v", typeOid: OID.time, value: 49530123456n },
    { sql: "SELECT '13:45:30.123456789'::TIME_NS AS v", typeOid: OID.time, value: 49530123456n },
    { sql: "SELECT '13:45:30+05:30'::TIMETZ AS v", typeOid: OID.timetz, value: { micros: 49530000000n, offsetSeconds: 19800 } },
    { sql: "SELECT '01:00:00-08'::TIMETZ AS v", typeOid: OID.timetz, value: { micros: 3600000000n, offsetSeconds: -28800 } },
    {
      sql: "SELECT TIMESTAMP '2024-03-01 12:34:56.789012' AS v",
      typeOid: OID.timestamp,
      value: micros('2024-03-01T12:34:56.789Z') + 12n,
    },
    { sql: "SELECT TIMESTAMP '1960-01-01 00:00:00' AS v", typeOid: OID.timestamp, value: micros('1960-01-01T00:00:00Z') },
    { sql: "SELECT 'infinity'::TIMESTAMP AS v", typeOid: OID.timestamp, value: TIMESTAMP_POS_INFINITY },
    { sql: "SELECT '-infinity'::TIMESTAMP AS v", typeOid: OID.timestamp, value: TIMESTAMP_NEG_INFINITY },
    { sql: "SELECT '2024-03-01 12:34:56'::TIMESTAMP_S AS v", typeOid: OID.timestamp, value: micros('2024-03-01T12:34:56Z') },
    { sql: "SELECT '2024-03-01 12:34:56.789'::TIMESTAMP_MS AS v", typeOid: OID.timestamp, value: micros('2024-03-01T12:34:56.789Z') },
    {
      sql: "SELECT '2024-03-01 12:34:56.123456789'::TIMESTAMP_NS AS v",
      typeOid: OID.timestamp,
      value: micros('2024-03-01T12:34:56.123Z') + 456n,
    },
    { sql: "SELECT '1969-12-31 23:59:59.9999995'::TIMESTAMP_NS AS v", typeOid: OID.timestamp, value: -1n },
    { sql: "SELECT '-infinity'::TIMESTAMP_NS AS v", typeOid: OID.timestamp, value: TIMESTAMP_NEG_INFINITY },
    {
      sql: "SELECT TIMESTAMPTZ '2024-03-01 12:00:00+02' AS v",
      typeOid: OID.timestamptz,
      value: micros('2024-03-01T10:00:00Z'),
    },
    { sql: "SELECT 'infinity'::TIMESTAMPTZ AS v", typeOid: OID.timestamptz, value: TIMESTAMP_POS_INFINITY },
    {
      sql: "SELECT INTERVAL '1 year 2 months 3 days 04:05:06.000007' AS v",
      typeOid: OID.interval,
      value: { months: 14, days: 3, micros: 14706000007n },
    },
    { sql: "SELECT INTERVAL '-1 day -2 hours' AS v", typeOid: OID.interval, value: { months: 0, days: -1, micros: -7200000000n } },
    { sql: 'SELECT [1, 2, NULL]::INTEGER[] AS v', typeOid: OID._int4, value: [1, 2, null] },
    { sql: 'SELECT []::INTEGER[] AS v', typeOid: OID._int4, value: [] },
    { sql: 'SELECT [10000000000, -1] AS v', typeOid: OID._int8, value: [10000000000n, -1n] },
    {
      sql: "SELECT ['a', NULL, 'a string much longer than twelve bytes'] AS v",
      typeOid: OID._text,
      value: ['a', null, 'a string much longer than twelve bytes'],
    },
    {
      sql: 'SELECT [1.5, 2.25]::DECIMAL(5,2)[] AS v',
      typeOid: OID._numeric,
      typeModifier: ((5 << 16) | 2) + 4,
      value: ['1.50', '2.25'],
    },
    { sql: "SELECT [DATE '1970-01-02', 'infinity'::DATE] AS v", typeOid: OID._date, value: [1, Infinity] },
    { sql: "SELECT [TIMESTAMP '1970-01-01 00:00:01'] AS v", typeOid: OID._timestamp, value: [1000000n] },
    { sql: 'SELECT [true, false, NULL] AS v', typeOid: OID._bool, value: [true, false, null] },
    { sql: "SELECT ['b'::ENUM('a', 'b')] AS v", typeOid: OID._text, value: ['b'] },
    { sql: 'SELECT [1, 2, 3]::INTEGER[3] AS v', typeOid: OID._int4, value: [1, 2, 3] },
    { sql: "SELECT ['00000000-0000-0000-0000-00000000000a'::UUID] AS v", typeOid: OID._uuid, value: ['00000000-0000-0000-0000-00000000000a'] },
    { sql: 'SELECT [[1, 2], [3]] AS v', typeOid: OID.text, value: '[[1, 2], [3]]' },
    { sql: "SELECT {'a': 1, 'b': 'x'} AS v", typeOid: OID.text, value: "{'a': 1, 'b': x}" },
    { sql: "SELECT MAP {'k': 2} AS v", typeOid: OID.text, value: '{k=2}' },
    { sql: 'SELECT union_value(num := 2) AS v', typeOid: OID.text, value: '2' },
    { sql: "SELECT '0101'::BIT AS v", typeOid: OID.text, value: '0101' },
    { sql: "SELECT [{'a': 1}] AS v", typeOid: OID.text, value: "[{'a': 1}]" },
    { sql: "SELECT '123456789012345678901234567890123456789012'::BIGNUM AS v", typeOid: OID.numeric, value: '123456789012345678901234567890123456789012' },
  ],
  nulls: {
    sql: `SELECT NULL::BOOLEAN, NULL::INTEGER, NULL::BIGINT, NULL::DOUBLE, NULL::DECIMAL(10,2), NULL::VARCHAR,
                 NULL::BLOB, NULL::UUID, NULL::DATE, NULL::TIME, NULL::TIMETZ, NULL::TIMESTAMP, NULL::TIMESTAMPTZ,
                 NULL::INTERVAL, NULL::HUGEINT, NULL::INTEGER[], NULL::STRUCT(a INTEGER)`,
    typeOids: [
      OID.bool, OID.int4, OID.int8, OID.float8, OID.numeric, OID.text, OID.bytea, OID.uuid, OID.date, OID.time,
      OID.timetz, OID.timestamp, OID.timestamptz, OID.interval, OID.numeric, OID._int4, OID.text,
    ],
  },
  large: { sql: 'SELECT range AS i, range * 0.5 AS half FROM range(1000000)', rows: 1_000_000 },
  endless: "SELECT range AS i, 'row number ' || range AS label FROM range(1000000000000)",
  slowFirstRow: 'SELECT sum(hash(range)) AS h FROM range(1000000000000)',
  errors: [
    { sql: 'SELECT * FROM lake.bokings', sqlstate: '42P01', position: 15, hint: /Did you mean "bookings"/ },
    { sql: 'SELECT amout FROM lake.bookings', sqlstate: '42703', position: 8, hint: /amount/ },
    { sql: 'SELECT id,\n       amout\nFROM lake.bookings', sqlstate: '42703', position: 19 },
    { sql: "SELECT 'é日本' || amout FROM lake.bookings", sqlstate: '42703', position: 17 },
    { sql: 'SELEC 1', sqlstate: '42601', position: 1 },
    { sql: 'SELECT * FROM lake.bookings WHERE', sqlstate: '42601' },
    { sql: '', sqlstate: '42601' },
    { sql: 'SELECT nosuchfn(1)', sqlstate: '42883', position: 8 },
    { sql: "SELECT 'a' + 1", sqlstate: '42883' },
    { sql: "SELECT 'abc'::INTEGER", sqlstate: '22P02', message: /abc/ },
    { sql: 'SELECT 2147483647::INTEGER + 1', sqlstate: '22003' },
    { sql: 'SELECT 100000::TINYINT', sqlstate: '22003' },
    { sql: 'SELECT id FROM lake.bookings b1, lake.bookings b2', sqlstate: '42702' },
    { sql: 'SELECT customer, sum(amount) FROM lake.bookings', sqlstate: '42803' },
    { sql: "SELECT * FROM read_csv('/etc/passwd')", sqlstate: '0A000' },
    { sql: 'SELECT 1; SELECT 2', sqlstate: '0A000' },
  ],
  writes: [
    'CREATE TABLE t (a INTEGER)',
    'INSERT INTO lake.bookings (id) VALUES (1)',
    'UPDATE lake.bookings SET id = 1',
    'DELETE FROM lake.bookings',
    'DROP VIEW lake.bookings',
    `COPY (SELECT 1) TO '${path.join(lake, 'bookings', 'evil.csv')}'`,
    `EXPORT DATABASE '${path.join(root, 'export')}'`,
    "ATTACH ':memory:' AS other",
    'INSTALL httpfs',
    'LOAD httpfs',
    'SET threads = 1',
    'RESET threads',
    'PRAGMA threads = 1',
    'CALL pragma_version()',
    'CHECKPOINT',
    'BEGIN',
    'USE lake',
    '/* sneaky */ (DROP VIEW lake.bookings)',
    'SELECT 1; DROP VIEW lake.bookings',
  ],
  params: [
    { sql: 'SELECT id FROM lake.bookings WHERE id = $1', params: ['42'], paramTypes: [0], rows: [[42]] },
    { sql: 'SELECT id FROM lake.bookings WHERE id = $1', params: [42], paramTypes: [OID.int4], rows: [[42]] },
    {
      sql: 'SELECT count(*)::INTEGER AS n FROM lake.bookings WHERE day >= $1 AND day < $2',
      params: [days('2024-01-01'), days('2024-01-03')],
      paramTypes: [OID.date, OID.date],
      rows: [[68]],
    },
    {
      sql: 'SELECT count(*)::INTEGER AS n FROM lake.bookings WHERE booked_at < $1 AND region = $2',
      params: ['2024-01-01 08:10:00', 'eu'],
      paramTypes: [0, 0],
      rows: [[5]],
    },
    { sql: 'SELECT $1::BIGINT + 1 AS x', params: [9007199254740993n], paramTypes: [OID.int8], rows: [[9007199254740994n]] },
    { sql: 'SELECT $1 AS s', params: ['hello'], paramTypes: [0], rows: [['hello']] },
    { sql: 'SELECT $1 + 1 AS n', params: ['1.25'], paramTypes: [OID.numeric], rows: [['2.25']] },
    { sql: 'SELECT $1::DECIMAL(10,2) AS d', params: ['12.5'], paramTypes: [0], rows: [['12.50']] },
    { sql: 'SELECT octet_length($1) AS n', params: [new Uint8Array([1, 2, 3])], paramTypes: [OID.bytea], rows: [[3n]] },
    { sql: 'SELECT $1::TIMESTAMP AS t', params: [1700000000123456n], paramTypes: [OID.timestamp], rows: [[1700000000123456n]] },
    { sql: 'SELECT $1 AS t', params: [TIMESTAMP_NEG_INFINITY], paramTypes: [OID.timestamp], rows: [[TIMESTAMP_NEG_INFINITY]] },
    { sql: 'SELECT $1 AS d', params: [Infinity], paramTypes: [OID.date], rows: [[Infinity]] },
    { sql: 'SELECT len($1) AS n', params: [[1, 2, 3]], paramTypes: [OID._int4], rows: [[3n]] },
    { sql: 'SELECT $1 AS b', params: [true], paramTypes: [OID.bool], rows: [[true]] },
    { sql: 'SELECT $1::INTEGER AS n', params: [null], paramTypes: [OID.int4], rows: [[null]] },
    {
      sql: 'SELECT $1 AS iv',
      params: [{ months: 1, days: 2, micros: 3n }],
      paramTypes: [OID.interval],
      rows: [[{ months: 1, days: 2, micros: 3n }]],
    },
    { sql: 'SELECT $1 AS tz', params: [{ micros: 1n, offsetSeconds: -3600 }], paramTypes: [OID.timetz], rows: [[{ micros: 1n, offsetSeconds: -3600 }]] },
  ],
  describe: [
    {
      sql: 'SELECT id, customer FROM lake.bookings WHERE id = $1',
      params: [OID.int4],
      columns: [
        { name: 'id', typeOid: OID.int4 },
        { name: 'customer', typeOid: OID.text },
      ],
    },
    { sql: 'SELECT $1 AS x', params: [0], columns: [{ name: 'x', typeOid: OID.text }] },
    {
      sql: 'SELECT amount FROM lake.bookings LIMIT $1',
      params: [OID.int8],
      columns: [{ name: 'amount', typeOid: OID.numeric, typeModifier: ((10 << 16) | 2) + 4 }],
    },
    {
      sql: 'SELECT day, booked_at FROM lake.bookings WHERE day = $1 AND booked_at < $2',
      params: [OID.date, OID.timestamp],
      columns: [
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
      ],
    },
    {
      sql: 'EXPLAIN SELECT 1',
      params: [],
      columns: [
        { name: 'explain_key', typeOid: OID.text },
        { name: 'explain_value', typeOid: OID.text },
      ],
    },
  ],
  tables: [
    {
      schema: 'lake',
      name: 'bookings',
      comment: 'one row per booking',
      columns: [
        { name: 'id', typeOid: OID.int4, comment: 'booking id' },
        { name: 'customer', typeOid: OID.text },
        { name: 'amount', typeOid: OID.numeric, comment: 'in EUR' },
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
        { name: 'note', typeOid: OID.text },
        { name: 'region', typeOid: OID.text },
      ],
    },
    {
      schema: 'lake',
      name: 'customers',
      columns: [
        { name: 'id', typeOid: OID.int8 },
        { name: 'name', typeOid: OID.text },
        { name: 'tags', typeOid: OID._text },
      ],
    },
    { schema: 'odd "schema"', name: "we'ird", columns: [{ name: 'one', typeOid: OID.int4 }] },
  ],
};

before(async () => {
  await writeLake();
});

after(() => {
  rmSync(root, { recursive: true, force: true });
});

runConformance('duckdb', () => DuckDBConnector.create(options()), fixture);

describe('duckdb connector', () => {
  let c: DuckDBConnector;
  before(async () => {
    c = await DuckDBConnector.create(options());
  });
  after(async () => {
    await c.close();
  });

  it('reads the lake: hive partitions, quoted names, NULLs', async () => {
    const { rows } = await run(
      c,
      `SELECT region, count(*)::INTEGER AS n, count(note)::INTEGER AS notes, sum(amount) AS total
       FROM lake.bookings GROUP BY region ORDER BY region`,
    );
    assert.deepEqual(rows, [
      ['eu', 1000, 857, '1248750.00'],
      ['us', 1000, 857, '1250000.00'],
    ]);
    const odd = await run(c, `SELECT one FROM "odd ""schema"""."we'ird"`);
    assert.deepEqual(odd.rows, [[1]]);
  });

  describe('values agree with node-api decoding them independently', () => {
    const toCanonical = (v: DuckDBValue): unknown => {
      if (v === null) return null;
      if (v instanceof DuckDBDecimalValue || v instanceof DuckDBUUIDValue) return v.toString();
      if (v instanceof DuckDBDateValue) return v.days;
      if (v instanceof DuckDBTimestampValue || v instanceof DuckDBTimestampTZValue) return v.micros;
      if (v instanceof DuckDBTimestampNanosecondsValue) {
        const q = v.nanos / 1000n;
        return v.nanos % 1000n < 0n ? q - 1n : q;
      }
      if (v instanceof DuckDBIntervalValue) return { months: v.months, days: v.days, micros: v.micros };
      if (v instanceof DuckDBTimeTZValue) return { micros: v.micros, offsetSeconds: v.offset };
      if (v instanceof DuckDBBlobValue) return { bytes: Array.from(v.bytes) };
      if (typeof v === 'object' && 'items' in v) return (v.items as DuckDBValue[]).map(toCanonical);
      return v;
    };
    // bigints print as strings on both sides: canonical numeric text and int8 compare alike.
    const same = (a: unknown, b: unknown) => JSON.stringify(a, bigintJson) === JSON.stringify(b, bigintJson);

    it('the readers decode every chunk of 12000 random rows as node-api does', async () => {
      const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
      const conn = await instance.connect();
      try {
        const result = await conn.stream(RANDOM_SQL);
        const readers = result.columnTypes().map(readerFor);
        assert.equal(readers.length, 18);
        let rows = 0;
        for (;;) {
          const chunk = await result.fetchChunk();
          if (chunk === null || chunk.rowCount === 0) break;
          const ours = chunkToBatch(chunk, readers);
          const ref = chunk.getColumns();
          for (let col = 0; col < readers.length; col++) {
            const have = normalize(Array.from(ours.columns[col]!));
            const want = ref[col]!.map(toCanonical);
            if (!same(have, want)) {
              const r = (want as unknown[]).findIndex((w, k) => !same((have as unknown[])[k], w));
              assert.fail(
                `column ${result.columnName(col)} row ${rows + r}: got ${JSON.stringify((have as unknown[])[r], bigintJson)}, ` +
                  `want ${JSON.stringify((want as unknown[])[r], bigintJson)}`,
              );
            }
          }
          rows += chunk.rowCount;
        }
        assert.equal(rows, 12000);
      } finally {
        conn.closeSync();
        instance.closeSync();
      }
    });

    it('strings and lists from Parquet (dictionary pages, pointers out of order) come back intact', async () => {
      const instance = await DuckDBInstance.create(':memory:');
      const ref = await instance.connect();
      try {
        const file = path.join(lake, 'random', 'r.parquet').replaceAll("'", "''");
        const reader = await ref.runAndReadAll(`SELECT * FROM '${file}'`);
        const expected = reader.getColumns();
        const got = await run(c, 'SELECT * FROM lake.random');
        assert.equal(got.rows.length, 12000);
        for (let col = 0; col < expected.length; col++) {
          const want = expected[col]!.map(toCanonical);
          const have = normalize(got.rows.map((row) => row[col]!)) as unknown[];
          if (!same(have, want)) {
            const r = want.findIndex((w, k) => !same(have[k], w));
            assert.fail(`${reader.columnName(col)} row ${r}: got ${JSON.stringify(have[r], bigintJson)}, want ${JSON.stringify(want[r], bigintJson)}`);
          }
        }
      } finally {
        ref.closeSync();
        instance.closeSync();
      }
    });
  });

  describe('sandbox: a statement reaches only the lake', () => {
    const denied = [
      "SELECT * FROM read_csv('/etc/passwd')",
      "SELECT * FROM read_text('/etc/hostname')",
      "SELECT * FROM glob('/etc/*')",
      `SELECT * FROM read_csv('${path.join(lake, 'secret.csv')}')`,
      `SELECT * FROM read_csv('${path.join(lake, 'bookings', '..', 'secret.csv')}')`,
      "SELECT * FROM read_parquet('https://example.com/x.parquet')",
      "SELECT * FROM read_json_auto('/etc/hostname')",
      "SELECT * FROM sniff_csv('/etc/passwd')",
      "SELECT * FROM query('ATTACH '':memory:'' AS x')",
    ];
    for (const sql of denied) {
      it(`refuses ${sql}`, async () => {
        const e = await errorOf(c, sql);
        assert.ok(['0A000', '42601'].includes(e.sqlstate), `${e.sqlstate} ${e.message}`);
      });
    }

    it('leaves nothing written and the views intact after the write attempts', async () => {
      for (const sql of fixture.writes) await errorOf(c, sql).catch(() => undefined);
      assert.equal(existsSync(path.join(lake, 'bookings', 'evil.csv')), false);
      assert.equal(existsSync(path.join(root, 'export')), false);
      const { rows } = await run(c, 'SELECT count(*)::INTEGER FROM lake.bookings');
      assert.deepEqual(rows, [[2000]]);
      const locked = await run(c, "SELECT current_setting('enable_external_access'), current_setting('lock_configuration')");
      assert.deepEqual(locked.rows, [[false, true]]);
    });

    it('still reads the lake files directly', async () => {
      const { rows } = await run(c, `SELECT count(*)::INTEGER FROM read_parquet('${path.join(lake, 'bookings', '*', '*.parquet')}')`);
      assert.deepEqual(rows, [[2000]]);
    });
  });

  it('explains', async () => {
    const { columns, rows } = await run(c, 'EXPLAIN SELECT count(*) FROM lake.bookings');
    assert.deepEqual(
      columns.map((col) => col.name),
      ['explain_key', 'explain_value'],
    );
    assert.match(String(rows[0]![1]), /READ_PARQUET|PARQUET_SCAN|TABLE_SCAN/i);
  });

  it('reports a bad parameter count as 22023', async () => {
    await assert.rejects(
      c.execute(query('SELECT $1::INTEGER AS a', []), { signal: new AbortController().signal }),
      (e: unknown) => e instanceof GatewayError && e.sqlstate === '22023',
    );
  });

  it('reports rows and time in the summary', async () => {
    const { summary } = await run(c, 'SELECT * FROM lake.bookings WHERE id < 10');
    assert.equal(summary.rowCount, 10);
    assert.ok(summary.elapsedMs > 0);
    assert.equal(summary.bytesRead, undefined);
  });
});

describe('duckdb connection pool', () => {
  it('queues beyond maxConnections, cancels a queued statement, resumes on close', async () => {
    const c = await DuckDBConnector.create(options({ maxConnections: 1 }));
    try {
      const first = await c.execute(query(fixture.endless), { signal: new AbortController().signal });
      await first[Symbol.asyncIterator]().next();
      const ac = new AbortController();
      const queued = c.execute(query('SELECT 1 AS one'), { signal: ac.signal });
      const waiting = c.execute(query('SELECT 2 AS two'), { signal: new AbortController().signal });
      await new Promise((r) => setTimeout(r, 50));
      ac.abort();
      await assert.rejects(queued, (e: unknown) => e instanceof GatewayError && e.sqlstate === '57014');
      await first.close();
      const { rows } = await collect(await waiting);
      assert.deepEqual(rows, [[2]]);
    } finally {
      await c.close();
    }
  });

  it('shuts down with a stream open: the stream ends with 08006, health turns false', async () => {
    const c = await DuckDBConnector.create(options({ maxConnections: 2 }));
    const stream = await c.execute(query(fixture.endless), { signal: new AbortController().signal });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    const closing = c.close();
    await assert.rejects(
      (async () => {
        for (;;) if ((await it.next()).done) break;
      })(),
      (e: unknown) => e instanceof GatewayError && ['08006', '57014'].includes(e.sqlstate),
    );
    await closing;
    assert.equal((await c.health()).ok, false);
    await assert.rejects(c.execute(query('SELECT 1'), { signal: new AbortController().signal }), (e: unknown) => e instanceof GatewayError && e.sqlstate === '08006');
  });
});

describe('duckdb connector configuration', () => {
  const bad: Array<[string, Partial<DuckDBConnectorOptions>]> = [
    ['a relative path without dataDir', { dataDir: undefined }],
    ['a glob at the root', { tables: [{ schema: 's', name: 't', path: '/*.parquet' }] }],
    ['a remote path', { tables: [{ schema: 's', name: 't', path: 's3://bucket/x.parquet' }] }],
    ['a table configured twice', { tables: [{ schema: 's', name: 't', path: 'customers.parquet' }, { schema: 'S', name: 'T', path: 'customers.parquet' }] }],
    ['a path without files', { tables: [{ schema: 's', name: 't', path: 'nothing/*.parquet' }] }],
    ['a bad memory limit', { memoryLimit: 'lots' }],
  ];
  for (const [what, extra] of bad) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(DuckDBConnector.create(options(extra)), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID');
    });
  }
});

describe('duckdb catalog', () => {
  it('leaves out a table whose files vanished, keeps the others', async () => {
    const dir = path.join(lake, 'vanishing');
    mkdirSync(dir, { recursive: true });
    const instance = await DuckDBInstance.create(':memory:');
    const w = await instance.connect();
    await w.run(`COPY (SELECT 1 AS a) TO '${path.join(dir, 'v.parquet')}' (FORMAT parquet)`);
    w.closeSync();
    instance.closeSync();
    const base = options();
    const c = await DuckDBConnector.create({ ...base, tables: [...base.tables, { schema: 'lake', name: 'vanishing', path: 'vanishing/*.parquet' }] });
    try {
      assert.ok((await c.listTables()).some((t) => t.name === 'vanishing'));
      rmSync(dir, { recursive: true, force: true });
      const names = (await c.listTables()).map((t) => `${t.schema}.${t.name}`);
      assert.ok(!names.includes('lake.vanishing'));
      assert.ok(names.includes('lake.bookings'));
      const e = await errorOf(c, 'SELECT * FROM lake.vanishing');
      assert.equal(e.sqlstate, '58000', e.message);
    } finally {
      await c.close();
    }
  });
});

describe('duckdb error text', () => {
  it('splits class, message, hint and caret position', () => {
    const p = parseDuckDBMessage(
      'Binder Error: Referenced column "amout" not found in FROM clause!\nCandidate bindings: "amount", "name"\n\nLINE 3:   amout\n          ^',
      { sql: 'SELECT\n  id,\n  amout\nFROM t' },
    );
    assert.equal(p.errorClass, 'Binder');
    assert.equal(p.message, 'Referenced column "amout" not found in FROM clause');
    assert.equal(p.hint, 'Candidate bindings: "amount", "name"');
    assert.equal(p.position, 'SELECT\n  id,\n  '.length + 1);
  });

  it('maps a caret on an elided long line', () => {
    const cols = Array.from({ length: 60 }, (_, i) => `col${i}`).join(', ');
    const sql = `SELECT ${cols}, amout FROM t`;
    const msg =
      'Binder Error: Referenced column "amout" not found in FROM clause!\n\nLINE 1: ..., col56, col57, col58, col59, amout FROM t\n' +
      ' '.repeat('LINE 1: ..., col56, col57, col58, col59, '.length) +
      '^';
    assert.equal(parseDuckDBMessage(msg, { sql }).position, sql.indexOf('amout') + 1);
  });
});

function bigintJson(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

export type { Connector, PgValue };

describe('duckdb connector: input relations (the join side of federated queries)', () => {
  let c: DuckDBConnector;
  before(async () => {
    c = await DuckDBConnector.create(options({ maxConnections: 1 }));
  });
  after(async () => {
    await c?.close();
  });

  async function* batches(rows: PgValue[][], width: number): AsyncGenerator<RowBatch> {
    // Two batches, so loading spans more than one.
    const half = Math.ceil(rows.length / 2);
    for (const part of [rows.slice(0, half), rows.slice(half)]) {
      if (part.length === 0) continue;
      yield { rowCount: part.length, columns: Array.from({ length: width }, (_, i) => part.map((r) => r[i] ?? null)) };
    }
  }

  const customers: InputRelation = {
    name: 'tg_in_1',
    source: 'crm.customers on engine pg',
    columns: [
      { name: 'customer', typeOid: OID.text, typeModifier: -1 },
      { name: 'tier', typeOid: OID.varchar, typeModifier: 14 },
      { name: 'credit', typeOid: OID.numeric, typeModifier: ((12 << 16) | 2) + 4 },
      { name: 'since', typeOid: OID.date, typeModifier: -1 },
      { name: 'seen_at', typeOid: OID.timestamptz, typeModifier: -1 },
      { name: 'id', typeOid: OID.uuid, typeModifier: -1 },
      { name: 'big', typeOid: OID.int8, typeModifier: -1 },
      { name: 'vip', typeOid: OID.bool, typeModifier: -1 },
    ],
    batches: undefined as unknown as AsyncIterable<RowBatch>,
  };
  const customerRows: PgValue[][] = [
    ['customer 1', 'gold', '1234.50', 19723, 1_704_067_200_000_000n, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 9_007_199_254_740_993n, true],
    ['customer 2', 'silver', '-0.01', -Infinity, null, null, -1n, false],
    ['customer 3', null, null, null, null, null, null, null],
  ];

  it('joins rows loaded from elsewhere with a lake table, with exact values, on one connection', async () => {
    const stream = await c.executeWith(
      query(`SELECT b.customer, i.tier, i.credit, i.since, i.seen_at, i.id, i.big, i.vip, count(*) AS n
             FROM lake.bookings b JOIN tg_in_1 i ON i.customer = b.customer
             GROUP BY ALL ORDER BY 1`),
      [{ ...customers, batches: batches(customerRows, 8) }],
      { signal: new AbortController().signal, limits: { maxRows: 100 } },
    );
    const { rows } = await collect(stream);
    assert.deepEqual(rows.map((r) => r.slice(0, 8)), customerRows);
    assert.deepEqual(rows.map((r) => r[8]), [40n, 40n, 40n]);
    // The temporary table is gone once the result is closed, and the one connection is free again.
    await assert.rejects(run(c, 'SELECT * FROM tg_in_1'), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42P01');
  });

  it('a part larger than the cap fails with 53400 naming its source, and frees the connection', async () => {
    const many = Array.from({ length: 11 }, (_, i) => [`customer ${i}`]);
    await assert.rejects(
      c.executeWith(query('SELECT count(*) FROM tg_in_2'), [{ name: 'tg_in_2', source: 'crm.customers on engine pg', columns: [customers.columns[0]!], batches: batches(many, 1) }], {
        signal: new AbortController().signal,
        limits: { maxRows: 10 },
      }),
      (e: unknown) => e instanceof GatewayError && e.sqlstate === '53400' && /more than 10 rows from crm\.customers on engine pg/.test(e.message),
    );
    const { rows } = await run(c, 'SELECT 1 AS one');
    assert.deepEqual(rows, [[1]]);
  });

  it('a part that needs no column still brings its row count', async () => {
    const stream = await c.executeWith(query('SELECT count(*) AS n FROM tg_in_3'), [{ name: 'tg_in_3', source: 'x', columns: [], batches: batches([[], [], []], 0) }], {
      signal: new AbortController().signal,
      limits: { maxRows: 10 },
    });
    assert.deepEqual((await collect(stream)).rows, [[3n]]);
  });
});
