import type { QueryContext } from '../connectors/contract.ts';
import type { ShadowRunner, TableMigration } from '../migration/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type { RouteContext } from '../planner/index.ts';
import { priceEstimate, type CostPolicy } from './costing.ts';
import type { Compile, QueryRouter, RoutedQuery } from './query-router.ts';

export interface ShadowRequest {
  sql: string;
  params: readonly PgValue[];
  paramTypes: readonly number[];
  searchPath: readonly string[];
  route: RouteContext;
  /** The client's statement's context; the shadow sides run under derived query ids. */
  query: QueryContext;
  compile: Compile;
  tables: TableMigration[];
}

/**
 * Hands a sampled statement to the shadow runner: each side is the same statement routed with the
 * migrating tables pinned to that side's engine, estimated and priced like any query (the cost is
 * recorded with the comparison, as the platform's; nothing is held against a team budget or written to
 * the team's ledger rows).
 */
export function submitShadow(deps: { router: QueryRouter; runner: ShadowRunner; billing?: CostPolicy | undefined }, req: ShadowRequest): void {
  deps.runner.submit({
    statement: req.sql,
    tables: req.tables,
    open: async (side, signal) => {
      const pins = new Map(req.tables.map((t) => [`${t.schema}.${t.name}`.toLowerCase(), { engine: side === 'old' ? t.oldEngine : t.newEngine, why: `shadow run on the ${side} engine` }] as const));
      const routed: RoutedQuery = deps.router.route(req.sql, req.searchPath, req.route, req.params, { pins });
      let estimatedBytes: number | null = null;
      let cost: number | null = null;
      if (deps.billing) {
        const costing = priceEstimate(await deps.router.estimate(routed), deps.billing);
        estimatedBytes = costing.charge.estimatedBytes;
        cost = costing.charge.cost;
      }
      const stream = await deps.router.execute(routed, req.compile, req.params, req.paramTypes, signal, { ...req.query, queryId: `${req.query.queryId}-shadow-${side}` });
      return { engine: deps.router.enginesOf(routed), columns: stream.columns, batches: stream, close: () => stream.close(), estimatedBytes, cost };
    },
  });
}
