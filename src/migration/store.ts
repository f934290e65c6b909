import type pg from 'pg';
import { inTransaction } from '../budgets/index.ts';
import { GatewayError } from '../errors/index.ts';
import { MIGRATION_STATES, type Comparison, type MigrationInput, type MigrationState, type TableMigration } from './types.ts';

/** The channel instances listen on, so a state change reaches every instance at once. */
export const MIGRATION_CHANNEL = 'tollgate_migrations';

interface Row {
  schema_name: string;
  table_name: string;
  old_engine: string;
  new_engine: string;
  state: MigrationState;
  canary_percent: string;
  canary_teams: string[];
  shadow_sample_rate: string;
  updated_at: Date;
  updated_by: string;
}

const toMigration = (r: Row): TableMigration => ({
  schema: r.schema_name,
  name: r.table_name,
  oldEngine: r.old_engine,
  newEngine: r.new_engine,
  state: r.state,
  canaryPercent: Number(r.canary_percent),
  canaryTeams: r.canary_teams,
  shadowSampleRate: Number(r.shadow_sample_rate),
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

export interface TableSummary {
  schema: string;
  name: string;
  compared: number;
  matches: number;
  mismatches: number;
  errors: number;
  /** The latest mismatches, with their statements. */
  examples: Array<{ at: Date; statement: string; reason: string }>;
  old: { engine: string; avgMs: number | null; estimatedBytes: number; cost: number };
  new: { engine: string; avgMs: number | null; estimatedBytes: number; cost: number };
}

function invalid(message: string): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', message);
}

/** Table migrations and their shadow comparisons, in the ledger's PostgreSQL (schema ledger, migration 9). */
export class MigrationStore {
  constructor(private readonly pool: pg.Pool) {}

  async load(): Promise<Map<string, TableMigration>> {
    const r = await this.pool.query<Row>('SELECT * FROM ledger.table_migrations');
    return new Map(r.rows.map((row) => [`${row.schema_name}.${row.table_name}`.toLowerCase(), toMigration(row)] as const));
  }

  /**
   * Sets a table's migration (creating it), recording who changed what in the same transaction, and
   * notifies every instance. `engines` says which engines serve the table: both sides must.
   */
  async set(schema: string, name: string, input: MigrationInput, actor: string, engines: readonly string[]): Promise<TableMigration> {
    if (!MIGRATION_STATES.includes(input.state)) throw invalid(`state must be one of ${MIGRATION_STATES.join(', ')}`);
    if (input.oldEngine === input.newEngine) throw invalid('oldEngine and newEngine must differ');
    for (const e of [input.oldEngine, input.newEngine])
      if (!engines.includes(e)) throw invalid(`engine "${e}" does not serve ${schema}.${name} (it is served by ${engines.join(', ') || 'no engine'})`);
    const percent = input.canaryPercent ?? 0;
    if (!(percent >= 0 && percent <= 100)) throw invalid('canaryPercent must be between 0 and 100');
    const rate = input.shadowSampleRate ?? 1;
    if (!(rate >= 0 && rate <= 1)) throw invalid('shadowSampleRate must be between 0 and 1');
    // One transaction (budgets' helper: retried on deadlock, a broken connection dropped, not pooled).
    return inTransaction(this.pool, async (client) => {
      const before = await client.query<Row>('SELECT * FROM ledger.table_migrations WHERE schema_name = $1 AND table_name = $2 FOR UPDATE', [schema, name]);
      const r = await client.query<Row>(
        `INSERT INTO ledger.table_migrations (schema_name, table_name, old_engine, new_engine, state, canary_percent, canary_teams, shadow_sample_rate, updated_at, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9)
         ON CONFLICT (schema_name, table_name) DO UPDATE SET old_engine = $3, new_engine = $4, state = $5, canary_percent = $6,
           canary_teams = $7, shadow_sample_rate = $8, updated_at = now(), updated_by = $9
         RETURNING *`,
        [schema, name, input.oldEngine, input.newEngine, input.state, percent, input.canaryTeams ?? [], rate, actor],
      );
      const after = toMigration(r.rows[0]!);
      await client.query(
        'INSERT INTO ledger.migration_changes (schema_name, table_name, changed_by, before, after) VALUES ($1, $2, $3, $4, $5)',
        [schema, name, actor, before.rows[0] ? JSON.stringify(toMigration(before.rows[0])) : null, JSON.stringify(after)],
      );
      await client.query('SELECT pg_notify($1, $2)', [MIGRATION_CHANNEL, `${schema}.${name}`]);
      return after;
    });
  }

  async changes(schema: string, name: string, limit = 50): Promise<Array<{ at: Date; by: string; before: unknown; after: unknown }>> {
    const r = await this.pool.query<{ changed_at: Date; changed_by: string; before: unknown; after: unknown }>(
      'SELECT changed_at, changed_by, before, after FROM ledger.migration_changes WHERE schema_name = $1 AND table_name = $2 ORDER BY id DESC LIMIT $3',
      [schema, name, limit],
    );
    return r.rows.map((x) => ({ at: x.changed_at, by: x.changed_by, before: x.before, after: x.after }));
  }

  async record(c: Comparison): Promise<void> {
    await this.pool.query(
      `INSERT INTO ledger.migration_comparisons (schema_name, table_name, statement, fingerprint, outcome, reason,
         old_engine, old_rows, old_checksum, old_ms, old_estimated_bytes, old_cost, old_error,
         new_engine, new_rows, new_checksum, new_ms, new_estimated_bytes, new_cost, new_error)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
      [
        c.schema, c.name, c.statement, c.fingerprint, c.outcome, c.reason,
        c.old.engine, c.old.rows, c.old.checksum, c.old.ms, c.old.estimatedBytes, c.old.cost, c.old.error,
        c.new.engine, c.new.rows, c.new.checksum, c.new.ms, c.new.estimatedBytes, c.new.cost, c.new.error,
      ],
    );
  }

  /** Per migrating table: comparisons, mismatches with examples, cost and latency on each side. */
  async summary(): Promise<TableSummary[]> {
    const r = await this.pool.query<{
      schema_name: string; table_name: string; old_engine: string; new_engine: string;
      compared: string; matches: string; mismatches: string; errors: string;
      old_ms: number | null; new_ms: number | null; old_bytes: string; new_bytes: string; old_cost: string; new_cost: string;
      examples: Array<{ at: string; statement: string; reason: string }> | null;
    }>(
      `SELECT m.schema_name, m.table_name, m.old_engine, m.new_engine,
              count(c.id) AS compared,
              count(c.id) FILTER (WHERE c.outcome = 'match') AS matches,
              count(c.id) FILTER (WHERE c.outcome = 'mismatch') AS mismatches,
              count(c.id) FILTER (WHERE c.outcome = 'error') AS errors,
              avg(c.old_ms) AS old_ms, avg(c.new_ms) AS new_ms,
              coalesce(sum(c.old_estimated_bytes), 0) AS old_bytes, coalesce(sum(c.new_estimated_bytes), 0) AS new_bytes,
              coalesce(sum(c.old_cost), 0) AS old_cost, coalesce(sum(c.new_cost), 0) AS new_cost,
              (SELECT json_agg(json_build_object('at', x.at, 'statement', x.statement, 'reason', x.reason) ORDER BY x.at DESC)
                 FROM (SELECT at, statement, reason FROM ledger.migration_comparisons
                        WHERE schema_name = m.schema_name AND table_name = m.table_name AND outcome = 'mismatch'
                        ORDER BY at DESC LIMIT 5) x) AS examples
         FROM ledger.table_migrations m
         LEFT JOIN ledger.migration_comparisons c ON c.schema_name = m.schema_name AND c.table_name = m.table_name
        GROUP BY m.schema_name, m.table_name, m.old_engine, m.new_engine
        ORDER BY 1, 2`,
    );
    return r.rows.map((x) => ({
      schema: x.schema_name,
      name: x.table_name,
      compared: Number(x.compared),
      matches: Number(x.matches),
      mismatches: Number(x.mismatches),
      errors: Number(x.errors),
      examples: (x.examples ?? []).map((e) => ({ at: new Date(e.at), statement: e.statement, reason: e.reason })),
      old: { engine: x.old_engine, avgMs: x.old_ms === null ? null : Number(x.old_ms), estimatedBytes: Number(x.old_bytes), cost: Number(x.old_cost) },
      new: { engine: x.new_engine, avgMs: x.new_ms === null ? null : Number(x.new_ms), estimatedBytes: Number(x.new_bytes), cost: Number(x.new_cost) },
    }));
  }
}
