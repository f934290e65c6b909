import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { tableFromIPC } from 'apache-arrow';
import type { FastifyInstance } from 'fastify';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { GatewayError } from '../../../src/errors/index.ts';
import { DEFAULT_OUTPUT_SETTINGS, OID, type PgValue } from '../../../src/pgtypes/index.ts';
import type { BackendSession, GatewayBackend, PreparedStatement, StartupInfo, StatementExecution } from '../../../src/wire/backend.ts';
import { basic, testApp } from './helpers.ts';

/**
 * The query routes against a stand-in executor: what they hand the session (startup, parameters), how they
 * stream and cap rows, and that every statement is closed once with the right outcome.
 */

interface Script {
  columns: ColumnInfo[] | null;
  paramTypes?: number[];
  batches?: Array<RowBatch | Error>;
  /** Thrown by execute() (a refusal before any row). */
  refuse?: GatewayError;
  notices?: string[];
}

interface Seen {
  startup: StartupInfo[];
  params: PgValue[][];
  outcomes: Array<{ error?: unknown; rowsSent: number }>;
  sessionsClosed: number;
  sql: string[];
}

const col = (name: string, typeOid: number): ColumnInfo => ({ name, typeOid, typeModifier: -1 });
const batch = (...cols: PgValue[][]): RowBatch => ({ rowCount: cols[0]!.length, columns: cols });

function fakeBackend(script: (sql: string) => Script, seen: Seen): GatewayBackend {
  return {
    credentials: async () => undefined,
    openSession: async (info): Promise<BackendSession> => {
      seen.startup.push(info);
      return {
        initialParameterStatus: () => [],
        outputSettings: () => DEFAULT_OUTPUT_SETTINGS,
        transactionStatus: () => 'I',
        splitStatements: (sql) => sql.split(';').map((s) => s.trim()).filter((s) => s !== ''),
        // Declared types are kept, as the executor does for EXPLAIN (COST).
        prepare: async (sql, types): Promise<PreparedStatement> => ({ paramTypes: script(sql).paramTypes ?? [...types], columns: script(sql).columns }),
        execute: async (sql, _prepared, params, opts): Promise<StatementExecution> => {
          seen.sql.push(sql);
          seen.params.push([...params]);
          const s = script(sql);
          for (const n of s.notices ?? []) opts.events.notice(n);
          if (s.refuse) throw s.refuse;
          async function* each(): AsyncGenerator<RowBatch> {
            for (const b of s.batches ?? []) {
              if (b instanceof Error) throw b;
              yield b;
            }
          }
          return {
            columns: s.columns,
            ...(s.columns && { batches: each() }),
            commandTag: (n) => (s.columns ? `SELECT ${n}` : 'SET'),
            close: async (outcome) => void seen.outcomes.push(outcome),
          };
        },
        markFailed: () => {},
        close: async () => void seen.sessionsClosed++,
      };
    },
  };
}

const INT_ROWS: Script = {
  columns: [col('n', OID.int8), col('label', OID.text)],
  batches: [batch([1n, 2n, 3n], ['a', 'b', null]), batch([], []), batch([4n, 5n], ['d', 'e'])],
  notices: ['tollgate: ~10 MiB on lake, ~€0.0001 to team growth'],
};

const SCRIPTS: Record<string, Script> = {
  'SELECT n': INT_ROWS,
  'SELECT $1::int8, $2::date, $3::bool, $4': {
    columns: [col('a', OID.int8)],
    paramTypes: [OID.int8, OID.date, OID.bool, 0],
    batches: [batch([1n])],
  },
  'SELECT refused': { columns: [col('a', OID.int4)], refuse: new GatewayError('BUDGET_EXCEEDED', 'query refused: team growth has €0 left') },
  'SELECT late failure': { columns: [col('a', OID.int4)], batches: [batch([1, 2]), new GatewayError('DIVISION_BY_ZERO', 'division by zero')] },
  'SELECT early failure': { columns: [col('a', OID.int4)], batches: [new GatewayError('DIVISION_BY_ZERO', 'division by zero')] },
  'SET x = 1': { columns: null },
};

