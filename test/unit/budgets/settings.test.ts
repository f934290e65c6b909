import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { normalizeBudget } from '../../../src/budgets/settings.ts';
import type { BudgetInput } from '../../../src/budgets/types.ts';

describe('budget settings', () => {
  it('fill in defaults', () => {
    assert.deepEqual(normalizeBudget({ monthly: 200 }), { monthly: 200, daily: null, softThresholds: [0.5, 0.8], hardLimit: 1, userCaps: {}, webhookUrl: null });
  });

  it('sort and dedupe thresholds, drop empty caps, normalise the webhook URL', () => {
    const s = normalizeBudget({ monthly: 0, softThresholds: [0.9, 0.25, 0.9], userCaps: { a: { monthly: null, daily: null }, b: { monthly: 3, daily: null } }, webhookUrl: 'HTTPS://Hooks.example.com/x' });
    assert.deepEqual(s.softThresholds, [0.25, 0.9]);
    assert.deepEqual(s.userCaps, { b: { monthly: 3, daily: null } });
    assert.equal(s.webhookUrl, 'https://hooks.example.com/x');
    assert.deepEqual(normalizeBudget({ monthly: 1, softThresholds: [] }).softThresholds, []);
  });

  it('name the bad field', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ monthly: -1 }, /monthly must be an amount/],
      [{ monthly: Infinity }, /monthly must be an amount/],
      [{}, /monthly is required/],
      [{ monthly: 1, daily: 'x' }, /daily must be an amount/],
      [{ monthly: 1, hardLimit: 11 }, /hardLimit/],
      [{ monthly: 1, softThresholds: 'x' }, /softThresholds must be a list/],
      [{ monthly: 1, softThresholds: [0, 0.5] }, /each soft threshold/],
      [{ monthly: 1, userCaps: [] }, /userCaps must map/],
      [{ monthly: 1, userCaps: { bob: 5 } }, /the cap of bob must be an object/],
      [{ monthly: 1, webhookUrl: 'ftp://x' }, /http or https/],
      [null, /must be an object/],
    ];
    for (const [input, message] of cases) {
      assert.throws(() => normalizeBudget(input as BudgetInput), (e: { code?: string; message: string }) => e.code === 'INVALID_PARAMETER_VALUE' && message.test(e.message), JSON.stringify(input));
    }
  });
});
