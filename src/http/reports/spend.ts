import type pg from 'pg';
import type { DateRange } from '../dates.ts';
import { IN_RANGE, num } from './range-sql.ts';

export type SpendBy = 'day' | 'engine' | 'user' | 'tag';

export interface SpendFigures {
  queries: number;
  billedBytes: number;
  cost: number;
  cacheHits: number;
  savedCost: number;
}

export interface SpendReport {
  rows: Array<{ key: string } & SpendFigures>;
  total: SpendFigures;
}

/** The group key of each `by`; fixed SQL chosen by an enum, never built from input. */
const KEYS: Record<SpendBy, string> = {
  day: "to_char((s.started_at AT TIME ZONE $4)::date, 'YYYY-MM-DD')",
  engine: "coalesce(s.engine, '(none)')",
  user: 's.user_name',
  tag: "t.key || '=' || t.value",
};

/**
 * What counts: queries (any status, counted as queries) and anything else that cost money (a COPY);
 * money and bytes only of statements that ended ok, as the budgets count them.
 */
const FIGURES = `count(*) FILTER (WHERE s.kind = 'query') AS queries,
  coalesce(sum(s.billed_bytes) FILTER (WHERE s.status = 'ok'), 0)::text AS billed_bytes,
  coalesce(sum(s.cost) FILTER (WHERE s.status = 'ok'), 0) AS cost_sum,
  count(*) FILTER (WHERE s.cache_hit AND s.status = 'ok') AS cache_hits,
  coalesce(sum(s.saved_cost) FILTER (WHERE s.status = 'ok'), 0)::text AS saved_cost`;

const COUNTED = `s.team = $1 AND ${IN_RANGE} AND (s.kind = 'query' OR (s.status = 'ok' AND s.cost <> 0))`;

interface FigureRow {
  queries: string;
  billed_bytes: string;
  cost_sum: string;
  cache_hits: string;
  saved_cost: string;
}

function figures(r: FigureRow): SpendFigures {
  return { queries: num(r.queries), billedBytes: num(r.billed_bytes), cost: num(r.cost_sum), cacheHits: num(r.cache_hits), savedCost: num(r.saved_cost) };
}

/**
 * A team's spend in a period, grouped by local day, engine, user or tag. by=tag has one row per
 * name=value of the tags object: a statement with two tags is in two rows, one without tags in none,
 * so the rows need not add up to the total (the other groupings do).
 */
export async function spendReport(pool: pg.Pool, team: string, range: DateRange, timeZone: string, by: SpendBy): Promise<SpendReport> {
  const tags = by === 'tag' ? "CROSS JOIN LATERAL jsonb_each_text(CASE WHEN jsonb_typeof(s.tags) = 'object' THEN s.tags ELSE '{}'::jsonb END) AS t" : '';
  const order = by === 'day' ? 'key' : 'sum(s.cost) FILTER (WHERE s.status = \'ok\') DESC NULLS LAST, key';
  const params = [team, range.from, range.to, timeZone];
  const [grouped, total] = await Promise.all([
    pool.query<FigureRow & { key: string }>(
      `SELECT ${KEYS[by]} AS key, ${FIGURES} FROM ledger.statements s ${tags} WHERE ${COUNTED} GROUP BY 1 ORDER BY ${order}`,
      params,
    ),
    pool.query<FigureRow>(`SELECT ${FIGURES} FROM ledger.statements s WHERE ${COUNTED}`, params),
  ]);
  return { rows: grouped.rows.map((r) => ({ key: r.key, ...figures(r) })), total: figures(total.rows[0]!) };
}
