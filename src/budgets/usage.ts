import type pg from 'pg';
import type { Periods } from './periods.ts';
import { num, numOrNull } from './tx.ts';
import type { ThresholdCrossing, UsageSnapshot } from './types.ts';

/**
 * The SQL over ledger.budget_usage shared by every operation. A reservation touches four rows: the team's
 * month and day (user_name '') and the user's month and day. Rows are always locked in the order of the
 * primary key (team, period_kind, period_start, user_name), by every operation, so two transactions can
 * never wait on each other in a cycle.
 *
 * Parameters common to the statements below: $1 team, $2 user, $3 day start, $4 month start.
 */
const KEYS = `u.team = $1 AND u.user_name IN ('', $2)
  AND ((u.period_kind = 'day' AND u.period_start = $3::date) OR (u.period_kind = 'month' AND u.period_start = $4::date))`;

/**
 * Makes the four rows exist (if the team has a budget) and locks them, in key order. Returns how many
 * rows are locked: 0 means the team has no budget.
 *
 * A row made here starts from what the ledger already billed in its period (the team's, or the user's):
 * a budget set in the middle of a month counts the month so far, not from zero. Later spending reaches
 * the row through settle(), so that sum is taken once, when the row is made (the NOT EXISTS keeps it
 * off the path of every later call). Rows are inserted in key order; a concurrent first insert of the
 * same row waits on the unique index and then does nothing.
 */
export async function lockUsage(client: pg.ClientBase, team: string, user: string, p: Periods, timeZone: string): Promise<number> {
  await client.query(
    `INSERT INTO ledger.budget_usage AS u (team, user_name, period_kind, period_start, spent)
     SELECT b.team, k.user_name, k.period_kind, k.period_start,
            COALESCE((SELECT sum(s.cost) FROM ledger.statements s
                       WHERE s.team = b.team AND (k.user_name = '' OR s.user_name = k.user_name) AND s.status = 'ok'
                         AND s.started_at >= (k.period_start::timestamp AT TIME ZONE $5)), 0)
       FROM ledger.budgets b,
            (VALUES ('day', $3::date, ''), ('day', $3::date, $2), ('month', $4::date, ''), ('month', $4::date, $2)) AS k (period_kind, period_start, user_name)
      WHERE b.team = $1
        AND NOT EXISTS (SELECT 1 FROM ledger.budget_usage e
                         WHERE e.team = b.team AND e.period_kind = k.period_kind AND e.period_start = k.period_start AND e.user_name = k.user_name)
      ORDER BY k.period_kind, k.period_start, k.user_name
     ON CONFLICT (team, period_kind, period_start, user_name) DO NOTHING`,
    [team, user, p.dayStart, p.monthStart, timeZone],
  );
  const r = await client.query(
    `SELECT 1 FROM ledger.budget_usage u JOIN ledger.budgets b ON b.team = u.team
      WHERE ${KEYS} ORDER BY u.period_kind, u.period_start, u.user_name FOR UPDATE OF u`,
    [team, user, p.dayStart, p.monthStart],
  );
  return r.rowCount ?? 0;
}

/**
 * Each usage row with the budget and the limit that applies to it: the team's rows are limited by its
 * budget times the hard limit, a user's rows by that user's cap (if any). A null limit means unlimited.
 */
const WITH_LIMITS = `
  SELECT u.team, u.user_name, u.period_kind, u.period_start::text AS period_start, u.spent, u.reserved, x.budget,
         CASE WHEN u.user_name = '' THEN x.budget * b.hard_limit ELSE x.budget END AS lim
    FROM ledger.budget_usage u
    JOIN ledger.budgets b ON b.team = u.team
    LEFT JOIN ledger.budget_user_caps c ON c.team = u.team AND c.user_name = u.user_name
    CROSS JOIN LATERAL (SELECT CASE WHEN u.user_name = '' THEN (CASE u.period_kind WHEN 'month' THEN b.monthly ELSE b.daily END)
                                    ELSE (CASE u.period_kind WHEN 'month' THEN c.monthly ELSE c.daily END) END AS budget) x
   WHERE ${KEYS}`;

export interface UsageRow {
  user: string;
  snapshot: UsageSnapshot;
  /** Whether `amount` more still fits under this row's limit. */
  fits: boolean;
}

/**
 * The four rows and whether `amount` more fits under each limit, compared in numeric (exact). Run after
 * lockUsage in the same transaction: a new statement sees the latest committed values, and nobody can
 * change the locked rows until we commit.
 */
