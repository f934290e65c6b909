/**
 * The 22 TPC-H queries through tollgate, with the data split over two engines, each result checked against
 * DuckDB in-process running the same query over all the data.
 *
 * Data: TPC-H-shaped, generated with DuckDB SQL (test/fixtures/tpch/generate.ts) at scale
 * $TOLLGATE_TEST_TPCH_SCALE (default 0.05: 300k lineitems; smaller scales leave Q08, Q17, Q19 and Q20 to
 * chance), seed $TOLLGATE_TEST_TPCH_SEED (default 1). All 8 tables are written as Parquet into a temp dir;
 * lineitem, partsupp and part are served from there by a DuckDB engine (`lake`), orders, customer,
 * supplier, nation and region are loaded into a real PostgreSQL 15 (engine `pg`, schema tpch, the spec's
 * types, char(n) included). So Q01, Q06, Q14, Q17 and Q19 run whole on DuckDB, Q13 and Q22 whole on
 * PostgreSQL, and the 15 others are federated: the PostgreSQL tables they read are loaded into the joining
 * DuckDB, with their predicates pushed down (orders is on PostgreSQL for that: its date ranges are the
 * predicates TPC-H pushes), and a subquery over PostgreSQL tables only (Q16's NOT IN) is sent there whole. EXPLAIN shows each part and the SQL each engine receives; checked for every
 * query, and the pushed-down SQL for a few.
 *
 * Reference: an in-process DuckDB with a view per table over the same Parquet files, with the settings the
 * gateway's DuckDB runs with (UTC, integer division). Comparison (test/fixtures/tpch/compare.ts): same rows,
 * in the same order where the query has ORDER BY (rows tied on its keys as a set), decimals as strings at
 * the same scale (the larger of the two), floats within a relative 1e-9, column names as PostgreSQL names them. Every query must also return a non-empty, non-trivial
 * result (the generator's point).
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import YAML from 'yaml';
import { compareResults, fromDuckDB, fromPg, showCell, type Result } from '../fixtures/tpch/compare.ts';
import { generateTpch, writeTpchParquet, type TpchTable } from '../fixtures/tpch/generate.ts';
import { loadTpchIntoPostgres } from '../fixtures/tpch/postgres.ts';
import { tpchQueries } from '../fixtures/tpch/schema.ts';
import { demoConfigPath, startGateway, type Gateway } from '../helpers/gateway.ts';
import { startPostgres } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';

const SCALE = Number(process.env.TOLLGATE_TEST_TPCH_SCALE ?? 0.05);
const SEED = Number(process.env.TOLLGATE_TEST_TPCH_SEED ?? 1);

const LAKE_TABLES: TpchTable[] = ['lineitem', 'partsupp', 'part'];
const PG_TABLES: TpchTable[] = ['orders', 'customer', 'supplier', 'nation', 'region'];

/** Indexes of the result columns each query orders by, in ORDER BY order; null: no ORDER BY. */
const ORDER_KEYS: Record<string, number[] | null> = {
  q01: [0, 1], q02: [0, 2, 1, 3], q03: [1, 2], q04: [0], q05: [1], q06: null, q07: [0, 1, 2], q08: [0], q09: [0, 1],
  q10: [2], q11: [1], q12: [0], q13: [1, 0], q14: null, q15: [0], q16: [3, 0, 1, 2], q17: null, q18: [4, 3], q19: null,
  q20: [0], q21: [1, 0], q22: [0],
};

/** The column holding each query's measure: non-NULL in every row, non-zero in some (the result is not trivial). */
const MEASURE: Record<string, number> = {
  q01: 9, q02: 0, q03: 1, q04: 1, q05: 1, q06: 0, q07: 3, q08: 1, q09: 2, q10: 2, q11: 1, q12: 2, q13: 1, q14: 0, q15: 4,
  q16: 3, q17: 0, q18: 5, q19: 0, q20: 1, q21: 1, q22: 2,
};

/**
 * Lines EXPLAIN must show for some federated queries: the predicates pushed down to PostgreSQL, bound with
 * their own types (Q04's date + interval is a timestamp), and char(n) columns read as text.
 */
