import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import { LedgerChangeListener } from '../ledger/change-listener.ts';
import type { Logger } from '../log/index.ts';
import { createScramVerifier } from '../wire/index.ts';
import type { Source, UserDirectory } from './directory.ts';
import { MAX_NAME_LENGTH, reservedUserName } from './names.ts';
import { DIRECTORY_CHANNEL, type Change, type DirectoryStore, type ManagedUser, type Role } from './store.ts';

/** Shortest password an admin may set; generated ones are longer. */
export const MIN_PASSWORD_LENGTH = 12;

export interface TeamView {
  name: string;
  description: string | null;
  source: Source;
  createdAt: Date | null;
  createdBy: string | null;
}

export interface UserView {
  name: string;
  team: string;
  role: Role;
  disabled: boolean;
  source: Source;
  createdAt: Date | null;
  createdBy: string | null;
  updatedAt: Date | null;
  updatedBy: string | null;
}

export interface DirectoryAdminOptions {
  directory: UserDirectory;
  store: DirectoryStore;
  /** The ledger owner's connection, to LISTEN for the other instances' changes. */
  listen: pg.ClientConfig;
  /** Makes a login role exist for each of these users (the catalog's server and the ledger's). */
  prepareRoles(names: readonly string[]): Promise<void>;
  /** Role names of this deployment no user may take (the external ledger's owner). */
  reservedNames?: readonly string[];
  /**
   * Runs after a change made here took effect here, before its answer is sent: the other serving
   * processes of this gateway refresh too (serving/), so a user created here can sign in on any of them
   * at once rather than when the NOTIFY reaches them.
   */
  afterChange?: () => Promise<void>;
  logger: Logger;
}

/**
 * Teams and users through the admin API: the rules (config names are read-only, names are unique across
 * config and ledger, a user's team exists, users are disabled and never deleted), the ledger writes, and
 * the directory refresh that makes a change take effect on this instance before the answer is sent (and
 * on the others through LISTEN/NOTIFY).
 */
export class DirectoryAdmin {
  private readonly listener: LedgerChangeListener;
  private readonly disabledListeners: Array<(name: string) => void> = [];
  private refreshing: Promise<void> = Promise.resolve();
  /** The user names whose roles the last refresh made, joined; null before the first. */
  private preparedRoles: string | null = null;

  constructor(private readonly opts: DirectoryAdminOptions) {
    this.listener = new LedgerChangeListener({
      channel: DIRECTORY_CHANNEL,
      connection: opts.listen,
      reload: () => this.refresh().catch((err: unknown) => opts.logger.warn({ err }, 'teams and users could not be reloaded; the last known ones stay in force')),
      logger: opts.logger,
      what: 'teams and users',
    });
  }

  /** Called with each user that becomes disabled, on whichever instance disabled them (to end their sessions). */
  onUserDisabled(listener: (name: string) => void): void {
    this.disabledListeners.push(listener);
  }

  /** Loads the ledger's teams and users (roles first), then follows changes. A failure here stops the start. */
  async start(): Promise<void> {
    await this.refresh();
    await this.listener.listen();
  }

  async close(): Promise<void> {
    await this.listener.close();
  }

  /**
   * Reloads from the ledger and applies the result in place. Roles are made before a user appears in the
   * directory, so a user who can sign in can also read the catalog and the tollgate.* views. One at a time.
   */
  refresh(): Promise<void> {
    const next = this.refreshing.then(() => this.reload());
    this.refreshing = next.catch(() => {});
    return next;
  }

  /** A change made here: in force here, and in this gateway's other serving processes, before the answer. */
  private async changed(): Promise<void> {
    await this.refresh();
    await this.opts.afterChange?.();
  }

