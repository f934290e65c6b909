/**
 * budgets/: team budgets that cannot be overspent, even by several gateway instances at once (issue 7).
 *
 * The model, all in the ledger's PostgreSQL (schema `ledger`, migration 5):
 * - budgets: one row per team with a budget: monthly and optional daily amounts, soft thresholds and the
 *   hard limit as fractions of the budget, a webhook URL; budget_user_caps: optional per-user monthly
 *   and daily caps inside the team (hard amounts). Teams without a row are not checked.
 * - budget_usage: money per (team, period kind, period start, user); user '' is the whole team. spent is
 *   billed money, reserved is money held by running queries. A period is a local calendar month or day in
 *   one configured time zone (periods.ts); a new period is simply a new row, so rollover needs no job.
 * - budget_reservations: one row per reserved query: its amount, the periods it was made in, its state
 *   (held → settled | released | expired) and an expiry after which sweepExpired() gives it back.
 * - budget_events: one row per (team, period, soft threshold) reached, the primary key making it fire once.
 * - budget_overrides: tokens (SHA-256 only) letting a team's queries past its limit for a number of
 *   queries or a time window; budget_changes: who changed which budget when, before and after.
 *
 * Atomicity: reserve() is one transaction that locks the four usage rows it touches, in primary-key
 * order (the order every operation locks in, so no deadlock), then compares and adds in numeric. The
 * decision is taken with the locks held, so it holds across connections and instances (reserve.ts).
 * All times come from an injectable clock.
 */
export { BudgetStore, type BudgetStoreOptions } from './store.ts';
export { periodsAt, nextPeriodStart, localDate, isValidTimeZone, type Periods, type PeriodKind } from './periods.ts';
export { normalizeBudget, DEFAULT_SOFT_THRESHOLDS, DEFAULT_HARD_LIMIT, MAX_AMOUNT } from './settings.ts';
export { budgetExceededError, thresholdMessage, type MessageOptions } from './refusal.ts';
export { WebhookSender, thresholdPayload, type WebhookSenderOptions } from './webhook.ts';
export { BudgetGuard, type Admission, type BudgetGuardOptions } from './guard.ts';
/** One transaction on a pool, retried on deadlock; used by other ledger writers too (migration/store.ts). */
export { inTransaction } from './tx.ts';
export type {
  Budget,
  BudgetChange,
  BudgetInput,
  BudgetSettings,
  BudgetStatus,
  IssuedOverride,
  OverrideRequest,
  Period,
  PeriodStatus,
  RefusalReason,
  ReservationStatus,
  ReserveOk,
  ReserveRefused,
  ReserveRequest,
  ReserveResult,
  SettleResult,
  ThresholdCrossing,
  UsageSnapshot,
  UserCap,
} from './types.ts';
