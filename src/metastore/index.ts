/**
 * metastore/: the one PostgreSQL that holds tollgate's own state (shadow catalog now; ledger, budgets,
 * users and audit log next). Embedded by default; an external server in production.
 */
export { METASTORE_SUPERUSER, startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.ts';
