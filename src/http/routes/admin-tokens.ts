import type { FastifyInstance } from 'fastify';
import { GatewayError } from '../../errors/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import type { ApiToken } from '../tokens.ts';
import { IssuedToken, TokenBody, TokenList, TokenListQuery, TokenParams } from '../schemas/tokens.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

function tokenJson(t: ApiToken) {
  const iso = (d: Date | null) => (d === null ? null : d.toISOString());
  return { id: t.id, user: t.user, name: t.name, createdBy: t.createdBy, createdAt: t.createdAt.toISOString(), expiresAt: iso(t.expiresAt), revokedAt: iso(t.revokedAt), lastUsedAt: iso(t.lastUsedAt) };
}

/** API tokens, under /v1/admin: admins issue, list and revoke them; each acts as one configured user. */
export async function adminTokenRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);

  app.post<{ Body: TokenBody }>(
    '/tokens',
    { schema: { body: TokenBody, response: { 201: IssuedToken, ...errorResponses } } },
    async (request, reply) => {
      const { user, name, expiresInDays } = request.body;
      if (!ctx.users.has(user)) throw new GatewayError('INVALID_PARAMETER_VALUE', `user: "${user}" is not a configured user`);
      const now = ctx.now();
      const expiresAt = expiresInDays === undefined ? null : new Date(now.getTime() + expiresInDays * DAY_MS);
      const actor = principalOf(request).user;
      const { token, record } = await ctx.tokens().issue({ user, name, createdBy: actor, now, expiresAt });
      request.log.info({ actor, user, token: record.id, expiresAt }, 'API token issued');
      // The token is in this answer only: keep it out of every cache on the way.
      void reply.header('cache-control', 'no-store');
      return reply.code(201).send({ id: record.id, token, user: record.user, name: record.name, expiresAt: record.expiresAt?.toISOString() ?? null });
    },
  );

  app.get<{ Querystring: TokenListQuery }>(
    '/tokens',
    { schema: { querystring: TokenListQuery, response: { 200: TokenList, ...errorResponses } } },
    async (request) => ({ tokens: (await ctx.tokens().list(request.query.user)).map(tokenJson) }),
  );

  app.delete<{ Params: TokenParams }>(
    '/tokens/:id',
    { schema: { params: TokenParams, response: { 204: { type: 'null' }, ...errorResponses } } },
    async (request, reply) => {
      const revoked = await ctx.tokens().revoke(request.params.id, ctx.now());
      if (!revoked) throw new GatewayError('NOT_FOUND', `no live API token ${request.params.id}`);
      request.log.info({ actor: principalOf(request).user, token: request.params.id }, 'API token revoked');
      return reply.code(204).send();
    },
  );
}
