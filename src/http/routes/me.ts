import type { FastifyInstance } from 'fastify';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { MeResponse } from '../schemas/reports.ts';

/** GET /v1/me: who the credentials belong to and which teams they may read (the dashboard starts here). */
export async function meRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireUser);
  app.get('/me', { schema: { response: { 200: MeResponse, ...errorResponses } } }, async (request) => {
    const p = principalOf(request);
    return { user: p.user, team: p.team, role: p.role, teams: p.role === 'admin' ? [...ctx.teams] : [p.team] };
  });
}
