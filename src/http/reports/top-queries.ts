import type pg from 'pg';
import type { DateRange } from '../dates.ts';
import { IN_RANGE, num } from './range-sql.ts';

export interface TopQuery {
  fingerprint: string;
  /** The text of the latest run. */
  sample: string;
  queries: number;
  cost: number;
  billedBytes: number;
  users: string[];
  lastRunAt: Date;
}

/** A team's costliest statement shapes (by fingerprint) in a period, costliest first. */
export async function topQueries(pool: pg.Pool, team: string, range: DateRange, timeZone: string, limit: number): Promise<TopQuery[]> {
  const r = await pool.query<{ fingerprint: string; sample: string; queries: string; cost: string; billed_bytes: string; users: string[]; last_run_at: Date }>(
    `SELECT s.fingerprint,
            (array_agg(s.statement ORDER BY s.started_at DESC, s.id DESC))[1] AS sample,
            count(*) AS queries,
            coalesce(sum(s.cost) FILTER (WHERE s.status = 'ok'), 0)::text AS cost,
            coalesce(sum(s.billed_bytes) FILTER (WHERE s.status = 'ok'), 0)::text AS billed_bytes,
            array_agg(DISTINCT s.user_name ORDER BY s.user_name) AS users,
            max(s.started_at) AS last_run_at
       FROM ledger.statements s
      WHERE s.team = $1 AND ${IN_RANGE} AND s.kind = 'query' AND s.fingerprint IS NOT NULL
      GROUP BY s.fingerprint
      ORDER BY coalesce(sum(s.cost) FILTER (WHERE s.status = 'ok'), 0) DESC, count(*) DESC, s.fingerprint
      LIMIT $5`,
    [team, range.from, range.to, timeZone, limit],
  );
  return r.rows.map((x) => ({
    fingerprint: x.fingerprint,
    sample: x.sample,
    queries: num(x.queries),
    cost: num(x.cost),
    billedBytes: num(x.billed_bytes),
    users: x.users,
    lastRunAt: x.last_run_at,
  }));
}
