import type pg from 'pg';
import { quoteIdentifier } from '../parser/index.ts';
import { ROLE_SYNC_LOCK } from '../metastore/index.ts';

/**
 * The ledger's tables, as numbered migrations applied in order, each once, under an advisory lock so
 * that several gateway instances sharing one PostgreSQL can start together. A migration is never
 * edited after it ships; a change is a new one.
 */
const MIGRATIONS: ReadonlyArray<{ version: number; statements: string[] }> = [
  {
    version: 1,
    statements: [
      `CREATE TABLE ledger.statements (
        id uuid PRIMARY KEY,
        started_at timestamptz NOT NULL,
        duration_ms double precision NOT NULL,
        instance text NOT NULL,
        session_id integer NOT NULL,
        user_name text NOT NULL,
        team text NOT NULL,
        application_name text,
        kind text NOT NULL CHECK (kind IN ('query', 'catalog', 'copy')),
        status text NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
        sqlstate text,
        error_message text,
        statement text NOT NULL,
        rows bigint,
        engine text
      )`,
      'CREATE INDEX statements_team_started ON ledger.statements (team, started_at)',
      'CREATE INDEX statements_kind_started ON ledger.statements (kind, started_at)',
    ],
  },
  {
    // Costs and attribution (issue 6): every statement one row, with what it was estimated, billed and cost.
    version: 2,
    statements: [
      `ALTER TABLE ledger.statements
        ADD COLUMN ended_at timestamptz,
        ADD COLUMN tags jsonb NOT NULL DEFAULT '{}',
        ADD COLUMN fingerprint text,
        ADD COLUMN estimated_bytes bigint,
        ADD COLUMN billed_bytes bigint NOT NULL DEFAULT 0,
        ADD COLUMN actual_bytes bigint,
        ADD COLUMN cost numeric NOT NULL DEFAULT 0,
        ADD COLUMN cache_hit boolean NOT NULL DEFAULT false`,
      'ALTER TABLE ledger.statements DROP CONSTRAINT statements_kind_check',
      "ALTER TABLE ledger.statements ADD CONSTRAINT statements_kind_check CHECK (kind IN ('query', 'catalog', 'copy', 'session', 'explain'))",
      'ALTER TABLE ledger.statements DROP CONSTRAINT statements_status_check',
      "ALTER TABLE ledger.statements ADD CONSTRAINT statements_status_check CHECK (status IN ('ok', 'error', 'refused', 'cancelled'))",
      'CREATE INDEX statements_fingerprint ON ledger.statements (fingerprint)',
    ],
  },
  {
    // The ledger as clients see it through tollgate: schema tollgate, one row per statement and daily
    // costs, each user seeing their team's rows (admins every row). security_barrier keeps a caller's
    // own functions from seeing rows the filter removes.
    version: 3,
    statements: [
      'CREATE TABLE ledger.users (name text PRIMARY KEY, team text NOT NULL, admin boolean NOT NULL)',
      'CREATE SCHEMA tollgate',
      `CREATE VIEW tollgate.queries WITH (security_barrier) AS
        SELECT s.id AS query_id, s.started_at, s.ended_at, s.duration_ms, s.user_name, s.team, s.application_name, s.tags,
               s.kind, s.status, s.sqlstate, s.error_message, s.statement, s.fingerprint, s.rows, s.engine,
               s.estimated_bytes, s.billed_bytes, s.actual_bytes, s.cost, s.cache_hit
        FROM ledger.statements s
        WHERE EXISTS (SELECT 1 FROM ledger.users u WHERE u.name = current_user AND (u.admin OR u.team = s.team))`,
      "COMMENT ON VIEW tollgate.queries IS 'Every statement run through tollgate: who, what, how it ended, what it was estimated, billed and cost. Your team''s rows (admins: all).'",
      `CREATE VIEW tollgate.costs_daily WITH (security_barrier) AS
        SELECT (s.started_at AT TIME ZONE 'UTC')::date AS day, s.team, s.engine,
               count(*)::bigint AS statements,
               count(*) FILTER (WHERE s.status = 'ok')::bigint AS succeeded,
               count(*) FILTER (WHERE s.cache_hit)::bigint AS cache_hits,
               coalesce(sum(s.billed_bytes), 0)::bigint AS billed_bytes,
               coalesce(sum(s.cost), 0) AS cost
        FROM ledger.statements s
        WHERE s.kind IN ('query', 'copy')
          AND EXISTS (SELECT 1 FROM ledger.users u WHERE u.name = current_user AND (u.admin OR u.team = s.team))
        GROUP BY 1, 2, 3`,
      "COMMENT ON VIEW tollgate.costs_daily IS 'Queries and their cost per day (UTC), team and engine. Your team''s rows (admins: all).'",
    ],
  },
  {
    // Storage charges: what each team's tables occupy, charged per day. One row per table and day, so
    // several gateway instances running the daily job write it once.
    version: 4,
    statements: [
      `CREATE TABLE ledger.storage_charges (
        day date NOT NULL,
        schema_name text NOT NULL,
        table_name text NOT NULL,
        engine text NOT NULL,
        team text NOT NULL,
        bytes bigint NOT NULL,
        cost numeric NOT NULL,
        measured_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (day, schema_name, table_name, engine)
      )`,
      `CREATE VIEW tollgate.storage_daily WITH (security_barrier) AS
        SELECT s.day, s.team, s.engine, s.schema_name, s.table_name, s.bytes, s.cost
        FROM ledger.storage_charges s
        WHERE EXISTS (SELECT 1 FROM ledger.users u WHERE u.name = current_user AND (u.admin OR u.team = s.team))`,
      "COMMENT ON VIEW tollgate.storage_daily IS 'What each table stores and its storage charge per day, to its owning team. Your team''s rows (admins: all).'",
    ],
  },
  {
    // Team budgets (issue 7); the model is described in src/budgets/index.ts. Money is numeric (exact
    // sums), periods are local dates in the configured time zone, user_name '' is the whole team.
    version: 5,
    statements: [
      `CREATE TABLE ledger.budgets (
        team text PRIMARY KEY,
        monthly numeric NOT NULL CHECK (monthly >= 0),
        daily numeric CHECK (daily >= 0),
        soft_thresholds numeric[] NOT NULL DEFAULT '{0.5,0.8}',
        hard_limit numeric NOT NULL DEFAULT 1.0 CHECK (hard_limit > 0),
        webhook_url text,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      )`,
      `CREATE TABLE ledger.budget_user_caps (
        team text NOT NULL REFERENCES ledger.budgets (team) ON DELETE CASCADE,
        user_name text NOT NULL CHECK (user_name <> ''),
        monthly numeric CHECK (monthly >= 0),
        daily numeric CHECK (daily >= 0),
        PRIMARY KEY (team, user_name)
      )`,
      `CREATE TABLE ledger.budget_changes (
        id bigserial PRIMARY KEY,
        team text NOT NULL,
        changed_at timestamptz NOT NULL,
        changed_by text NOT NULL,
        action text NOT NULL CHECK (action IN ('set', 'delete', 'override')),
        before jsonb,
        after jsonb
      )`,
      'CREATE INDEX budget_changes_team ON ledger.budget_changes (team, changed_at)',
      `CREATE TABLE ledger.budget_usage (
        team text NOT NULL,
        user_name text NOT NULL,
        period_kind text NOT NULL CHECK (period_kind IN ('month', 'day')),
        period_start date NOT NULL,
        spent numeric NOT NULL DEFAULT 0,
        reserved numeric NOT NULL DEFAULT 0 CHECK (reserved >= 0),
        PRIMARY KEY (team, period_kind, period_start, user_name)
      )`,
      `CREATE TABLE ledger.budget_reservations (
        id uuid PRIMARY KEY,
        team text NOT NULL,
        user_name text NOT NULL,
        amount numeric NOT NULL CHECK (amount > 0),
        month_start date NOT NULL,
        day_start date NOT NULL,
        statement_id text,
        override_id uuid,
        state text NOT NULL CHECK (state IN ('held', 'settled', 'released', 'expired')),
        billed numeric,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        ended_at timestamptz
      )`,
      "CREATE INDEX budget_reservations_held ON ledger.budget_reservations (expires_at) WHERE state = 'held'",
      `CREATE TABLE ledger.budget_events (
        team text NOT NULL,
        period_kind text NOT NULL CHECK (period_kind IN ('month', 'day')),
        period_start date NOT NULL,
        threshold numeric NOT NULL,
        crossed_at timestamptz NOT NULL,
        spent numeric NOT NULL,
        budget numeric NOT NULL,
        PRIMARY KEY (team, period_kind, period_start, threshold)
      )`,
      `CREATE TABLE ledger.budget_overrides (
        id uuid PRIMARY KEY,
        token_hash bytea NOT NULL UNIQUE,
        team text NOT NULL,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        valid_from timestamptz NOT NULL,
        valid_until timestamptz NOT NULL,
        uses_left integer CHECK (uses_left >= 0),
        uses integer NOT NULL DEFAULT 0,
        last_used_at timestamptz,
        CHECK (valid_until > valid_from)
      )`,
    ],
  },
  {
    // The result cache (issue 8): a hit bills nothing and records what running the statement would have cost.
    version: 6,
    statements: ['ALTER TABLE ledger.statements ADD COLUMN saved_cost numeric NOT NULL DEFAULT 0'],
  },
  {
    // Budget status for analysts (issue 9): each budgeted team's current month and day, read like the other
    // tollgate views. Periods start at midnight of the configured budget time zone, which every instance
    // writes to ledger.settings at start (budget_time_zone; UTC until one has).
    version: 7,
    statements: [
      'CREATE TABLE ledger.settings (name text PRIMARY KEY, value text NOT NULL)',
      `CREATE VIEW tollgate.budget_status WITH (security_barrier) AS
        WITH local_now AS (
          SELECT now() AT TIME ZONE coalesce((SELECT value FROM ledger.settings WHERE name = 'budget_time_zone'), 'UTC') AS t
        ), current_period AS (
          SELECT 'month'::text AS period_kind, date_trunc('month', t)::date AS period_start FROM local_now
          UNION ALL
          SELECT 'day', t::date FROM local_now
        ), amounts AS (
          SELECT b.team, p.period_kind, p.period_start,
                 (p.period_start + CASE p.period_kind WHEN 'month' THEN interval '1 month' ELSE interval '1 day' END)::date AS period_end,
                 CASE p.period_kind WHEN 'month' THEN b.monthly ELSE b.daily END AS budget,
                 b.hard_limit, b.soft_thresholds,
                 coalesce(u.spent, 0) AS spent, coalesce(u.reserved, 0) AS reserved
          FROM ledger.budgets b
          CROSS JOIN current_period p
          LEFT JOIN ledger.budget_usage u
            ON u.team = b.team AND u.user_name = '' AND u.period_kind = p.period_kind AND u.period_start = p.period_start
        )
        SELECT a.team, a.period_kind, a.period_start, a.period_end, a.budget,
               a.hard_limit, a.budget * a.hard_limit AS hard_limit_amount,
               a.spent, a.reserved,
               -- greatest() skips NULLs: without a budget there is no limit, so nothing "remains".
               CASE WHEN a.budget IS NOT NULL THEN greatest(0, a.budget * a.hard_limit - a.spent - a.reserved) END AS remaining,
               a.spent / nullif(a.budget, 0) AS spent_fraction,
               a.soft_thresholds
        FROM amounts a
        WHERE EXISTS (SELECT 1 FROM ledger.users u WHERE u.name = current_user AND (u.admin OR u.team = a.team))`,
      "COMMENT ON VIEW tollgate.budget_status IS 'Each budgeted team''s current month and day (in the budget time zone): budget, hard limit, spent, reserved, remaining, soft thresholds (fractions). No daily budget: budget, limit and remaining are NULL. Your team''s rows (admins: all).'",
    ],
  },
  {
    // API tokens (issue 9): issued and revoked by admins, each acting as one configured user. Only the
    // SHA-256 of a token is kept; the token itself is shown once, when it is issued.
    version: 8,
    statements: [
      `CREATE TABLE ledger.api_tokens (
        id uuid PRIMARY KEY,
        user_name text NOT NULL,
        name text NOT NULL,
        token_hash bytea NOT NULL UNIQUE,
        created_by text NOT NULL,
        created_at timestamptz NOT NULL,
        expires_at timestamptz,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`,
      'CREATE INDEX api_tokens_user ON ledger.api_tokens (user_name, created_at)',
    ],
  },
  {
    // Table migrations (issue 11): each migrating table's state, every change with who made it, and the
    // shadow runs' comparisons (both sides' rows, checksum, time, estimate and cost, billed to nobody's team).
    version: 9,
    statements: [
      `CREATE TABLE ledger.table_migrations (
        schema_name text NOT NULL,
        table_name text NOT NULL,
        old_engine text NOT NULL,
        new_engine text NOT NULL,
        state text NOT NULL CHECK (state IN ('old-only', 'shadow', 'canary', 'new-only')),
        canary_percent numeric NOT NULL DEFAULT 0 CHECK (canary_percent BETWEEN 0 AND 100),
        canary_teams text[] NOT NULL DEFAULT '{}',
        shadow_sample_rate numeric NOT NULL DEFAULT 1 CHECK (shadow_sample_rate BETWEEN 0 AND 1),
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL,
        PRIMARY KEY (schema_name, table_name)
      )`,
      `CREATE TABLE ledger.migration_changes (
        id bigserial PRIMARY KEY,
        schema_name text NOT NULL,
        table_name text NOT NULL,
        changed_at timestamptz NOT NULL DEFAULT now(),
        changed_by text NOT NULL,
        before jsonb,
        after jsonb NOT NULL
      )`,
      `CREATE TABLE ledger.migration_comparisons (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        schema_name text NOT NULL,
        table_name text NOT NULL,
        statement text NOT NULL,
        fingerprint text NOT NULL,
        outcome text NOT NULL CHECK (outcome IN ('match', 'mismatch', 'error', 'skipped')),
        reason text NOT NULL,
        old_engine text NOT NULL, old_rows bigint, old_checksum text, old_ms double precision, old_estimated_bytes bigint, old_cost numeric, old_error text,
        new_engine text NOT NULL, new_rows bigint, new_checksum text, new_ms double precision, new_estimated_bytes bigint, new_cost numeric, new_error text
      )`,
      'CREATE INDEX migration_comparisons_table_at ON ledger.migration_comparisons (schema_name, table_name, at)',
    ],
  },
  {
    // Teams and users managed through the admin API (issue 9), beside the config's (which stay authoritative
    // and read-only). Only SCRAM verifiers are kept, never passwords. Users are disabled, never deleted:
    // their names are in the ledger's history. Every change is one row of directory_changes (the audit log).
    version: 10,
    statements: [
      `CREATE TABLE ledger.managed_teams (
        name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 63),
        description text,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL
      )`,
      `CREATE TABLE ledger.managed_users (
        name text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 63),
        team text NOT NULL,
        role text NOT NULL CHECK (role IN ('analyst', 'admin')),
        scram_verifier text NOT NULL CHECK (scram_verifier LIKE 'SCRAM-SHA-256$%'),
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL,
        created_by text NOT NULL,
        updated_at timestamptz NOT NULL,
        updated_by text NOT NULL
      )`,
      'CREATE INDEX managed_users_team ON ledger.managed_users (team)',
      `CREATE TABLE ledger.directory_changes (
        id bigserial PRIMARY KEY,
        changed_at timestamptz NOT NULL,
        changed_by text NOT NULL,
        kind text NOT NULL CHECK (kind IN ('team', 'user')),
        subject text NOT NULL,
        action text NOT NULL,
        after jsonb
      )`,
      'CREATE INDEX directory_changes_at ON ledger.directory_changes (changed_at)',
    ],
  },
];

