import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { GatewayError } from '../../../src/errors/index.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import type { BackendSession, PreparedStatement, StatementExecution } from '../../../src/wire/backend.ts';
import { serveFakeSession } from './helpers.ts';

/**
 * A backend that answers without promises (as the gateway does for a cache hit): prepare and execute
 * return values or throw, rows come from a source whose next() returns batches directly, and close
 * returns nothing. The wire must give the same answers as for an asynchronous backend: every row, in
 * order, across batches and across Executes of a suspended portal; errors with their SQLSTATE; and
 * each execution closed exactly once with the rows it sent.
 */

const COLUMNS: ColumnInfo[] = [{ name: 'n', typeOid: OID.int4, typeModifier: -1 }];
const closes: Array<{ sql: string; rowsSent: number; error?: unknown }> = [];

/** Rows 1..6 in three batches of two, handed out without promises. */
function execution(sql: string): StatementExecution {
  const batches: RowBatch[] = [0, 1, 2].map((b) => ({ rowCount: 2, columns: [[2 * b + 1, 2 * b + 2]] }));
  let next = 0;
  return {
    columns: COLUMNS,
    batches: { next: () => (next < batches.length ? { done: false, value: batches[next++]! } : { done: true, value: undefined }) },
    commandTag: (n) => `SELECT ${n}`,
    close: (outcome) => {
      closes.push({ sql, rowsSent: outcome.rowsSent, ...(outcome.error !== undefined && { error: outcome.error }) });
    },
  };
}

const session: BackendSession = {
  initialParameterStatus: () => [['server_version', '15.0'], ['client_encoding', 'UTF8'], ['integer_datetimes', 'on']],
  outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
  transactionStatus: () => 'I',
  splitStatements: (sql) => [sql],
  prepare: (sql): PreparedStatement => {
    if (sql === 'unparsable') throw new GatewayError('SYNTAX_ERROR', 'syntax error at or near "unparsable"');
    return { paramTypes: [], columns: COLUMNS };
  },
  execute: (sql) => {
    if (sql === 'refused') throw new GatewayError('BUDGET_EXCEEDED', 'team budget exceeded');
    return execution(sql);
  },
  markFailed: () => {},
  close: async () => {},
};

describe('wire: a backend that answers without promises', () => {
  let served: Awaited<ReturnType<typeof serveFakeSession>>;
  let client: pg.Client;
  const numbers = (rows: Array<{ n: number }>) => rows.map((r) => r.n);

  before(async () => {
    served = await serveFakeSession(session);
    client = served.client;
  });

  after(async () => {
    await served.stop();
  });

  it('every row, in order, through the simple and the extended protocol; closed once each', async () => {
    closes.length = 0;
    assert.deepEqual(numbers((await client.query('simple')).rows), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(numbers((await client.query({ text: 'extended', queryMode: 'extended' } as pg.QueryConfig)).rows), [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(closes, [
      { sql: 'simple', rowsSent: 6 },
      { sql: 'extended', rowsSent: 6 },
    ]);
  });

  it('a portal read 4 rows at a time is suspended mid-batch and resumed by the next Execute', async () => {
    closes.length = 0;
    const cursor = client.query(new Cursor('cursor'));
    const read = (n: number) => new Promise<Array<{ n: number }>>((resolve, reject) => cursor.read(n, (err, rows) => (err ? reject(err) : resolve(rows))));
    assert.deepEqual(numbers(await read(4)), [1, 2, 3, 4]);
    assert.deepEqual(numbers(await read(4)), [5, 6]);
    assert.deepEqual(numbers(await read(4)), []);
    await new Promise<void>((resolve) => cursor.close(() => resolve()));
    assert.deepEqual(closes, [{ sql: 'cursor', rowsSent: 6 }]);
  });

  it('a synchronous failure at Parse or Execute is an ErrorResponse with its SQLSTATE; the session goes on', async () => {
    const failure = (q: Promise<unknown>) =>
      q.then(
        () => assert.fail('should have failed'),
        (e: { code?: string }) => e.code,
      );
    assert.equal(await failure(client.query({ text: 'unparsable', queryMode: 'extended' } as pg.QueryConfig)), '42601');
    assert.equal(await failure(client.query({ text: 'refused', queryMode: 'extended' } as pg.QueryConfig)), '53400');
    assert.equal(await failure(client.query('refused')), '53400');
    assert.deepEqual(numbers((await client.query('after')).rows), [1, 2, 3, 4, 5, 6]);
  });
});
