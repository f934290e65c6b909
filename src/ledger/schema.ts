import type pg from 'pg';

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
