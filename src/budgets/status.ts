import type pg from 'pg';
import { getBudget } from './admin.ts';
import { nextPeriodStart, periodsAt, type PeriodKind } from './periods.ts';
import { num } from './tx.ts';
import type { BudgetStatus, PeriodStatus, UsageSnapshot } from './types.ts';

/**
 * Where a team stands now: its month and day (spent, reserved, limit, thresholds and when each was
 * crossed) and each capped user's. A read for people (API, CLI, NOTICE text), never used to decide a
 * reservation; reserve() decides under row locks.
 */
export async function budgetStatus(pool: pg.Pool, team: string, timeZone: string, now: Date): Promise<BudgetStatus> {
  const p = periodsAt(now, timeZone);
  const [budget, usage, events] = await Promise.all([
    getBudget(pool, team),
    pool.query<{ user_name: string; period_kind: PeriodKind; spent: string; reserved: string }>(
      `SELECT user_name, period_kind, spent, reserved FROM ledger.budget_usage
        WHERE team = $1 AND ((period_kind = 'day' AND period_start = $2::date) OR (period_kind = 'month' AND period_start = $3::date))`,
      [team, p.dayStart, p.monthStart],
    ),
    pool.query<{ period_kind: PeriodKind; threshold: string; crossed_at: Date }>(
      `SELECT period_kind, threshold, crossed_at FROM ledger.budget_events
        WHERE team = $1 AND ((period_kind = 'day' AND period_start = $2::date) OR (period_kind = 'month' AND period_start = $3::date))`,
      [team, p.dayStart, p.monthStart],
    ),
  ]);
  const startOf = (kind: PeriodKind) => (kind === 'month' ? p.monthStart : p.dayStart);
  const snapshot = (user: string, kind: PeriodKind, budgetAmount: number | null, limit: number | null): UsageSnapshot => {
    const row = usage.rows.find((r) => r.user_name === user && r.period_kind === kind);
    const spent = num(row?.spent);
    const reserved = num(row?.reserved);
    return { kind, start: startOf(kind), spent, reserved, budget: budgetAmount, limit, remaining: limit === null ? null : Math.max(0, limit - spent - reserved) };
  };
  const period = (kind: PeriodKind): PeriodStatus => {
    const amount = budget ? (kind === 'month' ? budget.monthly : budget.daily) : null;
    const s = snapshot('', kind, amount, amount === null ? null : amount * budget!.hardLimit);
    const thresholds = amount === null ? [] : budget!.softThresholds.map((threshold) => ({
      threshold,
      amount: threshold * amount,
      crossedAt: events.rows.find((e) => e.period_kind === kind && num(e.threshold) === threshold)?.crossed_at ?? null,
    }));
    return { ...s, resetsOn: nextPeriodStart(kind, s.start), thresholds };
  };
  const users = Object.entries(budget?.userCaps ?? {}).map(([user, cap]) => ({
    user,
    month: snapshot(user, 'month', cap.monthly, cap.monthly),
    day: snapshot(user, 'day', cap.daily, cap.daily),
  }));
  return { team, timeZone, budget, month: period('month'), day: period('day'), users };
}
