import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BudgetStore, ReserveOk, ReserveResult } from '../../src/budgets/index.ts';
import { FakeClock, startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

function ok(r: ReserveResult): ReserveOk {
  assert.ok(r.ok, `expected the reservation to fit: ${JSON.stringify(r)}`);
  return r;
}

describe('periods roll over at midnight of the configured time zone', () => {
  let db: LedgerDb;
  before(async () => {
    db = await startLedgerDb();
  });
  after(async () => {
    await db?.stop();
  });

  // New York, end of November: local midnight of December 1st is 05:00 UTC (EST).
  it('a new day and a new month start at local midnight, not UTC midnight', async () => {
    const clock = new FakeClock(new Date('2026-11-30T12:00:00Z'));
    const store: BudgetStore = db.store({ timeZone: 'America/New_York', now: clock.now });
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, daily: 5 }, 'admin');
    ok(await store.reserve({ team, user: 'alice', amount: 5 }));

    clock.set('2026-12-01T04:59:59Z'); // 23:59:59 on Nov 30 in New York; already Dec 1 in UTC
    const late = await store.reserve({ team, user: 'alice', amount: 1 });
    assert.ok(!late.ok && late.reason === 'team_day' && late.period.start === '2026-11-30');

    clock.set('2026-12-01T05:00:00Z'); // local midnight
    const r = ok(await store.reserve({ team, user: 'alice', amount: 5 }));
    assert.ok(r.status.budgeted);
    assert.deepEqual([r.status.month.start, r.status.month.spent, r.status.month.reserved], ['2026-12-01', 0, 5]);
    assert.deepEqual([r.status.day.start, r.status.day.reserved], ['2026-12-01', 5]);
    const s = await store.status(team);
    assert.deepEqual([s.month.start, s.month.resetsOn, s.day.start, s.day.resetsOn], ['2026-12-01', '2027-01-01', '2026-12-01', '2026-12-02']);
    assert.equal((await store.status(team, new Date('2026-11-30T20:00:00Z'))).month.reserved, 5, "November's reservation is still November's");
  });

  it('a reservation made before midnight is settled in the periods it was made in', async () => {
    const clock = new FakeClock(new Date('2026-03-31T21:30:00Z')); // 23:30 in Berlin (CEST since Mar 29)
    const store = db.store({ timeZone: 'Europe/Berlin', now: clock.now });
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100 }, 'admin');
    const r = ok(await store.reserve({ team, user: 'alice', amount: 10 }));
    clock.set('2026-03-31T22:30:00Z'); // 00:30 on April 1st in Berlin
    await store.settle(r.reservationId, 7);
    const april = await store.status(team);
    assert.deepEqual([april.month.start, april.month.spent, april.month.reserved], ['2026-04-01', 0, 0]);
    const march = await store.status(team, new Date('2026-03-31T12:00:00Z'));
    assert.deepEqual([march.month.start, march.month.spent, march.month.reserved], ['2026-03-01', 7, 0]);
  });
});
