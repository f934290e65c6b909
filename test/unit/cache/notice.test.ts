import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hitNotice } from '../../../src/cache/index.ts';

describe('hitNotice', () => {
  it('says what the hit saved, for which team, and how old the result is; any change gives the new text', () => {
    const cases: Array<[number, string, string, number, string]> = [
      [0.0076, 'growth', 'USD', 3 * 60_000, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 3 min ago)'],
      [0.0076, 'growth', 'USD', 3 * 60_000 + 200, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 3 min ago)'],
      [0.0076, 'growth', 'USD', 1_400, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 1 s ago)'],
      [0.0076, 'growth', 'USD', 1_600, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 2 s ago)'],
      [0.0076, 'pricing', 'USD', 1_600, 'tollgate: cache hit, ~$0.0076 saved for team pricing (cached 2 s ago)'],
      [0.5, 'pricing', 'USD', 1_600, 'tollgate: cache hit, ~$0.50 saved for team pricing (cached 2 s ago)'],
      [0.5, 'pricing', 'EUR', 1_600, 'tollgate: cache hit, ~€0.50 saved for team pricing (cached 2 s ago)'],
      [0.0076, 'growth', 'USD', 1_600, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 2 s ago)'],
      [0.0076, 'growth', 'USD', 2 * 86_400_000, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 2 d ago)'],
      [0.0076, 'growth', 'USD', -50, 'tollgate: cache hit, ~$0.0076 saved for team growth (cached 0 s ago)'],
    ];
    for (const [saved, team, currency, ageMs, expected] of cases) assert.equal(hitNotice(saved, team, currency, ageMs), expected, `${saved} ${team} ${currency} ${ageMs}`);
  });
});
