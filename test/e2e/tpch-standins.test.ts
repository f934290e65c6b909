/**
 * The 22 TPC-H queries through `tollgate serve`, with the tables spread over three engines: lineitem,
 * partsupp and part as Parquet on a DuckDB engine (`lake`), orders and customer on the Vertica stand-in
 * (engine `vdb`, test/fixtures/vertica-standin), supplier, nation and region on the HS2 (Impala) stand-in
 * (engine `imp`, test/fixtures/hs2-standin). Each result is checked against DuckDB in-process running the
 * same query over all the data (test/fixtures/tpch/compare.ts, as test/e2e/tpch.test.ts does).
 *
 * Data: test/fixtures/tpch/generate.ts at scale $TOLLGATE_TEST_TPCH_STANDINS_SCALE (default 0.05, the
 * smallest at which every query returns rows), seed $TOLLGATE_TEST_TPCH_SEED (default 1), written as Parquet;
 * both stand-ins load their tables from those files into their own DuckDB (so the stand-ins hold exactly the
 * reference's rows), declared with the spec's types in each engine's words (CHAR(n), NUMERIC(15,2) /
 * decimal(15,2), DATE, INTEGER / int). The stand-ins run in this process; tollgate is a child process.
 *
 * EXPLAIN is checked for every query: the route (whole on one engine, or federated and joined on lake) and,
 * for a federated one, that each reference to a table of a stand-in is a part read from that stand-in's engine.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import pg from 'pg';
import YAML from 'yaml';
import { startHs2Standin, type Hs2Standin, type StandinTable as Hs2Table } from '../fixtures/hs2-standin/index.ts';
import { compareResults, fromDuckDB, fromPg, showCell, type Result } from '../fixtures/tpch/compare.ts';
import { generateTpch, writeTpchParquet, type TpchTable } from '../fixtures/tpch/generate.ts';
import { pgColumns } from '../fixtures/tpch/postgres.ts';
import { tpchQueries } from '../fixtures/tpch/schema.ts';
import { startVerticaStandin, type StandinTable as VerticaTable, type VerticaStandin } from '../fixtures/vertica-standin/index.ts';
import { demoConfigPath, startGateway, type Gateway } from '../helpers/gateway.ts';
import { metastoreClient } from '../helpers/metastore.ts';

const SCALE = Number(process.env.TOLLGATE_TEST_TPCH_STANDINS_SCALE ?? 0.05);
const SEED = Number(process.env.TOLLGATE_TEST_TPCH_SEED ?? 1);

type EngineName = 'lake' | 'vdb' | 'imp';
const PLACEMENT: Record<TpchTable, EngineName> = {
  lineitem: 'lake', partsupp: 'lake', part: 'lake',
  orders: 'vdb', customer: 'vdb',
  supplier: 'imp', nation: 'imp', region: 'imp',
};
const tablesOn = (e: EngineName): TpchTable[] => (Object.keys(PLACEMENT) as TpchTable[]).filter((t) => PLACEMENT[t] === e);

/** Indexes of the result columns each query orders by, in ORDER BY order; null: no ORDER BY (as tpch.test.ts). */
const ORDER_KEYS: Record<string, number[] | null> = {
  q01: [0, 1], q02: [0, 2, 1, 3], q03: [1, 2], q04: [0], q05: [1], q06: null, q07: [0, 1, 2], q08: [0], q09: [0, 1],
  q10: [2], q11: [1], q12: [0], q13: [1, 0], q14: null, q15: [0], q16: [3, 0, 1, 2], q17: null, q18: [4, 3], q19: null,
  q20: [0], q21: [1, 0], q22: [0],
};

/** The column holding each query's measure: non-NULL in every row, non-zero in some. */
const MEASURE: Record<string, number> = {
  q01: 9, q02: 0, q03: 1, q04: 1, q05: 1, q06: 0, q07: 3, q08: 1, q09: 2, q10: 2, q11: 1, q12: 2, q13: 1, q14: 0, q15: 4,
  q16: 3, q17: 0, q18: 5, q19: 0, q20: 1, q21: 1, q22: 2,
};

