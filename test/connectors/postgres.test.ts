/**
 * The PostgreSQL connector: the shared conformance suite against a real PostgreSQL 15 (a throwaway
 * cluster from test/helpers/postgres.ts), with a fixture in PostgreSQL's dialect, then what is
 * particular to PostgreSQL: the catalog (comments, typmods, domains, discovery by schema), describe,
 * the read-only transaction, cancellation and killed connections seen from the server's side, and
 * the session settings the decoders depend on.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { PostgresConnector, postgresOptionsFromConfig, type PostgresConnectorOptions } from '../../src/connectors/postgres/index.ts';
import type { ResultStream } from '../../src/connectors/contract.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { OID } from '../../src/pgtypes/oids.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY } from '../../src/pgtypes/values.ts';
import { connectClient } from '../helpers/pg-client.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';
import { collect, errorOf, normalize, query, run, runConformance, type ConformanceFixture } from './conformance.ts';

let target: Target;
/** The database owner: sets the fixture up and watches the connector's sessions from the server's side. */
let admin: pg.Client;

const FIXTURE_SQL = `
CREATE SCHEMA shop;
CREATE TYPE shop.mood AS ENUM ('sad', 'ok', 'happy');
CREATE DOMAIN shop.money2 AS numeric(8,2) NOT NULL;
CREATE DOMAIN shop.amount AS shop.money2;
CREATE DOMAIN shop.posint AS int4 CHECK (VALUE > 0);
CREATE TABLE shop.bookings (
  id integer PRIMARY KEY,
  customer text NOT NULL,
  amount numeric(10,2),
  day date,
  booked_at timestamp,
  note varchar(200),
  region char(2)
);
COMMENT ON TABLE shop.bookings IS 'the comment in PostgreSQL';
COMMENT ON COLUMN shop.bookings.id IS 'PostgreSQL''s comment on id';
COMMENT ON COLUMN shop.bookings.note IS 'free text';
INSERT INTO shop.bookings
  SELECT i, 'customer ' || (i % 50), i * 1.25, DATE '2024-01-01' + (i % 60),
         TIMESTAMP '2024-01-01 08:00:00' + i * INTERVAL '1 minute',
         CASE WHEN i % 7 = 0 THEN NULL ELSE 'note for booking number ' || i END,
         CASE WHEN i % 2 = 0 THEN 'eu' ELSE 'us' END
  FROM generate_series(0, 1999) AS i;
CREATE VIEW shop.booking_amounts AS SELECT id, amount FROM shop.bookings;
COMMENT ON VIEW shop.booking_amounts IS 'a view';
CREATE MATERIALIZED VIEW shop.daily AS SELECT day, count(*) AS n FROM shop.bookings GROUP BY day;
CREATE TABLE shop.odd ("Mixed Case" int, "we'ird" text);
INSERT INTO shop.odd VALUES (1, 'x');
CREATE TABLE shop.typed (
  m shop.money2, a shop.amount, p shop.posint, f shop.mood, ip inet, ts3 timestamp(3), tstz0 timestamptz(0),
  vc varchar(20), ch char(5), tags text[], grid int[], r int4range, iv interval, t time(2)
);
CREATE SEQUENCE shop.seq;
CREATE TABLE shop.parted (id int, region text) PARTITION BY LIST (region);
CREATE TABLE shop.parted_eu PARTITION OF shop.parted FOR VALUES IN ('eu');
CREATE SCHEMA "Other Schema";
CREATE TABLE "Other Schema"."T" (x int NOT NULL);
COMMENT ON COLUMN "Other Schema"."T".x IS 'an x';
CREATE SCHEMA closed;
CREATE TABLE closed.secret (x int);
GRANT USAGE ON SCHEMA shop TO alice;
GRANT SELECT ON shop.bookings TO alice;
`;

function options(extra: Partial<PostgresConnectorOptions> = {}): PostgresConnectorOptions {
  return {
    name: 'warehouse',
    connection: { host: target.host, port: target.port, database: 'tollgate', user: 'admin', password: 'admin' },
    tables: [
      { schema: 'shop', name: 'bookings', comment: 'one row per booking', columns: { id: 'booking id', amount: 'in EUR' } },
      { schema: 'shop', name: 'odd' },
    ],
    schemas: ['Other Schema'],
    ...extra,
  };
}

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86400000;
const typmod = (p: number, s: number) => ((p << 16) | s) + 4;
/** Days since 1970 of a proleptic Gregorian date with an astronomical year (44 BC is -43). */
function daysOf(year: number, month: number, day: number): number {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  return d.getTime() / 86400000;
}

const ENDLESS = "SELECT i, 'row number ' || i AS label FROM (SELECT generate_series(0::int8, 1000000000000) AS i) AS s";
/** Like ENDLESS, with the backend's process ID in every row, to watch the session from outside. */
const ENDLESS_WITH_PID = 'SELECT pg_backend_pid() AS pid, i FROM (SELECT generate_series(0::int8, 1000000000000) AS i) AS s';
const SLOW = 'SELECT count(*) AS n FROM (SELECT generate_series(1::int8, 1000000000000) AS i) AS s';

