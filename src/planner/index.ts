/** planner/: where a statement runs (routing, federation, engine health) and in which dialect. */
export { toDuckDB, dependsOnValues } from './duckdb-dialect.ts';
export { chooseRoute, type Route, type RouteContext, type RoutingRule, type RoutingInput, type TableName } from './routing.ts';
export { planFederation, type FederatedPart, type FederationPlan, type FederationInput } from './federation.ts';
export { loadsAsIs, queryPartColumns, withoutPadding } from './part-columns.ts';
export { EngineHealth } from './engine-health.ts';
