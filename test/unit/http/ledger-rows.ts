import { randomUUID } from 'node:crypto';
import type pg from 'pg';

/** A ledger.statements row for the report tests; unset fields take plain defaults. */
export interface StatementRow {
  id?: string;
  startedAt: string;
  user: string;
  team: string;
  kind?: string;
  status?: string;
  sqlstate?: string | null;
  statement?: string;
  fingerprint?: string | null;
  engine?: string | null;
  rows?: number | null;
  durationMs?: number;
  estimatedBytes?: number | null;
  billedBytes?: number;
  cost?: number;
  cacheHit?: boolean;
  savedCost?: number;
  tags?: Record<string, string>;
}

/** Inserts rows as the statement log would (started_at keeps microseconds given in the string). */
export async function insertStatements(pool: pg.Pool, rows: readonly StatementRow[]): Promise<string[]> {
  const ids: string[] = [];
  for (const r of rows) {
    const id = r.id ?? randomUUID();
    ids.push(id);
    await pool.query(
      `INSERT INTO ledger.statements (id, started_at, ended_at, duration_ms, instance, session_id, user_name, team, kind, status, sqlstate,
         statement, fingerprint, rows, engine, estimated_bytes, billed_bytes, cost, cache_hit, saved_cost, tags)
       VALUES ($1, $2::timestamptz, $2::timestamptz, $3, 'test', 1, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
      [
        id, r.startedAt, r.durationMs ?? 5, r.user, r.team, r.kind ?? 'query', r.status ?? 'ok', r.sqlstate ?? null,
        r.statement ?? 'SELECT 1', r.fingerprint === undefined ? null : r.fingerprint, r.rows === undefined ? 1 : r.rows,
        r.engine === undefined ? 'duck' : r.engine, r.estimatedBytes === undefined ? null : r.estimatedBytes,
        r.billedBytes ?? 0, r.cost ?? 0, r.cacheHit ?? false, r.savedCost ?? 0, JSON.stringify(r.tags ?? {}),
      ],
    );
  }
  return ids;
}
