import { GatewayError } from '../errors/index.ts';
import type { BudgetInput, BudgetSettings, UserCap } from './types.ts';

export const DEFAULT_SOFT_THRESHOLDS: readonly number[] = [0.5, 0.8];
export const DEFAULT_HARD_LIMIT = 1;
/** Larger amounts are a typo (or an attack on numeric formatting), not a budget. */
export const MAX_AMOUNT = 1e12;
const MAX_HARD_LIMIT = 10;
const MAX_THRESHOLDS = 10;
const MAX_USER_CAPS = 10_000;
const MAX_NAME = 200;

function invalid(message: string): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', message);
}

export function checkName(what: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME || /[\u0000-\u001f]/.test(name)) {
    throw invalid(`${what} must be a non-empty name of at most ${MAX_NAME} characters`);
  }
  return name;
}

function amount(what: string, v: unknown, nullable: boolean): number | null {
  if (v === null || v === undefined) {
    if (nullable) return null;
    throw invalid(`${what} is required`);
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > MAX_AMOUNT) {
    throw invalid(`${what} must be an amount between 0 and ${MAX_AMOUNT}, not ${JSON.stringify(v)}`);
  }
  return v;
}

function webhook(v: unknown): string | null {
  if (v === null || v === undefined || v === '') return null;
  let url: URL;
  try {
    url = new URL(String(v));
  } catch {
    throw invalid(`webhookUrl ${JSON.stringify(v)} is not a URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid('webhookUrl must be an http or https URL');
  return url.toString();
}

/**
 * An admin's input made whole (defaults filled in) and checked; throws INVALID_PARAMETER_VALUE (a 4xx)
 * naming the first bad field, so nothing is written for bad input.
 */
export function normalizeBudget(input: BudgetInput): BudgetSettings {
  if (typeof input !== 'object' || input === null) throw invalid('a budget must be an object');
  const monthly = amount('monthly', input.monthly, false)!;
  const daily = amount('daily', input.daily, true);
  const hardLimit = input.hardLimit ?? DEFAULT_HARD_LIMIT;
  if (typeof hardLimit !== 'number' || !Number.isFinite(hardLimit) || hardLimit <= 0 || hardLimit > MAX_HARD_LIMIT) {
    throw invalid(`hardLimit must be a fraction of the budget above 0 and at most ${MAX_HARD_LIMIT} (1 = 100%)`);
  }
  const soft = input.softThresholds ?? [...DEFAULT_SOFT_THRESHOLDS];
  if (!Array.isArray(soft) || soft.length > MAX_THRESHOLDS) throw invalid(`softThresholds must be a list of at most ${MAX_THRESHOLDS} fractions`);
  for (const t of soft) {
    if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0 || t > hardLimit) {
      throw invalid(`each soft threshold must be a fraction above 0 and at most the hard limit ${hardLimit}, not ${JSON.stringify(t)}`);
    }
  }
  const softThresholds = [...new Set(soft)].sort((a, b) => a - b);
  const caps = input.userCaps ?? {};
  if (typeof caps !== 'object' || caps === null || Array.isArray(caps)) throw invalid('userCaps must map user names to caps');
  const entries = Object.entries(caps);
  if (entries.length > MAX_USER_CAPS) throw invalid(`at most ${MAX_USER_CAPS} user caps`);
  const userCaps: Record<string, UserCap> = {};
  for (const [user, cap] of entries) {
    checkName('a user name', user);
    if (typeof cap !== 'object' || cap === null) throw invalid(`the cap of ${user} must be an object`);
    const c = { monthly: amount(`the monthly cap of ${user}`, cap.monthly, true), daily: amount(`the daily cap of ${user}`, cap.daily, true) };
    if (c.monthly !== null || c.daily !== null) userCaps[user] = c;
  }
  return { monthly, daily, softThresholds, hardLimit, userCaps, webhookUrl: webhook(input.webhookUrl) };
}
