import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import type { ColumnInfo, RowBatch } from '../../../src/connectors/contract.ts';
import { OID } from '../../../src/pgtypes/oids.ts';
import type { BackendSession, SessionEvents, StatementExecution } from '../../../src/wire/backend.ts';
import { serveFakeSession } from './helpers.ts';

/**
 * A session re-running a statement gets the same RowDescription, notice and (for a batch marked
 * immutable, as the cache's are) the same DataRows as bytes kept from the last time. Whatever is kept,
 * each answer must be exactly what a fresh one would be: other columns, other formats, other notices,
 * a notice with a detail or hint, in any order.
 */

// No float8: node-pg's binary float8 parser misreads values (it does so against PostgreSQL 15 too).
const INT_COLUMNS: ColumnInfo[] = [{ name: 'n', typeOid: OID.int4, typeModifier: -1 }, { name: 's', typeOid: OID.text, typeModifier: -1 }];
const TEXT_COLUMNS: ColumnInfo[] = [{ name: 'label', typeOid: OID.text, typeModifier: -1 }];
const CACHED: RowBatch = { rowCount: 2, columns: [[1, 2], ['a', 'b\tc']], immutable: true };
const OTHER: RowBatch = { rowCount: 1, columns: [['héllo']], immutable: true };

/** The statement's text says what to answer: `ints`, `text`, and which notice to send. */
function execution(sql: string, events: SessionEvents): StatementExecution {
  const text = sql.startsWith('text');
  if (sql.includes('notice-a')) events.notice('cache hit A');
  if (sql.includes('notice-b')) events.notice('cache hit B');
  if (sql.includes('detail')) events.notice('cache hit A', { detail: 'with a detail', hint: 'and a hint' });
  if (sql.includes('warning')) events.notice('cache hit A', { severity: 'WARNING', sqlstate: '01000' });
  const batch = text ? OTHER : CACHED;
  let sent = false;
  return {
    columns: text ? TEXT_COLUMNS : INT_COLUMNS,
    batches: { next: () => (sent ? { done: true, value: undefined } : ((sent = true), { done: false, value: batch })) },
    commandTag: (n) => `SELECT ${n}`,
    close: () => {},
  };
}

const session: BackendSession = {
  initialParameterStatus: () => [['server_version', '15.0'], ['client_encoding', 'UTF8'], ['integer_datetimes', 'on']],
  outputSettings: () => ({ dateStyle: 'ISO, MDY', timeZone: 'UTC', extraFloatDigits: 1, intervalStyle: 'postgres', byteaOutput: 'hex' }),
  transactionStatus: () => 'I',
  splitStatements: (sql) => [sql],
  prepare: (sql) => ({ paramTypes: [], columns: sql.startsWith('text') ? TEXT_COLUMNS : INT_COLUMNS }),
  execute: (sql, _p, _params, opts) => execution(sql, opts.events),
  markFailed: () => {},
  close: async () => {},
};

describe('wire: repeated answers sent from kept bytes are the answers a fresh encoding gives', () => {
  let served: Awaited<ReturnType<typeof serveFakeSession>>;
  let binary: pg.Client;
  const notices: string[] = [];

  before(async () => {
    served = await serveFakeSession(session);
    served.client.on('notice', (n) => notices.push(`${n.severity} ${n.code} ${n.message}${n.detail ? ` / ${n.detail}` : ''}${n.hint ? ` / ${n.hint}` : ''}`));
    // Every result column in binary: other formats for the same columns.
    binary = new pg.Client({ host: '127.0.0.1', port: served.port, user: 'alice', password: 'secret', database: 'db', binary: true } as pg.ClientConfig);
  });

  after(async () => {
    await served.stop();
  });

  const run = async (client: pg.Client, sql: string) => (await client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig)).rows;

  it('the same rows, descriptions and notices however the statements alternate', async () => {
    const ints = [{ n: 1, s: 'a' }, { n: 2, s: 'b\tc' }];
    const sequence: Array<[string, unknown[], string[]]> = [
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['text notice-b', [{ label: 'héllo' }], ['NOTICE 00000 cache hit B']],
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['ints detail', ints, ['NOTICE 00000 cache hit A / with a detail / and a hint']],
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['ints warning', ints, ['WARNING 01000 cache hit A']],
      ['ints notice-a', ints, ['NOTICE 00000 cache hit A']],
      ['text', [{ label: 'héllo' }], []],
      ['ints notice-a notice-b', ints, ['NOTICE 00000 cache hit A', 'NOTICE 00000 cache hit B']],
    ];
    for (const [sql, rows, expected] of sequence) {
      notices.length = 0;
      assert.deepEqual(await run(served.client, sql), rows, sql);
      assert.deepEqual(notices, expected, sql);
    }
  });

  it('the same columns in binary and in text, alternating on one session and on another', async () => {
    const rows = [{ n: 1, s: 'a' }, { n: 2, s: 'b\tc' }];
    const inBinary = async (client: pg.Client) => (await client.query({ text: 'ints', queryMode: 'extended', binary: true } as pg.QueryConfig)).rows;
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await inBinary(served.client), rows, `binary ${i}`);
      assert.deepEqual(await run(served.client, 'ints'), rows, `text ${i}`);
      assert.deepEqual(await run(served.client, 'ints'), rows, `text again ${i}`);
    }
    await binary.connect();
    try {
      for (let i = 0; i < 3; i++) assert.deepEqual(await run(binary, 'ints'), rows);
    } finally {
      await binary.end();
    }
  });
});
