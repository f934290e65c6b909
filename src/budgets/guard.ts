import type pg from 'pg';
import { formatMoney } from '../billing/index.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { budgetExceededError, thresholdMessage, type MessageOptions } from './refusal.ts';
import type { BudgetStore } from './store.ts';
import type { ThresholdCrossing } from './types.ts';
import { thresholdPayload, type WebhookSender } from './webhook.ts';

/** What a query was admitted with: the money held for it, and what the client should be told. */
export interface Admission {
  /** null: nothing held (the team has no budget, or the query is free). */
  reservationId: string | null;
  /** For the cost notice, e.g. "month: $12.40 of $200.00"; absent without a budget. */
  budgetLine?: string;
  /** Soft thresholds this query crossed, as notices. */
  notices: string[];
}

export interface BudgetGuardOptions {
  store: BudgetStore;
  /** The ledger's pool, to see which teams have a budget. */
  pool: pg.Pool;
  currency: string;
  contact?: string;
  webhooks: WebhookSender;
  logger: Logger;
  /**
   * How long the set of teams with a budget is trusted (default 2 s). Teams outside it skip the
   * reservation's round trips; a budget set through another instance is enforced here within this time.
   */
  budgetedTeamsTtlMs?: number;
}

/**
 * The executor's side of budgets: admit() before a query runs (reserve, or refuse), finish() after
 * (settle to the billed cost, or release). Threshold crossings become notices, log lines and webhooks.
 */
export class BudgetGuard {
  private budgeted: { teams: Set<string>; at: number } | null = null;
  private loading: Promise<Set<string>> | null = null;
  private readonly messages: MessageOptions;

  constructor(private readonly opts: BudgetGuardOptions) {
    this.messages = { currency: opts.currency, timeZone: opts.store.timeZone, ...(opts.contact !== undefined && { contact: opts.contact }) };
  }

  /** Forget the cached set of budgeted teams (a budget was just changed through this instance). */
  budgetsChanged(): void {
    this.budgeted = null;
  }

  /**
   * Holds `cost` against the team's (and user's) budget, or throws BUDGET_EXCEEDED. If the ledger cannot
   * be reached, a team with a budget is refused (its budget could not be kept); others go on.
   */
  async admit(req: { team: string; user: string; cost: number; statementId: string; overrideToken?: string }): Promise<Admission> {
    if (req.cost <= 0) return { reservationId: null, notices: [] };
    let teams: Set<string> | null;
    try {
      teams = await this.budgetedTeams();
    } catch (err) {
      this.opts.logger.warn({ err }, 'the ledger cannot say which teams have a budget; queries of teams with one are refused until it can');
      teams = this.budgeted?.teams ?? null;
      if (teams === null || teams.has(req.team)) throw unavailable(req.team, err);
    }
    if (!teams.has(req.team)) return { reservationId: null, notices: [] };
    let result;
    try {
      result = await this.opts.store.reserve({
        team: req.team,
        user: req.user,
        amount: req.cost,
        statementId: req.statementId,
        ...(req.overrideToken !== undefined && req.overrideToken !== '' && { overrideToken: req.overrideToken }),
      });
    } catch (err) {
      if (err instanceof GatewayError) throw err;
      throw unavailable(req.team, err);
    }
    if (!result.ok) {
      this.opts.logger.info({ team: req.team, user: req.user, reason: result.reason, amount: req.cost, remaining: result.remaining }, 'query refused by budget');
      throw budgetExceededError(result, this.messages);
    }
    if (result.overrideUsed) this.opts.logger.warn({ team: req.team, user: req.user, amount: req.cost, statement: req.statementId }, 'query admitted over budget on an override token');
    const admission: Admission = { reservationId: result.reservationId, notices: this.crossed(result.crossed) };
    if (result.status.budgeted) {
      const m = result.status.month;
      const money = (v: number) => formatMoney(v, this.opts.currency);
      if (m.budget !== null) admission.budgetLine = `month: ${money(m.spent + m.reserved)} of ${money(m.budget)}`;
    }
    return admission;
  }

  /** The query ended: billed (settle to that cost) or not (null: release). Never throws. */
  async finish(reservationId: string | null, billedCost: number | null): Promise<void> {
    if (reservationId === null) return;
    try {
      const r = billedCost === null ? await this.opts.store.release(reservationId) : await this.opts.store.settle(reservationId, billedCost);
      this.crossed(r.crossed);
    } catch (err) {
      // The reservation stays held until it expires and the sweep gives it back (see sweepExpired).
      this.opts.logger.error({ err, reservationId }, 'a budget reservation could not be settled; the sweep will');
    }
  }

  /** Gives back reservations whose instance never settled them; every `intervalMs`. */
  sweepEvery(intervalMs: number): { stop(): void } {
    const timer = setInterval(() => {
      this.opts.store.sweepExpired().then(
        (n) => n > 0 && this.opts.logger.warn({ released: n }, 'expired budget reservations released'),
        (err: unknown) => this.opts.logger.warn({ err }, 'sweeping expired budget reservations failed'),
      );
    }, intervalMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  private crossed(crossings: readonly ThresholdCrossing[]): string[] {
    return crossings.map((c) => {
      const message = thresholdMessage(c, this.messages);
      this.opts.logger.warn({ team: c.team, threshold: c.threshold, period: c.period, committed: c.committed }, message);
      if (c.webhookUrl) this.opts.webhooks.send(c.webhookUrl, thresholdPayload(c));
      return `tollgate: ${message}`;
    });
  }

  private async budgetedTeams(): Promise<Set<string>> {
    const ttl = this.opts.budgetedTeamsTtlMs ?? 2000;
    if (this.budgeted && Date.now() - this.budgeted.at < ttl) return this.budgeted.teams;
    this.loading ??= this.opts.pool
      .query<{ team: string }>('SELECT team FROM ledger.budgets')
      .then((r) => {
        const teams = new Set(r.rows.map((x) => x.team));
        this.budgeted = { teams, at: Date.now() };
        return teams;
      })
      .finally(() => {
        this.loading = null;
      });
    return this.loading;
  }
}

function unavailable(team: string, err: unknown): GatewayError {
  return new GatewayError('BUDGET_UNAVAILABLE', `query refused: the budget of team ${team} cannot be checked right now (the ledger is unreachable)`, {
    refused: true,
    detail: (err as Error).message,
    hint: 'Try again shortly; tell a tollgate admin if it persists.',
    cause: err,
  });
}
