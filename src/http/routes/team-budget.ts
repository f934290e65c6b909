import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { linearForecast } from '../dates.ts';
import { errorResponses } from '../errors.ts';
import { TeamBudgetResponse, TeamParams } from '../schemas/budgets.ts';
import { budgetJson, statusJson } from './budget-json.ts';

/** Analyst routes under /v1: a user's own team (admins: any team); another team is 404. */
export async function teamBudgetRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireUser);

  app.get<{ Params: TeamParams }>(
    '/teams/:team/budget',
    { schema: { params: TeamParams, response: { 200: TeamBudgetResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.visibleTeam(principalOf(request), request.params.team);
      const now = ctx.now();
      const status = await ctx.budgets().status(team, now);
      const m = status.month;
      const forecast = { month: status.budget === null ? null : linearForecast(m.spent, m.start, m.resetsOn, now, status.timeZone) };
      // The response schema drops the webhook URL.
      return { team, currency: ctx.currency, budget: status.budget && budgetJson(status.budget), status: statusJson(status), forecast };
    },
  );
}
