import type { FastifyInstance } from 'fastify';
import type { Static } from '@sinclair/typebox';
import type { BudgetInput } from '../../budgets/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import {
  AdminBudgetResponse,
  BudgetBody,
  BudgetJson,
  ChangesQuery,
  ChangesResponse,
  OverrideBody,
  OverrideResponse,
  TeamParams,
} from '../schemas/budgets.ts';
import { budgetJson, statusJson } from './budget-json.ts';

/**
 * Admin budget routes, mounted under /v1/admin: an encapsulated plugin whose every route needs an
 * authenticated admin (the hook runs before the body is parsed, so strangers get 401/403, not 400).
 */
export async function adminBudgetRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);

  app.get<{ Params: TeamParams }>(
    '/teams/:team/budget',
    { schema: { params: TeamParams, response: { 200: AdminBudgetResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.configuredTeam(request.params.team);
      const status = await ctx.budgets().status(team, ctx.now());
      return { team, currency: ctx.currency, budget: status.budget && budgetJson(status.budget), status: statusJson(status) };
    },
  );

  app.put<{ Params: TeamParams; Body: BudgetBody }>(
    '/teams/:team/budget',
    { schema: { params: TeamParams, body: BudgetBody, response: { 200: BudgetJson, ...errorResponses } } },
    async (request) => {
      const team = ctx.configuredTeam(request.params.team);
      const store = ctx.budgets();
      checkCapUsers(ctx, team, request.body.userCaps);
      const input: BudgetInput = { ...request.body };
      const stored = await store.setBudget(team, input, principalOf(request).user);
      request.log.info({ team, actor: stored.updatedBy, monthly: stored.monthly }, 'budget set');
      return budgetJson(stored);
    },
  );

  app.delete<{ Params: TeamParams }>(
    '/teams/:team/budget',
    { schema: { params: TeamParams, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const team = ctx.configuredTeam(request.params.team);
      const deleted = await ctx.budgets().deleteBudget(team, principalOf(request).user);
      if (!deleted) throw new GatewayError('NOT_FOUND', `team "${team}" has no budget`);
      request.log.info({ team, actor: principalOf(request).user }, 'budget deleted');
      return reply.code(204).send();
    },
  );

  app.get<{ Params: TeamParams; Querystring: Static<typeof ChangesQuery> }>(
    '/teams/:team/budget/changes',
    { schema: { params: TeamParams, querystring: ChangesQuery, response: { 200: ChangesResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.configuredTeam(request.params.team);
      const limit = request.query.limit === undefined ? undefined : Number(request.query.limit);
      const changes = await ctx.budgets().listChanges(team, limit);
      return { team, changes: changes.map((c) => ({ ...c, changedAt: c.changedAt.toISOString() })) };
    },
  );

  app.post<{ Params: TeamParams; Body: OverrideBody }>(
    '/teams/:team/overrides',
    {
      schema: { params: TeamParams, body: OverrideBody, response: { 201: OverrideResponse, ...errorResponses } },
      // No body at all means all defaults.
      preValidation: async (request) => {
        request.body ??= {};
      },
    },
    async (request, reply) => {
      const team = ctx.configuredTeam(request.params.team);
      const store = ctx.budgets();
      const minutes = request.body.validForMinutes ?? 60;
      const now = ctx.now();
      const issued = await store.issueOverride({
        team,
        actor: principalOf(request).user,
        validFrom: now,
        validUntil: new Date(now.getTime() + minutes * 60_000),
        uses: request.body.uses === undefined ? 1 : request.body.uses,
      });
      request.log.info({ team, actor: principalOf(request).user, override: issued.id, validUntil: issued.validUntil, uses: issued.uses }, 'budget override issued');
      // The token is in this answer only: keep it out of every cache on the way.
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({
        id: issued.id,
        team: issued.team,
        token: issued.token,
        validFrom: issued.validFrom.toISOString(),
        validUntil: issued.validUntil.toISOString(),
        uses: issued.uses,
      });
    },
  );
}

/** A cap for someone outside the team is a typo, not a setting. */
function checkCapUsers(ctx: RouteContext, team: string, caps: BudgetBody['userCaps']): void {
  for (const name of Object.keys(caps ?? {})) {
    const user = ctx.users.get(name);
    if (user === undefined || user.team !== team) {
      throw new GatewayError('INVALID_PARAMETER_VALUE', `userCaps: "${name}" is not a user of team "${team}"`);
    }
  }
}
