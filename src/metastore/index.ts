/**
 * metastore/: the PostgreSQL that holds tollgate's own state: the shadow catalog and, by default, the
 * ledger. Always embedded for the catalog (a per-instance mirror of what that instance serves); the
 * ledger may live on an external server shared by several instances (see ledger/access.ts).
 */
export { METASTORE_SUPERUSER, startEmbeddedPostgres, type EmbeddedPostgres, type EmbeddedPostgresOptions } from './embedded-postgres.ts';
export { CATALOG_USERS_ROLE, lockDownDatabase, ROLE_SYNC_LOCK, syncUserRoles, type SyncUserRolesOptions } from './roles.ts';
