import { Type, type Static } from '@sinclair/typebox';
import { CURSOR_PATTERN } from '../reports/history.ts';

/**
 * The analyst report routes (spend, top queries, history). Dates are local dates in the budget time
 * zone, `to` included; money is in the gateway's currency. Query strings are strings (no coercion):
 * numbers are checked by pattern.
 */

const LocalDate = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD in the budget time zone' });
const Timestamp = Type.String({ format: 'date-time' });
const Period = {
  from: Type.Optional(Type.String({ ...LocalDate, description: 'first day, YYYY-MM-DD in the budget time zone (default: the first of this month)' })),
  to: Type.Optional(Type.String({ ...LocalDate, description: 'last day, included (default: today)' })),
};

export const SpendQuery = Type.Object(
  {
    ...Period,
    by: Type.Optional(Type.Union([Type.Literal('day'), Type.Literal('engine'), Type.Literal('user'), Type.Literal('tag')], { description: 'grouping (default day)' })),
  },
  { additionalProperties: false },
);
export type SpendQuery = Static<typeof SpendQuery>;

const figures = {
  /** Statements of kind query, whatever their status. */
  queries: Type.Integer(),
  billedBytes: Type.Number(),
  cost: Type.Number(),
  cacheHits: Type.Integer(),
  savedCost: Type.Number(),
};

export const SpendResponse = Type.Object({
  team: Type.String(),
  currency: Type.String(),
  from: LocalDate,
  to: LocalDate,
  by: Type.String(),
  rows: Type.Array(Type.Object({ key: Type.String(), ...figures })),
  total: Type.Object(figures),
});

export const TopQueriesQuery = Type.Object(
  { ...Period, limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: '1 to 100 (default 10)' })) },
  { additionalProperties: false },
);
export type TopQueriesQuery = Static<typeof TopQueriesQuery>;

export const TopQueriesResponse = Type.Object({
  team: Type.String(),
  currency: Type.String(),
  rows: Type.Array(
    Type.Object({
      fingerprint: Type.String(),
      sample: Type.String({ description: 'the statement text of the latest run' }),
      queries: Type.Integer(),
      cost: Type.Number(),
      billedBytes: Type.Number(),
      users: Type.Array(Type.String()),
      lastRunAt: Timestamp,
    }),
  ),
});

export const HistoryQuery = Type.Object(
  {
    ...Period,
    user: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    status: Type.Optional(Type.Union([Type.Literal('ok'), Type.Literal('error'), Type.Literal('refused'), Type.Literal('cancelled')])),
    search: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'case-insensitive substring of the statement' })),
    limit: Type.Optional(Type.String({ pattern: '^(1000|[1-9][0-9]{0,2})$', description: '1 to 1000 (default 50)' })),
    before: Type.Optional(Type.String({ pattern: CURSOR_PATTERN, description: 'the `next` of the previous page' })),
  },
  { additionalProperties: false },
);
export type HistoryQuery = Static<typeof HistoryQuery>;

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

export const HistoryResponse = Type.Object({
  team: Type.String(),
  rows: Type.Array(
    Type.Object({
      id: Type.String(),
      startedAt: Timestamp,
      user: Type.String(),
      kind: Type.String(),
      engine: NullableString,
      status: Type.String(),
      sqlstate: NullableString,
      statement: Type.String(),
      rows: NullableNumber,
      durationMs: Type.Number(),
      estimatedBytes: NullableNumber,
      billedBytes: Type.Number(),
      cost: Type.Number(),
      cacheHit: Type.Boolean(),
    }),
  ),
  next: Type.Union([Type.String(), Type.Null()], { description: 'pass as `before` for the next page; null on the last one' }),
});

export const MeResponse = Type.Object({
  user: Type.String(),
  team: Type.String(),
  role: Type.Union([Type.Literal('analyst'), Type.Literal('admin')]),
  teams: Type.Array(Type.String(), { description: 'the teams this user may read: their own; admins every configured team' }),
});