describe('POST /v1/query (stand-in executor)', () => {
  let app: FastifyInstance;
  let bare: FastifyInstance;
  let seen: Seen;
  before(async () => {
    const backend = fakeBackend((sql) => SCRIPTS[sql] ?? { columns: null, refuse: new GatewayError('SYNTAX_ERROR', `syntax error: ${sql}`) }, (seen = { startup: [], params: [], outcomes: [], sessionsClosed: 0, sql: [] }));
    ({ app } = await testApp({ extra: { backend: () => backend, database: 'tollgate' } }));
    ({ app: bare } = await testApp());
  });
  after(async () => {
    await app?.close();
    await bare?.close();
  });
  const reset = () => Object.assign(seen, { startup: [], params: [], outcomes: [], sessionsClosed: 0, sql: [] });
  const query = (payload: object, accept?: string) =>
    app.inject({ method: 'POST', url: '/v1/query', headers: { authorization: basic('alice'), ...(accept && { accept }) }, payload });

  it('streams JSON and opens the session as the user, with application_name tollgate-http', async () => {
    reset();
    const r = await query({ sql: 'SELECT n' });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {
      columns: [{ name: 'n', type: 'int8', typeOid: 20 }, { name: 'label', type: 'text', typeOid: 25 }],
      rows: [['1', 'a'], ['2', 'b'], ['3', null], ['4', 'd'], ['5', 'e']],
      rowCount: 5,
      truncated: false,
      notices: ['tollgate: ~10 MiB on lake, ~€0.0001 to team growth'],
      commandTag: 'SELECT 5',
    });
    assert.equal(seen.startup[0]!.user, 'alice');
    assert.equal(seen.startup[0]!.database, 'tollgate');
    assert.deepEqual(seen.startup[0]!.parameters, { application_name: 'tollgate-http' });
    assert.deepEqual(seen.outcomes, [{ rowsSent: 5 }]);
    assert.equal(seen.sessionsClosed, 1);
  });

  it('maxRows stops inside a batch or at its end; truncated only when rows were left', async () => {
    for (const [maxRows, rows, truncated] of [[2, 2, true], [3, 3, true], [5, 5, false], [0, 0, true]] as const) {
      reset();
      const r = await query({ sql: 'SELECT n', maxRows });
      const body = r.json();
      assert.deepEqual([body.rowCount, body.rows.length, body.truncated, body.commandTag], [rows, rows, truncated, `SELECT ${rows}`], `maxRows ${maxRows}`);
      // Closed early like a cursor: no error, the rows sent.
      assert.deepEqual(seen.outcomes, [{ rowsSent: rows }]);
    }
  });

  it('parameters are decoded by the prepared types, as Bind with text format', async () => {
    reset();
    const r = await query({ sql: 'SELECT $1::int8, $2::date, $3::bool, $4', params: [5, '2024-01-02', true, 'as is'] });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(seen.params, [[5n, 19724, true, 'as is']]);
    reset();
    const bad = await query({ sql: 'SELECT $1::int8, $2::date, $3::bool, $4', params: [5, 'not a date', true, null] });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.sqlstate, '22007');
    const few = await query({ sql: 'SELECT $1::int8, $2::date, $3::bool, $4', params: [5] });
    assert.equal(few.statusCode, 400);
    assert.equal(seen.sessionsClosed, 2);
    assert.deepEqual(seen.sql, [], 'nothing executed');
  });

  it('a refusal before the rows is the error handler\'s status; the session is closed', async () => {
    reset();
    const r = await query({ sql: 'SELECT refused' });
    assert.equal(r.statusCode, 429);
    assert.deepEqual(r.json().error, { code: 'BUDGET_EXCEEDED', sqlstate: '53400', message: 'query refused: team growth has €0 left' });
    assert.equal(seen.sessionsClosed, 1);
    reset();
    const early = await query({ sql: 'SELECT early failure' }, 'application/vnd.apache.arrow.stream');
    assert.equal(early.statusCode, 400);
    assert.equal(early.json().error.code, 'DIVISION_BY_ZERO');
    assert.equal((seen.outcomes[0]!.error as GatewayError).code, 'DIVISION_BY_ZERO');
    const syntax = await query({ sql: 'SELEC 1' });
    assert.equal(syntax.statusCode, 400);
    assert.equal(syntax.json().error.code, 'SYNTAX_ERROR');
    const two = await query({ sql: 'SELECT n; SELECT n' });
    assert.equal(two.statusCode, 400);
  });

  it('an error after rows were sent ends the JSON with an error member', async () => {
    reset();
    const r = await query({ sql: 'SELECT late failure' });
    assert.equal(r.statusCode, 200);
    const body = r.json();
    assert.deepEqual(body.rows, [[1], [2]]);
    assert.equal(body.rowCount, 2);
    assert.deepEqual(body.error, { code: 'DIVISION_BY_ZERO', sqlstate: '22012', message: 'division by zero' });
    assert.equal(body.commandTag, undefined);
    assert.equal((seen.outcomes[0]!.error as GatewayError).code, 'DIVISION_BY_ZERO');
    assert.equal(seen.outcomes[0]!.rowsSent, 2);
  });

  it('Arrow: notices in X-Tollgate-Notice, the rows as record batches', async () => {
    reset();
    const r = await query({ sql: 'SELECT n' }, 'application/vnd.apache.arrow.stream');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.headers['content-type'], 'application/vnd.apache.arrow.stream');
    assert.deepEqual([r.headers['x-tollgate-notice']].flat(), ['tollgate: ~10 MiB on lake, ~%E2%82%AC0.0001 to team growth']);
    const table = tableFromIPC(r.rawPayload);
    assert.deepEqual(table.toArray().map((row) => [row.n, row.label]), [[1n, 'a'], [2n, 'b'], [3n, null], [4n, 'd'], [5n, 'e']]);
    assert.equal(table.batches.length, 2, 'the empty engine batch is not sent');
    assert.deepEqual(seen.outcomes, [{ rowsSent: 5 }]);
  });

  it('Arrow: an error after the schema was sent aborts the response (no end-of-stream marker)', async () => {
    reset();
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const res = await fetch(`http://127.0.0.1:${port}/v1/query`, {
      method: 'POST',
      headers: { authorization: basic('alice'), accept: 'application/vnd.apache.arrow.stream', 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT late failure' }),
    });
    assert.equal(res.status, 200);
    const read = await res.arrayBuffer().then(
      (b) => Buffer.from(b),
      (e: Error) => e,
    );
    if (Buffer.isBuffer(read)) assert.notDeepEqual([...read.subarray(-8)], [255, 255, 255, 255, 0, 0, 0, 0], 'the stream must not look complete');
    else assert.match(String(read.message), /terminated|aborted|closed/i);
    assert.equal((seen.outcomes[0]!.error as GatewayError).code, 'DIVISION_BY_ZERO');
    assert.equal(seen.sessionsClosed, 1);
  });

  it('a statement without rows answers its command tag', async () => {
    const r = await query({ sql: 'SET x = 1' });
    assert.deepEqual(r.json(), { columns: [], rows: [], rowCount: 0, truncated: false, notices: [], commandTag: 'SET' });
  });

  it('bad bodies are 400 naming the field; no credentials 401; no executor 503', async () => {
    const unknown = await query({ sql: 'SELECT n', limit: 3 });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.message, /unknown field "limit"/);
    const typed = await query({ sql: 'SELECT n', params: [{ a: 1 }] });
    assert.equal(typed.statusCode, 400);
    const tooMany = await query({ sql: 'SELECT n', maxRows: 1e12 });
    assert.equal(tooMany.statusCode, 400);
    const anon = await app.inject({ method: 'POST', url: '/v1/query', payload: { sql: 'SELECT n' } });
    assert.equal(anon.statusCode, 401);
    const starting = await bare.inject({ method: 'POST', url: '/v1/query', headers: { authorization: basic('alice') }, payload: { sql: 'SELECT n' } });
    assert.equal(starting.statusCode, 503);
    const estimating = await bare.inject({ method: 'POST', url: '/v1/estimate', headers: { authorization: basic('alice') }, payload: { sql: 'SELECT n' } });
    assert.equal(estimating.statusCode, 503);
  });
});

