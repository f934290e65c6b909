import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import type { BackendSession, StatementExecution } from '../../../src/wire/backend.ts';
import { serveFakeSession } from './helpers.ts';

/**
 * A statement whose rows cannot be written in the format the client asked for (here binary output of a
 * type without a binary send function) fails before a row goes out. Its execution is closed once, with
 * that error, so the gateway records it as failed and not as a statement that succeeded.
 */

const NO_BINARY_OID = 2205; // regclass: no binary output here
const TEXT: ColumnInfo[] = [{ name: 'a', typeOid: OID.text, typeModifier: -1 }];
const UNSENDABLE: ColumnInfo[] = [{ name: 'r', typeOid: NO_BINARY_OID, typeModifier: -1 }];
const closes: Array<{ sql: string; error?: unknown }> = [];

function execution(sql: string, columns: ColumnInfo[]): StatementExecution {
  const batch: RowBatch = { rowCount: 1, columns: [['x']] };
  let sent = false;
  return {
    columns,
    batches: { next: async () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: batch })) },
    commandTag: (n) => `SELECT ${n}`,
    close: async (outcome) => {
      closes.push({ sql, error: outcome.error });
    },
  };
}

const session: BackendSession = {
  initialParameterStatus: () => [['server_version', '15.0'], ['client_encoding', 'UTF8'], ['integer_datetimes', 'on']],
  outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
  transactionStatus: () => 'I',
  splitStatements: (sql) => [sql],
  // Described as returning no rows (as a statement whose columns are known only when it runs).
  prepare: async (sql) => ({ paramTypes: [], columns: sql === 'unsendable' ? null : TEXT }),
  execute: async (sql) => execution(sql, sql === 'unsendable' ? UNSENDABLE : TEXT),
  markFailed: () => {},
  close: async () => {},
};

describe('wire: a result that cannot be written in the requested format', () => {
  let served: Awaited<ReturnType<typeof serveFakeSession>>;
  let client: pg.Client;

  before(async () => {
    served = await serveFakeSession(session);
    client = served.client;
  });

  after(async () => {
    await served.stop();
  });

  it('fails the statement, closes its execution once with the error, and the session goes on', async () => {
    closes.length = 0;
    const err = await client.query({ text: 'unsendable', binary: true, queryMode: 'extended' } as pg.QueryConfig).then(
      () => assert.fail('binary output of the type should have failed'),
      (e: { code?: string; message: string }) => e,
    );
    assert.equal(err.code, '42883', err.message);
    assert.deepEqual((await client.query({ text: 'fine', queryMode: 'extended' } as pg.QueryConfig)).rows, [{ a: 'x' }]);
    assert.deepEqual(
      closes.map((c) => [c.sql, c.error !== undefined]),
      [
        ['unsendable', true],
        ['fine', false],
      ],
    );
  });
});
