/**
 * ledger/: what clients ran and what it cost. Kept in PostgreSQL (the embedded metastore by default),
 * in its own database so catalog clients never see it.
 */
export { StatementLog, type StatementKind, type StatementRecord, type StatementStatus, type StatementLogOptions } from './statement-log.ts';
export { migrateLedger } from './schema.ts';
export { fingerprint, normalizeStatement } from './fingerprint.ts';
export { statementTags, metabaseTags, type StatementTags } from './tags.ts';
export { LedgerConnector, LEDGER_ENGINE } from './ledger-connector.ts';
export { syncLedgerUsers } from './schema.ts';
export { embeddedLedgerAccess, externalLedgerAccess, type LedgerAccess, type LedgerConnection } from './access.ts';
export { LedgerChangeListener, type ChangeListenerOptions } from './change-listener.ts';
