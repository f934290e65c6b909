import type pg from 'pg';
import { GatewayError } from '../../errors/index.ts';
import type { DateRange } from '../dates.ts';
import { IN_RANGE, num, numOrNull } from './range-sql.ts';

export interface HistoryFilter {
  user?: string | undefined;
  status?: string | undefined;
  /** Case-insensitive substring of the statement text (no wildcards: % and _ are literal). */
  search?: string | undefined;
  limit: number;
  /** The `next` of the previous page. */
  before?: string | undefined;
}

export interface HistoryRow {
  id: string;
  startedAt: Date;
  user: string;
  kind: string;
  engine: string | null;
  status: string;
  sqlstate: string | null;
  statement: string;
  rows: number | null;
  durationMs: number;
  estimatedBytes: number | null;
  billedBytes: number;
  cost: number;
  cacheHit: boolean;
}

/**
 * A page cursor: the last row's start (ISO, microseconds as PostgreSQL keeps them, so rows within the
 * same millisecond are neither skipped nor repeated) and its id, which breaks ties.
 */
export const CURSOR_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?Z_[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

function parseCursor(before: string): { at: string; id: string } {
  const cut = before.lastIndexOf('_');
  const at = before.slice(0, cut);
  if (cut < 0 || Number.isNaN(Date.parse(at))) throw new GatewayError('INVALID_PARAMETER_VALUE', `before is not a cursor this API gave out: "${before}"`);
  return { at, id: before.slice(cut + 1) };
}

export function likePattern(search: string): string {
  return `%${search.replace(/[\\%_]/g, '\\$&')}%`;
}

/** A team's statements in a period, newest first, one page at a time (keyset: stable while rows arrive). */
export async function queryHistory(pool: pg.Pool, team: string, range: DateRange, timeZone: string, f: HistoryFilter): Promise<{ rows: HistoryRow[]; next: string | null }> {
  const cursor = f.before === undefined ? null : parseCursor(f.before);
  const r = await pool.query<{
    id: string; started_at: Date; user_name: string; kind: string; engine: string | null; status: string; sqlstate: string | null;
    statement: string; rows: string | null; duration_ms: number; estimated_bytes: string | null; billed_bytes: string; cost: string; cache_hit: boolean; cursor_at: string;
  }>(
    `SELECT s.id, s.started_at, s.user_name, s.kind, s.engine, s.status, s.sqlstate, s.statement, s.rows::text, s.duration_ms,
            s.estimated_bytes::text, s.billed_bytes::text, s.cost::text, s.cache_hit,
            to_char(s.started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at
       FROM ledger.statements s
      WHERE s.team = $1 AND ${IN_RANGE}
        AND ($5::text IS NULL OR s.user_name = $5)
        AND ($6::text IS NULL OR s.status = $6)
        AND ($7::text IS NULL OR s.statement ILIKE $7 ESCAPE '\\')
        AND ($8::timestamptz IS NULL OR (s.started_at, s.id) < ($8::timestamptz, $9::uuid))
      ORDER BY s.started_at DESC, s.id DESC
      LIMIT $10`,
    [team, range.from, range.to, timeZone, f.user ?? null, f.status ?? null, f.search === undefined ? null : likePattern(f.search), cursor?.at ?? null, cursor?.id ?? null, f.limit + 1],
  );
  const page = r.rows.slice(0, f.limit);
  const last = page[page.length - 1];
  return {
    rows: page.map((x) => ({
      id: x.id,
      startedAt: x.started_at,
      user: x.user_name,
      kind: x.kind,
      engine: x.engine,
      status: x.status,
      sqlstate: x.sqlstate,
      statement: x.statement,
      rows: numOrNull(x.rows),
      durationMs: x.duration_ms,
      estimatedBytes: numOrNull(x.estimated_bytes),
      billedBytes: num(x.billed_bytes),
      cost: num(x.cost),
      cacheHit: x.cache_hit,
    })),
    next: r.rows.length > f.limit && last !== undefined ? `${last.cursor_at}_${last.id}` : null,
  };
}
