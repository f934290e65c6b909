import { createHmac } from 'node:crypto';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import { lockDownDatabase, syncUserRoles } from '../metastore/index.ts';
import { createScramVerifier } from '../wire/index.ts';

/** What pg and the PostgreSQL connector need to log in to the ledger's server. */
export interface LedgerConnection {
  host: string;
  port: number;
  database: string;
  user: string;
  password: string;
  ssl?: boolean | ConnectionOptions;
}

/**
 * How tollgate reaches its ledger: as the ledger's owner (migrations, records, user sync) and as each
 * gateway user's own role (their reads of the tollgate.* views, filtered by PostgreSQL on current_user).
 * The embedded metastore and an external PostgreSQL differ only here; the SQL is the same.
 */
export interface LedgerAccess {
  /** Where the ledger lives, for logs and messages (no secrets). */
  readonly where: string;
  readonly owner: LedgerConnection;
  forUser(name: string): LedgerConnection;
  /** Makes a login role exist for each user, able to read the views and nothing else. */
  prepareRoles(users: readonly string[]): Promise<void>;
}

/**
 * The embedded metastore: the owner is its superuser, reached on the private unix socket without a
 * password, and the user roles are the catalog's own (roles belong to the whole server).
 */
export function embeddedLedgerAccess(server: { socketDir: string; port: number; user: string; ledgerDatabase: string }): LedgerAccess {
  const base = { host: server.socketDir, port: server.port, database: server.ledgerDatabase, password: '' };
  return {
    where: `the embedded PostgreSQL (database ${server.ledgerDatabase})`,
    owner: { ...base, user: server.user },
    forUser: (name) => ({ ...base, user: name }),
    // The roles are the catalog's; the ledger database is locked down like the catalog's.
    prepareRoles: async () => {
      const client = new pg.Client({ ...base, user: server.user });
      await client.connect();
      try {
        await lockDownDatabase(client, server.ledgerDatabase);
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/**
 * An external PostgreSQL, shared by several gateway instances. The configured owner needs CREATEROLE:
 * each gateway user gets a LOGIN role of the same name whose password is derived from the owner's
 * password (HMAC), so every instance with the same config computes the same password without storing
 * one, and nobody without the owner's password can log in as a user role.
 */
export function externalLedgerAccess(owner: LedgerConnection): LedgerAccess {
  const passwordOf = (name: string): string => createHmac('sha256', owner.password).update(`tollgate ledger role\u0000${name}`).digest('base64url');
  return {
    where: `PostgreSQL at ${owner.host}:${owner.port} (database ${owner.database})`,
    owner,
    forUser: (name) => ({ ...owner, user: name, password: passwordOf(name) }),
    prepareRoles: async (users) => {
      const client = new pg.Client(owner);
      await client.connect();
      try {
        await client.query('BEGIN');
        // Roles are shared by every database of the server, and other deployments may use them: keep
        // roles of users this config no longer has (they see no rows: ledger.users no longer lists them).
        await syncUserRoles(client, users, { verifier: (name) => createScramVerifier(passwordOf(name)), dropUnlisted: false });
        await lockDownDatabase(client, owner.database, { functions: false });
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}
