import type { BudgetStore } from '../budgets/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { UserRecord } from '../executor/users.ts';
import type { Authenticator, Principal } from './auth.ts';

/** What the API routes share: the users and teams of the config, the budget store, the clock. */
export class RouteContext {
  readonly teams: ReadonlySet<string>;

  constructor(
    readonly auth: Authenticator,
    readonly users: ReadonlyMap<string, UserRecord>,
    teams: readonly string[],
    private readonly budgetStore: BudgetStore | (() => BudgetStore | undefined) | undefined,
    readonly currency: string,
    readonly now: () => Date,
  ) {
    this.teams = new Set(teams);
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

function notFound(team: string): GatewayError {
  return new GatewayError('NOT_FOUND', `team "${team}" not found`);
}