/** An arbitrary constant naming tollgate's migration lock among the server's advisory locks. */
const MIGRATION_LOCK = 7_361_482_903;

export async function migrateLedger(client: pg.ClientBase): Promise<number> {
  await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
  try {
    await client.query('CREATE SCHEMA IF NOT EXISTS ledger');
    await client.query('CREATE TABLE IF NOT EXISTS ledger.schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const r = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ledger.schema_version');
    let current = r.rows[0]?.v ?? 0;
    for (const m of MIGRATIONS) {
      if (m.version <= current) continue;
      await client.query('BEGIN');
      try {
        for (const statement of m.statements) await client.query(statement);
        await client.query('INSERT INTO ledger.schema_version (version) VALUES ($1)', [m.version]);
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK').catch(() => {});
        throw e;
      }
      current = m.version;
    }
    return current;
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
  }
}

/** Role that every gateway user's role belongs to (the catalog creates it too; see catalog/roles.ts). */
const USERS_ROLE = 'tollgate_users';

/**
 * Makes ledger.users match the configured users and lets their roles read the tollgate views (and
 * nothing else of the ledger). Runs as the ledger's owner after the user roles exist.
 */
export async function syncLedgerUsers(client: pg.ClientBase, users: ReadonlyArray<{ name: string; team: string; admin: boolean }>): Promise<void> {
  await client.query('BEGIN');
  try {
    // Instances sharing an external ledger may start together: one sync at a time, and none while
    // another instance's role sync changes the same database's privileges (metastore/roles.ts).
    await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await client.query('SELECT pg_advisory_xact_lock($1)', [ROLE_SYNC_LOCK]);
    await client.query('DELETE FROM ledger.users');
    await client.query('INSERT INTO ledger.users (name, team, admin) SELECT * FROM unnest($1::text[], $2::text[], $3::bool[])', [
      users.map((u) => u.name),
      users.map((u) => u.team),
      users.map((u) => u.admin),
    ]);
    const db = (await client.query<{ db: string }>('SELECT current_database() AS db')).rows[0]!.db;
    // GRANT takes no bind parameters; the names are quoted identifiers.
    await client.query(`GRANT CONNECT ON DATABASE ${quoteIdentifier(db)} TO ${USERS_ROLE}`);
    await client.query(`GRANT USAGE ON SCHEMA tollgate TO ${USERS_ROLE}`);
    await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA tollgate TO ${USERS_ROLE}`);
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  }
}
