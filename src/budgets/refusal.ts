import { formatMoney } from '../billing/index.ts';
import { GatewayError } from '../errors/index.ts';
import { nextPeriodStart } from './periods.ts';
import type { ReserveRefused, ThresholdCrossing } from './types.ts';

export interface MessageOptions {
  currency: string;
  /** Who grants overrides and budgets, e.g. 'the data platform team (#data-platform)'. */
  contact?: string;
  timeZone?: string;
}

const DEFAULT_CONTACT = 'a tollgate admin';

/**
 * The error a refused query gets (SQLSTATE 53400, class 53: insufficient resources), naming the team,
 * the estimate, what is left and who to ask, e.g.
 *   query refused: team growth has $1.20 left of its $200.00 monthly budget and this query is estimated
 *   at $3.40; ask a tollgate admin for an override or a higher budget
 */
export function budgetExceededError(r: ReserveRefused, opts: MessageOptions): GatewayError {
  const m = (v: number) => formatMoney(v, opts.currency);
  const period = r.period.kind === 'month' ? 'monthly' : 'daily';
  // A hard limit other than 100% is said, or "$30 left of its $200 budget" would read as a mistake.
  const past = r.limit !== r.budget ? ` (hard limit ${m(r.limit)})` : '';
  const who = r.reason.startsWith('team')
    ? `team ${r.team} has ${m(r.remaining)} left of its ${m(r.budget)}${past} ${period} budget`
    : `user ${r.user} has ${m(r.remaining)} left of their ${m(r.budget)} ${period} cap in team ${r.team}`;
  const ask = r.reason.startsWith('team') ? 'an override or a higher budget' : 'an override or a higher cap';
  const message = `query refused: ${who} and this query is estimated at ${m(r.amount)}; ask ${opts.contact ?? DEFAULT_CONTACT} for ${ask}`;
  const zone = opts.timeZone ? ` (${opts.timeZone})` : '';
  const detail = `The ${period} period started ${r.period.start} and resets on ${nextPeriodStart(r.period.kind, r.period.start)}${zone}.`;
  return new GatewayError('BUDGET_EXCEEDED', message, {
    detail: r.overrideRejected ? `${detail} The override token given is not valid for team ${r.team} now, or is used up.` : detail,
    refused: true,
  });
}

/** The NOTICE (and log line) for a soft threshold crossed, e.g. "team growth has used 80% of its $200.00 monthly budget ($161.00)". */
export function thresholdMessage(c: ThresholdCrossing, opts: MessageOptions): string {
  const period = c.period.kind === 'month' ? 'monthly' : 'daily';
  const pct = `${Math.round(c.threshold * 1000) / 10}%`;
  return `team ${c.team} has used ${pct} of its ${formatMoney(c.budget, opts.currency)} ${period} budget (${formatMoney(c.committed, opts.currency)} spent or reserved, period started ${c.period.start})`;
}
