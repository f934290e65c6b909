import type pg from 'pg';
import { GatewayError } from '../errors/index.ts';
import { deleteBudget, getBudget, listChanges, recordChange, setBudget } from './admin.ts';
import { insertOverride } from './overrides.ts';
import { isValidTimeZone } from './periods.ts';
import { reserve, type ReserveContext } from './reserve.ts';
import { checkName } from './settings.ts';
import { recordSpend, release, settle, sweepExpired } from './settle.ts';
import { budgetStatus } from './status.ts';
import { inTransaction } from './tx.ts';
import type { Budget, BudgetChange, BudgetInput, BudgetStatus, IssuedOverride, OverrideRequest, ReserveRequest, ReserveResult, SettleResult } from './types.ts';

export interface BudgetStoreOptions {
  /** A pool on the ledger database, migrated (migrateLedger); the caller owns it and ends it. */
  pool: pg.Pool;
  /** IANA zone whose midnights start the periods, e.g. 'Europe/Berlin'. */
  timeZone: string;
  /** The clock; tests pass a fake one. Every timestamp written comes from it, never from PostgreSQL's now(). */
  now?: () => Date;
  /** How long a reservation is held before sweepExpired() may release it (default 6 hours). */
  reservationTtlMs?: number;
}

const DEFAULT_TTL_MS = 6 * 3600_000;

/**
 * The budgets of every team, kept in the ledger's PostgreSQL and shared by every gateway instance that
 * uses it. The executor calls reserve() before a query, then settle() or release(); admins use the rest.
 */
export class BudgetStore {
  private readonly ctx: ReserveContext;

  constructor(opts: BudgetStoreOptions) {
    if (!isValidTimeZone(opts.timeZone)) throw new GatewayError('CONFIG_INVALID', `budget time zone ${JSON.stringify(opts.timeZone)} is not an IANA time zone`);
    this.ctx = { pool: opts.pool, timeZone: opts.timeZone, now: opts.now ?? (() => new Date()), ttlMs: opts.reservationTtlMs ?? DEFAULT_TTL_MS };
  }

  get timeZone(): string {
    return this.ctx.timeZone;
  }

  /** Reserves a query's estimated cost, or says why it does not fit. See reserve.ts. */
  reserve(req: ReserveRequest): Promise<ReserveResult> {
    checkName('the team', req.team);
    checkName('the user', req.user);
    return reserve(this.ctx, req);
  }

  /** The query ended: charge what it was billed. Idempotent; null (nothing reserved) is a no-op. */
  settle(reservationId: string | null, billedCost: number): Promise<SettleResult> {
    return settle(this.ctx, reservationId, billedCost);
  }

  /** The query failed or was cancelled: give the reservation back. Idempotent. */
  release(reservationId: string | null): Promise<SettleResult> {
    return release(this.ctx, reservationId);
  }

  /** Charges spending that had no reservation (estimated free, billed anyway). */
  recordSpend(req: { team: string; user: string; amount: number }): Promise<SettleResult> {
    return recordSpend(this.ctx, req);
  }

  /** Releases reservations past their expiry (their instance died); run it every minute or so on every instance. */
  sweepExpired(): Promise<number> {
    return sweepExpired(this.ctx);
  }

  getBudget(team: string): Promise<Budget | null> {
    return getBudget(this.ctx.pool, team);
  }

  setBudget(team: string, settings: BudgetInput, actor: string): Promise<Budget> {
    return setBudget(this.ctx.pool, team, settings, actor, this.ctx.now());
  }

  deleteBudget(team: string, actor: string): Promise<boolean> {
    return deleteBudget(this.ctx.pool, team, actor, this.ctx.now());
  }

  listChanges(team: string, limit?: number): Promise<BudgetChange[]> {
    return listChanges(this.ctx.pool, team, limit);
  }

  /** A token letting the team's queries past its limit (once, by default) until validUntil; recorded as a change. */
  issueOverride(req: OverrideRequest): Promise<IssuedOverride> {
    checkName('the team', req.team);
    checkName('the actor', req.actor);
    const now = this.ctx.now();
    return inTransaction(this.ctx.pool, async (client) => {
      const issued = await insertOverride(client, req, now);
      await recordChange(client, req.team, req.actor, now, 'override', null, { id: issued.id, validFrom: issued.validFrom, validUntil: issued.validUntil, uses: issued.uses });
      return issued;
    });
  }

  status(team: string, now: Date = this.ctx.now()): Promise<BudgetStatus> {
    return budgetStatus(this.ctx.pool, team, this.ctx.timeZone, now);
  }
}