  private async reload(): Promise<void> {
    const { directory, store, logger } = this.opts;
    const managed = await store.load();
    const names = [...new Set([...directory.configUserList().map((u) => u.name), ...managed.users.map((u) => u.name)])].sort();
    // Roles change only when users are added (they are never deleted); the periodic reload skips this work.
    const key = names.join('\u0000');
    if (key !== this.preparedRoles) {
      await this.opts.prepareRoles(names);
      this.preparedRoles = key;
    }
    const { disabled, shadowed } = directory.apply(managed);
    if (shadowed.length > 0) logger.warn({ shadowed }, 'the ledger has teams or users the config declares too; the config wins');
    for (const name of disabled) for (const listener of this.disabledListeners) listener(name);
  }

  // --- Teams ------------------------------------------------------------------------------------

  async listTeams(): Promise<TeamView[]> {
    const managed = await this.opts.store.load();
    const config: TeamView[] = this.opts.directory.configTeamList().map((t) => ({ ...t, source: 'config', createdAt: null, createdBy: null }));
    const api: TeamView[] = managed.teams.filter((t) => this.opts.directory.teamSource(t.name) !== 'config').map((t) => ({ ...t, source: 'api' }));
    return [...config, ...api];
  }

  async team(name: string): Promise<TeamView> {
    const found = (await this.listTeams()).find((t) => t.name === name);
    if (found === undefined) throw teamNotFound(name);
    return found;
  }

  async createTeam(team: { name: string; description?: string | undefined }, change: Change): Promise<TeamView> {
    this.checkName('team', team.name);
    if (this.opts.directory.teamSource(team.name) === 'config') throw duplicateInConfig('team', team.name);
    const created = await this.opts.store.createTeam({ name: team.name, description: team.description ?? null }, change);
    await this.changed();
    return { ...created, source: 'api' };
  }

  async updateTeam(name: string, patch: { description: string | null }, change: Change): Promise<TeamView> {
    this.refuseConfigTeam(name);
    const updated = await this.opts.store.updateTeam(name, patch, change);
    if (updated === null) throw teamNotFound(name);
    return { ...updated, source: 'api' };
  }

  async deleteTeam(name: string, change: Change): Promise<void> {
    this.refuseConfigTeam(name);
    // Config users can only be in config teams (the config loader checks), but another instance's config may differ.
    if (this.opts.directory.hasConfigMember(name)) throw teamInUse(name);
    const outcome = await this.opts.store.deleteTeam(name, change);
    if (outcome === 'missing') throw teamNotFound(name);
    if (outcome === 'in-use') throw teamInUse(name);
    await this.changed();
  }

  // --- Users ------------------------------------------------------------------------------------

  async listUsers(): Promise<UserView[]> {
    const managed = await this.opts.store.load();
    const config: UserView[] = this.opts.directory.configUserList().map((u) => ({
      name: u.name,
      team: u.team,
      role: u.role,
      disabled: u.disabled,
      source: 'config',
      createdAt: null,
      createdBy: null,
      updatedAt: null,
      updatedBy: null,
    }));
    const api = managed.users.filter((u) => this.opts.directory.userSource(u.name) !== 'config').map(userView);
    return [...config, ...api];
  }

  async user(name: string): Promise<UserView> {
    const found = (await this.listUsers()).find((u) => u.name === name);
    if (found === undefined) throw userNotFound(name);
    return found;
  }

  /** A user with the given password, or a generated one (returned, once). */
  async createUser(user: { name: string; team: string; role?: Role | undefined; password?: string | undefined }, change: Change): Promise<{ user: UserView; generatedPassword?: string }> {
    this.checkName('user', user.name);
    const reserved = reservedUserName(user.name, this.opts.reservedNames);
    if (reserved !== null) throw new GatewayError('INVALID_PARAMETER_VALUE', `name: ${reserved}`);
    if (this.opts.directory.userSource(user.name) === 'config') throw duplicateInConfig('user', user.name);
    const { password, generated } = this.passwordOrGenerated(user.password);
    const created = await this.opts.store.createUser(
      { name: user.name, team: user.team, role: user.role ?? 'analyst', scramVerifier: createScramVerifier(password) },
      this.isConfigTeam(user.team),
      change,
    );
    await this.changed();
    return { user: userView(created), ...(generated && { generatedPassword: password }) };
  }

