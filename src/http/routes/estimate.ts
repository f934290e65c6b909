import type { FastifyInstance } from 'fastify';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { estimateStatement } from '../query/estimate.ts';
import { backendOf, originOf, type QueryRouteOptions } from '../query/origin.ts';
import { openHttpSession, singleStatement } from '../query/statement.ts';
import { ESTIMATE_DESCRIPTION, EstimateBody, EstimateResponse } from '../schemas/query.ts';

/** POST /v1/estimate: the route and priced estimate of a statement, without running it and at no cost. */
export async function estimateRoutes(app: FastifyInstance, opts: QueryRouteOptions & { ctx: RouteContext }): Promise<void> {
  app.addHook('onRequest', opts.ctx.auth.requireUser);
  app.post<{ Body: EstimateBody }>(
    '/estimate',
    { schema: { description: ESTIMATE_DESCRIPTION, body: EstimateBody, response: { 200: EstimateResponse, ...errorResponses } } },
    async (request) => {
      const session = await openHttpSession(backendOf(opts), originOf(request, opts));
      try {
        const statement = singleStatement(session, request.body.sql);
        // Nothing long-running: estimates read catalogs and statistics only, so no disconnect signal.
        return await estimateStatement(session, statement, request.body.params ?? [], new AbortController().signal);
      } finally {
        await session.close();
      }
    },
  );
}
