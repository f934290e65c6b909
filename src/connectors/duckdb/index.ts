/**
 * The DuckDB connector: Parquet lake tables served by an in-memory DuckDB (see connector.ts), with
 * the helpers other layers may reuse (type mapping, error mapping, SQL quoting).
 */
export { DuckDBConnector } from './connector.ts';
export { duckColumnType, type InputLimits, type InputRelation } from './inputs.ts';
export type { DuckDBConnectorOptions, DuckDBTableConfig } from './options.ts';
export { pgTypeOf, numericTypmod, type PgTypeInfo } from './types.ts';
export { mapDuckDBError, parseDuckDBMessage, type ParsedDuckDBError } from './errors.ts';
export { quoteIdent, quoteLiteral } from './sql.ts';
export { NONZERO_MACRO } from './setup.ts';
