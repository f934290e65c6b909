import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';

const AuditQuery = Type.Object(
  {
    limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,4}$', description: 'At most this many events, newest first (default 100, at most 1000).' })),
    before: Type.Optional(Type.String({ format: 'date-time', description: 'Only events before this instant (paging).' })),
  },
  { additionalProperties: false },
);
type AuditQuery = Static<typeof AuditQuery>;

const AuditEvent = Type.Object({
  at: Type.String(),
  actor: Type.String(),
  kind: Type.Union([Type.Literal('budget'), Type.Literal('migration'), Type.Literal('token'), Type.Literal('team'), Type.Literal('user')]),
  subject: Type.String({ description: 'The team, table or user the change is about.' }),
  action: Type.String(),
  detail: Type.Unknown({ description: 'The state after the change, as stored (no secrets).' }),
});
const AuditResponse = Type.Object({ events: Type.Array(AuditEvent) });

/**
 * The audit log, under /v1/admin: who changed what, newest first, across budgets and overrides
 * (ledger.budget_changes), table migrations (ledger.migration_changes), API tokens issued
 * (ledger.api_tokens; a revocation records when, not by whom) and teams and users managed through the
 * API (ledger.directory_changes; a password reset is an event without the password). One parameterized
 * query over them all.
 */
export async function adminAuditRoutes(app: FastifyInstance, opts: { ctx: RouteContext }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);

  app.get<{ Querystring: AuditQuery }>('/audit', { schema: { querystring: AuditQuery, response: { 200: AuditResponse, ...errorResponses } } }, async (request) => {
    const limit = Math.min(1000, Math.max(1, Number(request.query.limit ?? 100)));
    const before = request.query.before === undefined ? null : new Date(request.query.before);
    const r = await ctx.ledger().query<{ at: Date; actor: string; kind: 'budget' | 'migration' | 'token' | 'team' | 'user'; subject: string; action: string; detail: unknown }>(
      `SELECT * FROM (
         SELECT changed_at AS at, changed_by AS actor, 'budget' AS kind, team AS subject, action, after AS detail FROM ledger.budget_changes
         UNION ALL
         SELECT changed_at, changed_by, 'migration', schema_name || '.' || table_name, 'set', after FROM ledger.migration_changes
         UNION ALL
         SELECT created_at, created_by, 'token', user_name, 'issued', jsonb_build_object('id', id, 'name', name, 'expiresAt', expires_at) FROM ledger.api_tokens
         UNION ALL
         SELECT revoked_at, '', 'token', user_name, 'revoked', jsonb_build_object('id', id, 'name', name) FROM ledger.api_tokens WHERE revoked_at IS NOT NULL
         UNION ALL
         SELECT changed_at, changed_by, kind, subject, action, after FROM ledger.directory_changes
       ) e
       WHERE $1::timestamptz IS NULL OR e.at < $1
       ORDER BY e.at DESC
       LIMIT $2`,
      [before, limit],
    );
    return { events: r.rows.map((e) => ({ ...e, at: e.at.toISOString() })) };
  });
}
