import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServedTables } from '../../../src/catalog/served-tables.ts';
import type { CacheCandidate } from '../../../src/cache/index.ts';
import { RepeatedStatement, type RepeatState } from '../../../src/executor/repeated-statement.ts';
import type { RoutedQuery } from '../../../src/executor/query-router.ts';

const served = {} as ServedTables;
const state: RepeatState = { settings: 1, served, health: 0, team: 'growth' };
const routed = (sql: string) => ({ sql }) as unknown as RoutedQuery;
const candidate = (sql: string): CacheCandidate => ({ sql, params: [], tables: [], engines: 'lake', team: 'growth', settings: [] });

describe('RepeatedStatement', () => {
  it("gives back the last statement's route only for the same text in the same state", () => {
    const memo = new RepeatedStatement();
    const r = routed('SELECT 1');
    assert.equal(memo.routed('SELECT 1', state), undefined, 'nothing yet');
    memo.remember('SELECT 1', state, r);
    assert.equal(memo.routed('SELECT 1', { ...state }), r);
    assert.equal(memo.routed('SELECT 2', state), undefined);
    for (const changed of [{ settings: 2 }, { served: {} as ServedTables }, { health: 1 }, { team: 'pricing' }])
      assert.equal(memo.routed('SELECT 1', { ...state, ...changed }), undefined, `after a change of ${Object.keys(changed)[0]}`);
    memo.remember('SELECT 2', state, routed('SELECT 2'));
    assert.equal(memo.routed('SELECT 1', state), undefined, 'only the last statement is kept');
  });

  it('keeps the cache candidate with the route it was made for, and makes a new one for any other', () => {
    const memo = new RepeatedStatement();
    const r = routed('SELECT 1');
    memo.remember('SELECT 1', state, r);
    let made = 0;
    const make = () => (made++, candidate('SELECT 1'));
    const first = memo.candidate(r, make);
    assert.equal(memo.candidate(r, make), first);
    assert.equal(made, 1);
    assert.notEqual(memo.candidate(routed('SELECT 1'), make), first, 'a route made afresh (Parse, a state change) gets its own');
    memo.remember('SELECT 1', state, routed('SELECT 1'));
    assert.notEqual(memo.candidate(r, make), first);
    assert.equal(made, 3);
  });
});
