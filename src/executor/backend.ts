import type { Config } from '../config/index.ts';
import type { ShadowCatalog } from '../catalog/index.ts';
import type { StatementLog } from '../ledger/index.ts';
import type { BudgetGuard } from '../budgets/index.ts';
import type { ShadowRunner } from '../migration/index.ts';
import type { Metrics } from '../metrics/index.ts';
import type { ResultCache } from '../cache/index.ts';
import type { QueryRouter } from './query-router.ts';
import type { CostPolicy } from './costing.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import type { BackendSession, GatewayBackend, StartupInfo, UserCredentials } from '../wire/backend.ts';
import { GatewaySession, newPlanCache } from './session.ts';
import { parameterSpecs, type ParameterSpec } from './settings.ts';
import type { UserRecord } from './users.ts';
import { SERVER_VERSION } from '../version.ts';

export interface ExecutorDeps {
  config: Config;
  users: Map<string, UserRecord>;
  /** Where queries go (analysis, routing, federation). */
  router: QueryRouter;
  logger: Logger;
  catalog?: ShadowCatalog;
  ledger?: StatementLog;
  /** How queries are priced (config.billing and each engine's pricing). */
  billing?: CostPolicy;
  /** Team budgets: a query's cost is held before it runs, settled after. */
  budgets?: BudgetGuard;
  /** Runs sampled statements on both sides of a table migration (migration/shadow.ts). */
  shadow?: ShadowRunner;
  /** Counters and histograms served at /metrics. */
  metrics?: Metrics;
  /** The result cache shared by every session. */
  cache?: ResultCache;
}

/** The gateway as the wire sees it: who may log in, and a session per connection. */
export class Executor implements GatewayBackend {
  private readonly specs: ParameterSpec[] = parameterSpecs(SERVER_VERSION);
  private nextSessionId = 1;
  private readonly plans = newPlanCache();

  constructor(private readonly deps: ExecutorDeps) {
  }

  async credentials(user: string): Promise<UserCredentials | undefined> {
    const u = this.deps.users.get(user);
    // A disabled user still proves their password: openSession then refuses them saying why (28000),
    // so the account's state is told only to someone who holds its password, as over HTTP.
    if (!u) return undefined;
    return { name: u.name, scramVerifier: u.scramVerifier, allowCleartext: u.allowCleartext };
  }

  async openSession(info: StartupInfo): Promise<BackendSession> {
    const user = this.deps.users.get(info.user);
    if (!user) throw new GatewayError('INVALID_AUTHORIZATION', `role "${info.user}" does not exist`);
    if (user.disabled) throw new GatewayError('INVALID_AUTHORIZATION', `user "${user.name}" is disabled`, { hint: 'Ask a tollgate admin to enable the account.' });
    const database = this.deps.config.server.database;
    // Clients that send no database name default to the user name; accept that too, as documented.
    if (info.database !== database && info.database !== info.user)
      throw new GatewayError('INVALID_DATABASE', `database "${info.database}" does not exist`, {
        hint: `tollgate serves one database, "${database}".`,
      });
    this.deps.metrics?.sessionOpened();
    return new GatewaySession({
      id: this.nextSessionId++,
      user,
      database: info.database,
      startup: info,
      specs: this.specs,
      router: this.deps.router,
      logger: this.deps.logger,
      ...(this.deps.catalog && { catalog: this.deps.catalog }),
      ...(this.deps.ledger && { ledger: this.deps.ledger }),
      ...(this.deps.billing && { billing: this.deps.billing }),
      ...(this.deps.budgets && { budgets: this.deps.budgets }),
      ...(this.deps.cache && { cache: this.deps.cache }),
      ...(this.deps.shadow && { shadow: this.deps.shadow }),
      ...(this.deps.metrics && { metrics: this.deps.metrics }),
      plans: this.plans,
    });
  }
}
