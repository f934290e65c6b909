import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { BudgetInput, BudgetStore } from '../../src/budgets/index.ts';
import { FakeClock, startLedgerDb, uniqueTeam, type LedgerDb } from './ledger-db.ts';

describe('budget administration', () => {
  let db: LedgerDb;
  let store: BudgetStore;
  const clock = new FakeClock(new Date('2026-11-10T12:00:00Z'));
  before(async () => {
    db = await startLedgerDb();
    store = db.store({ now: clock.now });
  });
  after(async () => {
    await db?.stop();
  });

  it('sets, reads and replaces a budget, recording every change with who and when', async () => {
    const team = uniqueTeam();
    assert.equal(await store.getBudget(team), null);
    const set = await store.setBudget(team, { monthly: 200 }, 'root');
    assert.deepEqual(set, { team, monthly: 200, daily: null, softThresholds: [0.5, 0.8], hardLimit: 1, userCaps: {}, webhookUrl: null, updatedAt: clock.t, updatedBy: 'root' });
    assert.deepEqual(await store.getBudget(team), set);

    clock.advance(60_000);
    const input: BudgetInput = { monthly: 250.5, daily: 20, softThresholds: [0.9, 0.75, 0.9], hardLimit: 1.05, userCaps: { alice: { monthly: 50, daily: null } }, webhookUrl: 'https://hooks.example.com/x' };
    const replaced = await store.setBudget(team, input, 'ops');
    assert.deepEqual(await store.getBudget(team), replaced);
    assert.deepEqual(replaced.softThresholds, [0.75, 0.9]);
    assert.deepEqual(replaced.userCaps, { alice: { monthly: 50, daily: null } });

    const changes = await store.listChanges(team);
    assert.deepEqual(changes.map((c) => [c.action, c.changedBy, c.changedAt.toISOString()]), [
      ['set', 'ops', '2026-11-10T12:01:00.000Z'],
      ['set', 'root', '2026-11-10T12:00:00.000Z'],
    ]);
    assert.equal(changes[1]!.before, null);
    assert.deepEqual((changes[0]!.before as { monthly: number }).monthly, 200);
    assert.deepEqual((changes[0]!.after as { monthly: number; userCaps: unknown }).userCaps, { alice: { monthly: 50, daily: null } });

    assert.equal(await store.deleteBudget(team, 'ops'), true);
    assert.equal(await store.deleteBudget(team, 'ops'), false);
    assert.equal(await store.getBudget(team), null);
    assert.equal((await store.listChanges(team))[0]!.action, 'delete');
    assert.ok((await store.reserve({ team, user: 'alice', amount: 1e6 })).ok, 'no budget, no limit');
  });

  const bad: Array<[string, unknown]> = [
    ['a negative budget', { monthly: -1 }],
    ['an absurd budget', { monthly: 1e15 }],
    ['NaN', { monthly: Number.NaN }],
    ['a string amount', { monthly: '200' }],
    ['no monthly', { daily: 5 }],
    ['a negative daily', { monthly: 10, daily: -5 }],
    ['a zero hard limit', { monthly: 10, hardLimit: 0 }],
    ['a threshold above the hard limit', { monthly: 10, softThresholds: [0.5, 1.5] }],
    ['a negative threshold', { monthly: 10, softThresholds: [-0.5] }],
    ['a bad cap', { monthly: 10, userCaps: { alice: { monthly: -3 } } }],
    ['an empty user name', { monthly: 10, userCaps: { '': { monthly: 3 } } }],
    ['a non-http webhook', { monthly: 10, webhookUrl: 'file:///etc/passwd' }],
    ['a broken webhook', { monthly: 10, webhookUrl: 'not a url' }],
  ];
  for (const [what, input] of bad) {
    it(`refuses ${what} and changes nothing`, async () => {
      const team = uniqueTeam();
      await store.setBudget(team, { monthly: 100 }, 'root');
      await assert.rejects(store.setBudget(team, input as BudgetInput, 'root'), (e: { code?: string; kind?: string }) => e.code === 'INVALID_PARAMETER_VALUE' && e.kind === 'user');
      assert.equal((await store.getBudget(team))!.monthly, 100);
      assert.equal((await store.listChanges(team)).length, 1);
    });
  }

  it('refuses an empty team name', async () => {
    await assert.rejects(store.setBudget('', { monthly: 1 }, 'root'), { code: 'INVALID_PARAMETER_VALUE' });
  });

  it('status shows each period, its thresholds and capped users', async () => {
    const team = uniqueTeam();
    await store.setBudget(team, { monthly: 100, daily: 10, userCaps: { bob: { monthly: null, daily: 4 } } }, 'root');
    const r = await store.reserve({ team, user: 'bob', amount: 3 });
    assert.ok(r.ok);
    await store.settle(r.reservationId, 2);
    await store.reserve({ team, user: 'alice', amount: 4 });
    const s = await store.status(team);
    assert.equal(s.timeZone, 'UTC');
    assert.deepEqual(s.month, { kind: 'month', start: '2026-11-01', spent: 2, reserved: 4, budget: 100, limit: 100, remaining: 94, resetsOn: '2026-12-01', thresholds: [{ threshold: 0.5, amount: 50, crossedAt: null }, { threshold: 0.8, amount: 80, crossedAt: null }] });
    assert.equal(s.day.remaining, 4);
    assert.deepEqual(s.day.thresholds.map((t) => t.crossedAt?.toISOString() ?? null), [clock.t.toISOString(), null]);
    assert.deepEqual(s.users, [{ user: 'bob', month: { kind: 'month', start: '2026-11-01', spent: 2, reserved: 0, budget: null, limit: null, remaining: null }, day: { kind: 'day', start: '2026-11-10', spent: 2, reserved: 0, budget: 4, limit: 4, remaining: 2 } }]);
    const none = await store.status(uniqueTeam());
    assert.equal(none.budget, null);
    assert.equal(none.month.limit, null);
  });
});
