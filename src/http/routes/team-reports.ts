import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { dateRange } from '../dates.ts';
import { errorResponses } from '../errors.ts';
import { queryHistory } from '../reports/history.ts';
import { spendReport } from '../reports/spend.ts';
import { topQueries } from '../reports/top-queries.ts';
import { TeamParams } from '../schemas/budgets.ts';
import { HistoryQuery, HistoryResponse, SpendQuery, SpendResponse, TopQueriesQuery, TopQueriesResponse } from '../schemas/reports.ts';

/**
 * Analyst reports under /v1 over ledger.statements: spend, top queries, history. The team is checked
 * against the principal first (another team is 404); the SQL then filters by that team as a parameter.
 */
export async function teamReportRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireUser);

  app.get<{ Params: TeamParams; Querystring: SpendQuery }>(
    '/teams/:team/spend',
    { schema: { params: TeamParams, querystring: SpendQuery, response: { 200: SpendResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.visibleTeam(principalOf(request), request.params.team);
      const range = dateRange(request.query, ctx.now(), ctx.timeZone);
      const by = request.query.by ?? 'day';
      const report = await spendReport(ctx.ledger(), team, range, ctx.timeZone, by);
      return { team, currency: ctx.currency, ...range, by, ...report };
    },
  );

  app.get<{ Params: TeamParams; Querystring: TopQueriesQuery }>(
    '/teams/:team/top-queries',
    { schema: { params: TeamParams, querystring: TopQueriesQuery, response: { 200: TopQueriesResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.visibleTeam(principalOf(request), request.params.team);
      const range = dateRange(request.query, ctx.now(), ctx.timeZone);
      const rows = await topQueries(ctx.ledger(), team, range, ctx.timeZone, Number(request.query.limit ?? 10));
      return { team, currency: ctx.currency, rows: rows.map((r) => ({ ...r, lastRunAt: r.lastRunAt.toISOString() })) };
    },
  );

  app.get<{ Params: TeamParams; Querystring: HistoryQuery }>(
    '/teams/:team/queries',
    { schema: { params: TeamParams, querystring: HistoryQuery, response: { 200: HistoryResponse, ...errorResponses } } },
    async (request) => {
      const team = ctx.visibleTeam(principalOf(request), request.params.team);
      const q = request.query;
      const range = dateRange(q, ctx.now(), ctx.timeZone);
      const page = await queryHistory(ctx.ledger(), team, range, ctx.timeZone, {
        user: q.user,
        status: q.status,
        search: q.search,
        before: q.before,
        limit: Number(q.limit ?? 50),
      });
      return { team, rows: page.rows.map((r) => ({ ...r, startedAt: r.startedAt.toISOString() })), next: page.next };
    },
  );
}
