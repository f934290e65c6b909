import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { budgetExceededError, type BudgetStore, type ReserveOk, type ReserveResult } from '../../src/budgets/index.ts';
import { startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

function ok(r: ReserveResult): ReserveOk {
  assert.ok(r.ok, `expected the reservation to fit: ${JSON.stringify(r)}`);
  return r;
}

describe('reserve, settle and release', () => {
  let db: LedgerDb;
  let store: BudgetStore;
  before(async () => {
    db = await startLedgerDb();
    store = db.store();
  });
  after(async () => {
    await db?.stop();
  });

  it('a team without a budget is never refused and nothing is reserved', async () => {
    const r = ok(await store.reserve({ team: uniqueTeam(), user: 'alice', amount: 1e9 }));
    assert.equal(r.reservationId, null);
    assert.deepEqual(r.status, { budgeted: false, team: r.status.team, why: 'no budget' });
    assert.deepEqual(await store.settle(r.reservationId, 5), { outcome: 'noop', crossed: [] });
  });

  it('a free statement takes the fast path, even over budget', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 0 }, 'admin');
    const r = ok(await store.reserve({ team, user: 'alice', amount: 0 }));
    assert.equal(r.reservationId, null);
    assert.equal(r.status.budgeted, false);
    assert.equal((await store.status(team)).month.reserved, 0);
  });

  it('a budget set in the middle of a period starts from what the ledger already billed in it', async () => {
    const team = uniqueTeam();
    const pool = db.pool(1);
    const insert = (user: string, startedAt: Date, cost: number, status = 'ok') =>
      pool.query(
        `INSERT INTO ledger.statements (id, started_at, duration_ms, instance, session_id, user_name, team, kind, status, statement, cost)
         VALUES (gen_random_uuid(), $1, 1, 'test', 1, $2, $3, 'query', $4, 'SELECT 1', $5)`,
        [startedAt, user, team, status, cost],
      );
    const now = new Date();
    await insert('alice', now, 7);
    await insert('bob', now, 5);
    await insert('alice', now, 100, 'error'); // failed statements cost nothing
    await insert('alice', new Date(now.getTime() - 40 * 86400_000), 50); // an earlier month
    await store.setBudget(team, { monthly: 100 }, 'admin');
    const r = ok(await store.reserve({ team, user: 'alice', amount: 1 }));
    assert.ok(r.status.budgeted);
    assert.equal(r.status.month.spent, 12);
    assert.equal(r.status.user.month.spent, 7);
  });

  it('settles to the billed cost, which may differ from the estimate; a second settle is a no-op', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, daily: 50 }, 'admin');
    const r = ok(await store.reserve({ team, user: 'alice', amount: 10 }));
    assert.ok(r.status.budgeted);
    assert.deepEqual({ ...r.status.month, start: '' }, { kind: 'month', start: '', spent: 0, reserved: 10, budget: 100, limit: 100, remaining: 90 });
    assert.equal(r.status.day.reserved, 10);
    assert.equal(r.status.user.month.limit, null, 'alice has no cap');
    assert.equal((await store.settle(r.reservationId, 12.5)).outcome, 'settled');
    assert.equal((await store.settle(r.reservationId, 99)).outcome, 'noop');
    assert.equal((await store.release(r.reservationId)).outcome, 'noop');
    const s = await store.status(team);
    assert.deepEqual([s.month.spent, s.month.reserved, s.day.spent, s.day.reserved, s.month.remaining], [12.5, 0, 12.5, 0, 87.5]);
  });

  it('release gives the reservation back; a second release and a late settle are no-ops', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 10 }, 'admin');
    const r = ok(await store.reserve({ team, user: 'alice', amount: 10 }));
    assert.equal((await store.reserve({ team, user: 'bob', amount: 1 })).ok, false);
    assert.equal((await store.release(r.reservationId)).outcome, 'released');
    assert.equal((await store.release(r.reservationId)).outcome, 'noop');
    assert.equal((await store.settle(r.reservationId, 10)).outcome, 'noop');
    const s = await store.status(team);
    assert.deepEqual([s.month.spent, s.month.reserved], [0, 0]);
    ok(await store.reserve({ team, user: 'bob', amount: 10 }));
  });

  it('an unknown reservation id is a no-op', async () => {
    assert.equal((await store.settle('00000000-0000-4000-8000-000000000000', 1)).outcome, 'noop');
    assert.equal((await store.release('00000000-0000-4000-8000-000000000000')).outcome, 'noop');
  });

  it('refuses what does not fit under the monthly hard limit, with what is left', async () => {
    const team = uniqueTeam('growth');
    await store.setBudget(team, { monthly: 200 }, 'admin');
    ok(await store.reserve({ team, user: 'alice', amount: 198.8 }));
    const r = await store.reserve({ team, user: 'bob', amount: 3.4 });
    assert.equal(r.ok, false);
    if (r.ok) return;
    assert.equal(r.reason, 'team_month');
    assert.equal(r.remaining, 1.2);
    assert.equal(r.limit, 200);
    assert.equal(r.overrideRejected, false);
    const e = budgetExceededError(r, { currency: 'USD' });
    assert.equal(e.sqlstate, '53400');
    assert.equal(e.code, 'BUDGET_EXCEEDED');
    assert.equal(e.refused, true);
    assert.equal(e.message, `query refused: team ${team} has $1.20 left of its $200.00 monthly budget and this query is estimated at $3.40; ask a tollgate admin for an override or a higher budget`);
    ok(await store.reserve({ team, user: 'bob', amount: 1.2 }));
  });

  it('a hard limit above 100% lets spending past the budget, up to the limit', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, hardLimit: 1.1 }, 'admin');
    ok(await store.reserve({ team, user: 'alice', amount: 110 }));
    const r = await store.reserve({ team, user: 'alice', amount: 0.01 });
    assert.ok(!r.ok && r.limit === 110 && r.budget === 100);
  });

  it('enforces the daily budget', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, daily: 5 }, 'admin');
    ok(await store.reserve({ team, user: 'alice', amount: 4 }));
    const r = await store.reserve({ team, user: 'alice', amount: 2 });
    assert.ok(!r.ok);
    assert.equal(r.reason, 'team_day');
    assert.equal(r.remaining, 1);
    assert.match(budgetExceededError(r, { currency: 'USD' }).message, /has \$1\.00 left of its \$5\.00 daily budget/);
  });

  it('enforces per-user caps inside the team, month and day', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, userCaps: { alice: { monthly: 10, daily: null }, bob: { monthly: null, daily: 3 } } }, 'admin');
    ok(await store.reserve({ team, user: 'alice', amount: 8 }));
    const a = await store.reserve({ team, user: 'alice', amount: 3 });
    assert.ok(!a.ok && a.reason === 'user_month' && a.remaining === 2 && a.user === 'alice');
    assert.match(budgetExceededError(a, { currency: 'USD', contact: '#data-platform' }).message, /user alice has \$2\.00 left of their \$10\.00 monthly cap in team .*; ask #data-platform for an override or a higher cap$/);
    const b = await store.reserve({ team, user: 'bob', amount: 4 });
    assert.ok(!b.ok && b.reason === 'user_day');
    ok(await store.reserve({ team, user: 'carol', amount: 50 }));
    // A refused user reserved nothing anywhere: all rows or none.
    const s = await store.status(team);
    assert.equal(s.month.reserved, 58);
    assert.deepEqual(s.users.map((u) => [u.user, u.month.reserved, u.day.reserved]), [['alice', 8, 8], ['bob', 0, 0]]);
  });

  it('the team limit refuses even when the user is under their cap', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 5, userCaps: { alice: { monthly: 10, daily: null } } }, 'admin');
    const r = await store.reserve({ team, user: 'alice', amount: 6 });
    assert.ok(!r.ok && r.reason === 'team_month');
  });

  it('recordSpend charges unreserved spending without a check', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 10 }, 'admin');
    const r = await store.recordSpend({ team, user: 'alice', amount: 12 });
    assert.equal(r.outcome, 'settled');
    assert.deepEqual(r.crossed.map((c) => c.threshold), [0.5, 0.8]);
    assert.equal((await store.status(team)).month.spent, 12);
    assert.equal((await store.reserve({ team, user: 'alice', amount: 0.01 })).ok, false);
  });
});
