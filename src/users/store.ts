import type pg from 'pg';
import { inTransaction } from '../budgets/index.ts';
import { GatewayError } from '../errors/index.ts';

/** NOTIFY channel of team and user changes: every instance on the ledger reloads its directory. */
export const DIRECTORY_CHANNEL = 'tollgate_directory';

export type Role = 'analyst' | 'admin';

export interface ManagedTeam {
  name: string;
  description: string | null;
  createdAt: Date;
  createdBy: string;
}

export interface ManagedUser {
  name: string;
  team: string;
  role: Role;
  scramVerifier: string;
  disabled: boolean;
  createdAt: Date;
  createdBy: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface ManagedDirectory {
  teams: ManagedTeam[];
  users: ManagedUser[];
}

/** Who changes something, and when. */
export interface Change {
  actor: string;
  now: Date;
}

interface TeamRow {
  name: string;
  description: string | null;
  created_at: Date;
  created_by: string;
}

interface UserRow {
  name: string;
  team: string;
  role: Role;
  scram_verifier: string;
  disabled: boolean;
  created_at: Date;
  created_by: string;
  updated_at: Date;
  updated_by: string;
}

const TEAM_COLUMNS = 'name, description, created_at, created_by';
const USER_COLUMNS = 'name, team, role, scram_verifier, disabled, created_at, created_by, updated_at, updated_by';

function teamOf(r: TeamRow): ManagedTeam {
  return { name: r.name, description: r.description, createdAt: r.created_at, createdBy: r.created_by };
}

function userOf(r: UserRow): ManagedUser {
  return {
    name: r.name,
    team: r.team,
    role: r.role,
    scramVerifier: r.scram_verifier,
    disabled: r.disabled,
    createdAt: r.created_at,
    createdBy: r.created_by,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

/** What the audit log keeps of a user: never the verifier. */
function userAudit(u: ManagedUser): Record<string, unknown> {
  return { team: u.team, role: u.role, disabled: u.disabled };
}

const UNIQUE_VIOLATION = '23505';

/**
 * Teams and users managed through the admin API, in the ledger (migration 10). Each change is one
 * transaction that also writes its audit row (ledger.directory_changes), keeps ledger.users (who sees
 * which team's rows through the tollgate.* views) in step, and NOTIFYs the other instances.
 */
export class DirectoryStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(): Promise<ManagedDirectory> {
    const teams = await this.pool.query<TeamRow>(`SELECT ${TEAM_COLUMNS} FROM ledger.managed_teams ORDER BY name`);
    const users = await this.pool.query<UserRow>(`SELECT ${USER_COLUMNS} FROM ledger.managed_users ORDER BY name`);
    return { teams: teams.rows.map(teamOf), users: users.rows.map(userOf) };
  }

  async createTeam(team: { name: string; description: string | null }, change: Change): Promise<ManagedTeam> {
    return this.write(async (client) => {
      const r = await client.query<TeamRow>(
        `INSERT INTO ledger.managed_teams (name, description, created_at, created_by) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name) DO NOTHING RETURNING ${TEAM_COLUMNS}`,
        [team.name, team.description, change.now, change.actor],
      );
      if (r.rowCount === 0) throw new GatewayError('DUPLICATE_OBJECT', `team "${team.name}" already exists`);
      await audit(client, change, 'team', team.name, 'created', { description: team.description });
      return teamOf(r.rows[0]!);
    });
  }

  /** null: no such team in the ledger. */
  async updateTeam(name: string, patch: { description: string | null }, change: Change): Promise<ManagedTeam | null> {
    return this.write(async (client) => {
      const r = await client.query<TeamRow>(`UPDATE ledger.managed_teams SET description = $2 WHERE name = $1 RETURNING ${TEAM_COLUMNS}`, [name, patch.description]);
      if (r.rowCount === 0) return null;
      await audit(client, change, 'team', name, 'updated', { description: patch.description });
      return teamOf(r.rows[0]!);
    });
  }

  /** 'missing': no such team in the ledger; 'in-use': a ledger user is in it. */
  async deleteTeam(name: string, change: Change): Promise<'deleted' | 'missing' | 'in-use'> {
    return this.write(async (client) => {
      // The row lock orders this against a user joining the team (which takes FOR SHARE on it).
      const team = await client.query('SELECT 1 FROM ledger.managed_teams WHERE name = $1 FOR UPDATE', [name]);
      if (team.rowCount === 0) return 'missing';
      const members = await client.query('SELECT 1 FROM ledger.managed_users WHERE team = $1 LIMIT 1', [name]);
      if (members.rowCount !== 0) return 'in-use';
      await client.query('DELETE FROM ledger.managed_teams WHERE name = $1', [name]);
      await audit(client, change, 'team', name, 'deleted', null);
      return 'deleted';
    });
  }

  /** `configTeam`: the team is declared in the config; else it must be a ledger team (checked under a lock). */
  async createUser(user: { name: string; team: string; role: Role; scramVerifier: string }, configTeam: boolean, change: Change): Promise<ManagedUser> {
    return this.write(async (client) => {
      if (!configTeam) await lockTeam(client, user.team);
      let r: pg.QueryResult<UserRow>;
      try {
        r = await client.query<UserRow>(
          `INSERT INTO ledger.managed_users (name, team, role, scram_verifier, disabled, created_at, created_by, updated_at, updated_by)
           VALUES ($1, $2, $3, $4, false, $5, $6, $5, $6) RETURNING ${USER_COLUMNS}`,
          [user.name, user.team, user.role, user.scramVerifier, change.now, change.actor],
        );
      } catch (e) {
        if ((e as { code?: string }).code === UNIQUE_VIOLATION) throw new GatewayError('DUPLICATE_OBJECT', `user "${user.name}" already exists`);
        throw e;
      }
      const created = userOf(r.rows[0]!);
      await syncVisibility(client, created);
      await audit(client, change, 'user', created.name, 'created', userAudit(created));
      return created;
    });
  }

  /** null: no such user in the ledger. `configTeam` as for createUser, for a new team. */
  async updateUser(name: string, patch: { team?: string; role?: Role; disabled?: boolean }, configTeam: boolean, change: Change): Promise<ManagedUser | null> {
    return this.write(async (client) => {
      if (patch.team !== undefined && !configTeam) await lockTeam(client, patch.team);
      const r = await client.query<UserRow>(
        `UPDATE ledger.managed_users
            SET team = coalesce($2, team), role = coalesce($3, role), disabled = coalesce($4, disabled), updated_at = $5, updated_by = $6
          WHERE name = $1 RETURNING ${USER_COLUMNS}`,
        [name, patch.team ?? null, patch.role ?? null, patch.disabled ?? null, change.now, change.actor],
      );
      if (r.rowCount === 0) return null;
      const updated = userOf(r.rows[0]!);
      await syncVisibility(client, updated);
      const action = patch.disabled === true ? 'disabled' : patch.disabled === false ? 'enabled' : 'updated';
      await audit(client, change, 'user', name, action, userAudit(updated));
      return updated;
    });
  }

  /** False: no such user in the ledger. The audit row says that the password changed, nothing more. */
  async setPassword(name: string, scramVerifier: string, change: Change): Promise<boolean> {
    return this.write(async (client) => {
      const r = await client.query('UPDATE ledger.managed_users SET scram_verifier = $2, updated_at = $3, updated_by = $4 WHERE name = $1', [name, scramVerifier, change.now, change.actor]);
      if (r.rowCount === 0) return false;
      await audit(client, change, 'user', name, 'password-reset', null);
      return true;
    });
  }

  /** One transaction that tells every instance to reload once it commits (NOTIFY is delivered at commit). */
  private write<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const result = await fn(client);
      await client.query('SELECT pg_notify($1, $2)', [DIRECTORY_CHANNEL, 'changed']);
      return result;
    });
  }
}

