import type pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import { quoteIdentifier } from '../parser/index.ts';

/**
 * Every gateway user is a role of the same name in the catalog database, a member of this group, so
 * that catalog statements run with that user's identity (current_user, has_table_privilege, pg_roles)
 * and with no rights beyond reading the catalog. The name is reserved: no gateway user may have it.
 */
export const CATALOG_USERS_ROLE = 'tollgate_users';

/**
 * Defaults for every user role: catalog statements are reads, and a runaway one is stopped. Role
 * settings are not inherited through groups, so each user role gets them.
 */
const ROLE_SETTINGS: ReadonlyArray<readonly [string, string]> = [
  ['default_transaction_read_only', 'on'],
  ['statement_timeout', '60s'],
  ['idle_in_transaction_session_timeout', '10min'],
];

/**
 * Functions PostgreSQL grants to PUBLIC that write: large objects are the only objects a role without
 * CREATE or TEMP privileges could still make (and fill the metastore's disk with).
 */
const WRITING_FUNCTIONS = ['lo_create(oid)', 'lo_creat(integer)', 'lo_from_bytea(oid, bytea)', 'lo_import(text)', 'lo_import(text, oid)'];

/** Takes away what PUBLIC may do in the catalog database beyond reading it; idempotent. */
export async function lockDownCatalogDatabase(client: pg.ClientBase, database: string): Promise<void> {
  // GRANT/REVOKE take no bind parameters; the identifiers are quoted.
  await client.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`);
  await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  for (const fn of WRITING_FUNCTIONS) await client.query(`REVOKE EXECUTE ON FUNCTION pg_catalog.${fn} FROM PUBLIC`);
  const group = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [CATALOG_USERS_ROLE]);
  if (group.rowCount === 0) await client.query(`CREATE ROLE ${quoteIdentifier(CATALOG_USERS_ROLE)} NOLOGIN`);
}

/**
 * Makes the user roles match the configured users: creates the missing ones, drops those no longer
 * configured (they own nothing: the shell tables belong to the superuser). Users log in to the catalog
 * only through tollgate (the server listens on a private unix socket), so the roles have no password.
 */
export async function syncUserRoles(client: pg.ClientBase, users: readonly string[]): Promise<void> {
  const existing = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = $1`,
    [CATALOG_USERS_ROLE],
  );
  const have = new Set(existing.rows.map((r) => r.rolname));
  const want = new Set(users);
  for (const name of want) {
    const role = quoteIdentifier(name);
    if (!have.has(name)) {
      const taken = await client.query<{ rolsuper: boolean }>('SELECT rolsuper FROM pg_roles WHERE rolname = $1', [name]);
      if (taken.rows[0]?.rolsuper)
        throw new GatewayError('CONFIG_INVALID', `user name "${name}" is reserved by the metastore`, { hint: 'Rename the user in the config.' });
      if (taken.rowCount === 0) await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`);
      await client.query(`GRANT ${quoteIdentifier(CATALOG_USERS_ROLE)} TO ${role}`);
    }
    // SET takes no bind parameters: the setting names and values above are constants.
    for (const [setting, value] of ROLE_SETTINGS) await client.query(`ALTER ROLE ${role} SET ${setting} = '${value}'`);
  }
  for (const name of have) if (!want.has(name)) await client.query(`DROP ROLE ${quoteIdentifier(name)}`);
}
