import type pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import { quoteIdentifier, quoteLiteral } from '../parser/index.ts';

/**
 * Every gateway user is a role of the same name in the metastore, a member of this group, so that
 * catalog statements and ledger reads run with that user's identity (current_user, has_table_privilege,
 * pg_roles) and with no rights beyond reading. The name is reserved: no gateway user may have it.
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

/**
 * Takes away what PUBLIC may do in one of the metastore's databases beyond reading it; idempotent.
 * Revoking the large-object functions needs a superuser (the embedded server's); on an external server
 * the READ ONLY transaction every user statement runs in refuses them instead.
 */
export async function lockDownDatabase(client: pg.ClientBase, database: string, opts: { functions: boolean } = { functions: true }): Promise<void> {
  // GRANT/REVOKE take no bind parameters; the identifiers are quoted.
  await client.query(`REVOKE CREATE, TEMPORARY ON DATABASE ${quoteIdentifier(database)} FROM PUBLIC`);
  await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
  if (opts.functions) for (const fn of WRITING_FUNCTIONS) await client.query(`REVOKE EXECUTE ON FUNCTION pg_catalog.${fn} FROM PUBLIC`);
}

export interface SyncUserRolesOptions {
  /**
   * The SCRAM verifier of each role's password, for a server reached over TCP (the external ledger).
   * Without it the roles have no password: the embedded server is reached only on its private socket.
   */
  verifier?: (user: string) => string;
  /**
   * Drop the roles of users no longer configured (default). Off on a shared external server, where
   * another tollgate deployment may still use them; a removed user's role sees nothing there anyway,
   * since the ledger's views show rows only to the users in ledger.users.
   */
  dropUnlisted?: boolean;
}

/**
 * An arbitrary constant naming the role sync among the server's advisory locks (instances may start
 * together). Whatever else changes a database's or the roles' privileges takes it too (ledger/schema.ts
 * syncLedgerUsers): PostgreSQL refuses two concurrent updates of one catalog row ("tuple concurrently
 * updated"), so two instances starting on one external ledger could fail each other's start.
 */
export const ROLE_SYNC_LOCK = 7_361_482_904;

/**
 * Makes the user roles match the configured users: creates the missing ones and, by default, drops
 * those no longer configured (they own nothing: the shell tables belong to the superuser). A name
 * already taken by a role tollgate does not manage is refused, never taken over. Runs inside the
 * caller's transaction.
 */
export async function syncUserRoles(client: pg.ClientBase, users: readonly string[], opts: SyncUserRolesOptions = {}): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1)', [ROLE_SYNC_LOCK]);
  const group = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [CATALOG_USERS_ROLE]);
  if (group.rowCount === 0) await client.query(`CREATE ROLE ${quoteIdentifier(CATALOG_USERS_ROLE)} NOLOGIN`);
  const existing = await client.query<{ rolname: string }>(
    `SELECT r.rolname FROM pg_roles r JOIN pg_auth_members m ON m.member = r.oid JOIN pg_roles g ON g.oid = m.roleid WHERE g.rolname = $1`,
    [CATALOG_USERS_ROLE],
  );
  const have = new Set(existing.rows.map((r) => r.rolname));
  const want = new Set(users);
  for (const name of want) {
    const role = quoteIdentifier(name);
    if (!have.has(name)) {
      const taken = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (taken.rowCount !== 0)
        throw new GatewayError('CONFIG_INVALID', `user name "${name}" is taken by a role of the metastore's PostgreSQL that tollgate does not manage`, {
          hint: 'Rename the user in the config, or drop that role on the server.',
        });
      await client.query(`CREATE ROLE ${role} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION`);
      await client.query(`GRANT ${quoteIdentifier(CATALOG_USERS_ROLE)} TO ${role}`);
    }
    // DDL takes no bind parameters. The verifier is our own SCRAM string (base64, '$' and ':'), quoted as
    // a literal; the server stores it as given, so the password itself never travels or reaches its log.
    if (opts.verifier) await client.query(`ALTER ROLE ${role} LOGIN PASSWORD ${quoteLiteral(opts.verifier(name))}`);
    // The setting names and values above are constants.
    for (const [setting, value] of ROLE_SETTINGS) await client.query(`ALTER ROLE ${role} SET ${setting} = '${value}'`);
  }
  if (opts.dropUnlisted ?? true) for (const name of have) if (!want.has(name)) await client.query(`DROP ROLE ${quoteIdentifier(name)}`);
}
