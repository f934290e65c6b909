/** Role names the metastore uses for itself, and those PostgreSQL does not allow for a role. */
export const RESERVED_USER_NAMES: ReadonlySet<string> = new Set(['tollgate_metastore', 'tollgate_users', 'public', 'none', 'current_user', 'session_user', 'current_role']);

/** Longest user or team name: PostgreSQL's identifier limit (NAMEDATALEN - 1), since each user is a role. */
export const MAX_NAME_LENGTH = 63;

/**
 * Why `name` cannot be a gateway user (each user is a role of the same name in the metastore and the
 * ledger's server), or null when it can. `alsoReserved`: role names of this deployment, such as the
 * external ledger's owner.
 */
export function reservedUserName(name: string, alsoReserved: readonly string[] = []): string | null {
  if (name.startsWith('pg_')) return `"${name}" is reserved: names starting with pg_ belong to PostgreSQL`;
  if (RESERVED_USER_NAMES.has(name)) return `"${name}" is reserved (${[...RESERVED_USER_NAMES].join(', ')})`;
  if (alsoReserved.includes(name)) return `"${name}" is reserved: it is the ledger's own role`;
  return null;
}