/** A ledger team, locked against deletion until the transaction ends; 400 when there is none. */
async function lockTeam(client: pg.ClientBase, team: string): Promise<void> {
  const r = await client.query('SELECT 1 FROM ledger.managed_teams WHERE name = $1 FOR SHARE', [team]);
  if (r.rowCount === 0) throw new GatewayError('INVALID_PARAMETER_VALUE', `team: team "${team}" does not exist`, { hint: 'Create it first (POST /v1/admin/teams), or declare it in the config.' });
}

/** ledger.users decides which team's rows a user sees through the tollgate.* views. */
async function syncVisibility(client: pg.ClientBase, user: ManagedUser): Promise<void> {
  await client.query('INSERT INTO ledger.users (name, team, admin) VALUES ($1, $2, $3) ON CONFLICT (name) DO UPDATE SET team = EXCLUDED.team, admin = EXCLUDED.admin', [
    user.name,
    user.team,
    user.role === 'admin',
  ]);
}

async function audit(client: pg.ClientBase, change: Change, kind: 'team' | 'user', subject: string, action: string, after: Record<string, unknown> | null): Promise<void> {
  await client.query('INSERT INTO ledger.directory_changes (changed_at, changed_by, kind, subject, action, after) VALUES ($1, $2, $3, $4, $5, $6)', [
    change.now,
    change.actor,
    kind,
    subject,
    action,
    after === null ? null : JSON.stringify(after),
  ]);
}
