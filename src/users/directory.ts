import type { UserRecord } from '../executor/users.ts';
import type { ManagedDirectory } from './store.ts';

/** Where a team or user is declared: the config file (read-only through the API) or the ledger (the API's). */
export type Source = 'config' | 'api';

/**
 * The users and teams in force: the config's, plus those managed through the admin API. `users` and
 * `teams` are shared by reference with the wire (SCRAM sign-in), the HTTP authenticator and the routes,
 * so a change applied here is seen by all of them at once. A record whose user changes is updated in
 * place, so a session holding it follows the change too.
 */
export class UserDirectory {
  readonly users: Map<string, UserRecord>;
  readonly teams: Set<string>;
  private readonly configUsers: ReadonlySet<string>;
  private readonly configTeams: ReadonlyMap<string, string | null>;

  /** `users`: buildUserDirectory's map, which this keeps and extends. */
  constructor(users: Map<string, UserRecord>, configTeams: ReadonlyArray<{ name: string; description?: string | undefined }>) {
    this.users = users;
    this.configUsers = new Set(users.keys());
    this.configTeams = new Map(configTeams.map((t) => [t.name, t.description ?? null]));
    this.teams = new Set(this.configTeams.keys());
  }

  userSource(name: string): Source | undefined {
    if (this.configUsers.has(name)) return 'config';
    return this.users.has(name) ? 'api' : undefined;
  }

  teamSource(name: string): Source | undefined {
    if (this.configTeams.has(name)) return 'config';
    return this.teams.has(name) ? 'api' : undefined;
  }

  /** The config's teams with their descriptions, in config order. */
  configTeamList(): Array<{ name: string; description: string | null }> {
    return [...this.configTeams].map(([name, description]) => ({ name, description }));
  }

  /** The config's users, as records. */
  configUserList(): UserRecord[] {
    return [...this.configUsers].map((name) => this.users.get(name)!);
  }

  /** Some config user is in this team. */
  hasConfigMember(team: string): boolean {
    return this.configUserList().some((u) => u.team === team);
  }

  /**
   * Makes the ledger's teams and users those in force beside the config's (a ledger name that the config
   * declares too is ignored: the config wins). Returns the users that were enabled and are now disabled.
   */
  apply(managed: ManagedDirectory): { disabled: string[]; shadowed: string[] } {
    const shadowed: string[] = [];
    for (const name of [...this.teams]) if (!this.configTeams.has(name)) this.teams.delete(name);
    for (const t of managed.teams) {
      if (this.configTeams.has(t.name)) shadowed.push(`team ${t.name}`);
      else this.teams.add(t.name);
    }
    const disabled: string[] = [];
    const inLedger = new Set<string>();
    for (const u of managed.users) {
      if (this.configUsers.has(u.name)) {
        shadowed.push(`user ${u.name}`);
        continue;
      }
      inLedger.add(u.name);
      const current = this.users.get(u.name);
      const fields = { team: u.team, role: u.role, scramVerifier: u.scramVerifier, disabled: u.disabled };
      if (current === undefined) {
        this.users.set(u.name, { name: u.name, allowCleartext: false, ...fields });
        continue;
      }
      if (u.disabled && !current.disabled) disabled.push(u.name);
      Object.assign(current, fields);
    }
    // Users are never deleted through the API; a ledger that lost one (restored from a backup) still wins.
    for (const name of [...this.users.keys()]) if (!this.configUsers.has(name) && !inLedger.has(name)) this.users.delete(name);
    return { disabled, shadowed };
  }
}
