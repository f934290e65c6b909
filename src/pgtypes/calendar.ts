/**
 * Proleptic Gregorian calendar arithmetic exactly as PostgreSQL does it (date2j / j2date on Julian day
 * numbers), plus the small zero-padding helpers the date/time formatters share.
 */

export const UNIX_EPOCH_JDATE = 2440588; // 1970-01-01
export const POSTGRES_EPOCH_JDATE = 2451545; // 2000-01-01
/** Days between 1970-01-01 and 2000-01-01. */
export const EPOCH_DIFF_DAYS = POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE;
export const USECS_PER_SEC = 1_000_000;
export const USECS_PER_DAY = 86_400_000_000;
export const USECS_PER_DAY_N = 86_400_000_000n;
/** Microseconds between 1970-01-01 and 2000-01-01. */
export const EPOCH_DIFF_USECS = 946_684_800_000_000n;

/** First valid Julian day (4714-11-24 BC) and the end of the date range (exclusive). */
export const DATETIME_MIN_JULIAN = 0;
export const DATE_END_JULIAN = 2147483494; // 5874898-01-01
export const TIMESTAMP_END_JULIAN = 109203528; // 294277-01-01
/** Valid timestamp range in microseconds since 1970 (PostgreSQL's MIN_TIMESTAMP / END_TIMESTAMP, shifted). */
export const MIN_TIMESTAMP_1970 = -211813488000000000n + EPOCH_DIFF_USECS;
export const END_TIMESTAMP_1970 = 9223371331200000000n + EPOCH_DIFF_USECS;

/** Julian day number of a proleptic Gregorian date (year 0 = 1 BC). */
export function date2j(year: number, month: number, day: number): number {
  let y = year;
  let m = month;
  if (m > 2) {
    m += 1;
    y += 4800;
  } else {
    m += 13;
    y += 4799;
  }
  const century = Math.trunc(y / 100);
  let julian = y * 365 - 32167;
  julian += Math.trunc(y / 4) - century + Math.trunc(century / 4);
  julian += Math.trunc((7834 * m) / 256) + day;
  return julian;
}

/** Reusable result of j2date, to keep the hot paths allocation-free. */
export interface YMD {
  year: number;
  month: number;
  day: number;
}

/** Calendar date of a Julian day number (valid for jd >= 0), written into `out`. */
export function j2date(jd: number, out: YMD): YMD {
  let julian = jd + 32044;
  let quad = Math.floor(julian / 146097);
  const extra = (julian - quad * 146097) * 4 + 3;
  julian += 60 + quad * 3 + Math.floor(extra / 146097);
  quad = Math.floor(julian / 1461);
  julian -= quad * 1461;
  let y = Math.floor((julian * 4) / 1461);
  julian = (y !== 0 ? (julian + 305) % 365 : (julian + 306) % 366) + 123;
  y += quad * 4;
  out.year = y - 4800;
  quad = Math.floor((julian * 2141) / 65536);
  out.day = julian - Math.floor((7834 * quad) / 256);
  out.month = ((quad + 10) % 12) + 1;
  return out;
}

/** Day of week of a Julian day (0 = Sunday). */
export function j2day(jd: number): number {
  const d = (jd + 1) % 7;
  return d < 0 ? d + 7 : d;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

export function isLeap(year: number): boolean {
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
}

export function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** '00'..'99' */
export const PAD2: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : `${i}`));

/** %04d for non-negative integers. */
export function pad4(n: number): string {
  if (n >= 1000) return `${n}`;
  if (n >= 100) return `0${n}`;
  if (n >= 10) return `00${n}`;
  return `000${n}`;
}

/**
 * Fractional seconds as PostgreSQL prints them: '' for zero, else '.' and up to six digits with trailing
 * zeros removed (AppendSeconds / AppendTimestampSeconds).
 */
export function fractionText(usec: number): string {
  if (usec === 0) return '';
  let v = usec;
  let width = 6;
  while (v % 10 === 0) {
    v /= 10;
    width--;
  }
  const s = `${v}`;
  return s.length === width ? `.${s}` : `.${'0'.repeat(width - s.length)}${s}`;
}

export const MONTH_NAMES = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
export const DAY_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** DateStyle output style and field order. */
export type DateStyleName = 'ISO' | 'SQL' | 'Postgres' | 'German';
export type DateOrder = 'MDY' | 'DMY' | 'YMD';

export interface DateStyle {
  style: DateStyleName;
  order: DateOrder;
}

/**
 * Parses a DateStyle setting as PostgreSQL does ('ISO, MDY', 'SQL, DMY', 'Postgres', 'European', 'US',
 * 'German', ...). Unknown words are ignored, defaults are ISO and MDY.
 */
export function parseDateStyle(setting: string | undefined): DateStyle {
  let style: DateStyleName = 'ISO';
  let order: DateOrder = 'MDY';
  let styleSeen = false;
  let orderSeen = false;
  for (const raw of (setting ?? '').split(/[\s,]+/)) {
    const w = raw.toLowerCase();
    if (w === '') continue;
    if (w === 'iso') {
      style = 'ISO';
      styleSeen = true;
    } else if (w === 'sql') {
      style = 'SQL';
      styleSeen = true;
    } else if (w.startsWith('postgres')) {
      style = 'Postgres';
      styleSeen = true;
    } else if (w === 'german') {
      style = 'German';
      styleSeen = true;
      if (!orderSeen) order = 'DMY';
    } else if (w === 'ymd') {
      order = 'YMD';
      orderSeen = true;
    } else if (w === 'dmy' || w.startsWith('euro')) {
      order = 'DMY';
      orderSeen = true;
    } else if (w === 'mdy' || w === 'us' || w.startsWith('noneuro')) {
      order = 'MDY';
      orderSeen = true;
    } else if (w === 'default') {
      if (!styleSeen) style = 'ISO';
      if (!orderSeen) order = 'MDY';
    }
  }
  return { style, order };
}
