import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startLedgerDb, uniqueTeam, FakeClock, type LedgerDb } from './ledger-db.ts';

const MINUTE = 60_000;

describe('expired reservations', () => {
  let db: LedgerDb;
  before(async () => {
    db = await startLedgerDb();
  });
  after(async () => {
    await db?.stop();
  });

  it('are released by sweepExpired; a late settle still charges the billed cost', async () => {
    const clock = new FakeClock(new Date('2026-11-10T12:00:00Z'));
    const crashed = db.store({ now: clock.now, reservationTtlMs: 10 * MINUTE });
    const survivor = db.store({ now: clock.now, reservationTtlMs: 10 * MINUTE });
    const team = uniqueTeam();
    await survivor.setBudget(team, { monthly: 10 }, 'admin');
    const lost = await crashed.reserve({ team, user: 'alice', amount: 6 });
    const late = await crashed.reserve({ team, user: 'alice', amount: 4 });
    assert.ok(lost.ok && late.ok);
    assert.equal((await survivor.reserve({ team, user: 'bob', amount: 1 })).ok, false);

    clock.advance(9 * MINUTE);
    assert.equal(await survivor.sweepExpired(), 0, 'not expired yet');
    const kept = await survivor.reserve({ team, user: 'bob', amount: 0.5 });
    assert.equal(kept.ok, false);

    clock.advance(2 * MINUTE);
    assert.equal(await survivor.sweepExpired(), 2);
    assert.equal(await survivor.sweepExpired(), 0, 'each is swept once');
    assert.equal((await survivor.status(team)).month.reserved, 0);
    assert.equal((await crashed.release(lost.reservationId)).outcome, 'noop');
    // The slow instance finishes after all: the query ran, so its cost counts.
    assert.equal((await crashed.settle(late.reservationId, 3)).outcome, 'settled');
    assert.equal((await crashed.settle(late.reservationId, 3)).outcome, 'noop');
    const s = await survivor.status(team);
    assert.deepEqual([s.month.spent, s.month.reserved], [3, 0]);
  });

  it('a reservation whose statement the ledger has as ok is charged its billed cost, not released (kill -9 after the ledger write)', async () => {
    const clock = new FakeClock(new Date());
    const store = db.store({ now: clock.now, reservationTtlMs: MINUTE });
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100 }, 'admin');
    const ran = randomUUID();
    const failed = randomUUID();
    const a = await store.reserve({ team, user: 'alice', amount: 3, statementId: ran });
    const b = await store.reserve({ team, user: 'alice', amount: 4, statementId: failed });
    assert.ok(a.ok && b.ok);
    const pool = db.pool(1);
    for (const [id, status, cost] of [[ran, 'ok', 2.5], [failed, 'error', 0]] as const)
      await pool.query(
        `INSERT INTO ledger.statements (id, started_at, duration_ms, instance, session_id, user_name, team, kind, status, statement, cost)
         VALUES ($1, $2, 1, 'test', 1, 'alice', $3, 'query', $4, 'SELECT 1', $5)`,
        [id, clock.now(), team, status, cost],
      );
    clock.advance(2 * MINUTE);
    assert.equal(await store.sweepExpired(), 2);
    const s = await store.status(team);
    assert.deepEqual([s.month.spent, s.month.reserved], [2.5, 0]);
    assert.equal((await store.settle(a.reservationId, 2.5)).outcome, 'noop', 'already charged');
  });

  it('concurrent sweepers release each reservation once', async () => {
    const clock = new FakeClock(new Date('2026-11-10T12:00:00Z'));
    const store = db.store({ now: clock.now, reservationTtlMs: MINUTE, pool: db.pool(20) });
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100 }, 'admin');
    for (let i = 0; i < 20; i++) assert.ok((await store.reserve({ team, user: `u${i}`, amount: 1 })).ok);
    clock.advance(2 * MINUTE);
    const counts = await Promise.all([store.sweepExpired(), store.sweepExpired(), store.sweepExpired()]);
    assert.equal(counts.reduce((a, b) => a + b, 0), 20);
    assert.equal((await store.status(team)).month.reserved, 0);
  });
});
