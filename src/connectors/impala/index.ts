/**
 * The Impala connector: tables of an Impala cluster served over HiveServer2 (see connector.ts and
 * README.md), with the PostgreSQL → Impala dialect, parameter inlining and statistics parsers.
 */
export { ImpalaConnector } from './connector.ts';
export { BATCH_ROWS, DEFAULT_PORT } from './options.ts';
export type { ImpalaConnectorOptions, ImpalaConnectionOptions, ImpalaTableConfig } from './options.ts';
export { impalaOptionsFromConfig } from './from-config.ts';
export { toImpala, impalaType } from './dialect.ts';
export { inlineParams, impalaLiteral, impalaString, identityComment, guardStatement, scanImpala } from './sql.ts';
export { mapImpalaError, impalaStatementError } from './errors.ts';
export { servedTypeOfEntry, servedTypeOfName } from './types.ts';
export {
  parseExplain,
  parseTableStats,
  parseColumnStats,
  parseSize,
  parseCount,
  type ExplainEstimate,
  type ExplainScan,
  type TableStats,
  type PartitionStats,
  type ColumnStats,
} from './stats.ts';
