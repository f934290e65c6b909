import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ReserveOk, ReserveResult } from '../../src/budgets/index.ts';
import { thresholdMessage } from '../../src/budgets/index.ts';
import { FakeClock, startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

function ok(r: ReserveResult): ReserveOk {
  assert.ok(r.ok, `expected the reservation to fit: ${JSON.stringify(r)}`);
  return r;
}

describe('soft thresholds', () => {
  let db: LedgerDb;
  before(async () => {
    db = await startLedgerDb();
  });
  after(async () => {
    await db?.stop();
  });

  it('fire once per period when spent plus reserved reaches them, from reserve or settle', async () => {
    const clock = new FakeClock(new Date('2026-11-10T12:00:00Z'));
    const store = db.store({ now: clock.now });
    const team = uniqueTeam('growth');
    await store.setBudget(team, { monthly: 200, daily: 150, webhookUrl: 'https://hooks.example.com/budget' }, 'admin');
    const first = ok(await store.reserve({ team, user: 'alice', amount: 40 }));
    assert.deepEqual(first.crossed, []);
    const r = ok(await store.reserve({ team, user: 'alice', amount: 60 }));
    assert.deepEqual(r.crossed.map((c) => [c.period.kind, c.threshold, c.committed, c.budget]), [['month', 0.5, 100, 200], ['day', 0.5, 100, 150]]);
    assert.equal(r.crossed[0]!.webhookUrl, 'https://hooks.example.com/budget');
    assert.equal(r.crossed[0]!.crossedAt.toISOString(), '2026-11-10T12:00:00.000Z');
    assert.equal(
      thresholdMessage(r.crossed[0]!, { currency: 'USD' }),
      `team ${team} has used 50% of its $200.00 monthly budget ($100.00 spent or reserved, period started 2026-11-01)`,
    );
    // Settling above the estimate crosses 80% of the month and of the day (130 + 40 reserved).
    const settled = await store.settle(r.reservationId, 130);
    assert.deepEqual(settled.crossed.map((c) => [c.period.kind, c.threshold]), [['month', 0.8], ['day', 0.8]]);
    // Falling below and rising again does not fire twice.
    await store.release(first.reservationId);
    assert.deepEqual(ok(await store.reserve({ team, user: 'bob', amount: 5 })).crossed, []);
    const status = await store.status(team);
    assert.deepEqual(status.month.thresholds.map((t) => [t.threshold, t.amount, t.crossedAt !== null]), [[0.5, 100, true], [0.8, 160, true]]);
    // Next day (and a higher monthly budget): the day's thresholds fire again, the month's do not.
    clock.set('2026-11-11T12:00:00Z');
    await store.setBudget(team, { monthly: 400, daily: 150 }, 'admin');
    assert.deepEqual(ok(await store.reserve({ team, user: 'alice', amount: 80 })).crossed.map((c) => [c.period.kind, c.period.start, c.threshold]), [['day', '2026-11-11', 0.5]]);
  });

  it('fire once each when many queries cross them at the same time', async () => {
    const a = db.store({ pool: db.pool(20) });
    const b = db.store({ pool: db.pool(20) });
    for (let run = 0; run < 5; run++) {
      const team = uniqueTeam();
      await a.setBudget(team, { monthly: 100, softThresholds: [0.1, 0.25, 0.5, 0.75, 0.9, 1] }, 'admin');
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).reserve({ team, user: `u${i}`, amount: 2.5 })));
      const crossed = results.flatMap((r) => (r.ok ? r.crossed.map((c) => c.threshold) : []));
      assert.deepEqual(crossed.sort((x, y) => x - y), [0.1, 0.25, 0.5, 0.75, 0.9, 1]);
    }
  });
});
