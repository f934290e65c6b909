/**
 * Routes of statements no migration pins are kept with their analysis: the same statement in the same
 * context is routed once, and a change of who runs it, of tollgate.engine, of an engine's health or of
 * the served tables routes it again.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedTables } from '../../../src/catalog/served-tables.ts';
import type { Connector } from '../../../src/connectors/contract.ts';
import { QueryRouter, type RoutedQuery } from '../../../src/executor/query-router.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { EngineHealth } from '../../../src/planner/engine-health.ts';
import { OID } from '../../../src/pgtypes/oids.ts';

const connector = (name: string) =>
  ({ name, kind: 'duckdb', capabilities: { cancel: false, parameters: true, describe: true }, listTables: async () => [], health: async () => ({ ok: true }), close: async () => {} }) as unknown as Connector;

const columns = [{ name: 'id', typeOid: OID.int4, typeModifier: -1 }];
const both = new ServedTables([
  { engine: 'first', schema: 'lake', name: 'items', columns },
  { engine: 'second', schema: 'lake', name: 'items', columns },
]);
const secondOnly = new ServedTables([{ engine: 'second', schema: 'lake', name: 'items', columns }]);

const SQL = 'SELECT id FROM lake.items';
const ctx = { user: 'alice', team: 'growth', application: '', sessionEngine: '' };
const engineOf = (r: RoutedQuery) => (r.route.kind === 'single' ? r.route.engine : 'federated');

function setup() {
  const connectors = [connector('first'), connector('second')];
  const health = new EngineHealth(connectors, silentLogger());
  const current = { served: both };
  const router = new QueryRouter({
    connectors,
    served: () => current.served,
    health,
    // Analysts of team 'finance' prefer the second engine.
    rules: [{ engine: 'second', team: ['finance'], priority: 10 }],
    maxRowsPerPart: 1000,
    logger: silentLogger(),
  });
  return { router, health, current };
}

describe('query router: kept routes', () => {
  it('routes the same statement in the same context once', () => {
    const { router } = setup();
    const a = router.route(SQL, ['public'], ctx);
    const b = router.route(SQL, ['public'], { ...ctx });
    assert.equal(engineOf(a), 'first');
    assert.equal(a.route, b.route, 'the kept route object');
  });

  it('routes again for another team, another tollgate.engine, and after a health change', () => {
    const { router, health } = setup();
    assert.equal(engineOf(router.route(SQL, ['public'], ctx)), 'first');
    assert.equal(engineOf(router.route(SQL, ['public'], { ...ctx, team: 'finance' })), 'second', 'a rule for the team');
    assert.equal(engineOf(router.route(SQL, ['public'], { ...ctx, sessionEngine: 'second' })), 'second', 'SET tollgate.engine');
    health.markDown('first', 'unreachable');
    assert.equal(engineOf(router.route(SQL, ['public'], ctx)), 'second', 'the engine that went down is avoided at once');
  });

  it('routes again when the served tables change', () => {
    const { router, current } = setup();
    assert.equal(engineOf(router.route(SQL, ['public'], ctx)), 'first');
    current.served = secondOnly;
    assert.equal(engineOf(router.route(SQL, ['public'], ctx)), 'second');
  });
});