const PUSHED: Record<string, string[]> = {
  q03: [
    '    SELECT c_custkey, CAST(c_mktsegment AS text) AS c_mktsegment FROM tpch.customer WHERE c_mktsegment = $1',
    "    with $1 = 'BUILDING'",
    '    SELECT o_custkey, o_orderdate, o_orderkey, o_shippriority FROM tpch.orders WHERE o_orderdate < $1',
    "    with $1 = '1995-03-15'",
  ],
  q04: [
    '    SELECT o_orderdate, o_orderkey, CAST(o_orderpriority AS text) AS o_orderpriority FROM tpch.orders WHERE o_orderdate >= $1 AND o_orderdate < $2',
    "    with $1 = '1993-07-01', $2 = '1993-10-01 00:00:00'",
  ],
  q08: ['    SELECT o_custkey, o_orderdate, o_orderkey FROM tpch.orders WHERE o_orderdate BETWEEN $1 AND $2', "    with $1 = '1995-01-01', $2 = '1996-12-31'"],
  q16: ['  Part tollgate_part_1 from subquery over tpch.supplier on engine pg:'],
  q21: [
    '    SELECT o_orderkey, CAST(o_orderstatus AS text) AS o_orderstatus FROM tpch.orders WHERE o_orderstatus = $1',
    '    SELECT CAST(n_name AS text) AS n_name, n_nationkey FROM tpch.nation WHERE n_name = $1',
    "    with $1 = 'SAUDI ARABIA'",
  ],
};

/** Result column names where PostgreSQL's differ from DuckDB's (an unnamed aggregate is named after its function). */
const PG_NAMES: Record<string, Record<number, string>> = { q18: { 5: 'sum' } };

/** Queries that fail or differ through tollgate because of a known tollgate bug: name → why. */
const TODO: Record<string, string> = {};

/** tpch.<table> references of a query, in text order (the order of the analysis, hence of the parts). */
const referencesOf = (sql: string): TpchTable[] => [...sql.matchAll(/\btpch\.(\w+)/g)].map((m) => m[1] as TpchTable);

