/**
 * Budget periods: a calendar month and a calendar day in one configured IANA time zone, named by the
 * local date they start on ('2026-11-01', '2026-11-26'). They roll over when the local date changes,
 * which is local midnight, or the first instant after it when a DST change skips midnight
 * (America/Santiago). Intl does the zone arithmetic, so no tz database ships with tollgate.
 */
export interface Periods {
  /** First day of the local month, YYYY-MM-DD. */
  monthStart: string;
  /** The local date, YYYY-MM-DD. */
  dayStart: string;
}

export type PeriodKind = 'month' | 'day';

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    // en-US with numeric parts and the ISO calendar; the parts are read by type, never by position.
    f = new Intl.DateTimeFormat('en-US', { timeZone, calendar: 'iso8601', numberingSystem: 'latn', year: 'numeric', month: '2-digit', day: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when Intl knows the zone (e.g. 'Europe/Berlin', 'UTC'). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** The local date of `now` in `timeZone`, YYYY-MM-DD. */
export function localDate(now: Date, timeZone: string): string {
  const parts = formatter(timeZone).formatToParts(now);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  const year = get('year').padStart(4, '0');
  return `${year}-${get('month')}-${get('day')}`;
}

/** The month and day periods `now` falls in. */
export function periodsAt(now: Date, timeZone: string): Periods {
  const dayStart = localDate(now, timeZone);
  return { monthStart: `${dayStart.slice(0, 8)}01`, dayStart };
}

/** The local date the period after the one starting at `start` starts on. */
export function nextPeriodStart(kind: PeriodKind, start: string): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const next = kind === 'month' ? new Date(Date.UTC(y, m, 1)) : new Date(Date.UTC(y, m - 1, d + 1));
  return next.toISOString().slice(0, 10);
}
