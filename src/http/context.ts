import type pg from 'pg';
import type { BudgetStore } from '../budgets/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { UserRecord } from '../executor/users.ts';
import type { DirectoryAdmin } from '../users/index.ts';
import type { Authenticator, Principal } from './auth.ts';
import type { ApiTokenStore } from './tokens.ts';

export interface RouteContextOptions {
  auth: Authenticator;
  users: ReadonlyMap<string, UserRecord>;
  /** The teams in force; a Set is kept by reference, so teams created through the API appear at once. */
  teams: readonly string[] | ReadonlySet<string>;
  /** Teams and users through the admin API, once the ledger is up (a getter like ledgerPool). */
  directory?: (() => DirectoryAdmin | undefined) | undefined;
  budgets?: BudgetStore | (() => BudgetStore | undefined) | undefined;
  ledgerPool?: (() => pg.Pool | undefined) | undefined;
  tokens: () => ApiTokenStore | undefined;
  currency: string;
  /** config.budgets.timeZone: the zone of the API's dates (from, to, by=day keys). */
  timeZone: string;
  now: () => Date;
}

/** What the API routes share: the users and teams of the config, the budget store, the ledger, the clock. */
export class RouteContext {
  readonly auth: Authenticator;
  readonly users: ReadonlyMap<string, UserRecord>;
  readonly teams: ReadonlySet<string>;
  readonly currency: string;
  readonly timeZone: string;
  readonly now: () => Date;
  private readonly budgetStore: RouteContextOptions['budgets'];
  private readonly pool: () => pg.Pool | undefined;
  private readonly tokenStore: () => ApiTokenStore | undefined;
  private readonly directoryAdmin: () => DirectoryAdmin | undefined;

  constructor(opts: RouteContextOptions) {
    this.auth = opts.auth;
    this.users = opts.users;
    this.teams = opts.teams instanceof Set ? opts.teams : new Set(opts.teams);
    this.directoryAdmin = opts.directory ?? (() => undefined);
    this.budgetStore = opts.budgets;
    this.pool = opts.ledgerPool ?? (() => undefined);
    this.tokenStore = opts.tokens;
    this.currency = opts.currency;
    this.timeZone = opts.timeZone;
    this.now = opts.now;
  }

  /** The budget store, or 503 when this gateway runs without a ledger (or has not started it yet). */
  budgets(): BudgetStore {
    const store = typeof this.budgetStore === 'function' ? this.budgetStore() : this.budgetStore;
    if (store === undefined) {
      throw new GatewayError('LEDGER_UNAVAILABLE', 'budgets are not available: this gateway runs without a ledger database', {
        hint: 'Budgets live in the ledger\'s PostgreSQL; start tollgate with its metastore (the default) or an external ledger.',
      });
    }
    return store;
  }

  /** The ledger owner's pool (statements, tokens), or 503 like budgets(). */
  ledger(): pg.Pool {
    const pool = this.pool();
    if (pool === undefined) throw ledgerUnavailable();
    return pool;
  }

  /** The API token store (in the ledger), or 503 like ledger(). */
  tokens(): ApiTokenStore {
    const store = this.tokenStore();
    if (store === undefined) throw ledgerUnavailable();
    return store;
  }

  /** Teams and users through the admin API (in the ledger), or 503 like ledger(). */
  directory(): DirectoryAdmin {
    const admin = this.directoryAdmin();
    if (admin === undefined) throw ledgerUnavailable();
    return admin;
  }

  /** A configured team, or 404. */
  configuredTeam(team: string): string {
    if (!this.teams.has(team)) throw notFound(team);
    return team;
  }

  /**
   * A team the principal may read: admins any configured team, analysts only their own. Another team is
   * 404, as an unknown one: the answer does not tell which teams exist.
   */
  visibleTeam(principal: Principal, team: string): string {
    if (!this.teams.has(team) || (principal.role !== 'admin' && principal.team !== team)) throw notFound(team);
    return team;
  }
}

function ledgerUnavailable(): GatewayError {
  return new GatewayError('LEDGER_UNAVAILABLE', 'the ledger is not available: this gateway runs without a ledger database (or has not started it yet)', {
    hint: 'The ledger lives in PostgreSQL; start tollgate with its metastore (the default) or an external ledger.',
  });
}

function notFound(team: string): GatewayError {
  return new GatewayError('NOT_FOUND', `team "${team}" not found`);
}