describe(`TPC-H (SF ${SCALE}) through tollgate: Parquet on DuckDB, orders and dimensions on PostgreSQL`, () => {
  let dir: string;
  let pgStarted: Promise<Target> | undefined;
  let postgres: Target;
  let gateway: Gateway;
  let client: pg.Client;
  let reference: DuckDBInstance;
  let ref: DuckDBConnection;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-tpch-'));
    const parquetDir = join(dir, 'parquet');
    pgStarted = startPostgres();
    pgStarted.catch(() => {}); // awaited below; after() stops it even when generating fails first
    // Generate, and write every table as Parquet (the PostgreSQL tables too, for the reference).
    const gen = await DuckDBInstance.create(':memory:');
    const genConn = await gen.connect();
    let paths: Record<string, string>;
    try {
      await generateTpch(genConn, { scale: SCALE, seed: SEED });
      paths = await writeTpchParquet(genConn, parquetDir);
      postgres = await pgStarted;
      const admin = new pg.Client(postgres.clientConfig('admin'));
      await admin.connect();
      try {
        await loadTpchIntoPostgres(admin, genConn, PG_TABLES);
        await admin.query('GRANT USAGE ON SCHEMA tpch TO alice');
        await admin.query('GRANT SELECT ON ALL TABLES IN SCHEMA tpch TO alice');
      } finally {
        await admin.end();
      }
    } finally {
      genConn.closeSync();
      gen.closeSync();
    }

    reference = await DuckDBInstance.create(':memory:');
    ref = await reference.connect();
    await ref.run("SET TimeZone = 'UTC'");
    await ref.run('SET integer_division = true');
    await ref.run('CREATE SCHEMA tpch');
    for (const [table, path] of Object.entries(paths)) await ref.run(`CREATE VIEW tpch.${table} AS SELECT * FROM read_parquet('${path}')`);

    const demo = YAML.parse(await readFile(demoConfigPath, 'utf8')) as { teams: unknown; users: unknown };
    const config = {
      server: { host: '127.0.0.1', database: 'tollgate' },
      demo: { generate: false },
      engines: [
        {
          name: 'lake',
          kind: 'duckdb',
          tables: LAKE_TABLES.map((name) => ({ schema: 'tpch', name, path: paths[name]!, hivePartitioning: false })),
        },
        {
          name: 'pg',
          kind: 'postgres',
          connection: { host: postgres.host, port: postgres.port, database: postgres.database, user: 'alice', password: { env: 'TOLLGATE_TEST_TPCH_PASSWORD' } },
          schemas: ['tpch'],
        },
      ],
      teams: demo.teams,
      users: demo.users,
      logLevel: 'warn',
    };
    const configFile = join(dir, 'tollgate-tpch.yaml');
    await writeFile(configFile, YAML.stringify(config));
    gateway = await startGateway({ config: configFile, env: { TOLLGATE_TEST_TPCH_PASSWORD: 'alice' } });
    // Every value as text: compare.ts types it by the field's OID.
    client = new pg.Client({ ...gateway.clientConfig('alice'), types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    ref?.closeSync();
    reference?.closeSync();
    await gateway?.stop();
    await (await pgStarted?.catch(() => undefined))?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Fails the test with the error tollgate answered, the plan if there is one, and the end of the gateway's log. */
  const failure = (what: string, e: unknown, planText = ''): never => {
    const err = e as Error & { code?: string };
    assert.fail(`${what} failed through tollgate: ${err.code ?? ''} ${err.message}\n${planText}\n--- gateway log ---\n${gateway.diagnostics(3000)}`);
  };

  const explain = async (sql: string): Promise<string[]> =>
    (await client.query({ text: `EXPLAIN ${sql}`, rowMode: 'array' })).rows.map((r: unknown[]) => String(r[0]));

  for (const [name, sql] of tpchQueries()) {
    const refs = referencesOf(sql);
    const onPg = refs.filter((t) => PG_TABLES.includes(t));
    const kind = onPg.length === 0 ? 'DuckDB' : onPg.length === refs.length ? 'PostgreSQL' : 'federated';
    const title = `${name}: ${kind === 'federated' ? `federated, ${[...new Set(onPg)].join(', ')} from PostgreSQL` : `whole on ${kind}`}`;
    it(title, TODO[name] ? { todo: TODO[name] } : {}, async () => {
      const expected: Result = fromDuckDB(await ref.runAndReadAll(sql));
      assert.ok(expected.rows.length > 0, `${name} returns no row on this data`);
      const m = MEASURE[name]!;
      assert.ok(expected.rows.every((r) => r[m] !== null), `${name}: NULL ${expected.columns[m]}`);
      assert.ok(expected.rows.some((r) => showCell(r[m]!).replace(/[0.\s]|\(float\)/g, '') !== ''), `${name}: ${expected.columns[m]} is 0 in every row`);

      // What tollgate does with it: the route, each part and the SQL each engine receives.
      const plan = await explain(sql).catch((e: unknown) => failure('EXPLAIN', e));
      const planText = plan.join('\n');
      let actual: Result;
      try {
        actual = fromPg(await client.query({ text: sql, rowMode: 'array' }));
      } catch (e) {
        return failure(name, e, planText);
      }
      const diff = compareResults(actual, expected, ORDER_KEYS[name]!);
      assert.equal(diff, null, `${name} differs from DuckDB: ${diff}\n${planText}`);
      assert.deepEqual(actual.columns, expected.columns.map((c, i) => PG_NAMES[name]?.[i] ?? c), 'result column names');

      if (kind === 'federated') {
        assert.match(plan[0]!, /^Route: federated \(no single engine holds every table; reading from .*\); joined on engine lake$/, planText);
        // A part reads one table, or a subquery over tables of one engine (sent whole: Q16's NOT IN).
        const parts = plan.map((l) => /^ {2}Part tollgate_part_\d+ from (?:subquery over )?(.+) on engine (\S+):$/.exec(l)).filter((p) => p !== null);
        assert.deepEqual(
          parts.flatMap((p) => p[1]!.split(', ').map((t) => `${t} on ${p[2]}`)),
          onPg.map((t) => `tpch.${t} on pg`),
          `the parts are the PostgreSQL references, in order\n${planText}`,
        );
        for (const line of PUSHED[name] ?? []) assert.ok(plan.includes(line), `EXPLAIN shows ${JSON.stringify(line)}\n${planText}`);
      } else {
        assert.match(plan[0]!, kind === 'DuckDB' ? /^Route: engine lake \(only lake holds / : /^Route: engine pg \(only pg holds /, planText);
      }
    });
  }
});