/** Result column names where tollgate's differ from DuckDB's (an unnamed aggregate is named after its function). */
const PG_NAMES: Record<string, Record<number, string>> = { q18: { 5: 'sum' } };

/** Queries that fail or differ through tollgate because of a known bug: name → why (none today). */
const TODO: Record<string, string> = {};

/** The spec's types in Vertica's words. */
const verticaType = (t: string): string => t.replace(/^decimal/, 'NUMERIC').toUpperCase();
/** The spec's types in Impala's words (DESCRIBE's). */
const impalaType = (t: string): string => (t === 'integer' ? 'int' : t);

/** tpch.<table> references of a query, in text order (the order of the analysis, hence of the parts). */
const referencesOf = (sql: string): TpchTable[] => [...sql.matchAll(/\btpch\.(\w+)/g)].map((m) => m[1] as TpchTable);

describe(`TPC-H (SF ${SCALE}) through tollgate: Parquet on DuckDB, orders and customer on Vertica, dimensions on Impala (stand-ins)`, () => {
  let dir: string;
  let vertica: VerticaStandin;
  let impala: Hs2Standin;
  let gateway: Gateway;
  let client: pg.Client;
  let reference: DuckDBInstance;
  let ref: DuckDBConnection;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-tpch-standins-'));
    const gen = await DuckDBInstance.create(':memory:');
    const genConn = await gen.connect();
    let paths: Record<string, string>;
    try {
      await generateTpch(genConn, { scale: SCALE, seed: SEED });
      paths = await writeTpchParquet(genConn, join(dir, 'parquet'));
    } finally {
      genConn.closeSync();
      gen.closeSync();
    }
    const parquet = (t: TpchTable): string => `SELECT * FROM read_parquet('${paths[t]!.replaceAll("'", "''")}')`;

    const vTables: VerticaTable[] = tablesOn('vdb').map((t) => ({
      schema: 'tpch',
      name: t,
      columns: pgColumns(t).map(([name, type]) => ({ name, type: verticaType(type), notNull: true })),
      rows: parquet(t),
    }));
    vertica = await startVerticaStandin({ tables: vTables, users: { dbadmin: 'secret' }, log: false });
    const iTables: Hs2Table[] = tablesOn('imp').map((t) => ({
      db: 'tpch',
      name: t,
      columns: pgColumns(t).map(([name, type]) => ({ name, type: impalaType(type) })),
      rows: parquet(t),
      statsComputed: true,
    }));
    impala = await startHs2Standin({ auth: 'plain', users: { tollgate: 'secret' }, tables: iTables });

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
          tables: tablesOn('lake').map((name) => ({ schema: 'tpch', name, path: paths[name]!, hivePartitioning: false })),
        },
        {
          name: 'vdb',
          kind: 'vertica',
          connection: { host: '127.0.0.1', port: vertica.port, database: 'vmart', user: 'dbadmin', password: { env: 'TOLLGATE_TEST_VERTICA_PASSWORD' } },
          tables: tablesOn('vdb').map((name) => ({ schema: 'tpch', name })),
        },
        {
          name: 'imp',
          kind: 'impala',
          connection: { host: '127.0.0.1', port: impala.port, auth: 'plain', user: 'tollgate', password: { env: 'TOLLGATE_TEST_IMPALA_PASSWORD' } },
          tables: tablesOn('imp').map((name) => ({ schema: 'tpch', name })),
        },
      ],
      teams: demo.teams,
      users: demo.users,
      // info: the test reads where the embedded PostgreSQL listens from the log (the ledger check).
      logLevel: 'info',
    };
    const configFile = join(dir, 'tollgate-tpch-standins.yaml');
    await writeFile(configFile, YAML.stringify(config));
    gateway = await startGateway({ config: configFile, env: { TOLLGATE_TEST_VERTICA_PASSWORD: 'secret', TOLLGATE_TEST_IMPALA_PASSWORD: 'secret' } });
    // Every value as text: compare.ts types it by the field's OID.
    client = new pg.Client({ ...gateway.clientConfig('alice'), types: { getTypeParser: () => (v: string) => v } });
    await client.connect();
  });

  after(async () => {
    await client?.end();
    ref?.closeSync();
    reference?.closeSync();
    await gateway?.stop();
    await vertica?.close();
    await impala?.close();
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
    const engines = [...new Set(refs.map((t) => PLACEMENT[t]))];
    const remote = refs.filter((t) => PLACEMENT[t] !== 'lake');
    const title =
      engines.length === 1
        ? `${name}: whole on ${engines[0]}`
        : `${name}: federated, ${[...new Set(remote)].map((t) => `${t} from ${PLACEMENT[t]}`).join(', ')}`;
    it(title, TODO[name] ? { todo: TODO[name] } : {}, async () => {
      const expected: Result = fromDuckDB(await ref.runAndReadAll(sql));
      assert.ok(expected.rows.length > 0, `${name} returns no row on this data`);
      const m = MEASURE[name]!;
      assert.ok(expected.rows.every((r) => r[m] !== null), `${name}: NULL ${expected.columns[m]}`);
      assert.ok(expected.rows.some((r) => showCell(r[m]!).replace(/[0.\s]|\(float\)/g, '') !== ''), `${name}: ${expected.columns[m]} is 0 in every row`);

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

      if (engines.length === 1) {
        assert.match(plan[0]!, new RegExp(`^Route: engine ${engines[0]} \\(only ${engines[0]} holds `), planText);
      } else {
        assert.match(plan[0]!, /^Route: federated \(no single engine holds every table; reading from .*\); joined on engine lake$/, planText);
        // A part reads one table, or a subquery over tables of one engine (sent whole: Q16's NOT IN).
        const parts = plan.map((l) => /^ {2}Part tollgate_part_\d+ from (?:subquery over )?(.+) on engine (\S+):$/.exec(l)).filter((p) => p !== null);
        assert.deepEqual(
          parts.flatMap((p) => p[1]!.split(', ').map((t) => `${t} on ${p[2]}`)),
          remote.map((t) => `tpch.${t} on ${PLACEMENT[t]}`),
          `the parts are the references to the stand-ins' tables, in order\n${planText}`,
        );
      }
    });
  }

  it('the ledger records the bytes Vertica reports it read (query_consumption), beside the estimate', async () => {
    const marker = `actual_${process.pid}`;
    await client.query(`SELECT count(*) AS ${marker}, sum(o_totalprice) FROM tpch.orders`);
    const ledger = await metastoreClient(gateway, 'tollgate_ledger');
    try {
      let row: { estimated_bytes: string; actual_bytes: string | null } | undefined;
      // Collected after the statement ends, off the client's path: wait for it rather than for a fixed time.
      for (let i = 0; i < 100 && !row?.actual_bytes; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, 100));
        row = (await ledger.query('SELECT estimated_bytes, actual_bytes FROM ledger.statements WHERE statement LIKE $1', [`%AS ${marker},%`])).rows[0];
      }
      assert.ok(row?.actual_bytes, `no actual bytes recorded: ${JSON.stringify(row)}`);
      // The stand-in reports the stored bytes of the columns read (o_totalprice here, not every column for
      // count(*)), which is what the estimate is made of; its per-node split rounds, hence the tolerance.
      const actual = Number(row.actual_bytes);
      const estimated = Number(row.estimated_bytes);
      assert.ok(actual > 0 && Math.abs(actual - estimated) / estimated < 0.001, `actual ${actual} vs estimated ${estimated}`);
    } finally {
      await ledger.end();
    }
  });
});
