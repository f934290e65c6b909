import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { UserView } from '../../users/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { CreatedUser, PasswordBody, PasswordSet, UserBody, UserJson, UserList, UserParams, UserPatch } from '../schemas/directory.ts';

function userJson(u: UserView) {
  return { ...u, createdAt: u.createdAt?.toISOString() ?? null, updatedAt: u.updatedAt?.toISOString() ?? null };
}

/**
 * Users, under /v1/admin: the config's (read-only here) and those managed through the API (in the
 * ledger). Users are disabled, never deleted. A change takes effect on this instance before the answer
 * (and on the others sharing the ledger within moments); every change is in the audit log, passwords
 * never are (nor in the logs).
 */
export async function adminUserRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);
  const change = (request: FastifyRequest) => ({ actor: principalOf(request).user, now: ctx.now() });

  app.get('/users', { schema: { response: { 200: UserList, ...errorResponses } } }, async () => ({ users: (await ctx.directory().listUsers()).map(userJson) }));

  app.post<{ Body: UserBody }>('/users', { schema: { body: UserBody, response: { 201: CreatedUser, ...errorResponses } } }, async (request, reply) => {
    const { user, generatedPassword } = await ctx.directory().createUser(request.body, change(request));
    request.log.info({ actor: principalOf(request).user, user: user.name, team: user.team, role: user.role, passwordGenerated: generatedPassword !== undefined }, 'user created');
    // A generated password is in this answer only: keep it out of every cache on the way.
    if (generatedPassword !== undefined) void reply.header('cache-control', 'no-store');
    return reply.code(201).send({ user: userJson(user), ...(generatedPassword !== undefined && { password: generatedPassword }) });
  });

  app.get<{ Params: UserParams }>('/users/:name', { schema: { params: UserParams, response: { 200: UserJson, ...errorResponses } } }, async (request) =>
    userJson(await ctx.directory().user(request.params.name)),
  );

  app.patch<{ Params: UserParams; Body: UserPatch }>(
    '/users/:name',
    { schema: { params: UserParams, body: UserPatch, response: { 200: UserJson, ...errorResponses } } },
    async (request) => {
      const user = await ctx.directory().updateUser(request.params.name, request.body, change(request));
      request.log.info({ actor: principalOf(request).user, user: user.name, team: user.team, role: user.role, disabled: user.disabled }, 'user updated');
      return userJson(user);
    },
  );

  app.post<{ Params: UserParams; Body: PasswordBody }>(
    '/users/:name/password',
    {
      // No body at all means "generate one": validated as an empty object.
      preValidation: async (request) => {
        request.body ??= {};
      },
      schema: { params: UserParams, body: PasswordBody, response: { 200: PasswordSet, ...errorResponses } },
    },
    async (request, reply) => {
      const { generatedPassword } = await ctx.directory().setPassword(request.params.name, request.body.password, change(request));
      request.log.info({ actor: principalOf(request).user, user: request.params.name, passwordGenerated: generatedPassword !== undefined }, 'user password reset');
      void reply.header('cache-control', 'no-store');
      return { name: request.params.name, ...(generatedPassword !== undefined && { password: generatedPassword }) };
    },
  );
}
