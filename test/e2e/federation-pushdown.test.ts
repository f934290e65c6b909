/**
 * What a federated statement pushes to its engines, through `tollgate serve` with the demo lake on DuckDB
 * and a PostgreSQL 15 holding two CRM tables: subqueries over one engine sent whole (an aggregate in a
 * CTE, an IN subquery joining two tables, a scalar subquery), LIMIT pushed into the left side of a LEFT
 * JOIN and into UNION ALL branches. Each result is checked against the same statement run by DuckDB
 * in-process over the same Parquet files and a copy of the CRM tables (built with the same rules), and
 * EXPLAIN shows the SQL each engine receives.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import { compareResults, fromDuckDB, fromPg, type Result } from '../fixtures/tpch/compare.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { startPostgres, POSTGRES_ENGINE_ENV, postgresEngine } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';

/** The CRM tables, in each engine's SQL: owner and stake follow from hotel_id, the region from the owner. */
const PG_CRM = [
  'CREATE SCHEMA crm',
  'CREATE TABLE crm.hotel_owners (hotel_id integer PRIMARY KEY, owner text NOT NULL, since date, stake numeric(5,2))',
  "INSERT INTO crm.hotel_owners SELECT i, 'owner ' || (i % 7), DATE '2015-01-01' + i, (i % 100) + 0.5 FROM generate_series(1, 300) i",
  'CREATE TABLE crm.owners (owner text PRIMARY KEY, region text NOT NULL)',
  "INSERT INTO crm.owners SELECT 'owner ' || i, CASE i % 3 WHEN 0 THEN 'north' WHEN 1 THEN 'south' ELSE 'west' END FROM generate_series(0, 6) i",
];
const DUCK_CRM = [
  'CREATE SCHEMA crm',
  "CREATE TABLE crm.hotel_owners AS SELECT i::INTEGER AS hotel_id, 'owner ' || (i % 7) AS owner, DATE '2015-01-01' + i::INTEGER AS since, ((i % 100) + 0.5)::DECIMAL(5,2) AS stake FROM range(1, 301) t(i)",
  "CREATE TABLE crm.owners AS SELECT 'owner ' || i AS owner, CASE i % 3 WHEN 0 THEN 'north' WHEN 1 THEN 'south' ELSE 'west' END AS region FROM range(0, 7) t(i)",
];

