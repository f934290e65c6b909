/**
 * Text output of date, time, timetz, timestamp and timestamptz, as PostgreSQL 15 prints them under each
 * DateStyle (ISO, SQL, Postgres, German; MDY/DMY order) and TimeZone. Each function here returns a
 * formatter chosen once per column; the ISO paths (the default, and what BI drivers use) avoid BigInt
 * arithmetic for timestamps within +-285 years of 1970 and reuse the date part of consecutive rows.
 */
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgTimeTz } from './values.ts';
import {
  DATE_END_JULIAN,
  DAY_NAMES,
  END_TIMESTAMP_1970,
  MIN_TIMESTAMP_1970,
  MONTH_NAMES,
  PAD2,
  UNIX_EPOCH_JDATE,
  USECS_PER_DAY,
  USECS_PER_DAY_N,
  fractionText,
  j2date,
  j2day,
  pad4,
  type DateStyle,
  type YMD,
} from './calendar.ts';
import type { TimeZone } from './timezone.ts';
import { datetimeOutOfRange } from './errors.ts';

const SAFE_MIN = BigInt(Number.MIN_SAFE_INTEGER);
const SAFE_MAX = BigInt(Number.MAX_SAFE_INTEGER);
const USECS_PER_HOUR = 3_600_000_000;
const USECS_PER_MINUTE = 60_000_000;

/**
 * PostgreSQL's EncodeTimezone: the offset (seconds east) as +HH, +HH:MM or +HH:MM:SS.
 */
export function formatOffset(offsetEast: number): string {
  const a = offsetEast < 0 ? -offsetEast : offsetEast;
  const h = Math.floor(a / 3600);
  const rest = a - h * 3600;
  const m = Math.floor(rest / 60);
  const s = rest - m * 60;
  let out = (offsetEast >= 0 ? '+' : '-') + (h < 100 ? PAD2[h] : `${h}`);
  if (s !== 0) out += `:${PAD2[m]}:${PAD2[s]}`;
  else if (m !== 0) out += `:${PAD2[m]}`;
  return out;
}

/** HH:MM:SS[.ffffff] of a time of day in microseconds (0 .. 86400000000 inclusive). */
export function formatTimeOfDay(tod: number): string {
  const h = Math.floor(tod / USECS_PER_HOUR);
  let rest = tod - h * USECS_PER_HOUR;
  const m = Math.floor(rest / USECS_PER_MINUTE);
  rest -= m * USECS_PER_MINUTE;
  const s = Math.floor(rest / 1_000_000);
  const us = rest - s * 1_000_000;
  return `${h < 100 ? PAD2[h] : h}:${PAD2[m]}:${PAD2[s]}${us === 0 ? '' : fractionText(us)}`;
}

/** time: bigint microseconds since midnight. */
export function timeToText(v: bigint): string {
  return formatTimeOfDay(Number(v));
}

/** timetz: time of day plus its UTC offset. */
export function timetzToText(v: PgTimeTz): string {
  return formatTimeOfDay(Number(v.micros)) + formatOffset(v.offsetSeconds);
}

// ---------------------------------------------------------------------------------------------------------
// Dates

function isoDate(ymd: YMD): string {
  return ymd.year > 0
    ? `${pad4(ymd.year)}-${PAD2[ymd.month]}-${PAD2[ymd.day]}`
    : `${pad4(1 - ymd.year)}-${PAD2[ymd.month]}-${PAD2[ymd.day]}`;
}

/** Date part in the given style, without the ' BC' suffix. */
function styledDate(ds: DateStyle, ymd: YMD): string {
  const y = pad4(ymd.year > 0 ? ymd.year : 1 - ymd.year);
  const mm = PAD2[ymd.month]!;
  const dd = PAD2[ymd.day]!;
  switch (ds.style) {
    case 'ISO':
      return `${y}-${mm}-${dd}`;
    case 'SQL':
      return ds.order === 'DMY' ? `${dd}/${mm}/${y}` : `${mm}/${dd}/${y}`;
    case 'German':
      return `${dd}.${mm}.${y}`;
    default:
      return ds.order === 'DMY' ? `${dd}-${mm}-${y}` : `${mm}-${dd}-${y}`;
  }
}

/** Formatter for date values (days since 1970-01-01, +-Infinity for infinity). */
export function dateFormatter(ds: DateStyle): (days: number) => string {
  const ymd: YMD = { year: 0, month: 0, day: 0 };
  const iso = ds.style === 'ISO';
  return (days: number): string => {
    if (days === Infinity) return 'infinity';
    if (days === -Infinity) return '-infinity';
    const jd = days + UNIX_EPOCH_JDATE;
    if (!(jd >= 0 && jd < DATE_END_JULIAN)) throw datetimeOutOfRange('date out of range');
    j2date(jd, ymd);
    if (iso) return ymd.year > 0 ? isoDate(ymd) : `${isoDate(ymd)} BC`;
    const s = styledDate(ds, ymd);
    return ymd.year > 0 ? s : `${s} BC`;
  };
}

// ---------------------------------------------------------------------------------------------------------
// Timestamps

/** Splits microseconds since 1970 into whole days and microseconds of the day; false when out of range. */
interface Split {
  day: number;
  tod: number;
}

function splitMicros(v: bigint, out: Split): boolean {
  if (v >= SAFE_MIN && v <= SAFE_MAX) {
    const n = Number(v);
    const day = Math.floor(n / USECS_PER_DAY);
    out.day = day;
    out.tod = n - day * USECS_PER_DAY;
    return true;
  }
  if (v === TIMESTAMP_POS_INFINITY || v === TIMESTAMP_NEG_INFINITY) return false;
  if (v < MIN_TIMESTAMP_1970 || v >= END_TIMESTAMP_1970) return false;
  let day = v / USECS_PER_DAY_N;
  let rem = v - day * USECS_PER_DAY_N;
  if (rem < 0n) {
    day -= 1n;
    rem += USECS_PER_DAY_N;
  }
  out.day = Number(day);
  out.tod = Number(rem);
  return true;
}

