/**
 * How many bookings and searches happen on each day of the demo period. Computed in TypeScript (plain
 * arithmetic, so the same on every run) and handed to DuckDB as a small table: the row generator then
 * only has to number rows within each day.
 */
import { splitExactly } from './sql.ts';

/** The demo covers exactly these 24 months. Fixed (not relative to today) so that output bytes are reproducible. */
export const FIRST_MONTH = { year: 2024, month: 1 } as const;
export const MONTH_COUNT = 24;

export interface DemoDay {
  /** 0-based day number within the period. */
  readonly index: number;
  /** 'YYYY-MM-DD'. */
  readonly date: string;
  /** 'YYYY-MM', the partition value. */
  readonly month: string;
  /** Fraction of the period elapsed at the start of the day, 0..1; drives slow trends (growth, mobile share). */
  readonly trend: number;
  readonly bookings: number;
  /** 0-based global row number of the day's first booking. */
  readonly bookingsStart: number;
  readonly searches: number;
  readonly searchesStart: number;
}

/** Relative traffic by calendar month (Jan..Dec): summer and December peaks, a February trough. */
const MONTH_FACTOR = [0.9, 0.84, 0.95, 0.97, 1.03, 1.2, 1.32, 1.25, 0.98, 0.93, 0.96, 1.18];
/** By day of week, Sunday first (JavaScript's getUTCDay order). People book at work, browse on Sunday evening. */
const BOOKING_WEEKDAY = [0.96, 1.12, 1.1, 1.05, 1.0, 0.92, 0.85];
const SEARCH_WEEKDAY = [1.08, 1.05, 1.03, 1.0, 0.98, 0.93, 0.93];
/** Year-over-year growth of the business over the whole period. */
const GROWTH = 0.22;

const DAY_MS = 86_400_000;

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function monthLabel(offset: number): string {
  const m = FIRST_MONTH.month - 1 + offset;
  const year = FIRST_MONTH.year + Math.floor(m / 12);
  return `${year}-${pad2((m % 12) + 1)}`;
}

/** The 24 partition values, 'YYYY-MM', in order. */
export function demoMonths(): string[] {
  return Array.from({ length: MONTH_COUNT }, (_, i) => monthLabel(i));
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** Month factor blended linearly with the neighbouring month, so daily charts have no steps at month ends. */
function seasonal(year: number, month0: number, dayOfMonth: number): number {
  const pos = (dayOfMonth - 0.5) / daysInMonth(year, month0);
  const here = MONTH_FACTOR[month0]!;
  if (pos < 0.5) {
    const w = 0.5 - pos;
    return here * (1 - w) + MONTH_FACTOR[(month0 + 11) % 12]! * w;
  }
  const w = pos - 0.5;
  return here * (1 - w) + MONTH_FACTOR[(month0 + 1) % 12]! * w;
}

/** Day-of-year specials: Black Friday and Cyber Monday sales, quiet holidays. */
function special(year: number, month0: number, day: number, kind: 'bookings' | 'searches'): number {
  if (month0 === 10 || month0 === 11) {
    // US Thanksgiving: fourth Thursday of November.
    const firstDow = new Date(Date.UTC(year, 10, 1)).getUTCDay();
    const thanksgiving = 1 + ((4 - firstDow + 7) % 7) + 21;
    const sinceNov1 = month0 === 10 ? day - 1 : 30 + day - 1;
    const blackFriday = thanksgiving; // 0-based days since Nov 1 of the Friday after Thanksgiving
    if (sinceNov1 === blackFriday) return kind === 'bookings' ? 1.9 : 1.35;
    if (sinceNov1 === blackFriday + 3) return kind === 'bookings' ? 1.5 : 1.2;
  }
  if (month0 === 11 && day === 24) return 0.75;
  if (month0 === 11 && day === 25) return 0.6;
  if (month0 === 11 && day === 31) return 0.7;
  if (month0 === 0 && day === 1) return 0.8;
  return 1;
}

export function demoCalendar(totalBookings: number, totalSearches: number): DemoDay[] {
  const start = Date.UTC(FIRST_MONTH.year, FIRST_MONTH.month - 1, 1);
  const end = Date.UTC(FIRST_MONTH.year, FIRST_MONTH.month - 1 + MONTH_COUNT, 1);
  const dayCount = Math.round((end - start) / DAY_MS);
  const bookingWeights: number[] = [];
  const searchWeights: number[] = [];
  const dates: { date: string; month: string; trend: number }[] = [];
  for (let i = 0; i < dayCount; i++) {
    const d = new Date(start + i * DAY_MS);
    const year = d.getUTCFullYear();
    const month0 = d.getUTCMonth();
    const day = d.getUTCDate();
    const dow = d.getUTCDay();
    const trend = i / dayCount;
    const base = (1 + GROWTH * trend) * seasonal(year, month0, day);
    bookingWeights.push(base * BOOKING_WEEKDAY[dow]! * special(year, month0, day, 'bookings'));
    searchWeights.push(base * SEARCH_WEEKDAY[dow]! * special(year, month0, day, 'searches'));
    dates.push({ date: `${year}-${pad2(month0 + 1)}-${pad2(day)}`, month: `${year}-${pad2(month0 + 1)}`, trend });
  }
  // Exact split: day d gets floor(total * C_d) - floor(total * C_{d-1}), C the normalised cumulative weight.
  const bookings = splitExactly(bookingWeights, totalBookings);
  const searches = splitExactly(searchWeights, totalSearches);
  const days: DemoDay[] = [];
  let bStart = 0;
  let sStart = 0;
  for (let i = 0; i < dayCount; i++) {
    const { date, month, trend } = dates[i]!;
    days.push({ index: i, date, month, trend, bookings: bookings[i]!, bookingsStart: bStart, searches: searches[i]!, searchesStart: sStart });
    bStart += bookings[i]!;
    sStart += searches[i]!;
  }
  return days;
}
