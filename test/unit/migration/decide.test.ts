import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideMigration, type TableMigration } from '../../../src/migration/index.ts';

const migration = (over: Partial<TableMigration>): TableMigration => ({
  schema: 'lake',
  name: 'hotels',
  oldEngine: 'old',
  newEngine: 'new',
  state: 'old-only',
  canaryPercent: 0,
  canaryTeams: [],
  shadowSampleRate: 1,
  updatedAt: new Date(0),
  updatedBy: 'admin',
  ...over,
});
const tables = [{ schema: 'lake', name: 'hotels' }];
const decide = (m: TableMigration, team = 'growth', queryId = 'q1') => decideMigration(tables, new Map([['lake.hotels', m]]), { team, queryId });

describe('migration decisions', () => {
  it('old-only and new-only pin the table; shadow answers from the old engine and samples', () => {
    assert.equal(decide(migration({ state: 'old-only' })).pins.get('lake.hotels')!.engine, 'old');
    assert.equal(decide(migration({ state: 'new-only' })).pins.get('lake.hotels')!.engine, 'new');
    const shadow = decide(migration({ state: 'shadow', shadowSampleRate: 1 }));
    assert.equal(shadow.pins.get('lake.hotels')!.engine, 'old');
    assert.equal(shadow.shadow.length, 1);
    assert.equal(decide(migration({ state: 'shadow', shadowSampleRate: 0 })).shadow.length, 0);
  });

  it('canary: the chosen teams always get the new engine; others by the percentage, stable per query', () => {
    const m = migration({ state: 'canary', canaryPercent: 0, canaryTeams: ['ml'] });
    assert.equal(decide(m, 'ml').pins.get('lake.hotels')!.engine, 'new');
    assert.equal(decide(m, 'growth').pins.get('lake.hotels')!.engine, 'old');
    const c = migration({ state: 'canary', canaryPercent: 30 });
    assert.equal(decide(c, 'growth', 'same').pins.get('lake.hotels')!.engine, decide(c, 'growth', 'same').pins.get('lake.hotels')!.engine);
  });

  it('canary percentages are respected over many queries (20% of 10,000 within 2 points)', () => {
    const m = migration({ state: 'canary', canaryPercent: 20 });
    let toNew = 0;
    for (let i = 0; i < 10_000; i++) if (decide(m, 'growth', `query-${i}`).pins.get('lake.hotels')!.engine === 'new') toNew++;
    assert.ok(Math.abs(toNew / 10_000 - 0.2) < 0.02, `${toNew} of 10,000 went to the new engine`);
  });

  it('shadow sampling follows the rate', () => {
    const m = migration({ state: 'shadow', shadowSampleRate: 0.1 });
    let sampled = 0;
    for (let i = 0; i < 10_000; i++) if (decide(m, 'growth', `query-${i}`).shadow.length > 0) sampled++;
    assert.ok(Math.abs(sampled / 10_000 - 0.1) < 0.015, `${sampled} of 10,000 sampled`);
  });

  it('tables without a migration are left to routing', () => {
    const d = decideMigration([{ schema: 'lake', name: 'bookings' }], new Map([['lake.hotels', migration({})]]), { team: 't', queryId: 'q' });
    assert.equal(d.pins.size, 0);
  });
});
