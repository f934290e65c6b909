/**
 * psqlODBC (Debian's odbc-postgresql: the Unicode driver psqlodbcw.so, which Tableau, Power BI and Excel load)
 * through unixODBC's isql / iusql against the wire target. Our own odbcinst.ini / odbc.ini in a temp dir
 * (ODBCSYSINI / ODBCINI; /etc is never touched); every DSN has CommLog=1, and each assertion message carries
 * the driver's log of what it sent and got back.
 *
 * Against PostgreSQL (TOLLGATE_WIRE_TARGET=postgres) the file first creates stand-ins for lake.hotels,
 * lake.bookings and lake.searches (same columns and types as tollgate's, generated rows) when the database
 * has none, so every check runs against both servers: the lake checks compare isql with node-postgres.
 *
 * What psqlODBC 13.02 sends (seen in its CommLog against PostgreSQL 15 and tollgate):
 * - connect, one simple query: `SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation`;
 *   then the DSN's ConnSettings (here `set search_path to lake`), then
 *   `select oid, typbasetype from pg_type where typname = 'lo'`. client_encoding and
 *   standard_conforming_strings come from ParameterStatus (no SHOW client_encoding). An ANSI application
 *   (isql) in a non-UTF-8 locale also gets `set client_encoding to 'SQL_ASCII'` (the ANSI code page).
 * - each statement: extended protocol, Parse of "_PLAN0x…" + Describe, Bind/Execute, then
 *   `DEALLOCATE "_PLAN0x…"` as a simple query.
 * - UseDeclareFetch=1, Fetch=100: `BEGIN;declare "SQL_CUR0x…" cursor with hold for <query>;fetch 100 in "SQL_CUR0x…"`,
 *   then `SAVEPOINT _EXEC_SVP_0x…;fetch 100 in "SQL_CUR0x…"`, `fetch 100 in "SQL_CUR0x…"` …,
 *   `close "SQL_CUR0x…";commit`; after an error `ROLLBACK`.
 * - SQLTables (isql's `help`, `help % lake % TABLE`): `select relname, nspname, relkind from pg_catalog.pg_class c,
 *   pg_catalog.pg_namespace n where relkind in ('r', 'v', 'm', 'f', 'p') [and nspname like 'lake' and relname
 *   like '%'] and nspname not in ('pg_catalog', 'information_schema', 'pg_toast', 'pg_temp_1') and
 *   n.oid = relnamespace order by nspname, relname`.
 * - SQLColumns (isql's `help bookings`: isql passes no schema, so psqlODBC asks `select current_schema()` and
 *   searches that schema; `help lake.bookings` would look for a table named "lake.bookings"):
 *   `select n.nspname, c.relname, a.attname, a.atttypid, t.typname, a.attnum, a.attlen, a.atttypmod,
 *   a.attnotnull, c.relhasrules, c.relkind, c.oid, pg_get_expr(d.adbin, d.adrelid), case t.typtype when 'd'
 *   then t.typbasetype else 0 end, t.typtypmod, 0, attidentity, c.relhassubclass from (((pg_catalog.pg_class c
 *   inner join pg_catalog.pg_namespace n on n.oid = c.relnamespace and c.relname like 'bookings' and
 *   n.nspname like '<current_schema()>') inner join pg_catalog.pg_attribute a on (not a.attisdropped) and
 *   a.attnum > 0 and a.attrelid = c.oid) inner join pg_catalog.pg_type t on t.oid = a.atttypid) left outer
 *   join pg_attrdef d on a.atthasdef and d.adrelid = a.attrelid and d.adnum = a.attnum order by n.nspname,
 *   c.relname, attnum`.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  describeRun,
  findPsqlOdbcDriver,
  isql,
  odbcSkipReason,
  psqlOdbcPackageVersion,
  recordingRelay,
  writeOdbcConfig,
  type IsqlResult,
  type OdbcConfig,
  type RecordingRelay,
} from '../helpers/odbc.ts';
import { RAW_TYPES, withClient } from '../helpers/pg-client.ts';
import { startTarget, targetKind, targetSkipReason, type Target } from '../helpers/target.ts';

const skip = targetSkipReason() ?? odbcSkipReason();
const version = skip ? undefined : await psqlOdbcPackageVersion();

/** The DSNs: plain, cursor-based fetching, search_path lake (for isql's `help TABLE`), and through the relay. */
const DSN = 'plain';
const DSN_FETCH = 'declare_fetch';
const DSN_LAKE = 'search_path_lake';
const DSN_RELAY = 'relay';

