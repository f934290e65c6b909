import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { consumeOverride } from './overrides.ts';
import { periodsAt } from './periods.ts';
import { inTransaction, money } from './tx.ts';
import type { RefusalReason, ReserveRequest, ReserveResult, UsageSnapshot } from './types.ts';
import { addUsage, fireThresholds, lockUsage, readUsage, type UsageRow } from './usage.ts';

export interface ReserveContext {
  pool: pg.Pool;
  timeZone: string;
  now: () => Date;
  /** How long a held reservation lives before sweepExpired() may release it. */
  ttlMs: number;
}

/**
 * Reserves `amount` on the team's month and day and the user's month and day, all or nothing, in one
 * transaction:
 *   1. lock the four usage rows in key order (creating them if needed; none when the team has no budget);
 *   2. read them: with the locks held the values are current and stay so until COMMIT;
 *   3. if every limit still fits (compared in numeric), add to reserved; if one does not, only an
 *      override token valid now for this team (consumed in the same transaction) lets it through;
 *   4. record the reservation and any soft threshold now reached for the first time.
 * Two gateway instances serialise on the same row locks, so together they never reserve past a limit.
 */
export async function reserve(ctx: ReserveContext, req: ReserveRequest): Promise<ReserveResult> {
  const now = ctx.now();
  const periods = periodsAt(now, ctx.timeZone);
  if (!(req.amount > 0)) {
    // The fast path for free statements (catalog, cache hits, the ledger): no locks, no rows.
    return { ok: true, reservationId: null, crossed: [], status: { budgeted: false, team: req.team, why: 'free' }, overrideUsed: false };
  }
  const amount = money(req.amount);
  return inTransaction(ctx.pool, async (client) => {
    const locked = await lockUsage(client, req.team, req.user, periods, ctx.timeZone);
    if (locked === 0) return { ok: true, reservationId: null, crossed: [], status: { budgeted: false, team: req.team, why: 'no budget' }, overrideUsed: false } as const;
    const rows = await readUsage(client, req.team, req.user, periods, amount);
    const failing = firstFailing(rows);
    let overrideId: string | null = null;
    if (failing) {
      overrideId = req.overrideToken ? await consumeOverride(client, req.team, req.overrideToken, now) : null;
      if (overrideId === null) {
        const s = failing.snapshot;
        return {
          ok: false,
          reason: reasonOf(failing),
          team: req.team,
          user: req.user,
          amount: req.amount,
          remaining: s.remaining ?? 0,
          limit: s.limit ?? 0,
          budget: s.budget ?? 0,
          period: { kind: s.kind, start: s.start },
          overrideRejected: req.overrideToken !== undefined,
        } as const;
      }
    }
    const id = randomUUID();
    await addUsage(client, req.team, req.user, periods, { reserved: amount, spent: '0' });
    await client.query(
      `INSERT INTO ledger.budget_reservations (id, team, user_name, amount, month_start, day_start, statement_id, override_id, state, created_at, expires_at)
       VALUES ($1, $2, $3, $4::numeric, $5::date, $6::date, $7, $8, 'held', $9, $10)`,
      [id, req.team, req.user, amount, periods.monthStart, periods.dayStart, req.statementId ?? null, overrideId, now, new Date(now.getTime() + ctx.ttlMs)],
    );
    const crossed = await fireThresholds(client, req.team, periods, now);
    const after = (kind: 'month' | 'day', user: string): UsageSnapshot => {
      const s = rows.find((r) => r.snapshot.kind === kind && r.user === user)!.snapshot;
      const reserved = s.reserved + req.amount;
      return { ...s, reserved, remaining: s.limit === null ? null : Math.max(0, s.limit - s.spent - reserved) };
    };
    return {
      ok: true,
      reservationId: id,
      crossed,
      overrideUsed: overrideId !== null,
      status: {
        budgeted: true,
        team: req.team,
        month: after('month', ''),
        day: after('day', ''),
        user: { month: after('month', req.user), day: after('day', req.user) },
      },
    } as const;
  });
}

/** The limit to report when several are exceeded: the team's month, then its day, then the user's. */
const ORDER: ReadonlyArray<[string, 'month' | 'day']> = [
  ['team', 'month'],
  ['team', 'day'],
  ['user', 'month'],
  ['user', 'day'],
];

function firstFailing(rows: UsageRow[]): UsageRow | undefined {
  const failing = rows.filter((r) => !r.fits);
  for (const [who, kind] of ORDER) {
    const hit = failing.find((r) => r.snapshot.kind === kind && (who === 'team') === (r.user === ''));
    if (hit) return hit;
  }
  return undefined;
}

function reasonOf(row: UsageRow): RefusalReason {
  return `${row.user === '' ? 'team' : 'user'}_${row.snapshot.kind}`;
}
