/**
 * ledger/: what clients ran and, from issue 6 on, what it cost. Kept in PostgreSQL (the embedded
 * metastore by default), in its own database so catalog clients never see it.
 */
export { StatementLog, type StatementKind, type StatementRecord, type StatementStatus, type StatementLogOptions } from './statement-log.ts';
export { migrateLedger } from './schema.ts';
