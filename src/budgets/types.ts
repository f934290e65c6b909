import type { PeriodKind } from './periods.ts';

/** A per-user cap inside a team's budget: hard amounts (not scaled by the team's hard limit); null = none. */
export interface UserCap {
  monthly: number | null;
  daily: number | null;
}

/** What an admin sets for a team. Money is in the configured currency. */
export interface BudgetSettings {
  monthly: number;
  /** null: no daily budget. */
  daily: number | null;
  /** Fractions of the budget that send a warning when first reached, ascending (default 0.5, 0.8). */
  softThresholds: number[];
  /** Fraction of the budget past which queries are refused (default 1.0). */
  hardLimit: number;
  userCaps: Record<string, UserCap>;
  /** Where threshold events are POSTed; null: nowhere. */
  webhookUrl: string | null;
}

/** An admin's request: only `monthly` is required, the rest take their defaults. */
export type BudgetInput = { monthly: number } & Partial<Omit<BudgetSettings, 'monthly'>>;

export interface Budget extends BudgetSettings {
  team: string;
  updatedAt: Date;
  updatedBy: string;
}

export interface Period {
  kind: PeriodKind;
  /** Local date the period starts on, YYYY-MM-DD. */
  start: string;
}

/** One period's money after the operation. remaining is against the hard limit, never below 0. */
export interface UsageSnapshot extends Period {
  spent: number;
  reserved: number;
  budget: number | null;
  limit: number | null;
  remaining: number | null;
}

/**
 * Where a team stands after a reservation: not looked up (a free statement), no budget, or its month and
 * day and the user's (budget null where unset).
 */
export type ReservationStatus =
  | { budgeted: false; team: string; why: 'free' | 'no budget' }
  | { budgeted: true; team: string; month: UsageSnapshot; day: UsageSnapshot; user: { month: UsageSnapshot; day: UsageSnapshot } };

/** A soft threshold reached for the first time in its period: send a NOTICE, log it, call the webhook. */
export interface ThresholdCrossing {
  team: string;
  period: Period;
  threshold: number;
  budget: number;
  /** Spent plus reserved when it was crossed. */
  committed: number;
  crossedAt: Date;
  webhookUrl: string | null;
}

export interface ReserveRequest {
  team: string;
  user: string;
  /** Estimated cost; <= 0 takes the fast path (nothing reserved). */
  amount: number;
  statementId?: string;
  /** An override token the session presented; consumed only when the reservation would not fit otherwise. */
  overrideToken?: string;
}

export type RefusalReason = 'team_month' | 'team_day' | 'user_month' | 'user_day';

export interface ReserveOk {
  ok: true;
  /** null when nothing was reserved (no budget, or a zero estimate): settle/release accept it as a no-op. */
  reservationId: string | null;
  crossed: ThresholdCrossing[];
  status: ReservationStatus;
  /** The reservation went over the limit on an override token. */
  overrideUsed: boolean;
}

export interface ReserveRefused {
  ok: false;
  reason: RefusalReason;
  team: string;
  user: string;
  amount: number;
  /** Left under the hard limit (or the user's cap), never below 0. */
  remaining: number;
  limit: number;
  budget: number;
  period: Period;
  /** An override token was presented but was not valid for this team now (or was used up). */
  overrideRejected: boolean;
}

export type ReserveResult = ReserveOk | ReserveRefused;

export interface SettleResult {
  /** 'noop': already settled or released, or unknown (null) id. */
  outcome: 'settled' | 'released' | 'noop';
  crossed: ThresholdCrossing[];
}

export interface PeriodStatus extends UsageSnapshot {
  /** Local date the next period starts on. */
  resetsOn: string;
  thresholds: Array<{ threshold: number; amount: number; crossedAt: Date | null }>;
}

export interface BudgetStatus {
  team: string;
  timeZone: string;
  budget: Budget | null;
  month: PeriodStatus;
  day: PeriodStatus;
  /** Users with a cap: their own month and day. */
  users: Array<{ user: string; month: UsageSnapshot; day: UsageSnapshot }>;
}

export interface BudgetChange {
  id: number;
  team: string;
  changedAt: Date;
  changedBy: string;
  action: 'set' | 'delete' | 'override';
  before: unknown;
  after: unknown;
}

export interface OverrideRequest {
  team: string;
  actor: string;
  /** Default: now. */
  validFrom?: Date;
  validUntil: Date;
  /** 1 (the default): one query; null: any number of queries inside the window; n: n queries. */
  uses?: number | null;
}

export interface IssuedOverride {
  id: string;
  /** Shown once; only its SHA-256 is stored. */
  token: string;
  team: string;
  validFrom: Date;
  validUntil: Date;
  uses: number | null;
}
