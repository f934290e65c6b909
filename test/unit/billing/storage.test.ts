import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { dailyStorageCost, ownerOf, TIB } from '../../../src/billing/index.ts';

describe('storage charges', () => {
  it('the most specific owner wins; tables without one are nobody’s', () => {
    const owners = [
      { schema: 'lake', team: 'platform' },
      { schema: 'lake', table: 'searches', team: 'growth' },
    ];
    assert.equal(ownerOf(owners, 'lake', 'bookings'), 'platform');
    assert.equal(ownerOf(owners, 'lake', 'searches'), 'growth');
    assert.equal(ownerOf(owners, 'crm', 'customers'), undefined);
  });

  it('a day costs the month’s price divided by the days of that month', () => {
    assert.equal(dailyStorageCost(TIB, 31, new Date('2026-01-15T12:00:00Z')), 1);
    assert.equal(dailyStorageCost(TIB, 28, new Date('2026-02-01T00:00:00Z')), 1);
    assert.equal(dailyStorageCost(TIB / 2, 30, new Date('2026-11-26T00:00:00Z')), 0.5);
  });
});
