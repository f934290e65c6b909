/**
 * A prepared statement keeps the engines its canary draws chose when it was described: the columns the
 * client was told come from that engine, and the two engines of a migration may type a column
 * differently. Only while the table is still in canary between the same engines: any other state change
 * (a rollback) applies to its next execution.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedTables } from '../../../src/catalog/served-tables.ts';
import type { Connector } from '../../../src/connectors/contract.ts';
import { QueryRouter, type RoutedQuery } from '../../../src/executor/query-router.ts';
import { silentLogger } from '../../../src/log/index.ts';
import type { TableMigration } from '../../../src/migration/index.ts';
import { EngineHealth } from '../../../src/planner/engine-health.ts';
import { OID } from '../../../src/pgtypes/oids.ts';

const connector = (name: string) =>
  ({ name, kind: 'duckdb', capabilities: { cancel: false, parameters: true, describe: true }, listTables: async () => [], health: async () => ({ ok: true }), close: async () => {} }) as unknown as Connector;

const columns = [{ name: 'id', typeOid: OID.int4, typeModifier: -1 }];
const served = new ServedTables([
  { engine: 'old', schema: 'lake', name: 'items', columns },
  { engine: 'new', schema: 'lake', name: 'items', columns },
]);

function migration(state: TableMigration['state'], canaryPercent = 50): TableMigration {
  return { schema: 'lake', name: 'items', oldEngine: 'old', newEngine: 'new', state, canaryPercent, canaryTeams: [], shadowSampleRate: 0, updatedAt: new Date(), updatedBy: 'admin' };
}

function router(current: { m: TableMigration }): QueryRouter {
  const connectors = [connector('old'), connector('new')];
  return new QueryRouter({
    connectors,
    served: () => served,
    health: new EngineHealth(connectors, silentLogger()),
    rules: [],
    maxRowsPerPart: 1000,
    migrations: { current: () => new Map([['lake.items', current.m]]) },
    logger: silentLogger(),
  });
}

const ctx = { user: 'alice', team: 'growth', application: '', sessionEngine: '' };
const SQL = 'SELECT id FROM lake.items';
const engineOf = (r: RoutedQuery) => (r.route.kind === 'single' ? r.route.engine : 'federated');

describe('canary choices of prepared statements', () => {
  it('executions keep the engine the statement was described on, whatever their own draw', () => {
    const current = { m: migration('canary', 50) };
    const r = router(current);
    for (let p = 0; p < 20; p++) {
      const parsed = r.route(SQL, ['public'], ctx, undefined, { queryId: `parse-${p}` });
      const chosen = engineOf(parsed);
      assert.deepEqual([...parsed.canaryChoices!], [['lake.items', chosen]]);
      for (let e = 0; e < 20; e++) {
        const executed = r.route(SQL, ['public'], ctx, [], { queryId: `exec-${p}-${e}`, canaryChoices: parsed.canaryChoices! });
        assert.equal(engineOf(executed), chosen);
      }
    }
  });

  it('without choices, executions draw for themselves (both engines are used at 50%)', () => {
    const r = router({ m: migration('canary', 50) });
    const seen = new Set<string>();
    for (let e = 0; e < 40; e++) seen.add(engineOf(r.route(SQL, ['public'], ctx, [], { queryId: `exec-${e}` })));
    assert.deepEqual([...seen].sort(), ['new', 'old']);
  });

  it('a rollback (or any state other than canary) applies to the next execution', () => {
    const current = { m: migration('canary', 100) };
    const r = router(current);
    const parsed = r.route(SQL, ['public'], ctx, undefined, { queryId: 'parse' });
    assert.equal(engineOf(parsed), 'new');
    current.m = migration('old-only');
    assert.equal(engineOf(r.route(SQL, ['public'], ctx, [], { queryId: 'exec', canaryChoices: parsed.canaryChoices! })), 'old');
    assert.equal(r.route(SQL, ['public'], ctx, [], { queryId: 'exec' }).canaryChoices, undefined, 'no canary, no choices');
  });
});