  async updateUser(name: string, patch: { team?: string | undefined; role?: Role | undefined; disabled?: boolean | undefined }, change: Change): Promise<UserView> {
    this.refuseConfigUser(name);
    const clean = {
      ...(patch.team !== undefined && { team: patch.team }),
      ...(patch.role !== undefined && { role: patch.role }),
      ...(patch.disabled !== undefined && { disabled: patch.disabled }),
    };
    const updated = await this.opts.store.updateUser(name, clean, patch.team !== undefined && this.isConfigTeam(patch.team), change);
    if (updated === null) throw userNotFound(name);
    await this.changed();
    return userView(updated);
  }

  /** Sets the given password, or a generated one (returned, once). */
  async setPassword(name: string, given: string | undefined, change: Change): Promise<{ generatedPassword?: string }> {
    this.refuseConfigUser(name);
    const { password, generated } = this.passwordOrGenerated(given);
    const ok = await this.opts.store.setPassword(name, createScramVerifier(password), change);
    if (!ok) throw userNotFound(name);
    await this.changed();
    return generated ? { generatedPassword: password } : {};
  }

  // --- Rules ------------------------------------------------------------------------------------

  private isConfigTeam(team: string): boolean {
    return this.opts.directory.teamSource(team) === 'config';
  }

  private checkName(kind: 'team' | 'user', name: string): void {
    // The schema checks the length too; this keeps the rule for callers other than the HTTP API.
    if (name.length < 1 || name.length > MAX_NAME_LENGTH) throw new GatewayError('INVALID_PARAMETER_VALUE', `name: a ${kind} name has 1 to ${MAX_NAME_LENGTH} characters`);
  }

  private refuseConfigTeam(name: string): void {
    if (this.opts.directory.teamSource(name) === 'config')
      throw new GatewayError('MANAGED_BY_CONFIG', `team "${name}" is declared in the config file and cannot be changed through the API`, {
        hint: 'Edit teams in the config file and restart tollgate.',
      });
  }

  private refuseConfigUser(name: string): void {
    if (this.opts.directory.userSource(name) === 'config')
      throw new GatewayError('MANAGED_BY_CONFIG', `user "${name}" is declared in the config file and cannot be changed through the API`, {
        hint: 'Edit users in the config file (tollgate hash-password makes a verifier) and restart tollgate.',
      });
  }

  private passwordOrGenerated(given: string | undefined): { password: string; generated: boolean } {
    if (given === undefined) return { password: generatePassword(), generated: true };
    if ([...given].length < MIN_PASSWORD_LENGTH)
      throw new GatewayError('INVALID_PARAMETER_VALUE', `password: at least ${MIN_PASSWORD_LENGTH} characters`, { hint: 'Or send no password: tollgate generates a strong one and returns it once.' });
    return { password: given, generated: false };
  }
}

/** 24 characters from 144 random bits, URL-safe so it survives any client's quoting. */
export function generatePassword(): string {
  return randomBytes(18).toString('base64url');
}

function userView(u: ManagedUser): UserView {
  return { name: u.name, team: u.team, role: u.role, disabled: u.disabled, source: 'api', createdAt: u.createdAt, createdBy: u.createdBy, updatedAt: u.updatedAt, updatedBy: u.updatedBy };
}

function duplicateInConfig(kind: 'team' | 'user', name: string): GatewayError {
  return new GatewayError('DUPLICATE_OBJECT', `${kind} "${name}" already exists (declared in the config file)`);
}

function teamNotFound(name: string): GatewayError {
  return new GatewayError('NOT_FOUND', `team "${name}" not found`);
}

function userNotFound(name: string): GatewayError {
  return new GatewayError('NOT_FOUND', `user "${name}" not found`);
}

function teamInUse(name: string): GatewayError {
  return new GatewayError('DEPENDENT_OBJECTS_STILL_EXIST', `team "${name}" still has users`, { hint: 'Move its users to another team first (PATCH /v1/admin/users/:name).' });
}