const fixture: ConformanceFixture = {
  types: [
    { sql: 'SELECT true AS v', typeOid: OID.bool, value: true },
    { sql: 'SELECT (-300)::int2 AS v', typeOid: OID.int2, value: -300 },
    { sql: 'SELECT 2147483647::int4 AS v', typeOid: OID.int4, value: 2147483647 },
    { sql: 'SELECT 9007199254740993::int8 AS v', typeOid: OID.int8, value: 9007199254740993n },
    { sql: 'SELECT (-9223372036854775808)::int8 AS v', typeOid: OID.int8, value: -9223372036854775808n },
    { sql: 'SELECT 1.5::float4 AS v', typeOid: OID.float4, value: 1.5 },
    { sql: 'SELECT 0.1::float4 AS v', typeOid: OID.float4, value: Math.fround(0.1) },
    { sql: 'SELECT 0.1::float8 AS v', typeOid: OID.float8, value: 0.1 },
    { sql: 'SELECT 1e-300::float8 AS v', typeOid: OID.float8, value: 1e-300 },
    { sql: "SELECT 'NaN'::float8 AS v", typeOid: OID.float8, value: NaN },
    { sql: "SELECT '-Infinity'::float8 AS v", typeOid: OID.float8, value: -Infinity },
    { sql: 'SELECT 12.3::numeric(4,2) AS v', typeOid: OID.numeric, typeModifier: typmod(4, 2), value: '12.30' },
    {
      sql: 'SELECT (-12345678901234567890123456789.123456789)::numeric(38,9) AS v',
      typeOid: OID.numeric,
      typeModifier: typmod(38, 9),
      value: '-12345678901234567890123456789.123456789',
    },
    { sql: 'SELECT 1e-30::numeric AS v', typeOid: OID.numeric, typeModifier: -1, value: '0.000000000000000000000000000001' },
    { sql: "SELECT 'NaN'::numeric AS v", typeOid: OID.numeric, value: 'NaN' },
    { sql: "SELECT 'Infinity'::numeric AS v", typeOid: OID.numeric, value: 'Infinity' },
    { sql: "SELECT 'héllo wörld ✓ 日本'::text AS v", typeOid: OID.text, value: 'héllo wörld ✓ 日本' },
    { sql: "SELECT ''::text AS v", typeOid: OID.text, value: '' },
    { sql: "SELECT 'ab'::varchar(10) AS v", typeOid: OID.varchar, typeModifier: 14, value: 'ab' },
    { sql: "SELECT 'ab'::char(4) AS v", typeOid: OID.bpchar, typeModifier: 8, value: 'ab  ' },
    { sql: "SELECT 'tab'::name AS v", typeOid: OID.name, value: 'tab' },
    { sql: `SELECT 'x'::"char" AS v`, typeOid: OID.char, value: 'x' },
    { sql: `SELECT '{"a": [1, 2]}'::json AS v`, typeOid: OID.json, value: '{"a": [1, 2]}' },
    { sql: `SELECT '{"b":1, "a":[1,2]}'::jsonb AS v`, typeOid: OID.jsonb, value: '{"a": [1, 2], "b": 1}' },
    { sql: "SELECT '\\xDEADBEEF'::bytea AS v", typeOid: OID.bytea, value: new Uint8Array([0xde, 0xad, 0xbe, 0xef]) },
    { sql: "SELECT ''::bytea AS v", typeOid: OID.bytea, value: new Uint8Array(0) },
    { sql: "SELECT 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid AS v", typeOid: OID.uuid, value: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11' },
    { sql: 'SELECT 4294967295::oid AS v', typeOid: OID.oid, value: 4294967295 },
    { sql: "SELECT '<a>x</a>'::xml AS v", typeOid: OID.xml, value: '<a>x</a>' },
    { sql: "SELECT DATE '2024-02-29' AS v", typeOid: OID.date, value: days('2024-02-29') },
    { sql: "SELECT DATE '1969-12-31' AS v", typeOid: OID.date, value: -1 },
    { sql: "SELECT '0044-03-15 BC'::date AS v", typeOid: OID.date, value: daysOf(-43, 3, 15) },
    { sql: "SELECT 'infinity'::date AS v", typeOid: OID.date, value: Infinity },
    { sql: "SELECT '-infinity'::date AS v", typeOid: OID.date, value: -Infinity },
    { sql: "SELECT TIME '13:45:30.123456' AS v", typeOid: OID.time, value: 49530123456n },
    { sql: "SELECT TIME '24:00:00' AS v", typeOid: OID.time, value: 86400000000n },
    { sql: "SELECT '13:45:30.5'::time(2) AS v", typeOid: OID.time, typeModifier: 2, value: 49530500000n },
    { sql: "SELECT '13:45:30+05:30'::timetz AS v", typeOid: OID.timetz, value: { micros: 49530000000n, offsetSeconds: 19800 } },
    { sql: "SELECT '01:00:00-08'::timetz AS v", typeOid: OID.timetz, value: { micros: 3600000000n, offsetSeconds: -28800 } },
    { sql: "SELECT TIMESTAMP '2024-03-01 12:34:56.789012' AS v", typeOid: OID.timestamp, value: micros('2024-03-01T12:34:56.789Z') + 12n },
    { sql: "SELECT '2024-03-01 12:34:56.789'::timestamp(3) AS v", typeOid: OID.timestamp, typeModifier: 3, value: micros('2024-03-01T12:34:56.789Z') },
    { sql: "SELECT TIMESTAMP '1960-01-01 00:00:00' AS v", typeOid: OID.timestamp, value: micros('1960-01-01T00:00:00Z') },
    { sql: "SELECT 'infinity'::timestamp AS v", typeOid: OID.timestamp, value: TIMESTAMP_POS_INFINITY },
    { sql: "SELECT '-infinity'::timestamp AS v", typeOid: OID.timestamp, value: TIMESTAMP_NEG_INFINITY },
    { sql: "SELECT TIMESTAMPTZ '2024-03-01 12:00:00+02' AS v", typeOid: OID.timestamptz, value: micros('2024-03-01T10:00:00Z') },
    { sql: "SELECT 'infinity'::timestamptz AS v", typeOid: OID.timestamptz, value: TIMESTAMP_POS_INFINITY },
    {
      sql: "SELECT INTERVAL '1 year 2 months 3 days 04:05:06.000007' AS v",
      typeOid: OID.interval,
      value: { months: 14, days: 3, micros: 14706000007n },
    },
    { sql: "SELECT INTERVAL '-1 day -2 hours' AS v", typeOid: OID.interval, value: { months: 0, days: -1, micros: -7200000000n } },
    { sql: 'SELECT ARRAY[1, 2, NULL]::int4[] AS v', typeOid: OID._int4, value: [1, 2, null] },
    { sql: "SELECT '{}'::int4[] AS v", typeOid: OID._int4, value: [] },
    { sql: 'SELECT ARRAY[[1, 2], [3, 4]] AS v', typeOid: OID._int4, value: [[1, 2], [3, 4]] },
    { sql: "SELECT '[2:3]={7,8}'::int4[] AS v", typeOid: OID._int4, value: [7, 8] },
    { sql: 'SELECT ARRAY[10000000000, -1] AS v', typeOid: OID._int8, value: [10000000000n, -1n] },
    {
      sql: `SELECT ARRAY['a', NULL, 'NULL', 'with "quotes", commas \\ and {braces}', '']::text[] AS v`,
      typeOid: OID._text,
      value: ['a', null, 'NULL', 'with "quotes", commas \\ and {braces}', ''],
    },
    { sql: 'SELECT ARRAY[1.5, 2.25]::numeric(5,2)[] AS v', typeOid: OID._numeric, typeModifier: typmod(5, 2), value: ['1.50', '2.25'] },
    { sql: "SELECT ARRAY[DATE '1970-01-02', 'infinity'] AS v", typeOid: OID._date, value: [1, Infinity] },
    { sql: "SELECT ARRAY[TIMESTAMP '1970-01-01 00:00:01'] AS v", typeOid: OID._timestamp, value: [1000000n] },
    { sql: 'SELECT ARRAY[true, false, NULL] AS v', typeOid: OID._bool, value: [true, false, null] },
    { sql: "SELECT ARRAY['\\x01ff'::bytea] AS v", typeOid: OID._bytea, value: [new Uint8Array([1, 255])] },
    { sql: `SELECT ARRAY['{"a": 1}'::jsonb] AS v`, typeOid: OID._jsonb, value: ['{"a": 1}'] },
    { sql: "SELECT ARRAY[INTERVAL '1 day'] AS v", typeOid: OID._interval, value: [{ months: 0, days: 1, micros: 0n }] },
    // Types pgtypes lacks: served as text, PostgreSQL's own output.
    { sql: "SELECT '192.168.0.1/24'::inet AS v", typeOid: OID.text, typeModifier: -1, value: '192.168.0.1/24' },
    { sql: 'SELECT 1.5::money AS v', typeOid: OID.text, value: '$1.50' },
    { sql: "SELECT 'happy'::shop.mood AS v", typeOid: OID.text, value: 'happy' },
    { sql: "SELECT ROW(1, 'a b') AS v", typeOid: OID.text, value: '(1,"a b")' },
    { sql: 'SELECT int4range(1, 5) AS v', typeOid: OID.text, value: '[1,5)' },
    { sql: "SELECT B'0101' AS v", typeOid: OID.text, value: '0101' },
    { sql: 'SELECT point(1, 2) AS v', typeOid: OID.text, value: '(1,2)' },
    { sql: "SELECT to_tsvector('simple', 'a fat cat') AS v", typeOid: OID.text, value: "'a':1 'cat':3 'fat':2" },
    { sql: "SELECT ARRAY['10.0.0.1'::inet] AS v", typeOid: OID.text, value: '{10.0.0.1}' },
    { sql: "SELECT 'pg_class'::regclass AS v", typeOid: OID.text, value: 'pg_class' },
    { sql: 'SELECT pg_sleep(0) AS v', typeOid: OID.text, value: '' },
    // Domains: described by their base type and typmod.
    { sql: 'SELECT 12.5::shop.money2 AS v', typeOid: OID.numeric, typeModifier: typmod(8, 2), value: '12.50' },
    { sql: 'SELECT 12.5::shop.amount AS v', typeOid: OID.numeric, typeModifier: typmod(8, 2), value: '12.50' },
    { sql: 'SELECT 7::shop.posint AS v', typeOid: OID.int4, value: 7 },
  ],
  nulls: {
    sql: `SELECT NULL::bool, NULL::int4, NULL::int8, NULL::float8, NULL::numeric(10,2), NULL::text, NULL::bytea, NULL::uuid,
                 NULL::date, NULL::time, NULL::timetz, NULL::timestamp, NULL::timestamptz, NULL::interval, NULL::jsonb,
                 NULL::int4[], NULL::inet, NULL::shop.mood`,
    typeOids: [
      OID.bool, OID.int4, OID.int8, OID.float8, OID.numeric, OID.text, OID.bytea, OID.uuid, OID.date, OID.time, OID.timetz,
      OID.timestamp, OID.timestamptz, OID.interval, OID.jsonb, OID._int4, OID.text, OID.text,
    ],
  },
  large: { sql: 'SELECT i, i * 0.5 AS half FROM (SELECT generate_series(0, 999999) AS i) AS s', rows: 1_000_000 },
  endless: ENDLESS,
  slowFirstRow: SLOW,
  errors: [
    { sql: 'SELECT * FROM shop.bokings', sqlstate: '42P01', position: 15, message: /relation "shop.bokings" does not exist/ },
    { sql: 'SELECT amout FROM shop.bookings', sqlstate: '42703', position: 8, hint: /amount/ },
    { sql: 'SELECT id,\n       amout\nFROM shop.bookings', sqlstate: '42703', position: 19 },
    { sql: "SELECT 'é日本' || amout FROM shop.bookings", sqlstate: '42703', position: 17 },
    { sql: 'SELEC 1', sqlstate: '42601', position: 1 },
    { sql: 'SELECT * FROM shop.bookings WHERE', sqlstate: '42601', position: 34, message: /at end of input/ },
    { sql: '', sqlstate: '42601' },
    { sql: '  -- only a comment', sqlstate: '42601' },
    { sql: 'SELECT nosuchfn(1)', sqlstate: '42883', position: 8, hint: /No function matches/ },
    { sql: "SELECT 'a'::text + 1", sqlstate: '42883' },
    { sql: "SELECT 'abc'::int4", sqlstate: '22P02', message: /abc/ },
    { sql: "SELECT '{'::jsonb", sqlstate: '22P02', position: 8 },
    { sql: 'SELECT 2147483647::int4 + 1', sqlstate: '22003' },
    { sql: 'SELECT 100000::int2', sqlstate: '22003' },
    { sql: "SELECT '2024-13-01'::date", sqlstate: '22008', hint: /datestyle/ },
    { sql: 'SELECT 1 / 0', sqlstate: '22012' },
    { sql: 'SELECT id FROM shop.bookings b1, shop.bookings b2', sqlstate: '42702' },
    { sql: 'SELECT customer, sum(amount) FROM shop.bookings', sqlstate: '42803' },
    { sql: 'SELECT (-1)::shop.posint', sqlstate: '23514' },
    { sql: "SELECT 'grumpy'::shop.mood", sqlstate: '22P02' },
    { sql: "SELECT pg_read_file('/etc/passwd')", sqlstate: '42501' },
    // The extended protocol takes one statement: PostgreSQL refuses the second before running either.
    { sql: 'SELECT 1; SELECT 2', sqlstate: '42601' },
  ],
  writes: [
    'CREATE TABLE t (a integer)',
    'INSERT INTO shop.bookings (id, customer) VALUES (100000, $$x$$)',
    'UPDATE shop.bookings SET note = NULL',
    'DELETE FROM shop.bookings',
    'MERGE INTO shop.bookings b USING shop.odd o ON false WHEN NOT MATCHED THEN DO NOTHING',
    'TRUNCATE shop.bookings',
    'DROP VIEW shop.booking_amounts',
    'ALTER TABLE shop.bookings ADD COLUMN x integer',
    "COMMENT ON TABLE shop.bookings IS 'x'",
    'GRANT SELECT ON shop.bookings TO bob',
    'REFRESH MATERIALIZED VIEW shop.daily',
    'COPY shop.bookings TO STDOUT',
    "COPY (SELECT 1) TO '/tmp/tollgate-evil.csv'",
    'VACUUM shop.bookings',
    'ANALYZE shop.bookings',
    'LOCK TABLE shop.bookings',
    'DO $$ BEGIN END $$',
    'CALL shop.nothing()',
    'SET statement_timeout = 0',
    'RESET ALL',
    'BEGIN',
    'START TRANSACTION READ WRITE',
    'COMMIT',
    'ROLLBACK',
    'PREPARE p AS SELECT 1',
    'EXECUTE p',
    'DECLARE c CURSOR FOR SELECT 1',
    'DISCARD ALL',
    'LISTEN channel',
    "NOTIFY channel, 'x'",
    '/* sneaky /* nested */ */ (DROP VIEW shop.booking_amounts)',
    'begin; delete from shop.bookings',
  ],
  params: [
    { sql: 'SELECT id FROM shop.bookings WHERE id = $1', params: ['42'], paramTypes: [0], rows: [[42]] },
    { sql: 'SELECT id FROM shop.bookings WHERE id = $1', params: [42], paramTypes: [OID.int4], rows: [[42]] },
    {
      sql: 'SELECT count(*)::int4 AS n FROM shop.bookings WHERE day >= $1 AND day < $2',
      params: [days('2024-01-01'), days('2024-01-03')],
      paramTypes: [OID.date, OID.date],
      rows: [[68]],
    },
    {
      sql: 'SELECT count(*)::int4 AS n FROM shop.bookings WHERE booked_at < $1 AND region = $2',
      params: ['2024-01-01 08:10:00', 'eu'],
      paramTypes: [0, 0],
      rows: [[5]],
    },
    { sql: 'SELECT $1::int8 + 1 AS x', params: [9007199254740993n], paramTypes: [OID.int8], rows: [[9007199254740994n]] },
    { sql: 'SELECT $1 AS s', params: ['hello'], paramTypes: [0], rows: [['hello']] },
    { sql: 'SELECT $1 AS s', params: ["it's \"quoted\" ✓ 日本"], paramTypes: [OID.text], rows: [["it's \"quoted\" ✓ 日本"]] },
    { sql: 'SELECT $1 + 1 AS n', params: ['1.25'], paramTypes: [OID.numeric], rows: [['2.25']] },
    { sql: 'SELECT $1::numeric(10,2) AS d', params: ['12.5'], paramTypes: [0], rows: [['12.50']] },
    { sql: 'SELECT $1 AS f', params: [0.1], paramTypes: [OID.float8], rows: [[0.1]] },
    { sql: 'SELECT $1 AS f', params: [NaN], paramTypes: [OID.float8], rows: [[NaN]] },
    { sql: 'SELECT octet_length($1) AS n', params: [new Uint8Array([1, 2, 3])], paramTypes: [OID.bytea], rows: [[3]] },
    { sql: 'SELECT $1 AS b', params: [new Uint8Array([0, 255, 10])], paramTypes: [OID.bytea], rows: [[new Uint8Array([0, 255, 10])]] },
    { sql: 'SELECT $1::timestamp AS t', params: [1700000000123456n], paramTypes: [OID.timestamp], rows: [[1700000000123456n]] },
    { sql: 'SELECT $1 AS t', params: [TIMESTAMP_NEG_INFINITY], paramTypes: [OID.timestamp], rows: [[TIMESTAMP_NEG_INFINITY]] },
    { sql: 'SELECT $1 AS t', params: [micros('2024-03-01T10:00:00Z')], paramTypes: [OID.timestamptz], rows: [[micros('2024-03-01T10:00:00Z')]] },
    { sql: 'SELECT $1 AS d', params: [Infinity], paramTypes: [OID.date], rows: [[Infinity]] },
    { sql: 'SELECT $1 AS d', params: [daysOf(-43, 3, 15)], paramTypes: [OID.date], rows: [[daysOf(-43, 3, 15)]] },
    { sql: 'SELECT cardinality($1) AS n', params: [[1, 2, 3]], paramTypes: [OID._int4], rows: [[3]] },
    {
      sql: 'SELECT $1 AS a',
      params: [['a', null, 'NULL', 'x,"y"\\z', '']],
      paramTypes: [OID._text],
      rows: [[['a', null, 'NULL', 'x,"y"\\z', '']]],
    },
    { sql: 'SELECT $1 AS b', params: [true], paramTypes: [OID.bool], rows: [[true]] },
    { sql: 'SELECT $1::int4 AS n', params: [null], paramTypes: [OID.int4], rows: [[null]] },
    {
      sql: 'SELECT $1 AS iv',
      params: [{ months: 1, days: 2, micros: 3n }],
      paramTypes: [OID.interval],
      rows: [[{ months: 1, days: 2, micros: 3n }]],
    },
    { sql: 'SELECT $1 AS tz', params: [{ micros: 1n, offsetSeconds: -3600 }], paramTypes: [OID.timetz], rows: [[{ micros: 1n, offsetSeconds: -3600 }]] },
    { sql: 'SELECT $1 AS u', params: ['A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'], paramTypes: [OID.uuid], rows: [['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11']] },
    { sql: 'SELECT $1 AS j', params: ['{"b": 1, "a": 2}'], paramTypes: [OID.jsonb], rows: [['{"a": 2, "b": 1}']] },
    // A parameter of a type pgtypes lacks: its text, typed by PostgreSQL from the statement.
    { sql: "SELECT $1 << '10.0.0.0/8'::inet AS inside", params: ['10.1.2.3'], paramTypes: [0], rows: [[true]] },
  ],
  describe: [
    {
      sql: 'SELECT id, customer FROM shop.bookings WHERE id = $1',
      params: [OID.int4],
      columns: [
        { name: 'id', typeOid: OID.int4 },
        { name: 'customer', typeOid: OID.text },
      ],
    },
    { sql: 'SELECT $1 AS x', params: [OID.text], columns: [{ name: 'x', typeOid: OID.text }] },
    {
      sql: 'SELECT amount FROM shop.bookings LIMIT $1',
      params: [OID.int8],
      columns: [{ name: 'amount', typeOid: OID.numeric, typeModifier: typmod(10, 2) }],
    },
    {
      sql: 'SELECT day, booked_at FROM shop.bookings WHERE day = $1 AND booked_at < $2',
      params: [OID.date, OID.timestamp],
      columns: [
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
      ],
    },
    {
      sql: 'SELECT note, region FROM shop.bookings',
      params: [],
      columns: [
        { name: 'note', typeOid: OID.varchar, typeModifier: 204 },
        { name: 'region', typeOid: OID.bpchar, typeModifier: 6 },
      ],
    },
    { sql: 'EXPLAIN SELECT 1', params: [], columns: [{ name: 'QUERY PLAN', typeOid: OID.text }] },
    {
      sql: 'SELECT m, a, f, ip, ts3 FROM shop.typed',
      params: [],
      columns: [
        { name: 'm', typeOid: OID.numeric, typeModifier: typmod(8, 2) },
        { name: 'a', typeOid: OID.numeric, typeModifier: typmod(8, 2) },
        { name: 'f', typeOid: OID.text, typeModifier: -1 },
        { name: 'ip', typeOid: OID.text, typeModifier: -1 },
        { name: 'ts3', typeOid: OID.timestamp, typeModifier: 3 },
      ],
    },
  ],
  tables: [
    {
      schema: 'shop',
      name: 'bookings',
      comment: 'one row per booking',
      columns: [
        { name: 'id', typeOid: OID.int4, comment: 'booking id' },
        { name: 'customer', typeOid: OID.text },
        { name: 'amount', typeOid: OID.numeric, comment: 'in EUR' },
        { name: 'day', typeOid: OID.date },
        { name: 'booked_at', typeOid: OID.timestamp },
        { name: 'note', typeOid: OID.varchar, comment: 'free text' },
        { name: 'region', typeOid: OID.bpchar },
      ],
    },
    {
      schema: 'shop',
      name: 'odd',
      columns: [
        { name: 'Mixed Case', typeOid: OID.int4 },
        { name: "we'ird", typeOid: OID.text },
      ],
    },
    { schema: 'Other Schema', name: 'T', columns: [{ name: 'x', typeOid: OID.int4, comment: 'an x' }] },
  ],
};

before(async () => {
  target = await startPostgres();
  admin = await connectClient(target, 'admin');
  await admin.query(FIXTURE_SQL);
});

after(async () => {
  await admin?.end();
  await target?.stop();
});

runConformance('postgres', () => PostgresConnector.create(options()), fixture);

/** The server's view of one backend: its state and whether it is inside a transaction. */
async function backendState(pid: number): Promise<string | null> {
  const r = await admin.query<{ state: string | null }>('SELECT state FROM pg_stat_activity WHERE pid = $1', [pid]);
  return r.rows[0]?.state ?? null;
}

/** Opens ENDLESS_WITH_PID and returns the stream, its iterator after the first batch, and the backend's pid. */
async function openEndless(c: PostgresConnector, signal = new AbortController().signal) {
  const stream = await c.execute(query(ENDLESS_WITH_PID), { signal });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next();
  assert.equal(first.done, false);
  const pid = Number(first.value!.columns[0]![0]);
  return { stream, iterator, pid };
}

async function drain(iterator: AsyncIterator<unknown>): Promise<unknown> {
  try {
    for (;;) if ((await iterator.next()).done) return undefined;
  } catch (e) {
    return e;
  }
}

describe('postgres connector', () => {
  let c: PostgresConnector;
  before(async () => {
    c = await PostgresConnector.create(options());
  });
  after(async () => {
    await c.close();
  });

  it('reads rows with NULLs and quoted names', async () => {
    const { rows } = await run(
      c,
      `SELECT region, count(*)::int4 AS n, count(note)::int4 AS notes, sum(amount) AS total
       FROM shop.bookings GROUP BY region ORDER BY region`,
    );
    assert.deepEqual(rows, [
      ['eu', 1000, 857, '1248750.00'],
      ['us', 1000, 857, '1250000.00'],
    ]);
    const odd = await run(c, `SELECT "Mixed Case", "we'ird" FROM shop.odd`);
    assert.deepEqual(odd.rows, [[1, 'x']]);
    assert.deepEqual(odd.columns.map((col) => col.name), ['Mixed Case', "we'ird"]);
  });

  it('relays PostgreSQL errors whole: SQLSTATE, message, detail, hint, position', async () => {
    const e = await errorOf(c, "SELECT 1, '{'::jsonb");
    assert.equal(e.sqlstate, '22P02');
    assert.equal(e.message, 'invalid input syntax for type json');
    assert.equal(e.detail, 'The input string ended unexpectedly.');
    assert.equal(e.position, 11);
    assert.equal(e.severity, 'ERROR');
    const hinted = await errorOf(c, 'SELECT nosuchfn(1)');
    assert.match(hinted.hint ?? '', /explicit type casts/);
  });

  it('reports a wrong number of parameters as 22023', async () => {
    const e = await errorOf(c, 'SELECT $1::int4 AS a');
    assert.equal(e.sqlstate, '22023', e.message);
  });

  it('reports rows and time in the summary', async () => {
    const { summary } = await run(c, 'SELECT * FROM shop.bookings WHERE id < 10');
    assert.equal(summary.rowCount, 10);
    assert.ok(summary.elapsedMs > 0);
    assert.equal(summary.bytesRead, undefined);
  });

  it('returns no columns and no rows for a statement without a result', async () => {
    const { columns, rows } = await run(c, 'SELECT FROM shop.odd WHERE false');
    assert.deepEqual(columns, []);
    assert.deepEqual(rows, []);
  });

  describe('read-only: PostgreSQL itself refuses writes hidden in reads (25006)', () => {
    const hidden = [
      'WITH d AS (DELETE FROM shop.bookings RETURNING *) SELECT count(*) FROM d',
      'WITH i AS (INSERT INTO shop.odd VALUES (2, $$y$$) RETURNING *) SELECT * FROM i',
      "SELECT nextval('shop.seq')",
      'SELECT * INTO shop.copy FROM shop.bookings',
      'SELECT * FROM shop.bookings FOR UPDATE',
      'EXPLAIN ANALYZE DELETE FROM shop.bookings',
    ];
    for (const sql of hidden) {
      it(sql, async () => {
        const e = await errorOf(c, sql);
        assert.equal(e.sqlstate, '25006', `${e.code}: ${e.message}`);
      });
    }

    it('cannot be switched off from inside a statement', async () => {
      const e = await errorOf(c, "SELECT set_config('transaction_read_only', 'off', false)");
      assert.equal(e.sqlstate, '25001', e.message);
      const one = await PostgresConnector.create(options({ maxConnections: 1 }));
      try {
        await run(one, "SELECT set_config('default_transaction_read_only', 'off', false)");
        assert.equal((await errorOf(one, 'WITH d AS (DELETE FROM shop.bookings RETURNING *) SELECT count(*) FROM d')).sqlstate, '25006');
        const { rows } = await run(one, 'SHOW default_transaction_read_only');
        assert.deepEqual(rows, [['on']], 'a setting changed by a statement is rolled back with it');
      } finally {
        await one.close();
      }
    });

    it('leaves the data as it was', async () => {
      for (const sql of [...fixture.writes, ...hidden]) await errorOf(c, sql).catch(() => undefined);
      const r = await admin.query<{ n: string }>('SELECT (SELECT count(*) FROM shop.bookings) + (SELECT count(*) FROM shop.odd) AS n');
      assert.equal(r.rows[0]!.n, '2001');
      const seq = await admin.query<{ is_called: boolean }>('SELECT is_called FROM shop.seq');
      assert.equal(seq.rows[0]!.is_called, false);
      const copy = await admin.query("SELECT 1 FROM pg_class WHERE relname = 'copy'");
      assert.equal(copy.rowCount, 0);
    });
  });

  describe('session settings', () => {
    it('pins the formats the decoders read, and restores them after a statement changed them', async () => {
      const one = await PostgresConnector.create(options({ maxConnections: 1 }));
      try {
        const changed = await run(
          one,
          "SELECT set_config('DateStyle', 'SQL, DMY', false), set_config('IntervalStyle', 'iso_8601', false), set_config('TimeZone', 'Asia/Kolkata', false)",
        );
        assert.deepEqual(changed.rows, [['SQL, DMY', 'iso_8601', 'Asia/Kolkata']]);
        const { rows } = await run(one, "SELECT DATE '2024-03-01', INTERVAL '1 day 2 hours', TIMESTAMPTZ '2024-03-01 12:00:00+02', current_setting('client_encoding')");
        assert.deepEqual(normalize(rows), normalize([[days('2024-03-01'), { months: 0, days: 1, micros: 7200000000n }, micros('2024-03-01T10:00:00Z'), 'UTF8']]));
      } finally {
        await one.close();
      }
    });

    it('applies statementTimeoutMs as PostgreSQL statement_timeout, relaying its 57014', async () => {
      const timed = await PostgresConnector.create(options({ statementTimeoutMs: 100 }));
      try {
        const e = await errorOf(timed, 'SELECT pg_sleep(30)');
        assert.equal(e.sqlstate, '57014');
        assert.match(e.message, /statement timeout/);
        assert.deepEqual((await run(timed, 'SELECT 1 AS one')).rows, [[1]]);
      } finally {
        await timed.close();
      }
    });
  });

  describe('cancellation, seen from the server', () => {
    it('cancels a read in flight: the backend is idle again, outside any transaction', async () => {
      const ac = new AbortController();
      const stream = await c.execute(query(`SELECT pg_backend_pid() AS pid, pg_sleep(CASE WHEN i > 1 THEN 30 ELSE 0 END) AS s, i FROM generate_series(1, 3) AS i`), {
        signal: ac.signal,
      });
      const iterator = stream[Symbol.asyncIterator]();
      const pending = iterator.next();
      // The first read waits on pg_sleep(30) for the second row: wait until the server runs it.
      let pid = 0;
      for (let attempt = 0; pid === 0; attempt++) {
        assert.ok(attempt < 1000, 'the statement never reached pg_sleep');
        const r = await admin.query<{ pid: number }>(
          "SELECT pid FROM pg_stat_activity WHERE application_name = 'tollgate' AND wait_event = 'PgSleep'",
        );
        if (r.rows.length > 0) pid = r.rows[0]!.pid;
        else await new Promise((resolve) => setTimeout(resolve, 20));
      }
      ac.abort();
      await assert.rejects(pending, (e: unknown) => e instanceof GatewayError && e.sqlstate === '57014');
      assert.equal(await backendState(pid), 'idle');
      await stream.close();
    });

    it('cancels between reads without disturbing the session, which is pooled again', async () => {
      const ac = new AbortController();
      const { iterator, pid } = await openEndless(c, ac.signal);
      ac.abort();
      const e = await drain(iterator);
      assert.ok(e instanceof GatewayError && e.sqlstate === '57014');
      assert.equal(await backendState(pid), 'idle');
      const again = await openEndless(c);
      try {
        assert.equal(again.pid, pid, 'the same session serves the next statement');
      } finally {
        await again.stream.close();
      }
    });

    it('close() mid-stream closes the portal and ends the transaction', async () => {
      const { stream, pid } = await openEndless(c);
      assert.notEqual(await backendState(pid), 'idle');
      await stream.close();
      assert.equal(await backendState(pid), 'idle');
      assert.match((await c.health()).detail ?? '', /^0\/10 /);
    });

    it('waits its turn beyond maxConnections, and a canceled wait leaves the queue', async () => {
      const one = await PostgresConnector.create(options({ maxConnections: 1 }));
      try {
        const first = await openEndless(one);
        const ac = new AbortController();
        const queued = one.execute(query('SELECT 1 AS one'), { signal: ac.signal });
        const waiting = one.execute(query('SELECT 2 AS two'), { signal: new AbortController().signal });
        ac.abort();
        await assert.rejects(queued, (e: unknown) => e instanceof GatewayError && e.sqlstate === '57014');
        await first.stream.close();
        const { rows } = await collect(await waiting);
        assert.deepEqual(rows, [[2]]);
      } finally {
        await one.close();
      }
    });
  });

  describe('connections that die', () => {
    it('a backend terminated mid-stream: a clean 08006 naming the engine, and the connector works on', async () => {
      const { iterator, pid } = await openEndless(c);
      const killed = await admin.query<{ ok: boolean }>('SELECT pg_terminate_backend($1) AS ok', [pid]);
      assert.equal(killed.rows[0]!.ok, true);
      const e = await drain(iterator);
      assert.ok(e instanceof GatewayError, `expected a GatewayError, got ${String(e)}`);
      assert.equal(e.sqlstate, '08006');
      assert.equal(e.severity, 'ERROR');
      assert.match(e.message, /postgres engine "warehouse"/);
      assert.match(e.message, /terminating connection|terminated/);
      const { rows } = await run(c, 'SELECT count(*)::int4 FROM shop.bookings');
      assert.deepEqual(rows, [[2000]]);
      assert.equal((await c.health()).ok, true);
    });

    it('an idle pooled session terminated between statements: the next statement runs on a new one', async () => {
      const one = await PostgresConnector.create(options({ maxConnections: 1 }));
      try {
        const first = await run(one, 'SELECT pg_backend_pid() AS pid');
        const pid = Number(first.rows[0]![0]);
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        const second = await run(one, 'SELECT pg_backend_pid() AS pid');
        assert.notEqual(Number(second.rows[0]![0]), pid);
      } finally {
        await one.close();
      }
    });

    it('a server that is not there: created anyway, unhealthy, 08006 naming the engine', async () => {
      const down = await PostgresConnector.create(options({ connection: { ...options().connection, port: 1 }, connectTimeoutMs: 2000 }));
      try {
        const h = await down.health();
        assert.equal(h.ok, false);
        assert.match(h.detail ?? '', /warehouse/);
        const e = await errorOf(down, 'SELECT 1');
        assert.equal(e.sqlstate, '08006');
        assert.match(e.message, /postgres engine "warehouse" is unavailable/);
        await assert.rejects(down.listTables(), (err: unknown) => err instanceof GatewayError && err.sqlstate === '08006');
        await assert.rejects(down.describe(query('SELECT 1')), (err: unknown) => err instanceof GatewayError && err.sqlstate === '08006');
      } finally {
        await down.close();
      }
    });

    it('a wrong password: 08006 with PostgreSQL\'s reason', async () => {
      const wrong = await PostgresConnector.create(options({ connection: { ...options().connection, password: 'nope' } }));
      try {
        const e = await errorOf(wrong, 'SELECT 1');
        assert.equal(e.sqlstate, '08006');
        assert.match(e.message, /password authentication failed/);
      } finally {
        await wrong.close();
      }
    });

    it('shuts down with a stream open: the stream fails, health turns false', async () => {
      const closing = await PostgresConnector.create(options({ maxConnections: 2 }));
      const { iterator } = await openEndless(closing);
      const done = closing.close();
      const e = await drain(iterator);
      assert.ok(e instanceof GatewayError && ['08006', '57014'].includes(e.sqlstate), String(e));
      await done;
      assert.equal((await closing.health()).ok, false);
      await assert.rejects(closing.execute(query('SELECT 1'), { signal: new AbortController().signal }), (err: unknown) => err instanceof GatewayError && err.sqlstate === '08006');
    });
  });
});

describe('postgres catalog', () => {
  it('lists configured tables with typmods, nullability, domains by base type, config comments first', async () => {
    const c = await PostgresConnector.create(
      options({
        tables: [
          { schema: 'shop', name: 'bookings', columns: { id: 'booking id' } },
          { schema: 'shop', name: 'typed' },
          { schema: 'shop', name: 'missing' },
        ],
        schemas: [],
      }),
    );
    try {
      const tables = await c.listTables();
      assert.deepEqual(tables.map((t) => `${t.schema}.${t.name}`), ['shop.bookings', 'shop.typed'], 'a missing table is left out');
      const bookings = tables[0]!;
      assert.equal(bookings.comment, 'the comment in PostgreSQL');
      assert.deepEqual(bookings.columns, [
        { name: 'id', typeOid: OID.int4, typeModifier: -1, nullable: false, comment: 'booking id' },
        { name: 'customer', typeOid: OID.text, typeModifier: -1, nullable: false },
        { name: 'amount', typeOid: OID.numeric, typeModifier: typmod(10, 2), nullable: true },
        { name: 'day', typeOid: OID.date, typeModifier: -1, nullable: true },
        { name: 'booked_at', typeOid: OID.timestamp, typeModifier: -1, nullable: true },
        { name: 'note', typeOid: OID.varchar, typeModifier: 204, nullable: true, comment: 'free text' },
        { name: 'region', typeOid: OID.bpchar, typeModifier: 6, nullable: true },
      ]);
      assert.deepEqual(
        tables[1]!.columns.map((col) => [col.name, col.typeOid, col.typeModifier, col.nullable]),
        [
          ['m', OID.numeric, typmod(8, 2), false],
          ['a', OID.numeric, typmod(8, 2), false],
          ['p', OID.int4, -1, true],
          ['f', OID.text, -1, true],
          ['ip', OID.text, -1, true],
          ['ts3', OID.timestamp, 3, true],
          ['tstz0', OID.timestamptz, 0, true],
          ['vc', OID.varchar, 24, true],
          ['ch', OID.bpchar, 9, true],
          ['tags', OID._text, -1, true],
          ['grid', OID._int4, -1, true],
          ['r', OID.text, -1, true],
          ['iv', OID.interval, -1, true],
          ['t', OID.time, 2, true],
        ],
      );
    } finally {
      await c.close();
    }
  });

  it('discovers every table and view of a schema (not partitions, sequences or types)', async () => {
    const c = await PostgresConnector.create(
      options({ tables: [{ schema: 'shop', name: 'daily', comment: 'per day', columns: { n: 'bookings that day' } }], schemas: ['shop', 'Other Schema'] }),
    );
    try {
      const tables = await c.listTables();
      assert.deepEqual(
        tables.map((t) => `${t.schema}.${t.name}`),
        ['Other Schema.T', 'shop.booking_amounts', 'shop.bookings', 'shop.daily', 'shop.odd', 'shop.parted', 'shop.typed'],
      );
      const byName = new Map(tables.map((t) => [t.name, t]));
      assert.equal(byName.get('booking_amounts')!.comment, 'a view');
      assert.equal(byName.get('bookings')!.comment, 'the comment in PostgreSQL');
      assert.equal(byName.get('bookings')!.columns[0]!.comment, "PostgreSQL's comment on id");
      assert.equal(byName.get('daily')!.comment, 'per day');
      assert.deepEqual(byName.get('daily')!.columns.map((col) => [col.name, col.typeOid, col.comment]), [
        ['day', OID.date, undefined],
        ['n', OID.int8, 'bookings that day'],
      ]);
      assert.deepEqual(byName.get('T')!.columns, [{ name: 'x', typeOid: OID.int4, typeModifier: -1, nullable: false, comment: 'an x' }]);
    } finally {
      await c.close();
    }
  });

  it('lists only what the engine user may read', async () => {
    const c = await PostgresConnector.create(
      options({ connection: { ...options().connection, user: 'alice', password: 'alice' }, tables: [{ schema: 'closed', name: 'secret' }], schemas: ['shop'] }),
    );
    try {
      assert.deepEqual((await c.listTables()).map((t) => `${t.schema}.${t.name}`), ['shop.bookings']);
      const e = await errorOf(c, 'SELECT * FROM closed.secret');
      assert.equal(e.sqlstate, '42501', e.message);
    } finally {
      await c.close();
    }
  });
});

describe('postgres describe', () => {
  let c: PostgresConnector;
  before(async () => {
    c = await PostgresConnector.create(options());
  });
  after(async () => {
    await c.close();
  });

  it('describes without running: a sequence stays untouched', async () => {
    const d = await c.describe(query("SELECT nextval('shop.seq') AS n, pg_sleep(3600) AS s", [], []));
    assert.deepEqual(d, {
      params: [],
      columns: [
        { name: 'n', typeOid: OID.int8, typeModifier: -1 },
        { name: 's', typeOid: OID.text, typeModifier: -1 },
      ],
    });
    const seq = await admin.query<{ is_called: boolean }>('SELECT is_called FROM shop.seq');
    assert.equal(seq.rows[0]!.is_called, false);
  });

  it('keeps declared parameter types and infers the others', async () => {
    const d = await c.describe(query('SELECT $1 AS a, $2 + 1 AS b, $3::int2 AS c', [], [OID.int8, 0, 0]));
    assert.deepEqual(d.params, [OID.int8, OID.int4, OID.int2]);
    assert.deepEqual(d.columns.map((col) => col.typeOid), [OID.int8, OID.int4, OID.int2]);
  });

  it("reports a parameter of a type pgtypes lacks by PostgreSQL's OID (its value travels as text)", async () => {
    const d = await c.describe(query("SELECT $1 << '10.0.0.0/8'::inet AS inside", [], []));
    assert.deepEqual(d.params, [869]);
    const { rows } = await run(c, "SELECT $1 << '10.0.0.0/8'::inet AS inside", ['10.9.9.9'], d.params);
    assert.deepEqual(rows, [[true]]);
  });

  it('describes a statement without a result as no columns', async () => {
    const d = await c.describe(query('SELECT FROM shop.odd', [], []));
    assert.deepEqual(d.columns, []);
  });

  it('relays errors and refuses writes', async () => {
    await assert.rejects(c.describe(query('SELECT * FROM shop.nope', [], [])), (e: unknown) => e instanceof GatewayError && e.sqlstate === '42P01' && e.position === 15);
    await assert.rejects(c.describe(query('DELETE FROM shop.bookings', [], [])), (e: unknown) => e instanceof GatewayError && e.sqlstate === '0A000');
    // The session that saw the error serves the next describe.
    assert.equal((await c.describe(query('SELECT 1 AS one', [], []))).columns.length, 1);
  });
});

describe('postgres connector configuration', () => {
  const bad: Array<[string, Partial<PostgresConnectorOptions>]> = [
    ['no tables and no schemas', { tables: [], schemas: [] }],
    ['a table configured twice', { tables: [{ schema: 's', name: 't' }, { schema: 's', name: 't' }] }],
    ['a bad port', { connection: { host: 'h', port: 70000, database: 'd', user: 'u', password: 'p' } }],
    ['no host', { connection: { host: '', database: 'd', user: 'u', password: 'p' } }],
    ['zero connections', { maxConnections: 0 }],
    ['a negative statement timeout', { statementTimeoutMs: -1 }],
  ];
  for (const [what, extra] of bad) {
    it(`refuses ${what}`, async () => {
      await assert.rejects(PostgresConnector.create(options(extra)), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID');
    });
  }

  it('builds options from an engine config: the password from the environment, the CA from its file', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'tollgate-pgconf-'));
    try {
      const ca = path.join(dir, 'ca.pem');
      writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n');
      const engine = {
        name: 'wh',
        kind: 'postgres' as const,
        connection: { host: 'db', port: 5432, database: 'd', user: 'u', password: { env: 'WH_PW' }, ssl: { rejectUnauthorized: true, ca } },
        tables: [{ schema: 's', name: 't', comment: 'c' }],
        schemas: ['x'],
        maxConnections: 3,
      };
      const o = postgresOptionsFromConfig(engine, { env: { WH_PW: 'secret' } });
      assert.equal(o.connection.password, 'secret');
      assert.deepEqual(o.connection.ssl, { rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n' });
      assert.deepEqual(o.tables, [{ schema: 's', name: 't', comment: 'c' }]);
      assert.equal(o.maxConnections, 3);
      assert.throws(() => postgresOptionsFromConfig(engine, { env: {} }), (e: unknown) => e instanceof GatewayError && e.code === 'CONFIG_INVALID' && /WH_PW/.test(e.message));
      const noCa = { ...engine, connection: { ...engine.connection, ssl: { rejectUnauthorized: true, ca: path.join(dir, 'nope.pem') } } };
      assert.throws(() => postgresOptionsFromConfig(noCa, { env: { WH_PW: 'x' } }), (e: unknown) => e instanceof GatewayError && /nope\.pem/.test(e.message));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

export type { ResultStream };

describe('postgres scan estimates', () => {
  let c: PostgresConnector;
  before(async () => {
    await admin.query('CREATE SCHEMA est');
    await admin.query(`CREATE TABLE est.wide AS SELECT i AS id, repeat('x', 200) AS payload, i * 2 AS small FROM generate_series(1, 20000) i`);
    // Never analysed: autovacuum must not analyse it behind the test's back.
    await admin.query('CREATE TABLE est.fresh (id int, note text) WITH (autovacuum_enabled = false)');
    await admin.query("INSERT INTO est.fresh SELECT i, 'n' FROM generate_series(1, 1000) i");
    await admin.query('CREATE VIEW est.v AS SELECT id FROM est.wide');
    await admin.query('ANALYZE est.wide');
    c = await PostgresConnector.create(options({ schemas: ['est'] }));
  });
  after(async () => {
    await c?.close();
    await admin.query('DROP SCHEMA est CASCADE');
  });

  const read = (name: string, columns: string[]) => ({ schema: 'est', name, columns, predicates: [], position: 1 });

  it('counts the share of the referenced columns in the table size, from pg_stats', async () => {
    const size = Number((await admin.query("SELECT pg_total_relation_size('est.wide') - pg_indexes_size('est.wide') AS s")).rows[0].s);
    const all = await c.estimate([read('wide', ['id', 'payload', 'small'])]);
    assert.equal(all.bytes, size);
    const narrow = await c.estimate([read('wide', ['id'])]);
    // id is 4 bytes of an average row of about 4 + 201 + 4.
    assert.ok(narrow.bytes > 0 && narrow.bytes < size / 20, `${narrow.bytes} of ${size}`);
    assert.equal(narrow.exact, true);
  });

  it('a table never analysed counts whole and says so; a view is unknown', async () => {
    const fresh = await c.estimate([read('fresh', ['id'])]);
    const d = fresh.detail[0]!;
    assert.ok(!('unknown' in d) && d.notes.some((n) => /never analysed/.test(n)));
    const view = await c.estimate([read('v', ['id'])]);
    assert.equal(view.exact, false);
    assert.match((view.detail[0] as { unknown: string }).unknown, /a view/);
  });
});
