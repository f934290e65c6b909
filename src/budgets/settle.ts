import type pg from 'pg';
import type { Periods } from './periods.ts';
import { periodsAt } from './periods.ts';
import type { ReserveContext } from './reserve.ts';
import { inTransaction, money } from './tx.ts';
import type { SettleResult } from './types.ts';
import { addUsage, fireThresholds, lockExistingUsage, lockUsage } from './usage.ts';

interface HeldReservation {
  team: string;
  user_name: string;
  amount: string;
  month_start: string;
  day_start: string;
  state: 'held' | 'settled' | 'released' | 'expired';
}

/**
 * Locks one reservation row (first, before any usage row: the same order everywhere, see usage.ts) and
 * returns it with the periods it was made in.
 */
async function lockReservation(client: pg.ClientBase, id: string): Promise<(HeldReservation & { periods: Periods }) | null> {
  const r = await client.query<HeldReservation>(
    `SELECT team, user_name, amount, month_start::text AS month_start, day_start::text AS day_start, state
       FROM ledger.budget_reservations WHERE id = $1 FOR UPDATE`,
    [id],
  );
  const row = r.rows[0];
  return row ? { ...row, periods: { monthStart: row.month_start, dayStart: row.day_start } } : null;
}

/**
 * Turns a reservation into spending: reserved goes down by what was reserved and spent up by what was
 * billed (either may be larger), in the periods the reservation was made in, so a query that started
 * before midnight is charged to the day it started. Idempotent: a reservation already settled or
 * released is left alone. One the sweeper expired (its instance looked dead) still gets its billed cost
 * added to spent, since the query did run.
 */
export async function settle(ctx: ReserveContext, id: string | null, billedCost: number): Promise<SettleResult> {
  if (id === null) return { outcome: 'noop', crossed: [] };
  const billed = money(Math.max(0, Number.isFinite(billedCost) ? billedCost : 0));
  return inTransaction(ctx.pool, async (client) => {
    const res = await lockReservation(client, id);
    if (!res || res.state === 'settled' || res.state === 'released') return { outcome: 'noop', crossed: [] } as const;
    const now = ctx.now();
    await lockExistingUsage(client, res.team, res.user_name, res.periods);
    await addUsage(client, res.team, res.user_name, res.periods, { reserved: res.state === 'held' ? `-${res.amount}` : '0', spent: billed });
    await client.query(`UPDATE ledger.budget_reservations SET state = 'settled', billed = $2::numeric, ended_at = $3 WHERE id = $1`, [id, billed, now]);
    return { outcome: 'settled', crossed: await fireThresholds(client, res.team, res.periods, now) } as const;
  });
}

/** Gives a reservation back (the query failed or was cancelled before costing anything). Idempotent. */
export async function release(ctx: ReserveContext, id: string | null): Promise<SettleResult> {
  if (id === null) return { outcome: 'noop', crossed: [] };
  return inTransaction(ctx.pool, async (client) => {
    const res = await lockReservation(client, id);
    if (!res || res.state !== 'held') return { outcome: 'noop', crossed: [] } as const;
    await lockExistingUsage(client, res.team, res.user_name, res.periods);
    await addUsage(client, res.team, res.user_name, res.periods, { reserved: `-${res.amount}`, spent: '0' });
    await client.query(`UPDATE ledger.budget_reservations SET state = 'released', ended_at = $2 WHERE id = $1`, [id, ctx.now()]);
    return { outcome: 'released', crossed: [] } as const;
  });
}

const SWEEP_BATCH = 500;

/**
 * Releases reservations still held past their expires_at: their gateway instance crashed (or lost the
 * ledger) between reserve and settle. Releasing rather than charging the estimate is a choice: a crash
 * usually means the query's result never reached the client, and a team wrongly locked out is worse than
 * one query's worth of spend not counted. If the instance was only slow and settles later, settle()
 * still adds the billed cost. One transaction per reservation, so the sweeper never holds more than one
 * reservation's locks (and any number of instances may sweep at once). Returns how many it released.
 */
export async function sweepExpired(ctx: ReserveContext): Promise<number> {
  const now = ctx.now();
  const due = await ctx.pool.query<{ id: string }>(
    `SELECT id FROM ledger.budget_reservations WHERE state = 'held' AND expires_at <= $1 ORDER BY expires_at LIMIT $2`,
    [now, SWEEP_BATCH],
  );
  let released = 0;
  for (const { id } of due.rows) {
    const done = await inTransaction(ctx.pool, async (client) => {
      const res = await lockReservation(client, id);
      if (!res || res.state !== 'held') return false; // settled or swept by someone else meanwhile
      // An instance that died after its statement's ledger row was committed but before settling: the
      // ledger says what was billed, so that is charged (the budget then matches the ledger); a statement
      // the ledger does not have as ok is released.
      const billed = await client.query<{ cost: string }>(
        `SELECT s.cost FROM ledger.budget_reservations r JOIN ledger.statements s ON s.id::text = r.statement_id
          WHERE r.id = $1 AND s.status = 'ok'`,
        [id],
      );
      const cost = billed.rows[0]?.cost;
      await lockExistingUsage(client, res.team, res.user_name, res.periods);
      await addUsage(client, res.team, res.user_name, res.periods, { reserved: `-${res.amount}`, spent: cost ?? '0' });
      if (cost !== undefined) await client.query(`UPDATE ledger.budget_reservations SET state = 'settled', billed = $3, ended_at = $2 WHERE id = $1`, [id, now, cost]);
      else await client.query(`UPDATE ledger.budget_reservations SET state = 'expired', ended_at = $2 WHERE id = $1`, [id, now]);
      return true;
    });
    if (done) released++;
  }
  return released;
}

/**
 * Spending that had no reservation (a statement estimated free but billed): added to the current
 * periods without any check, since the money is already spent. No-op for a team without a budget.
 */
export async function recordSpend(ctx: ReserveContext, req: { team: string; user: string; amount: number }): Promise<SettleResult> {
  if (!(req.amount > 0)) return { outcome: 'noop', crossed: [] };
  const now = ctx.now();
  const periods = periodsAt(now, ctx.timeZone);
  return inTransaction(ctx.pool, async (client) => {
    if ((await lockUsage(client, req.team, req.user, periods, ctx.timeZone)) === 0) return { outcome: 'noop', crossed: [] } as const;
    await addUsage(client, req.team, req.user, periods, { reserved: '0', spent: money(req.amount) });
    return { outcome: 'settled', crossed: await fireThresholds(client, req.team, periods, now) } as const;
  });
}
