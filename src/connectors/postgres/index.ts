/**
 * The PostgreSQL connector: tables of a PostgreSQL server served through a pool of read-only sessions
 * (see connector.ts and README.md).
 */
export { PostgresConnector, BATCH_ROWS } from './connector.ts';
export type { PostgresConnectorOptions, PostgresConnectionOptions, PostgresTableConfig } from './options.ts';
export { postgresConnectionFromConfig, postgresOptionsFromConfig } from './from-config.ts';
export { mapPgError } from './errors.ts';
export { servedType } from './types.ts';