/** Stand-ins for the demo tables on PostgreSQL: tollgate's column names and types, generated rows. */
const POSTGRES_STAND_INS = `
create schema if not exists lake;
create table lake.hotels (hotel_id int4, name text, city text, country text, star_rating int2, chain text);
insert into lake.hotels
  select i, 'Hotel ' || i, 'City ' || i % 7, 'C' || i % 3, (i % 5 + 1)::int2, case when i % 4 = 0 then null else 'Chain ' || i % 4 end
  from generate_series(1, 40) as t(i);
create table lake.bookings (
  booking_id int8, hotel_id int4, user_id int8, booked_at timestamp, checkin_date date, nights int2, rooms int2,
  price_usd numeric(10,2), currency text, channel text, device text, user_country text, status text, booking_month text);
insert into lake.bookings
  select i, i % 40 + 1, i * 7, timestamp '2024-01-01' + i * interval '1000.123456 seconds', date '2024-01-05' + i % 90,
         (i % 9 + 1)::int2, (i % 3 + 1)::int2, round((i * 37.77) % 900, 2), 'USD', 'web', 'mobile', 'DE',
         case when i % 10 = 0 then 'cancelled' else 'confirmed' end, '2024-01'
  from generate_series(1, 6000) as t(i);
create table lake.searches (
  search_id int8, user_id int8, searched_at timestamp, destination_city text, checkin_date date, nights int2, adults int2,
  results_shown int4, clicked_hotel_id int4, latency_ms int4, search_month text);
grant usage on schema lake to public;
grant select on all tables in schema lake to public;
`;

/** lake.bookings' columns as psqlODBC's SQLColumns describes them: name, ODBC DATA_TYPE (isql, iusql), TYPE_NAME. */
const BOOKINGS_COLUMNS: readonly (readonly [string, number, number, string])[] = [
  ['booking_id', -5, -5, 'int8'],
  ['hotel_id', 4, 4, 'int4'],
  ['user_id', -5, -5, 'int8'],
  ['booked_at', 11, 11, 'timestamp'],
  ['checkin_date', 9, 9, 'date'],
  ['nights', 5, 5, 'int2'],
  ['rooms', 5, 5, 'int2'],
  ['price_usd', 2, 2, 'numeric'],
  // text: SQL_LONGVARCHAR (-1) to an ANSI application, SQL_WLONGVARCHAR (-10) to a Unicode one.
  ['currency', -1, -10, 'text'],
  ['channel', -1, -10, 'text'],
  ['device', -1, -10, 'text'],
  ['user_country', -1, -10, 'text'],
  ['status', -1, -10, 'text'],
  ['booking_month', -1, -10, 'text'],
];

/** Rows of a query through node-postgres, every value as the text the server sent ('' for NULL, as isql prints it). */
async function pgRows(target: Target, sql: string): Promise<string[]> {
  return withClient(target, async (c) => {
    const r = await c.query({ text: sql, rowMode: 'array', types: RAW_TYPES });
    return (r.rows as (string | null)[][]).map((row) => row.map((v) => v ?? '').join(','));
  });
}

/** isql's -c output as objects keyed by the header line's column names. */
function records(r: IsqlResult): Record<string, string>[] {
  const [header, ...rows] = r.lines;
  assert.ok(header !== undefined, `no header line\n${describeRun(r)}`);
  const names = header.split(',');
  return rows.map((line) => Object.fromEntries(line.split(',').map((v, n) => [names[n] ?? `extra ${n}`, v])));
}

