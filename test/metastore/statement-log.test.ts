/**
 * StatementLog's group commit against a real PostgreSQL 15: a record a client waits for is committed
 * when record() resolves; records nobody waits for are gathered and written together (one INSERT: one
 * transaction id, xmin, for the lot), and a steady stream of them while writes are running does not turn
 * into back-to-back small writes.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Writable } from 'node:stream';
import pg from 'pg';
import { StatementLog, type StatementRecord } from '../../src/ledger/index.ts';
import { createLogger, silentLogger } from '../../src/log/index.ts';
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
  /** The transaction ids that wrote a session's rows, one per write. */
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

  it('records nobody waits for are written together, in one write', async () => {
    const written = Array.from({ length: 50 }, () => log.record(record(2), { urgent: false }));
    await Promise.all(written);
    assert.deepEqual(await inserts(2), { rows: 50, transactions: 1 });
  });

  it('a large batch is written as INSERTs of at most 200 records, so no one write holds the event loop long', async () => {
    const written = Array.from({ length: 450 }, () => log.record(record(8), { urgent: false }));
    await Promise.all(written);
    assert.deepEqual(await inserts(8), { rows: 450, transactions: 3 });
  });

  it('every field reads back as it was recorded, whatever characters it holds', async () => {
    const nasty = 'tab\there, newline\nthere, CR\r, backslash \\ and \\N and \\., quotes \'" {a,b} NULL, ünïcode 🚀';
    const full: StatementRecord & { id: string } = {
      id: randomUUID(),
      startedAt: new Date('2026-11-27T01:02:03.456Z'),
      durationMs: 12.5,
      sessionId: 5,
      user: 'alice',
      team: 'growth',
      applicationName: nasty,
      tags: { tag: nasty, application: 'psql' },
      kind: 'query',
      status: 'error',
      sqlstate: '42P01',
      errorMessage: nasty,
      statement: `SELECT '${nasty}'`,
      rows: 24,
      engine: 'lake+crm',
      estimatedBytes: 9_007_199_254_740_991,
      billedBytes: 10_485_760,
      actualBytes: 123,
      cost: 0.0123456789,
      cacheHit: true,
      savedCost: 1.5,
    };
    const bare: StatementRecord & { id: string } = { ...record(5), statement: 'x'.repeat(20_000) };
    await Promise.all([log.record(full), log.record(bare)]);
    const r = await reader.query(
      `SELECT id, started_at, ended_at, duration_ms, instance, session_id, user_name, team, application_name, tags, kind, status,
         sqlstate, error_message, statement, fingerprint, rows::text, engine, estimated_bytes::text, billed_bytes::text,
         actual_bytes::text, cost::text, cache_hit, saved_cost::text
       FROM ledger.statements WHERE session_id = 5 ORDER BY kind DESC`,
    );
    assert.equal(r.rows.length, 2);
    const [got, gotBare] = r.rows;
    assert.deepEqual(got, {
      id: full.id,
      started_at: full.startedAt,
      ended_at: new Date('2026-11-27T01:02:03.4685Z'),
      duration_ms: 12.5,
      instance: 'test',
      session_id: 5,
      user_name: 'alice',
      team: 'growth',
      application_name: nasty,
      tags: { tag: nasty, application: 'psql' },
      kind: 'query',
      status: 'error',
      sqlstate: '42P01',
      error_message: nasty,
      statement: full.statement,
      fingerprint: got.fingerprint,
      rows: '24',
      engine: 'lake+crm',
      estimated_bytes: '9007199254740991',
      billed_bytes: '10485760',
      actual_bytes: '123',
      cost: '0.0123456789',
      cache_hit: true,
      saved_cost: '1.5',
    });
    assert.match(got.fingerprint, /\S/);
    // Optional fields left out are NULL (or the column's zero), and an overlong statement is stored cut.
    assert.equal(gotBare.application_name, null);
    assert.equal(gotBare.sqlstate, null);
    assert.equal(gotBare.rows, null);
    assert.equal(gotBare.actual_bytes, null);
    assert.equal(gotBare.billed_bytes, '0');
    assert.equal(gotBare.cache_hit, false);
    assert.deepEqual(gotBare.tags, {});
    assert.equal(gotBare.statement, `${'x'.repeat(16 * 1024)}…[cut]`);
  });

  it('a record PostgreSQL refuses is dropped alone; the rest of its batch is written', async () => {
    const good = [record(6), record(6)];
    const bad = { ...record(6), kind: 'bogus' as StatementRecord['kind'] };
    // Lazy records share one batch; the refused one (a CHECK violation) must not hold back the others.
    await Promise.all([log.record(good[0]!, { urgent: false }), log.record(bad, { urgent: false }), log.record(good[1]!, { urgent: false })]);
    const ids = await reader.query<{ id: string }>('SELECT id FROM ledger.statements WHERE session_id = 6 ORDER BY id');
    assert.deepEqual(ids.rows.map((r) => r.id), good.map((r) => r.id).sort());
    // And the log goes on writing.
    await log.record(record(6, 'query'), { urgent: true });
    assert.equal((await inserts(6)).rows, 3);
  });

  it('a refused record written alone (one a client waited for) is dropped at once, not retried', async () => {
    const messages: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        for (const line of String(chunk).split('\n')) if (line) messages.push((JSON.parse(line) as { msg: string }).msg);
        done();
      },
    });
    const own = await StatementLog.open({ connection: db.target.clientConfig('admin'), instance: 'test', logger: createLogger({ level: 'info', destination }) });
    try {
      await own.record({ ...record(9, 'query'), kind: 'bogus' as StatementRecord['kind'] }, { urgent: true });
      assert.deepEqual(messages, ['ledger record refused by PostgreSQL; dropped']);
      await own.record(record(9, 'query'), { urgent: true });
      assert.deepEqual(await inserts(9), { rows: 1, transactions: 1 });
    } finally {
      await own.close();
    }
  });

  it('past a backlog, a record nobody waits for is waited for after all: statements slow to the ledger\'s pace, nothing is dropped', async (t) => {
    // No lazy flush (mocked timers): full batches and waited-for records must start their writes themselves.
    t.mock.timers.enable({ apis: ['setTimeout'] });
    const own = await StatementLog.open({ connection: db.target.clientConfig('admin'), instance: 'test', logger: silentLogger() });
    try {
      const waits: Array<Promise<void>> = [];
      let firstWait = -1;
      for (let i = 0; i < 5500; i++) {
        const written = own.enqueue(record(10));
        if (written === undefined) continue;
        if (firstWait < 0) firstWait = i;
        waits.push(written);
      }
      // The 1000th record starts a write of the first 1000; the next 4000 wait in the buffer; from then on
      // each new one is handed its write to wait on.
      assert.equal(firstWait, 5000);
      assert.equal(waits.length, 500);
      await Promise.all(waits);
      assert.equal((await inserts(10)).rows, 5500);
    } finally {
      t.mock.timers.reset();
      await own.close();
    }
  });

  it('a record written twice (a retry after a lost answer) is kept once, without blocking the rest', async () => {
    const first = record(7, 'query');
    await log.record(first);
    const again = { ...first };
    const other = record(7);
    await Promise.all([log.record(again, { urgent: false }), log.record(other, { urgent: false })]);
    assert.deepEqual(await inserts(7), { rows: 2, transactions: 2 });
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
    // At most one write per urgent record (the lazy ones ride along) plus one per lazy flush period.
    const bound = urgent.length + Math.ceil(elapsed / 200) + 1;
    assert.ok(transactions <= bound, `${transactions} writes for 60 lazy records over ${elapsed} ms (bound ${bound})`);
  });
});
