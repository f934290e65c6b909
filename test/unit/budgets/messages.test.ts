import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { budgetExceededError, thresholdMessage } from '../../../src/budgets/refusal.ts';
import type { ReserveRefused } from '../../../src/budgets/types.ts';
import { thresholdPayload } from '../../../src/budgets/webhook.ts';

const refusal: ReserveRefused = {
  ok: false,
  reason: 'team_month',
  team: 'growth',
  user: 'alice',
  amount: 3.4,
  remaining: 1.2,
  limit: 200,
  budget: 200,
  period: { kind: 'month', start: '2026-11-01' },
  overrideRejected: false,
};

describe('budget messages', () => {
  it('a refusal names the team, the estimate, what is left and who to ask (SQLSTATE 53400)', () => {
    const e = budgetExceededError(refusal, { currency: 'USD', timeZone: 'Europe/Berlin' });
    assert.equal(e.message, 'query refused: team growth has $1.20 left of its $200.00 monthly budget and this query is estimated at $3.40; ask a tollgate admin for an override or a higher budget');
    assert.equal(e.detail, 'The monthly period started 2026-11-01 and resets on 2026-12-01 (Europe/Berlin).');
    assert.deepEqual([e.code, e.sqlstate, e.kind, e.refused], ['BUDGET_EXCEEDED', '53400', 'resources', true]);
  });

  it('says the hard limit when it is not the budget, and speaks of caps for users', () => {
    assert.match(budgetExceededError({ ...refusal, limit: 220, remaining: 0 }, { currency: 'EUR' }).message, /has €0\.00 left of its €200\.00 \(hard limit €220\.00\) monthly budget/);
    const user = budgetExceededError({ ...refusal, reason: 'user_day', budget: 5, limit: 5, remaining: 0.004, period: { kind: 'day', start: '2026-11-26' } }, { currency: 'USD', contact: 'the data platform team' });
    assert.equal(user.message, 'query refused: user alice has $0.004 left of their $5.00 daily cap in team growth and this query is estimated at $3.40; ask the data platform team for an override or a higher cap');
    assert.match(user.detail!, /resets on 2026-11-27\.$/);
  });

  it('a crossed threshold reads as a notice', () => {
    const text = thresholdMessage(
      { team: 'growth', period: { kind: 'day', start: '2026-11-26' }, threshold: 0.8, budget: 20, committed: 16.5, crossedAt: new Date(), webhookUrl: null },
      { currency: 'USD' },
    );
    assert.equal(text, 'team growth has used 80% of its $20.00 daily budget ($16.50 spent or reserved, period started 2026-11-26)');
  });

  it('a crossed threshold has a webhook payload', () => {
    const c = { team: 'growth', period: { kind: 'month' as const, start: '2026-11-01' }, threshold: 0.5, budget: 200, committed: 101, crossedAt: new Date('2026-11-10T12:00:00Z'), webhookUrl: 'https://x' };
    assert.deepEqual(thresholdPayload(c), { type: 'budget.threshold_crossed', team: 'growth', period: { kind: 'month', start: '2026-11-01' }, threshold: 0.5, budget: 200, committed: 101, crossedAt: '2026-11-10T12:00:00.000Z' });
  });
});