describe(`psqlODBC${version ? ` ${version}` : ''} (unixODBC isql) against ${targetKind()}`, { skip }, () => {
  let target: Target;
  let dir: string;
  let odbc: OdbcConfig;
  let relay: RecordingRelay;

  before(async () => {
    target = await startTarget();
    if (target.kind === 'postgres') {
      await withClient(
        target,
        async (c) => {
          const exists = await c.query(`select to_regclass('lake.bookings') is not null as present`);
          if (!exists.rows[0].present) await c.query(POSTGRES_STAND_INS);
        },
        'admin',
      );
    }
    relay = await recordingRelay(target.host, target.port);
    dir = await mkdtemp(join(tmpdir(), 'tollgate-odbc-'));
    const base = {
      Servername: target.host,
      Port: target.port,
      Database: target.database,
      Username: 'alice',
      Password: 'alice',
      SSLmode: 'disable',
    };
    odbc = await writeOdbcConfig(dir, findPsqlOdbcDriver('psqlodbcw.so')!, {
      [DSN]: base,
      [DSN_FETCH]: { ...base, UseDeclareFetch: 1, Fetch: 100 },
      [DSN_LAKE]: { ...base, ConnSettings: 'set search_path to lake' },
      [DSN_RELAY]: { ...base, Port: relay.port },
    });
  });
  after(async () => {
    await relay?.close();
    await target?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  function connected(r: IsqlResult): IsqlResult {
    assert.equal(r.code, 0, `isql could not connect or failed\n${describeRun(r)}`);
    return r;
  }

  it('connects; every statement psqlODBC sends at connect succeeds; user alice, database tollgate, DateStyle ISO', async () => {
    const r = connected(
      await isql(odbc, DSN, [
        'select current_user as u, current_database() as db',
        'show DateStyle',
        'show extra_float_digits',
        'show client_encoding',
      ]),
    );
    assert.deepEqual(r.lines, ['alice,tollgate', 'ISO, MDY', '2', 'UTF8'], describeRun(r));
    assert.equal(r.sent[0], "SET DateStyle = 'ISO';SET extra_float_digits = 2;show transaction_isolation", describeRun(r));
    assert.ok(r.sent.includes("select oid, typbasetype from pg_type where typname = 'lo'"), describeRun(r));
    assert.doesNotMatch(r.commLog, /ERROR/, describeRun(r));
    assert.equal(r.stderr, '');
  });

  it('select count(*) from lake.hotels matches what node-postgres gets', async () => {
    const expected = await pgRows(target, 'select count(*) as n from lake.hotels');
    assert.ok(Number(expected[0]) > 0, 'lake.hotels is not empty');
    const r = connected(await isql(odbc, DSN, ['select count(*) from lake.hotels']));
    assert.deepEqual(r.lines, expected, describeRun(r));
  });

  const TYPED =
    'select 12.34::numeric(10,2) as n, (-12345678.901)::numeric(12,3) as neg, ' +
    "date '2024-01-02' as d, date '1999-12-31' as d_old, timestamp '2024-01-02 03:04:05.678' as ts, " +
    "true as b, false as f, 'héllo ✓'::text as t, ''::text as empty, 3::int8 as i8, 2.5::float8 as f8, null::text as nl";
  for (const [program, unicode] of [['isql', false], ['iusql', true]] as const) {
    for (const dsn of [DSN, DSN_FETCH]) {
      it(`${program}, DSN ${dsn}: numeric, date, timestamp, boolean, non-ASCII text as the driver formats them`, async () => {
        const r = connected(await isql(odbc, dsn, [TYPED], { unicode, headers: true }));
        assert.deepEqual(
          r.lines,
          [
            'n,neg,d,d_old,ts,b,f,t,empty,i8,f8,nl',
            // psqlODBC shows booleans as 1/0 (BoolsAsChar), NULL and '' both as nothing.
            '12.34,-12345678.901,2024-01-02,1999-12-31,2024-01-02 03:04:05.678,1,0,héllo ✓,,3,2.5,',
          ],
          describeRun(r),
        );
      });
    }
  }

  it('UseDeclareFetch=1, Fetch=100: 5000 generated rows arrive complete, through DECLARE ... CURSOR and FETCH 100', async () => {
    const r = connected(await isql(odbc, DSN_FETCH, ["select i::int4 as i, 'row ' || i as s from generate_series(1, 5000) as t(i)"]));
    assert.equal(r.lines.length, 5000, describeRun(r));
    assert.deepEqual(r.lines, Array.from({ length: 5000 }, (_, n) => `${n + 1},row ${n + 1}`));
    assert.ok(r.sent.some((s) => /^BEGIN;declare "SQL_CUR\w+" cursor with hold for select /.test(s)), describeRun(r));
    assert.ok(r.sent.filter((s) => /fetch 100 in "SQL_CUR\w+"$/.test(s)).length >= 50, describeRun(r));
    assert.ok(r.sent.some((s) => /^close "SQL_CUR\w+";commit$/.test(s)), describeRun(r));
    assert.doesNotMatch(r.commLog, /ERROR/, describeRun(r));
  });

  it('UseDeclareFetch=1: 5000 rows of lake.bookings match node-postgres row for row', async () => {
    const sql =
      'select booking_id as booking_id, booked_at as booked_at, checkin_date as checkin_date, price_usd as price_usd, ' +
      'status as status from lake.bookings order by booking_id limit 5000';
    const expected = await pgRows(target, sql);
    assert.equal(expected.length, 5000, 'lake.bookings has at least 5000 rows');
    const r = connected(await isql(odbc, DSN_FETCH, [sql]));
    assert.equal(r.lines.length, 5000, describeRun(r));
    assert.deepEqual(r.lines, expected);
    assert.ok(r.sent.some((s) => s.startsWith('BEGIN;declare "SQL_CUR')), describeRun(r));
  });

  it('help (SQLTables) lists lake.bookings, lake.hotels, lake.searches; help % lake % TABLE lists just those', async () => {
    const r = connected(await isql(odbc, DSN, ['help', 'help % lake % TABLE'], { headers: true }));
    const header = 'TABLE_QUALIFIER,TABLE_OWNER,TABLE_NAME,TABLE_TYPE,REMARKS';
    const lake = [`${target.database},lake,bookings,TABLE,`, `${target.database},lake,hotels,TABLE,`, `${target.database},lake,searches,TABLE,`];
    // Two result sets, each with its header line.
    const second = r.lines.lastIndexOf(header);
    assert.ok(r.lines[0] === header && second > 0, describeRun(r));
    assert.deepEqual(r.lines.slice(1, second).filter((l) => l.includes(',lake,')), lake, describeRun(r));
    assert.deepEqual(r.lines.slice(second + 1), lake, describeRun(r));
  });

  it('ConnSettings "set search_path to lake": SHOW search_path and current_schema() both answer lake', async () => {
    const r = connected(await isql(odbc, DSN_LAKE, ['show search_path', 'select current_schema()', 'select current_schema() as s']));
    assert.deepEqual(r.lines, ['lake', 'lake', 'lake'], describeRun(r));
  });

  for (const [program, unicode] of [['isql', false], ['iusql', true]] as const) {
    it(`${program}: help bookings (SQLColumns, search_path lake) lists lake.bookings' columns with their types`, async () => {
      const r = connected(await isql(odbc, DSN_LAKE, ['help bookings'], { unicode, headers: true }));
      const rows = records(r);
      assert.deepEqual(
        rows.map((c) => [c.TABLE_OWNER, c.TABLE_NAME, c.COLUMN_NAME, Number(c.DATA_TYPE), c.TYPE_NAME, Number(c.ORDINAL_POSITION)]),
        BOOKINGS_COLUMNS.map(([name, ansi, wide, type], n) => ['lake', 'bookings', name, unicode ? wide : ansi, type, n + 1]),
        describeRun(r),
      );
      const price = rows.find((c) => c.COLUMN_NAME === 'price_usd')!;
      assert.deepEqual([price.PRECISION, price.SCALE], ['10', '2'], 'price_usd is numeric(10,2)');
      const booked = rows.find((c) => c.COLUMN_NAME === 'booked_at')!;
      assert.deepEqual([booked.PRECISION, booked.SCALE], ['26', '6'], 'booked_at is timestamp(6)');
    });
  }

  for (const dsn of [DSN, DSN_FETCH]) {
    it(`DSN ${dsn}: selecting from a missing table reports [42P01]; the same connection then answers the next statement`, async () => {
      const r = connected(await isql(odbc, dsn, ['select * from no_such_table', "select 'still here' as s"]));
      assert.match(r.lines[0] ?? '', /^\[42P01\].*no_such_table/, describeRun(r));
      assert.equal(r.lines.at(-1), 'still here', describeRun(r));
      assert.match(r.stderr, /Could not SQLExecute/);
      assert.equal(r.commLog.match(/PQconnectdbParams/g)?.length, 1, `one connection\n${describeRun(r)}`);
    });
  }

  it('a wrong password fails the connection: isql exits 1, 08001 with the server message; the server sent 28P01', async () => {
    const good = connected(await isql(odbc, DSN_RELAY, ['select 1 as one']));
    assert.deepEqual(good.lines, ['1'], describeRun(good));
    assert.deepEqual(relay.errors(), []);
    const r = await isql(odbc, DSN_RELAY, ['select 1 as one'], { user: 'alice', password: 'wrong' });
    assert.equal(r.code, 1, describeRun(r));
    assert.match(r.stdout, /^\[08001\].*password authentication failed for user "alice"/m, describeRun(r));
    assert.match(r.stderr, /Could not SQLConnect/);
    assert.deepEqual(
      relay.errors().map((e) => [e.severity, e.code]),
      [['FATAL', '28P01']],
      `ErrorResponse on the wire: ${JSON.stringify(relay.errors())}`,
    );
  });

  it('an ANSI application (isql) in the C locale connects: psqlODBC sets client_encoding SQL_ASCII', async () => {
    const r = connected(await isql(odbc, DSN, ["select 'plain ascii' as s"], { env: { LC_ALL: 'C' } }));
    assert.ok(r.sent.includes("set client_encoding to 'SQL_ASCII'"), describeRun(r));
    assert.deepEqual(r.lines, ['plain ascii'], describeRun(r));
  });
});
