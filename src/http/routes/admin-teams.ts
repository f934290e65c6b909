import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TeamView } from '../../users/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { TeamBody, TeamJson, TeamList, TeamParams, TeamPatch } from '../schemas/directory.ts';

function teamJson(t: TeamView) {
  return { ...t, createdAt: t.createdAt?.toISOString() ?? null };
}

/**
 * Teams, under /v1/admin: the config's (read-only here) and those managed through the API (in the
 * ledger). A team with users cannot be deleted. Every change is in the audit log.
 */
export async function adminTeamRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);
  const change = (request: FastifyRequest) => ({ actor: principalOf(request).user, now: ctx.now() });

  app.get('/teams', { schema: { response: { 200: TeamList, ...errorResponses } } }, async () => ({ teams: (await ctx.directory().listTeams()).map(teamJson) }));

  app.post<{ Body: TeamBody }>('/teams', { schema: { body: TeamBody, response: { 201: TeamJson, ...errorResponses } } }, async (request, reply) => {
    const team = await ctx.directory().createTeam(request.body, change(request));
    request.log.info({ actor: principalOf(request).user, team: team.name }, 'team created');
    return reply.code(201).send(teamJson(team));
  });

  app.get<{ Params: TeamParams }>('/teams/:team', { schema: { params: TeamParams, response: { 200: TeamJson, ...errorResponses } } }, async (request) =>
    teamJson(await ctx.directory().team(request.params.team)),
  );

  app.patch<{ Params: TeamParams; Body: TeamPatch }>(
    '/teams/:team',
    { schema: { params: TeamParams, body: TeamPatch, response: { 200: TeamJson, ...errorResponses } } },
    async (request) => {
      const team = await ctx.directory().updateTeam(request.params.team, request.body, change(request));
      request.log.info({ actor: principalOf(request).user, team: team.name }, 'team updated');
      return teamJson(team);
    },
  );

  app.delete<{ Params: TeamParams }>('/teams/:team', { schema: { params: TeamParams, response: { 204: { type: 'null' }, ...errorResponses } } }, async (request, reply) => {
    await ctx.directory().deleteTeam(request.params.team, change(request));
    request.log.info({ actor: principalOf(request).user, team: request.params.team }, 'team deleted');
    return reply.code(204).send();
  });
}
