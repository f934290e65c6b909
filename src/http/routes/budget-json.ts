import type { Budget, BudgetStatus, PeriodStatus } from '../../budgets/index.ts';
import type { BudgetJson, StatusJson } from '../schemas/budgets.ts';

/** Budgets and statuses as JSON: dates as ISO strings (the serializer then only checks shapes). */

export function budgetJson(b: Budget): BudgetJson {
  return {
    team: b.team,
    monthly: b.monthly,
    daily: b.daily,
    softThresholds: b.softThresholds,
    hardLimit: b.hardLimit,
    userCaps: b.userCaps,
    webhookUrl: b.webhookUrl,
    updatedAt: b.updatedAt.toISOString(),
    updatedBy: b.updatedBy,
  };
}

function periodJson(p: PeriodStatus): StatusJson['month'] {
  return { ...p, thresholds: p.thresholds.map((t) => ({ ...t, crossedAt: t.crossedAt === null ? null : t.crossedAt.toISOString() })) };
}

export function statusJson(s: BudgetStatus): StatusJson {
  return { timeZone: s.timeZone, month: periodJson(s.month), day: periodJson(s.day), users: s.users };
}
