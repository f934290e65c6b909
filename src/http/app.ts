import Fastify, { type FastifyInstance } from 'fastify';
import type { BudgetStore } from '../budgets/index.ts';
import type { UserRecord } from '../executor/users.ts';
import type { Logger } from '../log/index.ts';
import { Authenticator } from './auth.ts';
import { RouteContext } from './context.ts';
import { installErrorHandler } from './errors.ts';
import { httpLogger } from './logger.ts';
import { adminBudgetRoutes } from './routes/admin-budgets.ts';
import { healthRoutes } from './routes/health.ts';
import { teamBudgetRoutes } from './routes/team-budget.ts';

export interface HttpDeps {
  logger: Logger;
  /** True once the gateway can serve queries (engines up, demo data ready). */
  isReady(): boolean;
  /** Per-engine health, for operators. */
  engineHealth(): Promise<Record<string, { ok: boolean; detail?: string }>>;
  version: string;
  /** The users of the config (buildUserDirectory), checked by HTTP Basic. None: every API call is 401. */
  users?: ReadonlyMap<string, UserRecord>;
  /** The configured team names; a team not listed is 404. */
  teams?: readonly string[];
  /**
   * The budget store, or a getter for it (the ledger starts after the HTTP app is built). Absent or
   * undefined: the budget routes answer 503.
   */
  budgets?: BudgetStore | (() => BudgetStore | undefined);
  /** billing.currency, shown beside amounts (default USD). */
  currency?: string;
  /** The clock for override windows; tests pass a fake one. */
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

  const auth = new Authenticator({ users: deps.users ?? new Map() });
  const ctx = new RouteContext(auth, deps.users ?? new Map(), deps.teams ?? [], deps.budgets, deps.currency ?? 'USD', deps.now ?? (() => new Date()));

  await app.register(healthRoutes, { deps });
  await app.register(adminBudgetRoutes, { prefix: '/v1/admin', ctx });
  await app.register(teamBudgetRoutes, { prefix: '/v1', ctx });
  return app;
}
