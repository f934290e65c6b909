/**
 * The Vertica connector: tables of a Vertica database served through vertica-nodejs sessions
 * (see connector.ts and README.md).
 */
export { VerticaConnector } from './connector.ts';
export type { VerticaConnectorOptions, VerticaConnectionOptions, VerticaTableConfig, VerticaTlsOptions } from './options.ts';
export { verticaOptionsFromConfig } from './from-config.ts';
export { toVertica } from './dialect.ts';
export { labelFor, labelHint } from './sql.ts';
export { mapVerticaError } from './errors.ts';
export { servedType, VerticaOid } from './types.ts';
export { DRIVER_VERSION, VERTICA_TYPE_PARSERS } from './driver.ts';
export type { TableStorage, ColumnStorage, ProjectionStorage, TablePartitions, PartitionStats, QueryConsumption, ConsumptionKey } from './stats.ts';
