/**
 * QueryRouter keeps descriptions of single-engine statements for engines that declare
 * describeFollowsDataVersion, by the data version of every table read: a repeated Parse costs no
 * describe, a new version (or none) describes again, and other engines are always asked.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ServedTables } from '../../../src/catalog/served-tables.ts';
import type { Capabilities, CompiledQuery, Connector, DescribeResult, TableRef } from '../../../src/connectors/contract.ts';
import { QueryRouter } from '../../../src/executor/query-router.ts';
import { silentLogger } from '../../../src/log/index.ts';
import { EngineHealth } from '../../../src/planner/engine-health.ts';
import { OID } from '../../../src/pgtypes/oids.ts';

/** A connector that counts describes and answers dataVersion from a map the test changes. */
function fakeConnector(name: string, capabilities: Capabilities, versions: Map<string, string> | null) {
  const described: string[] = [];
  const connector = {
    name,
    kind: 'duckdb',
    capabilities,
    listTables: async () => [],
    describe: async (q: CompiledQuery): Promise<DescribeResult> => {
      described.push(q.sql);
      return { params: [], columns: [{ name: 'id', typeOid: OID.int4, typeModifier: -1 }] };
    },
    execute: async () => {
      throw new Error('not in this test');
    },
    health: async () => ({ ok: true }),
    close: async () => {},
    ...(versions && {
      dataVersion: async (tables: readonly TableRef[]) => {
        const out = new Map<string, string>();
        for (const t of tables) {
          const v = versions.get(`${t.schema}.${t.name}`);
          if (v !== undefined) out.set(`${t.schema}.${t.name}`, v);
        }
        return out;
      },
    }),
  } as unknown as Connector;
  return { connector, described };
}

function routerOver(connector: Connector): QueryRouter {
  const served = new ServedTables([{ engine: connector.name, schema: 'lake', name: 'items', columns: [{ name: 'id', typeOid: OID.int4, typeModifier: -1 }] }]);
  return new QueryRouter({ connectors: [connector], served: () => served, health: new EngineHealth([connector], silentLogger()), rules: [], maxRowsPerPart: 1000, logger: silentLogger() });
}

const context = { user: 'alice', team: 'growth', application: '', sessionEngine: '' };
const compile = (_kind: string, sql: string) => sql;
const describeOnce = (router: QueryRouter, sql: string, paramTypes: number[] = []) =>
  router.describe(router.route(sql, ['public'], context), compile, paramTypes, { queryId: 'q', user: 'alice', team: 'growth' });

describe('QueryRouter descriptions', () => {
  const follows: Capabilities = { cancel: true, parameters: true, describe: true, describeFollowsDataVersion: true };

  it('are reused while the data versions stay the same, and asked again when one changes', async () => {
    const versions = new Map([['lake.items', 'v1']]);
    const { connector, described } = fakeConnector('duck', follows, versions);
    const router = routerOver(connector);
    const sql = 'SELECT id FROM lake.items WHERE id > 3';
    await describeOnce(router, sql);
    await describeOnce(router, sql);
    assert.equal(described.length, 1);
    versions.set('lake.items', 'v2');
    await describeOnce(router, sql);
    await describeOnce(router, sql);
    assert.equal(described.length, 2);
  });

  it('are kept apart by parameter types and by text', async () => {
    const { connector, described } = fakeConnector('duck', follows, new Map([['lake.items', 'v1']]));
    const router = routerOver(connector);
    await describeOnce(router, 'SELECT id FROM lake.items WHERE id = $1', [OID.int4]);
    await describeOnce(router, 'SELECT id FROM lake.items WHERE id = $1', [OID.int8]);
    await describeOnce(router, 'SELECT id FROM lake.items WHERE id = $1', [OID.int4]);
    await describeOnce(router, 'SELECT id AS other FROM lake.items WHERE id = $1', [OID.int4]);
    assert.equal(described.length, 3);
  });

  it('are not kept while a table has no trustworthy version', async () => {
    const { connector, described } = fakeConnector('duck', follows, new Map());
    const router = routerOver(connector);
    for (let i = 0; i < 3; i++) await describeOnce(router, 'SELECT id FROM lake.items');
    assert.equal(described.length, 3);
  });

  it('are not kept for engines that do not declare describeFollowsDataVersion', async () => {
    const { connector, described } = fakeConnector('pg', { cancel: true, parameters: true, describe: true }, new Map([['lake.items', 'v1']]));
    const router = routerOver(connector);
    for (let i = 0; i < 3; i++) await describeOnce(router, 'SELECT id FROM lake.items');
    assert.equal(described.length, 3);
  });
});