export async function readUsage(client: pg.ClientBase, team: string, user: string, p: Periods, amount: string): Promise<UsageRow[]> {
  const r = await client.query<{ user_name: string; period_kind: 'month' | 'day'; period_start: string; spent: string; reserved: string; budget: string | null; lim: string | null; fits: boolean; remaining: string | null }>(
    `SELECT w.*, (w.lim IS NULL OR w.spent + w.reserved + $5::numeric <= w.lim) AS fits, greatest(w.lim - w.spent - w.reserved, 0) AS remaining
       FROM (${WITH_LIMITS}) w
      ORDER BY w.period_kind DESC, w.user_name`,
    [team, user, p.dayStart, p.monthStart, amount],
  );
  return r.rows.map((x) => ({
    user: x.user_name,
    fits: x.fits,
    snapshot: {
      kind: x.period_kind,
      start: x.period_start,
      spent: num(x.spent),
      reserved: num(x.reserved),
      budget: numOrNull(x.budget),
      limit: numOrNull(x.lim),
      remaining: numOrNull(x.remaining),
    },
  }));
}

/** Adds to reserved and spent on the four rows (already locked). */
export async function addUsage(client: pg.ClientBase, team: string, user: string, p: Periods, delta: { reserved: string; spent: string }): Promise<void> {
  await client.query(
    `UPDATE ledger.budget_usage u SET reserved = u.reserved + $5::numeric, spent = u.spent + $6::numeric WHERE ${KEYS}`,
    [team, user, p.dayStart, p.monthStart, delta.reserved, delta.spent],
  );
}

/**
 * Writes a budget event for each soft threshold the team's committed money (spent + reserved) has
 * reached in these periods. The primary key (team, period, threshold) makes each fire once: ON CONFLICT
 * DO NOTHING RETURNING returns only the rows this call inserted, so exactly one caller, on whichever
 * instance, learns it crossed the threshold and sends the notice and webhook.
 */
export async function fireThresholds(client: pg.ClientBase, team: string, p: Periods, now: Date): Promise<ThresholdCrossing[]> {
  const r = await client.query<{ period_kind: 'month' | 'day'; period_start: string; threshold: string; crossed_at: Date; spent: string; budget: string; webhook_url: string | null }>(
    `WITH fired AS (
       INSERT INTO ledger.budget_events (team, period_kind, period_start, threshold, crossed_at, spent, budget)
       SELECT u.team, u.period_kind, u.period_start, t.threshold, $4, u.spent + u.reserved, x.budget
         FROM ledger.budget_usage u
         JOIN ledger.budgets b ON b.team = u.team
         CROSS JOIN LATERAL (SELECT CASE u.period_kind WHEN 'month' THEN b.monthly ELSE b.daily END AS budget) x
         CROSS JOIN LATERAL unnest(b.soft_thresholds) AS t (threshold)
        WHERE u.team = $1 AND u.user_name = ''
          AND ((u.period_kind = 'day' AND u.period_start = $2::date) OR (u.period_kind = 'month' AND u.period_start = $3::date))
          AND x.budget > 0 AND u.spent + u.reserved >= t.threshold * x.budget
       ON CONFLICT (team, period_kind, period_start, threshold) DO NOTHING
       RETURNING *)
     SELECT f.period_kind, f.period_start::text AS period_start, f.threshold, f.crossed_at, f.spent, f.budget, b.webhook_url
       FROM fired f JOIN ledger.budgets b ON b.team = f.team
      ORDER BY f.period_kind DESC, f.threshold`,
    [team, p.dayStart, p.monthStart, now],
  );
  return r.rows.map((x) => ({
    team,
    period: { kind: x.period_kind, start: x.period_start },
    threshold: num(x.threshold),
    budget: num(x.budget),
    committed: num(x.spent),
    crossedAt: x.crossed_at,
    webhookUrl: x.webhook_url,
  }));
}

/** Locks the four rows that exist (settling does not create rows), in the same key order as lockUsage. */
export async function lockExistingUsage(client: pg.ClientBase, team: string, user: string, p: Periods): Promise<void> {
  await client.query(
    `SELECT 1 FROM ledger.budget_usage u WHERE ${KEYS} ORDER BY u.period_kind, u.period_start, u.user_name FOR UPDATE`,
    [team, user, p.dayStart, p.monthStart],
  );
}