describe('POST /v1/estimate (stand-in executor)', () => {
  let app: FastifyInstance;
  const seen: Seen = { startup: [], params: [], outcomes: [], sessionsClosed: 0, sql: [] };
  const dryRun = [col('table_name', OID.text), col('engine', OID.text), col('estimated_bytes', OID.int8), col('billed_bytes', OID.int8), col('cost', OID.numeric), col('detail', OID.text)];
  before(async () => {
    const backend = fakeBackend(
      (sql) =>
        sql.startsWith('EXPLAIN (COST)')
          ? {
              columns: dryRun,
              batches: [batch(['lake.bookings', 'total'], ['lake', 'lake'], [1000n, 1000n], [10485760n, 10485760n], ['0.0000476837', '0.0000476837'], ['hive partitions: 23 of 24 files left out', 'USD'])],
            }
          : {
              columns: [col('QUERY PLAN', OID.text)],
              paramTypes: [OID.text],
              batches: [batch(['Route: engine lake (only lake holds lake.bookings)', '  SQL sent to lake:', '    SELECT 1'])],
            },
      seen,
    );
    ({ app } = await testApp({ extra: { backend: () => backend } }));
  });
  after(async () => app?.close());

  it('maps EXPLAIN and EXPLAIN (COST) rows run through the same session', async () => {
    const r = await app.inject({ method: 'POST', url: '/v1/estimate', headers: { authorization: basic('bob') }, payload: { sql: 'SELECT 1 WHERE $1 = 2;', params: ['x'] } });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(r.json(), {
      route: { engines: ['lake'], explain: ['Route: engine lake (only lake holds lake.bookings)', '  SQL sent to lake:', '    SELECT 1'] },
      estimate: {
        bytes: 1000,
        billedBytes: 10485760,
        cost: 0.0000476837,
        currency: 'USD',
        tables: [{ table: 'lake.bookings', engine: 'lake', bytes: 1000, billedBytes: 10485760, cost: 0.0000476837, pruned: 'hive partitions: 23 of 24 files left out' }],
      },
    });
    assert.deepEqual(seen.sql, ['EXPLAIN SELECT 1 WHERE $1 = 2', 'EXPLAIN (COST) SELECT 1 WHERE $1 = 2']);
    assert.deepEqual(seen.params, [['x'], ['x']]);
    // bob without a configured database name: his own name, which the executor accepts too.
    assert.equal(seen.startup[0]!.database, 'bob');
    assert.equal(seen.outcomes.length, 2);
    assert.equal(seen.sessionsClosed, 1);
  });
});
