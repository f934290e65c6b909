/** planner/: routing and dialect translation. Today: the DuckDB dialect's targeted rewrites. */
export { toDuckDB, dependsOnValues } from './duckdb-dialect.ts';