describe('federated pushdown across DuckDB and PostgreSQL', () => {
  let dataDir: string;
  let postgres: Target;
  let gateway: Gateway;
  let client: pg.Client;
  let reference: DuckDBInstance;
  let ref: DuckDBConnection;

  before(async () => {
    postgres = await startPostgres();
    const admin = new pg.Client(postgres.clientConfig('admin'));
    await admin.connect();
    try {
      for (const sql of PG_CRM) await admin.query(sql);
      await admin.query('GRANT USAGE ON SCHEMA crm TO alice');
      await admin.query('GRANT SELECT ON ALL TABLES IN SCHEMA crm TO alice');
    } finally {
      await admin.end();
    }
    // Our own data dir, so the reference reads the very Parquet files the lake serves.
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-fedpush-'));
    await chmod(dataDir, 0o711);
    gateway = await startGateway({
      dataDir,
      env: POSTGRES_ENGINE_ENV,
      configPatch: (doc) => {
        (doc.engines as unknown[]).push(postgresEngine(postgres, { name: 'crm', schemas: ['crm'] }));
      },
    });
    // Every value as text: compare.ts types it by the field's OID.
    client = new pg.Client({ ...gateway.clientConfig('alice'), types: { getTypeParser: () => (v: string) => v } });
    await client.connect();

    reference = await DuckDBInstance.create(':memory:');
    ref = await reference.connect();
    await ref.run("SET TimeZone = 'UTC'");
    await ref.run('SET integer_division = true');
    await ref.run('CREATE SCHEMA lake');
    await ref.run(`CREATE VIEW lake.hotels AS SELECT * FROM read_parquet('${join(dataDir, 'lake', 'hotels', 'hotels.parquet')}')`);
    await ref.run(`CREATE VIEW lake.bookings AS SELECT * FROM read_parquet('${join(dataDir, 'lake', 'bookings', '*', '*.parquet')}', hive_partitioning = true)`);
    for (const sql of DUCK_CRM) await ref.run(sql);
  });

  after(async () => {
    await client?.end();
    ref?.closeSync();
    reference?.closeSync();
    await gateway?.stop();
    await postgres?.stop();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  const viaTollgate = async (sql: string, params: unknown[] = []): Promise<Result> => fromPg(await client.query({ text: sql, values: params, rowMode: 'array' }));
  const inDuckDB = async (sql: string): Promise<Result> => fromDuckDB(await ref.runAndReadAll(sql));
  const explain = async (sql: string, params: unknown[] = []): Promise<string> =>
    (await client.query({ text: `EXPLAIN ${sql}`, values: params, rowMode: 'array' })).rows.map((r: unknown[]) => String(r[0])).join('\n');

  /** The statement gives through tollgate what DuckDB gives over the same data. */
  const sameAsDuckDB = async (sql: string, orderKeys: number[] | null): Promise<Result> => {
    const actual = await viaTollgate(sql);
    const expected = await inDuckDB(sql);
    assert.ok(expected.rows.length > 0, 'the reference returns rows');
    assert.equal(compareResults(actual, expected, orderKeys), null);
    return actual;
  };

  /** Every row of `part` is a row of `whole` (each used once): a LIMIT without ORDER BY may return any of them. */
  const rowsOf = (part: Result, whole: Result): boolean => {
    const pool = whole.rows.map((r) => JSON.stringify(r));
    return part.rows.every((r) => {
      const i = pool.indexOf(JSON.stringify(r));
      if (i >= 0) pool.splice(i, 1);
      return i >= 0;
    });
  };

  it('an aggregate in a CTE over PostgreSQL runs there; the join runs on the lake', async () => {
    const sql = `WITH t AS (SELECT owner, count(*) AS hotels, min(since) AS first_since FROM crm.hotel_owners WHERE stake >= 10 GROUP BY owner)
      SELECT t.owner, t.hotels, t.first_since, count(*) AS bookings
      FROM lake.bookings b JOIN crm.hotel_owners o ON o.hotel_id = b.hotel_id JOIN t ON t.owner = o.owner
      GROUP BY t.owner, t.hotels, t.first_since ORDER BY t.owner`;
    const rows = await sameAsDuckDB(sql, [0]);
    assert.equal(rows.rows.length, 7);
    const plan = await explain(sql);
    assert.match(plan, /Part tollgate_part_1 from subquery over crm\.hotel_owners on engine crm:\n {4}SELECT owner, count\(\*\) AS hotels, min\(since\) AS first_since FROM crm\.hotel_owners WHERE stake >= 10 GROUP BY owner\n/);
    assert.match(plan, /Part tollgate_part_2 from crm\.hotel_owners on engine crm:\n {4}SELECT hotel_id, owner FROM crm\.hotel_owners\n/);
    assert.match(plan, /WITH t AS \(SELECT \* FROM tollgate_part_1\)/);
  });

  it('an aggregate in a CTE over the lake stays on the lake; PostgreSQL sends only the columns needed', async () => {
    const sql = `WITH t AS (SELECT hotel_id, sum(nights) AS nights FROM lake.bookings GROUP BY hotel_id)
      SELECT o.owner, sum(t.nights) AS nights FROM t JOIN crm.hotel_owners o ON o.hotel_id = t.hotel_id GROUP BY o.owner ORDER BY o.owner`;
    await sameAsDuckDB(sql, [0]);
    const plan = await explain(sql);
    assert.match(plan, /Part tollgate_part_1 from crm\.hotel_owners on engine crm:\n {4}SELECT hotel_id, owner FROM crm\.hotel_owners\n/);
    assert.match(plan, /WITH t AS \(SELECT hotel_id, sum\(nights\) AS nights FROM lake\.bookings GROUP BY hotel_id\)/);
  });

  it('an IN subquery joining two PostgreSQL tables runs there whole', async () => {
    const sql = `SELECT b.status, count(*) AS bookings FROM lake.bookings b
      WHERE b.hotel_id IN (SELECT o.hotel_id FROM crm.hotel_owners o JOIN crm.owners w ON w.owner = o.owner WHERE w.region = 'north')
      GROUP BY b.status ORDER BY b.status`;
    await sameAsDuckDB(sql, [0]);
    const plan = await explain(sql);
    assert.match(plan, /Part tollgate_part_1 from subquery over crm\.hotel_owners, crm\.owners on engine crm:\n {4}SELECT o\.hotel_id FROM crm\.hotel_owners o JOIN crm\.owners w ON w\.owner = o\.owner WHERE w\.region = 'north'\n/);
    assert.match(plan, /WHERE b\.hotel_id IN \(SELECT \* FROM tollgate_part_1\)/);
  });

  it('a query part beside a bound parameter: described and run', async () => {
    const sql = `SELECT count(*) AS n, (SELECT max(since) FROM crm.hotel_owners) AS latest FROM lake.bookings b WHERE b.nights > $1`;
    const actual = await viaTollgate(sql, [3]);
    const expected = await inDuckDB(sql.replace('$1', '3'));
    assert.equal(compareResults(actual, expected, null), null);
    assert.match(await explain(sql, [3]), /Part tollgate_part_1 from subquery over crm\.hotel_owners on engine crm:\n {4}SELECT max\(since\) FROM crm\.hotel_owners\n/);
  });

  it('a subquery whose result the lake cannot hold as it is (an array) runs as table parts instead', async () => {
    const sql = `WITH t AS (SELECT owner, array_agg(hotel_id) AS ids FROM crm.hotel_owners WHERE hotel_id <= 40 GROUP BY owner)
      SELECT t.owner, count(*) AS hotels FROM t JOIN lake.hotels h ON h.hotel_id = ANY(t.ids) GROUP BY t.owner ORDER BY t.owner`;
    await sameAsDuckDB(sql, [0]);
  });

  it('a subquery summing numeric runs as table parts, so the sum stays exact (numeric, not float8)', async () => {
    const sql = `WITH t AS (SELECT owner, sum(stake) AS total FROM crm.hotel_owners GROUP BY owner)
      SELECT t.owner, t.total, count(*) AS hotels FROM t JOIN crm.hotel_owners o ON o.owner = t.owner JOIN lake.hotels h ON h.hotel_id = o.hotel_id
      GROUP BY t.owner, t.total ORDER BY t.owner`;
    const r = await client.query({ text: sql, rowMode: 'array' });
    assert.equal(r.fields[1]!.dataTypeID, 1700, 'sum(numeric) is numeric');
    await sameAsDuckDB(sql, [0]);
  });

  it('LIMIT with ORDER BY on the left table of a LEFT JOIN is pushed to its part', async () => {
    const sql = `SELECT o.hotel_id, o.owner, h.name FROM crm.hotel_owners o LEFT JOIN lake.hotels h ON h.hotel_id = o.hotel_id
      ORDER BY o.hotel_id DESC LIMIT 5`;
    const rows = await sameAsDuckDB(sql, [0]);
    assert.equal(rows.rows.length, 5);
    const plan = await explain(sql);
    assert.match(plan, /\n {4}SELECT hotel_id, owner FROM crm\.hotel_owners ORDER BY hotel_id DESC NULLS FIRST LIMIT 5\n/);
    assert.match(plan, /\n {2}Pushdown: LIMIT 5 ordered by its columns pushed to crm\.hotel_owners: every row of it gives at least one row of the statement\n/);
  });

  it('LIMIT without ORDER BY on a LEFT JOIN: pushed, and the rows are rows of the whole join', async () => {
    const sql = `SELECT o.hotel_id, o.owner, h.name FROM crm.hotel_owners o LEFT JOIN lake.hotels h ON h.hotel_id = o.hotel_id WHERE o.stake > 50.5`;
    const limited = await viaTollgate(`${sql} LIMIT 8`);
    assert.equal(limited.rows.length, 8);
    assert.ok(rowsOf(limited, await inDuckDB(sql)), 'every row is a row of the join');
    assert.match(await explain(`${sql} LIMIT 8`), /\n {4}SELECT hotel_id, owner, stake FROM crm\.hotel_owners WHERE stake > \$1 LIMIT 8\n/);
  });

  it('LIMIT is not pushed past a filter on the right side of the LEFT JOIN', async () => {
    const sql = `SELECT o.hotel_id, h.name FROM crm.hotel_owners o LEFT JOIN lake.hotels h ON h.hotel_id = o.hotel_id
      WHERE h.hotel_id IS NULL OR h.hotel_id > 250 ORDER BY o.hotel_id LIMIT 3`;
    await sameAsDuckDB(sql, [0]);
    const plan = await explain(sql);
    assert.match(plan, /\n {4}SELECT hotel_id FROM crm\.hotel_owners\n/);
    assert.match(plan, /Pushdown: LIMIT not pushed: the WHERE clause has conditions that are not pushed to the part/);
  });

  it('UNION ALL with LIMIT: each branch read from a part gets it', async () => {
    const sql = `SELECT hotel_id, owner AS label FROM crm.hotel_owners WHERE hotel_id <= 4 UNION ALL SELECT hotel_id, name FROM lake.hotels WHERE hotel_id <= 3`;
    // All rows fit under the LIMIT: the answer is exact.
    const all = await sameAsDuckDB(`${sql} LIMIT 100`, null);
    assert.equal(all.rows.length, 7);
    assert.match(await explain(`${sql} LIMIT 100`), /\n {4}SELECT hotel_id, owner FROM crm\.hotel_owners WHERE hotel_id <= \$1 LIMIT 100\n/);
    // Fewer: any 5 of them.
    const some = await viaTollgate(`${sql} LIMIT 5`);
    assert.equal(some.rows.length, 5);
    assert.ok(rowsOf(some, all), 'every row is a row of the union');
  });
});
