import Fastify, { type FastifyInstance } from 'fastify';
import type pg from 'pg';
import type { BudgetStore } from '../budgets/index.ts';
import type { UserRecord } from '../executor/users.ts';
import type { DirectoryAdmin } from '../users/index.ts';
import type { GatewayBackend } from '../wire/backend.ts';
import type { Logger } from '../log/index.ts';
import { Metrics } from '../metrics/index.ts';
import { Authenticator } from './auth.ts';
import { RouteContext } from './context.ts';
import { installErrorHandler } from './errors.ts';
import { httpLogger } from './logger.ts';
import { SignInLimiter } from './rate-limit.ts';
import { adminBudgetRoutes } from './routes/admin-budgets.ts';
import { adminCacheRoutes, type CacheAdmin } from './routes/admin-cache.ts';
import { adminTokenRoutes } from './routes/admin-tokens.ts';
import { adminAuditRoutes } from './routes/admin-audit.ts';
import { adminTeamRoutes } from './routes/admin-teams.ts';
import { adminUserRoutes } from './routes/admin-users.ts';
import { adminMigrationRoutes, type MigrationAdmin } from './routes/admin-migrations.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { docsRoutes, registerOpenApi } from './routes/docs.ts';
import { estimateRoutes } from './routes/estimate.ts';
import { healthRoutes } from './routes/health.ts';
import { meRoutes } from './routes/me.ts';
import { metricsRoutes, type MetricsSource } from './routes/metrics.ts';
import { queryRoutes } from './routes/query.ts';
import { teamBudgetRoutes } from './routes/team-budget.ts';
import { teamReportRoutes } from './routes/team-reports.ts';
import { tokenStoreOn } from './tokens.ts';

export interface HttpDeps {
  logger: Logger;
  /** True once the gateway can serve queries (engines up, demo data ready). */
  isReady(): boolean;
  /** Per-engine health, for operators. */
  engineHealth(): Promise<Record<string, { ok: boolean; detail?: string }>>;
  version: string;
  /**
   * The users in force (config and API, users/UserDirectory), checked by HTTP Basic; shared by reference,
   * so changes apply at once. None: every API call is 401.
   */
  users?: ReadonlyMap<string, UserRecord>;
  /** The team names in force (a Set is kept by reference, like users); a team not listed is 404. */
  teams?: readonly string[] | ReadonlySet<string>;
  /** Teams and users through the admin API, as a getter like `budgets`; absent: those routes answer 503. */
  directory?: () => DirectoryAdmin | undefined;
  /**
   * The budget store, or a getter for it (the ledger starts after the HTTP app is built). Absent or
   * undefined: the budget routes answer 503.
   */
  budgets?: BudgetStore | (() => BudgetStore | undefined);
  /**
   * The ledger owner's pool (reports, API tokens), as a getter for the same reason as `budgets`.
   * Absent or undefined: those routes, and Bearer tokens, answer 503.
   */
  ledgerPool?: () => pg.Pool | undefined;
  /** config.budgets.timeZone: the zone of the API's dates (default UTC). */
  timeZone?: string;
  /** billing.currency, shown beside amounts (default USD). */
  currency?: string;
  /** The gateway's metrics, served at /metrics; default a fresh set (all zero). */
  metrics?: MetricsSource;
  /** Table migrations (admin), as a getter like `budgets`; absent: those routes answer 503. */
  migrations?: () => MigrationAdmin | undefined;
  /**
   * The executor, as a getter like `budgets` (it starts after the HTTP app): POST /v1/query and
   * /v1/estimate open their sessions on it. Absent or undefined: those routes answer 503.
   */
  backend?: () => GatewayBackend | undefined;
  /** The executor's result cache, as a getter like `backend`; absent or undefined: /v1/admin/cache answers 503. */
  cache?: () => CacheAdmin | undefined;
  /** server.database, the database HTTP sessions open (default: the user's name, which is accepted too). */
  database?: string;
  /** Failed sign-in limits; tests pass one with a fake clock. */
  signInLimiter?: SignInLimiter;
  /** The clock for override windows, dates and tokens; tests pass a fake one. */
  now?: () => Date;
}

/** Builds the HTTP app without listening, so tests can use `app.inject`. */
export async function build(deps: HttpDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: httpLogger(deps.logger),
    // Unknown fields are refused (not silently dropped) and "200" is not a number: bad input is a 400 naming the field.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false } },
    bodyLimit: 1024 * 1024,
  }) as unknown as FastifyInstance;
  app.decorateRequest('principal', null);
  installErrorHandler(app);
  await registerOpenApi(app);

  const now = deps.now ?? (() => new Date());
  const users = deps.users ?? new Map<string, UserRecord>();
  const tokens = tokenStoreOn(deps.ledgerPool ?? (() => undefined));
  const auth = new Authenticator({ users, tokens, now, ...(deps.signInLimiter && { limiter: deps.signInLimiter }) });
  const ctx = new RouteContext({
    auth,
    users,
    teams: deps.teams ?? [],
    directory: deps.directory,
    budgets: deps.budgets,
    ledgerPool: deps.ledgerPool,
    tokens,
    currency: deps.currency ?? 'USD',
    timeZone: deps.timeZone ?? 'UTC',
    now,
  });

  await app.register(healthRoutes, { deps });
  await app.register(metricsRoutes, { ctx, metrics: deps.metrics ?? new Metrics() });
  await app.register(docsRoutes);
  await app.register(dashboardRoutes);
  await app.register(meRoutes, { prefix: '/v1', ctx });
  await app.register(adminBudgetRoutes, { prefix: '/v1/admin', ctx });
  await app.register(adminTokenRoutes, { prefix: '/v1/admin', ctx });
  await app.register(adminCacheRoutes, { prefix: '/v1/admin', ctx, cache: deps.cache ?? (() => undefined) });
  await app.register(adminAuditRoutes, { prefix: '/v1/admin', ctx });
  await app.register(adminTeamRoutes, { prefix: '/v1/admin', ctx });
  await app.register(adminUserRoutes, { prefix: '/v1/admin', ctx });
  await app.register(adminMigrationRoutes, { prefix: '/v1/admin', ctx, migrations: deps.migrations ?? (() => undefined) });
  await app.register(teamBudgetRoutes, { prefix: '/v1', ctx });
  await app.register(teamReportRoutes, { prefix: '/v1', ctx });
  const queries = { ctx, backend: deps.backend ?? (() => undefined), database: deps.database };
  await app.register(queryRoutes, { prefix: '/v1', ...queries });
  await app.register(estimateRoutes, { prefix: '/v1', ...queries });
  return app;
}
