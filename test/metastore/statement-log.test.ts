/**
 * StatementLog's group commit against a real PostgreSQL 15: a record a client waits for is committed
 * when record() resolves; records nobody waits for are gathered and written together (one INSERT: one
 * transaction id, xmin, for the lot), and a steady stream of them while writes are running does not turn
 * into back-to-back small INSERTs.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { StatementLog, type StatementRecord } from '../../src/ledger/index.ts';
import { silentLogger } from '../../src/log/index.ts';
import { startLedgerDb, type LedgerDb } from '../budgets/ledger-db.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('StatementLog group commit', () => {
  let db: LedgerDb;
  let log: StatementLog;
  let reader: pg.Pool;
  before(async () => {
    db = await startLedgerDb();
    reader = db.pool(2);
    log = await StatementLog.open({ connection: db.target.clientConfig('admin'), instance: 'test', logger: silentLogger() });
  });
  after(async () => {
    await log?.close();
    await db?.stop();
  });

  const record = (session: number, kind: StatementRecord['kind'] = 'catalog'): StatementRecord & { id: string } => ({
    id: randomUUID(),
    startedAt: new Date(),
    durationMs: 1,
    sessionId: session,
    user: 'alice',
    team: 'growth',
    kind,
    status: 'ok',
    statement: 'SELECT 1',
  });
  /** The transaction ids that wrote a session's rows, one per INSERT. */
  const inserts = async (session: number): Promise<{ rows: number; transactions: number }> => {
    const r = await reader.query<{ rows: string; transactions: string }>(
      'SELECT count(*) AS rows, count(DISTINCT xmin::text) AS transactions FROM ledger.statements WHERE session_id = $1',
      [session],
    );
    return { rows: Number(r.rows[0]!.rows), transactions: Number(r.rows[0]!.transactions) };
  };

  it('an urgent record is committed when record() resolves', async () => {
    await log.record(record(1, 'query'), { urgent: true });
    assert.deepEqual(await inserts(1), { rows: 1, transactions: 1 });
  });

  it('records nobody waits for are written together, in one INSERT', async () => {
    const written = Array.from({ length: 50 }, () => log.record(record(2), { urgent: false }));
    await Promise.all(written);
    assert.deepEqual(await inserts(2), { rows: 50, transactions: 1 });
  });

  it('a steady stream of them during writes is not written back to back', async () => {
    // Urgent records keep a write running; lazy ones arrive every 2 ms meanwhile. They wait for the lazy
    // flush (200 ms) or go with an urgent one, never start a write of their own right after one ends.
    const started = Date.now();
    const lazy: Array<Promise<void>> = [];
    const urgent: Array<Promise<void>> = [];
    for (let i = 0; i < 60; i++) {
      lazy.push(log.record(record(3), { urgent: false }));
      if (i % 20 === 0) urgent.push(log.record(record(4, 'query'), { urgent: true }));
      await sleep(2);
    }
    await Promise.all([...lazy, ...urgent]);
    const elapsed = Date.now() - started;
    const { rows, transactions } = await inserts(3);
    assert.equal(rows, 60);
    // At most one INSERT per urgent record (the lazy ones ride along) plus one per lazy flush period.
    const bound = urgent.length + Math.ceil(elapsed / 200) + 1;
    assert.ok(transactions <= bound, `${transactions} INSERTs for 60 lazy records over ${elapsed} ms (bound ${bound})`);
  });
});
