import { localDate } from '../budgets/index.ts';
import { GatewayError } from '../errors/index.ts';

/** A period of local dates in the budget time zone, both ends included. */
export interface DateRange {
  from: string;
  to: string;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** YYYY-MM-DD that names a real day (no 2026-02-30). */
export function isLocalDate(s: string): boolean {
  const m = DATE.exec(s);
  if (m === null) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

/** from/to of a query string; defaults: the first of the current month to today, in the zone. */
export function dateRange(query: { from?: string | undefined; to?: string | undefined }, now: Date, timeZone: string): DateRange {
  const today = localDate(now, timeZone);
  const from = query.from ?? `${today.slice(0, 8)}01`;
  const to = query.to ?? today;
  for (const [name, value] of [['from', from], ['to', to]] as const) {
    if (!isLocalDate(value)) throw new GatewayError('INVALID_PARAMETER_VALUE', `${name} must be a date YYYY-MM-DD, not "${value}"`);
  }
  if (from > to) throw new GatewayError('INVALID_PARAMETER_VALUE', `from (${from}) is after to (${to})`);
  return { from, to };
}

/** ms the zone is ahead of UTC at `t`. */
function offsetMs(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, calendar: 'iso8601', numberingSystem: 'latn', hourCycle: 'h23',
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  }).formatToParts(new Date(t));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(t / 1000) * 1000;
}

/** The instant a local date starts in the zone (its midnight; where DST skips midnight, about then). */
export function startOfLocalDate(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // The offset at the guess may differ from the one at the answer when DST changes that day: look twice.
  const first = guess - offsetMs(guess, timeZone);
  return new Date(guess - offsetMs(first, timeZone));
}

/**
 * Linear forecast of a period's spend at its end: spent so far divided by the elapsed fraction of the
 * period (local midnights in the zone, so a 23- or 25-hour DST day counts as it is). Null before any spend.
 */
export function linearForecast(spent: number, start: string, end: string, now: Date, timeZone: string): number | null {
  if (!(spent > 0)) return null;
  const from = startOfLocalDate(start, timeZone).getTime();
  const to = startOfLocalDate(end, timeZone).getTime();
  const fraction = Math.min(1, Math.max(0, (now.getTime() - from) / (to - from)));
  if (fraction === 0) return null;
  return Math.round((spent / fraction) * 1e6) / 1e6;
}
