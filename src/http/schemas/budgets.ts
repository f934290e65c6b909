import { Type, type Static } from '@sinclair/typebox';
import { MAX_AMOUNT } from '../../budgets/index.ts';

/**
 * Request and response schemas of the budget routes. Responses list every field they send: fastify
 * serializes through them, so a field not named here (a webhook URL in an analyst's answer) cannot leak.
 * Money is in the gateway's currency; thresholds and the hard limit are fractions (0.8 = 80%).
 */

const Amount = Type.Number({ minimum: 0, maximum: MAX_AMOUNT });
const NullableAmount = Type.Union([Amount, Type.Null()]);
const Fraction = Type.Number({ exclusiveMinimum: 0, maximum: 10 });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const Timestamp = Type.String({ format: 'date-time' });
const LocalDate = Type.String({ description: 'YYYY-MM-DD in the budget time zone' });

export const TeamParams = Type.Object({ team: Name });
export type TeamParams = Static<typeof TeamParams>;

export const UserCap = Type.Object({ monthly: NullableAmount, daily: NullableAmount }, { additionalProperties: false });

export const BudgetBody = Type.Object(
  {
    monthly: Amount,
    daily: Type.Optional(NullableAmount),
    softThresholds: Type.Optional(Type.Array(Fraction, { maxItems: 10 })),
    hardLimit: Type.Optional(Fraction),
    userCaps: Type.Optional(Type.Record(Type.String({ minLength: 1, maxLength: 200 }), UserCap, { maxProperties: 10_000 })),
    webhookUrl: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type BudgetBody = Static<typeof BudgetBody>;

const budgetFields = {
  team: Type.String(),
  monthly: Type.Number(),
  daily: Type.Union([Type.Number(), Type.Null()]),
  softThresholds: Type.Array(Type.Number()),
  hardLimit: Type.Number(),
  userCaps: Type.Record(Type.String(), Type.Object({ monthly: Type.Union([Type.Number(), Type.Null()]), daily: Type.Union([Type.Number(), Type.Null()]) })),
  updatedAt: Timestamp,
  updatedBy: Type.String(),
};

/** What admins see. */
export const BudgetJson = Type.Object({ ...budgetFields, webhookUrl: Type.Union([Type.String(), Type.Null()]) });
export type BudgetJson = Static<typeof BudgetJson>;

/** What analysts see: no webhook URL (such URLs often carry a secret). */
export const PublicBudgetJson = Type.Object(budgetFields);

const Usage = {
  kind: Type.Union([Type.Literal('month'), Type.Literal('day')]),
  start: LocalDate,
  spent: Type.Number(),
  reserved: Type.Number(),
  budget: Type.Union([Type.Number(), Type.Null()]),
  limit: Type.Union([Type.Number(), Type.Null()]),
  remaining: Type.Union([Type.Number(), Type.Null()]),
};
const UsageJson = Type.Object(Usage);
const PeriodJson = Type.Object({
  ...Usage,
  resetsOn: LocalDate,
  thresholds: Type.Array(Type.Object({ threshold: Type.Number(), amount: Type.Number(), crossedAt: Type.Union([Timestamp, Type.Null()]) })),
});

/** A team's money now: this month, today, and each capped user. */
export const StatusJson = Type.Object({
  timeZone: Type.String(),
  month: PeriodJson,
  day: PeriodJson,
  users: Type.Array(Type.Object({ user: Type.String(), month: UsageJson, day: UsageJson })),
});
export type StatusJson = Static<typeof StatusJson>;

export const AdminBudgetResponse = Type.Object({
  team: Type.String(),
  currency: Type.String(),
  budget: Type.Union([BudgetJson, Type.Null()]),
  status: StatusJson,
});

export const TeamBudgetResponse = Type.Object({
  team: Type.String(),
  currency: Type.String(),
  budget: Type.Union([PublicBudgetJson, Type.Null()]),
  status: StatusJson,
  forecast: Type.Object({
    month: Type.Union([Type.Number(), Type.Null()], {
      description: 'spend at the end of the month if it goes on as so far (linear); null without a budget or before any spend',
    }),
  }),
});

export const ChangesQuery = Type.Object(
  { limit: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$', description: 'at most this many, newest first (default 100)' })) },
  { additionalProperties: false },
);

export const ChangesResponse = Type.Object({
  team: Type.String(),
  changes: Type.Array(
    Type.Object({
      id: Type.Integer(),
      changedAt: Timestamp,
      changedBy: Type.String(),
      action: Type.Union([Type.Literal('set'), Type.Literal('delete'), Type.Literal('override')]),
      before: Type.Unknown(),
      after: Type.Unknown(),
    }),
  ),
});

export const OverrideBody = Type.Object(
  {
    validForMinutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 31 * 24 * 60, default: 60 })),
    uses: Type.Optional(Type.Union([Type.Integer({ minimum: 1, maximum: 1_000_000 }), Type.Null()])),
  },
  { additionalProperties: false },
);
export type OverrideBody = Static<typeof OverrideBody>;

export const OverrideResponse = Type.Object({
  id: Type.String(),
  team: Type.String(),
  /** Shown once: only its SHA-256 is stored. */
  token: Type.String(),
  validFrom: Timestamp,
  validUntil: Timestamp,
  uses: Type.Union([Type.Integer(), Type.Null()]),
});
