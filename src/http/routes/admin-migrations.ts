import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { GatewayError } from '../../errors/index.ts';
import { MIGRATION_STATES, type MigrationStore, type TableMigration } from '../../migration/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';

/** What the migration routes need from the gateway (absent without a ledger: 503). */
export interface MigrationAdmin {
  store: MigrationStore;
  /** Engines serving a table now (both sides of a migration must). */
  enginesOf(schema: string, name: string): string[];
  /** Applies a change on this instance at once (others follow through NOTIFY). */
  reload(): Promise<void>;
}

const Params = Type.Object({ schema: Type.String({ minLength: 1, maxLength: 63 }), table: Type.String({ minLength: 1, maxLength: 63 }) });
type Params = Static<typeof Params>;

const State = Type.Union(MIGRATION_STATES.map((s) => Type.Literal(s)));
const MigrationBody = Type.Object(
  {
    oldEngine: Type.String({ minLength: 1 }),
    newEngine: Type.String({ minLength: 1 }),
    state: State,
    canaryPercent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
    canaryTeams: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { maxItems: 100 })),
    shadowSampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  },
  { additionalProperties: false },
);
type MigrationBody = Static<typeof MigrationBody>;

const MigrationJson = Type.Object({
  schema: Type.String(),
  table: Type.String(),
  oldEngine: Type.String(),
  newEngine: Type.String(),
  state: State,
  canaryPercent: Type.Number(),
  canaryTeams: Type.Array(Type.String()),
  shadowSampleRate: Type.Number(),
  updatedAt: Type.String(),
  updatedBy: Type.String(),
});
const Side = Type.Object({ engine: Type.String(), avgMs: Type.Union([Type.Number(), Type.Null()]), estimatedBytes: Type.Number(), cost: Type.Number() });
const SummaryJson = Type.Object({
  migration: MigrationJson,
  compared: Type.Integer(),
  matches: Type.Integer(),
  mismatches: Type.Integer(),
  errors: Type.Integer(),
  examples: Type.Array(Type.Object({ at: Type.String(), statement: Type.String(), reason: Type.String() })),
  old: Side,
  new: Side,
});
const ListResponse = Type.Object({ migrations: Type.Array(SummaryJson) });
const ChangesResponse = Type.Object({
  changes: Type.Array(Type.Object({ at: Type.String(), by: Type.String(), before: Type.Unknown(), after: Type.Unknown() })),
});

const json = (m: TableMigration) => ({
  schema: m.schema,
  table: m.name,
  oldEngine: m.oldEngine,
  newEngine: m.newEngine,
  state: m.state,
  canaryPercent: m.canaryPercent,
  canaryTeams: m.canaryTeams,
  shadowSampleRate: m.shadowSampleRate,
  updatedAt: m.updatedAt.toISOString(),
  updatedBy: m.updatedBy,
});

/**
 * Admin routes of table migrations, under /v1/admin: list them with their shadow comparisons, set a
 * table's state (rolling back is setting old-only), and the audit of changes.
 */
export async function adminMigrationRoutes(app: FastifyInstance, opts: { ctx: RouteContext; migrations: () => MigrationAdmin | undefined }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);
  const admin = (): MigrationAdmin => {
    const m = opts.migrations();
    if (!m) throw new GatewayError('LEDGER_UNAVAILABLE', 'table migrations are not available: this gateway runs without a ledger database');
    return m;
  };

  app.get('/migrations', { schema: { response: { 200: ListResponse, ...errorResponses } } }, async () => {
    const m = admin();
    const [states, summaries] = await Promise.all([m.store.load(), m.store.summary()]);
    return {
      migrations: summaries.flatMap((s) => {
        const state = states.get(`${s.schema}.${s.name}`.toLowerCase());
        if (!state) return [];
        return [{ migration: json(state), compared: s.compared, matches: s.matches, mismatches: s.mismatches, errors: s.errors, examples: s.examples.map((e) => ({ ...e, at: e.at.toISOString() })), old: s.old, new: s.new }];
      }),
    };
  });

  app.put<{ Params: Params; Body: MigrationBody }>(
    '/migrations/:schema/:table',
    { schema: { params: Params, body: MigrationBody, response: { 200: MigrationJson, ...errorResponses } } },
    async (request) => {
      const m = admin();
      const { schema, table } = request.params;
      const engines = m.enginesOf(schema, table);
      if (engines.length === 0) throw new GatewayError('NOT_FOUND', `table ${schema}.${table} is not served`);
      for (const team of request.body.canaryTeams ?? []) if (!ctx.teams.has(team)) throw new GatewayError('INVALID_PARAMETER_VALUE', `canaryTeams: team "${team}" is not configured`);
      const stored = await m.store.set(schema, table, request.body, principalOf(request).user, engines);
      await m.reload();
      request.log.info({ table: `${schema}.${table}`, state: stored.state, actor: stored.updatedBy }, 'table migration state set');
      return json(stored);
    },
  );

  app.get<{ Params: Params }>(
    '/migrations/:schema/:table/changes',
    { schema: { params: Params, response: { 200: ChangesResponse, ...errorResponses } } },
    async (request) => {
      const changes = await admin().store.changes(request.params.schema, request.params.table);
      return { changes: changes.map((c) => ({ ...c, at: c.at.toISOString() })) };
    },
  );
}