/** Same split for a float microsecond count known to be safe (local time after adding an offset). */
function splitNumber(n: number, out: Split): void {
  const day = Math.floor(n / USECS_PER_DAY);
  out.day = day;
  out.tod = n - day * USECS_PER_DAY;
}

/** Formatter for timestamp (without time zone) values: bigint microseconds since 1970-01-01 00:00:00. */
export function timestampFormatter(ds: DateStyle): (v: bigint) => string {
  const split: Split = { day: 0, tod: 0 };
  const ymd: YMD = { year: 0, month: 0, day: 0 };
  if (ds.style === 'ISO') {
    let lastDay = NaN;
    let lastDate = '';
    let lastBC = false;
    return (v: bigint): string => {
      if (!splitMicros(v, split)) return special(v, 'timestamp');
      if (split.day !== lastDay) {
        lastDay = split.day;
        j2date(split.day + UNIX_EPOCH_JDATE, ymd);
        lastDate = `${isoDate(ymd)} `;
        lastBC = ymd.year <= 0;
      }
      const t = formatTimeOfDay(split.tod);
      return lastBC ? `${lastDate}${t} BC` : lastDate + t;
    };
  }
  return (v: bigint): string => {
    if (!splitMicros(v, split)) return special(v, 'timestamp');
    j2date(split.day + UNIX_EPOCH_JDATE, ymd);
    return styledDateTime(ds, ymd, split.day, split.tod, undefined);
  };
}

function special(v: bigint, what: string): string {
  if (v === TIMESTAMP_POS_INFINITY) return 'infinity';
  if (v === TIMESTAMP_NEG_INFINITY) return '-infinity';
  throw datetimeOutOfRange(`${what} out of range`);
}

/** Non-ISO timestamp text (SQL, Postgres, German) with an optional zone abbreviation. */
function styledDateTime(ds: DateStyle, ymd: YMD, day: number, tod: number, tz: string | undefined): string {
  const bc = ymd.year <= 0;
  const y = pad4(bc ? 1 - ymd.year : ymd.year);
  const time = formatTimeOfDay(tod);
  const zone = tz === undefined ? '' : ` ${tz}`;
  let out: string;
  switch (ds.style) {
    case 'SQL':
      out = `${ds.order === 'DMY' ? `${PAD2[ymd.day]}/${PAD2[ymd.month]}` : `${PAD2[ymd.month]}/${PAD2[ymd.day]}`}/${y} ${time}${zone}`;
      break;
    case 'German':
      out = `${PAD2[ymd.day]}.${PAD2[ymd.month]}.${y} ${time}${zone}`;
      break;
    default: {
      const wd = DAY_NAMES[j2day(day + UNIX_EPOCH_JDATE)]!;
      const mon = MONTH_NAMES[ymd.month - 1]!;
      const md = ds.order === 'DMY' ? `${PAD2[ymd.day]} ${mon}` : `${mon} ${PAD2[ymd.day]}`;
      out = `${wd} ${md} ${time} ${y}${zone}`;
    }
  }
  return bc ? `${out} BC` : out;
}

/**
 * Formatter for timestamptz values (bigint microseconds since 1970-01-01 UTC) in a session time zone.
 * ISO: '2024-01-05 08:04:05.123-05'; other styles print the zone abbreviation instead of the offset.
 */
export function timestamptzFormatter(ds: DateStyle, zone: TimeZone): (v: bigint) => string {
  const split: Split = { day: 0, tod: 0 };
  const ymd: YMD = { year: 0, month: 0, day: 0 };
  const fixed = zone.fixedOffset;
  const iso = ds.style === 'ISO';
  let lastDay = NaN;
  let lastDate = '';
  let lastBC = false;
  let lastOffset = NaN;
  let lastOffsetText = '';
  return (v: bigint): string => {
    let local: number;
    let offset: number;
    let utcSecs: number;
    if (v >= SAFE_MIN && v <= SAFE_MAX) {
      const n = Number(v);
      utcSecs = Math.floor(n / 1_000_000);
      offset = fixed ?? zone.offsetAt(utcSecs);
      local = n + offset * 1_000_000;
      splitNumber(local, split);
    } else {
      if (!splitMicros(v, split)) return special(v, 'timestamp');
      utcSecs = split.day * 86400 + Math.floor(split.tod / 1_000_000);
      offset = fixed ?? zone.offsetAt(utcSecs);
      let tod = split.tod + offset * 1_000_000;
      let day = split.day;
      while (tod < 0) {
        tod += USECS_PER_DAY;
        day--;
      }
      while (tod >= USECS_PER_DAY) {
        tod -= USECS_PER_DAY;
        day++;
      }
      split.day = day;
      split.tod = tod;
    }
    if (!iso) {
      j2date(split.day + UNIX_EPOCH_JDATE, ymd);
      return styledDateTime(ds, ymd, split.day, split.tod, zone.abbreviationAt(utcSecs));
    }
    if (split.day !== lastDay) {
      lastDay = split.day;
      j2date(split.day + UNIX_EPOCH_JDATE, ymd);
      lastDate = `${isoDate(ymd)} `;
      lastBC = ymd.year <= 0;
    }
    if (offset !== lastOffset) {
      lastOffset = offset;
      lastOffsetText = formatOffset(offset);
    }
    const t = formatTimeOfDay(split.tod);
    return lastBC ? `${lastDate}${t}${lastOffsetText} BC` : lastDate + t + lastOffsetText;
  };
}
