/**
 * interval text output in every IntervalStyle (postgres, postgres_verbose, sql_standard, iso_8601), ported
 * from PostgreSQL's EncodeInterval, and interval text input for the common forms DecodeInterval and
 * DecodeISO8601Interval accept.
 */
import type { PgInterval } from './values.ts';
import { PAD2 } from './calendar.ts';
import { INTERVAL_OVERFLOW_CODE, invalidDatetimeSyntax } from './errors.ts';
import { GatewayError } from '../errors/index.ts';

export type IntervalStyle = 'postgres' | 'postgres_verbose' | 'sql_standard' | 'iso_8601';

export function parseIntervalStyle(setting: string | undefined): IntervalStyle {
  const s = (setting ?? 'postgres').trim().toLowerCase();
  if (s === 'postgres_verbose' || s === 'sql_standard' || s === 'iso_8601') return s;
  return 'postgres';
}

interface Fields {
  year: number;
  mon: number;
  mday: number;
  hour: number; // may exceed 2^31 in theory; a double holds every possible value exactly
  min: number;
  sec: number;
  fsec: number; // microseconds, same sign as the time part
}

const USECS_PER_HOUR_N = 3_600_000_000n;
const USECS_PER_MINUTE_N = 60_000_000n;

/** interval2itm: split with C truncating division, so every field carries the sign of its source. */
function split(v: PgInterval): Fields {
  const year = Math.trunc(v.months / 12);
  const mon = v.months - year * 12;
  let hour: number;
  let min: number;
  let sec: number;
  let fsec: number;
  const t = v.micros;
  if (t >= -9007199254740991n && t <= 9007199254740991n) {
    const n = Number(t);
    hour = Math.trunc(n / 3_600_000_000);
    let rest = n - hour * 3_600_000_000;
    min = Math.trunc(rest / 60_000_000);
    rest -= min * 60_000_000;
    sec = Math.trunc(rest / 1_000_000);
    fsec = rest - sec * 1_000_000;
  } else {
    const h = t / USECS_PER_HOUR_N;
    let rest = t - h * USECS_PER_HOUR_N;
    hour = Number(h);
    const m = rest / USECS_PER_MINUTE_N;
    rest -= m * USECS_PER_MINUTE_N;
    min = Number(m);
    const restN = Number(rest);
    sec = Math.trunc(restN / 1_000_000);
    fsec = restN - sec * 1_000_000;
  }
  return { year, mon, mday: v.days, hour, min, sec, fsec };
}

/** AppendSeconds: seconds (absolute value) and trimmed fraction. */
function seconds(sec: number, fsec: number, fillZeros: boolean): string {
  const s = Math.abs(sec);
  let out = fillZeros ? PAD2[s]! : `${s}`;
  if (fsec !== 0) {
    let v = Math.abs(fsec);
    let width = 6;
    while (v % 10 === 0) {
      v /= 10;
      width--;
    }
    const digits = `${v}`;
    out += `.${'0'.repeat(width - digits.length)}${digits}`;
  }
  return out;
}

function pad2Abs(n: number): string {
  const a = Math.abs(n);
  return a < 100 ? PAD2[a]! : `${a}`;
}

function postgresStyle(f: Fields): string {
  let out = '';
  let isZero = true;
  let isBefore = false;
  const part = (value: number, units: string): void => {
    if (value === 0) return;
    out += `${!isZero ? ' ' : ''}${isBefore && value > 0 ? '+' : ''}${value} ${units}${value !== 1 ? 's' : ''}`;
    isBefore = value < 0;
    isZero = false;
  };
  part(f.year, 'year');
  part(f.mon, 'mon');
  part(f.mday, 'day');
  if (isZero || f.hour !== 0 || f.min !== 0 || f.sec !== 0 || f.fsec !== 0) {
    const minus = f.hour < 0 || f.min < 0 || f.sec < 0 || f.fsec < 0;
    out += `${isZero ? '' : ' '}${minus ? '-' : isBefore ? '+' : ''}${pad2Abs(f.hour)}:${pad2Abs(f.min)}:${seconds(f.sec, f.fsec, true)}`;
  }
  return out;
}

function verboseStyle(f: Fields): string {
  let out = '@';
  let isZero = true;
  let isBefore = false;
  const part = (value: number, units: string): void => {
    if (value === 0) return;
    let v = value;
    if (isZero) {
      isBefore = v < 0;
      v = Math.abs(v);
    } else if (isBefore) v = -v;
    out += ` ${v} ${units}${v === 1 ? '' : 's'}`;
    isZero = false;
  };
  part(f.year, 'year');
  part(f.mon, 'mon');
  part(f.mday, 'day');
  part(f.hour, 'hour');
  part(f.min, 'min');
  if (f.sec !== 0 || f.fsec !== 0) {
    out += ' ';
    if (f.sec < 0 || (f.sec === 0 && f.fsec < 0)) {
      if (isZero) isBefore = true;
      else if (!isBefore) out += '-';
    } else if (isBefore) out += '-';
    out += `${seconds(f.sec, f.fsec, false)} sec${Math.abs(f.sec) !== 1 || f.fsec !== 0 ? 's' : ''}`;
    isZero = false;
  }
  if (isZero) out += ' 0';
  if (isBefore) out += ' ago';
  return out;
}

function sqlStandardStyle(f0: Fields): string {
  const f = { ...f0 };
  const hasNegative = f.year < 0 || f.mon < 0 || f.mday < 0 || f.hour < 0 || f.min < 0 || f.sec < 0 || f.fsec < 0;
  const hasPositive = f.year > 0 || f.mon > 0 || f.mday > 0 || f.hour > 0 || f.min > 0 || f.sec > 0 || f.fsec > 0;
  const hasYearMonth = f.year !== 0 || f.mon !== 0;
  const hasDayTime = f.mday !== 0 || f.hour !== 0 || f.min !== 0 || f.sec !== 0 || f.fsec !== 0;
  const hasDay = f.mday !== 0;
  const sqlStandardValue = !(hasNegative && hasPositive) && !(hasYearMonth && hasDayTime);
  let out = '';
  if (hasNegative && sqlStandardValue) {
    out += '-';
    f.year = -f.year;
    f.mon = -f.mon;
    f.mday = -f.mday;
    f.hour = -f.hour;
    f.min = -f.min;
    f.sec = -f.sec;
    f.fsec = -f.fsec;
  }
  if (!hasNegative && !hasPositive) return `${out}0`;
  if (!sqlStandardValue) {
    const yearSign = f.year < 0 || f.mon < 0 ? '-' : '+';
    const daySign = f.mday < 0 ? '-' : '+';
    const secSign = f.hour < 0 || f.min < 0 || f.sec < 0 || f.fsec < 0 ? '-' : '+';
    return `${out}${yearSign}${Math.abs(f.year)}-${Math.abs(f.mon)} ${daySign}${Math.abs(f.mday)} ${secSign}${Math.abs(f.hour)}:${pad2Abs(f.min)}:${seconds(f.sec, f.fsec, true)}`;
  }
  if (hasYearMonth) return `${out}${f.year}-${f.mon}`;
  if (hasDay) return `${out}${f.mday} ${f.hour}:${pad2Abs(f.min)}:${seconds(f.sec, f.fsec, true)}`;
  return `${out}${f.hour}:${pad2Abs(f.min)}:${seconds(f.sec, f.fsec, true)}`;
}

function isoStyle(f: Fields): string {
  if (f.year === 0 && f.mon === 0 && f.mday === 0 && f.hour === 0 && f.min === 0 && f.sec === 0 && f.fsec === 0) return 'PT0S';
  let out = 'P';
  if (f.year !== 0) out += `${f.year}Y`;
  if (f.mon !== 0) out += `${f.mon}M`;
  if (f.mday !== 0) out += `${f.mday}D`;
  if (f.hour !== 0 || f.min !== 0 || f.sec !== 0 || f.fsec !== 0) out += 'T';
  if (f.hour !== 0) out += `${f.hour}H`;
  if (f.min !== 0) out += `${f.min}M`;
  if (f.sec !== 0 || f.fsec !== 0) {
    if (f.sec < 0 || f.fsec < 0) out += '-';
    out += `${seconds(f.sec, f.fsec, false)}S`;
  }
  return out;
}

/** Selects the interval formatter for an IntervalStyle, once per column. */
export function intervalFormatter(style: IntervalStyle): (v: PgInterval) => string {
  switch (style) {
    case 'iso_8601':
      return (v) => isoStyle(split(v));
    case 'sql_standard':
      return (v) => sqlStandardStyle(split(v));
    case 'postgres_verbose':
      return (v) => verboseStyle(split(v));
    default:
      return (v) => postgresStyle(split(v));
  }
}

// ---------------------------------------------------------------------------------------------------------
// Input

interface Accum {
  months: number;
  days: number;
  micros: bigint;
}

const UNITS: Record<string, 'us' | 'ms' | 's' | 'min' | 'h' | 'd' | 'w' | 'mon' | 'y' | 'dec' | 'c' | 'mil'> = {};
function units(kind: (typeof UNITS)[string], ...names: string[]): void {
  for (const n of names) UNITS[n] = kind;
}
units('us', 'microsecond', 'microseconds', 'microsecon', 'us', 'usec', 'usecs', 'useconds', 'usecond');
units('ms', 'millisecond', 'milliseconds', 'millisecon', 'ms', 'msec', 'msecs', 'mseconds', 'msecond');
units('s', 'second', 'seconds', 's', 'sec', 'secs');
units('min', 'minute', 'minutes', 'm', 'min', 'mins');
units('h', 'hour', 'hours', 'h', 'hr', 'hrs');
units('d', 'day', 'days', 'd');
units('w', 'week', 'weeks', 'w');
units('mon', 'month', 'months', 'mon', 'mons');
units('y', 'year', 'years', 'y', 'yr', 'yrs');
units('dec', 'decade', 'decades', 'dec', 'decs');
units('c', 'century', 'centuries', 'c', 'cent');
units('mil', 'millennium', 'millennia', 'mil', 'mils', 'millenniums');

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** AdjustFractMicroseconds: frac * scale, truncated, then rounded by the leftover fraction. */
function fracMicros(frac: number, scale: number): bigint {
  if (frac === 0) return 0n;
  const x = frac * scale;
  let us = Math.trunc(x);
  const left = x - us;
  if (left > 0.5) us++;
  else if (left < -0.5) us--;
  return BigInt(us);
}

function addFractDays(acc: Accum, frac: number, scale: number): void {
  if (frac === 0) return;
  const x = frac * scale;
  const extra = Math.trunc(x);
  acc.days += extra;
  acc.micros += fracMicros(x - extra, 86_400_000_000);
}

/** Microseconds per unit for the units that add to the time part. */
const MICROS_PER_UNIT: Partial<Record<(typeof UNITS)[string], number>> = {
  us: 1,
  ms: 1000,
  s: 1_000_000,
  min: 60_000_000,
  h: 3_600_000_000,
};

/** Months per unit for the units that add to the month part (a fraction rounds to whole months). */
const MONTHS_PER_UNIT: Partial<Record<(typeof UNITS)[string], number>> = { y: 12, dec: 120, c: 1200, mil: 12000 };

function applyUnit(acc: Accum, unit: (typeof UNITS)[string], val: number, frac: number, big: bigint = BigInt(val)): void {
  const micros = MICROS_PER_UNIT[unit];
  if (micros !== undefined) {
    acc.micros += big * BigInt(micros) + fracMicros(frac, micros);
    return;
  }
  const months = MONTHS_PER_UNIT[unit];
  if (months !== undefined) {
    acc.months += val * months + rint(frac * months);
    return;
  }
  switch (unit) {
    case 'd':
      acc.days += val;
      acc.micros += fracMicros(frac, 86_400_000_000);
      break;
    case 'w':
      acc.days += val * 7;
      addFractDays(acc, frac, 7);
      break;
    case 'mon':
      acc.months += val;
      addFractDays(acc, frac, 30);
      break;
  }
}

/** Splits '-1.5' into integral part and signed fraction, as ParseFraction/strtod do. */
function splitNumber(text: string): { val: number; big: bigint; frac: number } | undefined {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(text)) return undefined;
  const neg = text.startsWith('-');
  const body = text.replace(/^[+-]/, '');
  const dot = body.indexOf('.');
  const intText = dot < 0 ? body : body.slice(0, dot);
  const fracText = dot < 0 ? '' : body.slice(dot + 1);
  const val = Number(intText === '' ? '0' : intText);
  const frac = fracText === '' ? 0 : Number(`0.${fracText}`);
  const big = BigInt(intText === '' ? '0' : intText);
  return { val: neg ? -val : val, big: neg ? -big : big, frac: neg ? -frac : frac };
}

/** 'hh:mm[:ss[.ffffff]]' (optionally signed) -> microseconds. */
function parseTimeField(text: string): bigint | undefined {
  const m = /^([+-]?)(\d+):(\d+)(?::(\d+(?:\.\d*)?|\.\d+))?$/.exec(text);
  if (m === null) return undefined;
  const h = Number(m[2]);
  const mi = Number(m[3]);
  if (mi > 59) return undefined;
  let micros = BigInt(h) * 3_600_000_000n + BigInt(mi) * 60_000_000n;
  if (m[4] !== undefined) {
    const sec = Number(m[4]);
    if (sec >= 60) return undefined;
    const whole = Math.trunc(sec);
    micros += BigInt(whole) * 1_000_000n + BigInt(rint((sec - whole) * 1e6));
  }
  return m[1] === '-' ? -micros : micros;
}

function checkRange(acc: Accum, input: string): PgInterval {
  const i32 = (n: number): boolean => Number.isInteger(n) && n >= -2147483648 && n <= 2147483647;
  if (!i32(acc.months) || !i32(acc.days) || acc.micros < -(2n ** 63n) || acc.micros >= 2n ** 63n) {
    throw new GatewayError(INTERVAL_OVERFLOW_CODE, `interval field value out of range: "${input}"`);
  }
  return { months: acc.months, days: acc.days, micros: acc.micros };
}

/** ISO 8601 'P...' format with designators, plus the alternative format 'P0001-02-03T04:05:06'. */
function parseIso(s: string, input: string): PgInterval {
  const acc: Accum = { months: 0, days: 0, micros: 0n };
  let i = 1;
  let datePart = true;
  const bad = (): never => {
    throw invalidDatetimeSyntax('interval', input);
  };
  if (s.length < 2) bad();
  const alt = /^P(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2}(?:\.\d+)?))?$/.exec(s);
  if (alt !== null) {
    acc.months = Number(alt[1]) * 12 + Number(alt[2]);
    acc.days = Number(alt[3]);
    if (alt[4] !== undefined) {
      applyUnit(acc, 'h', Number(alt[4]), 0);
      applyUnit(acc, 'min', Number(alt[5]), 0);
      const sec = splitNumber(alt[6]!)!;
      applyUnit(acc, 's', sec.val, sec.frac);
    }
    return checkRange(acc, input);
  }
  while (i < s.length) {
    if (s[i] === 'T') {
      datePart = false;
      i++;
      continue;
    }
    const m = /^[+-]?(\d+(\.\d*)?|\.\d+)/.exec(s.slice(i));
    if (m === null) bad();
    const num = splitNumber(m![0])!;
    i += m![0].length;
    const unit = s[i++];
    if (datePart) {
      if (unit === 'Y') applyUnit(acc, 'y', num.val, num.frac);
      else if (unit === 'M') applyUnit(acc, 'mon', num.val, num.frac);
      else if (unit === 'W') applyUnit(acc, 'w', num.val, num.frac);
      else if (unit === 'D') applyUnit(acc, 'd', num.val, num.frac);
      else bad();
    } else {
      if (unit === 'H') applyUnit(acc, 'h', num.val, num.frac);
      else if (unit === 'M') applyUnit(acc, 'min', num.val, num.frac);
      else if (unit === 'S') applyUnit(acc, 's', num.val, num.frac);
      else bad();
    }
  }
  return checkRange(acc, input);
}

/**
 * interval text input: '1 year 2 mons 3 days 04:05:06.5', '-1 day +02:03', '@ 1 day ago', '1.5 hours',
 * '10' (seconds), '1-2' (years-months), '3 4:05:06' (days and time), ISO 8601 'P1Y2M3DT4H5M6.5S'.
 * With IntervalStyle sql_standard a leading minus applies to every field, as in PostgreSQL.
 */
export function parseInterval(input: string, style: IntervalStyle = 'postgres'): PgInterval {
  // ISO 8601 only when the very first character is 'P' (no surrounding whitespace), as in interval_in
  if (input[0] === 'P') return parseIso(input, input);
  const s = input.trim();
  const bad = (): never => {
    throw invalidDatetimeSyntax('interval', input);
  };
  if (s === '') bad();
  const tokens = s
    .toLowerCase()
    .replace(/,/g, ' ')
    .split(/\s+/)
    .filter((t) => t !== '' && t !== '@');
  if (tokens.length === 0) bad();
  const acc: Accum = { months: 0, days: 0, micros: 0n };
  const seen = new Set<string>();
  let ago = false;
  let timeSeen = false;
  const sqlStd = style === 'sql_standard';
  // SQL standard: a leading '-' applies to every field, unless some other field carries its own sign.
  const leadingMinus = sqlStd && tokens[0]!.startsWith('-') && !tokens.slice(1).some((t) => t.startsWith('-') || t.startsWith('+'));
  for (let k = 0; k < tokens.length; k++) {
    let tok = tokens[k]!;
    if (tok === 'ago') {
      if (k !== tokens.length - 1) bad();
      ago = true;
      continue;
    }
    if (leadingMinus && k > 0 && !tok.startsWith('-') && !tok.startsWith('+') && /^\d/.test(tok)) tok = `-${tok}`;
    // Time field
    if (tok.includes(':')) {
      if (timeSeen) bad();
      const t = parseTimeField(tok);
      if (t === undefined) bad();
      acc.micros += t!;
      timeSeen = true;
      continue;
    }
    // Year-month 'y-m'
    const ym = /^([+-]?)(\d+)-(\d+)$/.exec(tok);
    if (ym !== null) {
      const sign = ym[1] === '-' ? -1 : 1;
      if (seen.has('y') || seen.has('mon')) bad();
      seen.add('y');
      seen.add('mon');
      acc.months += sign * (Number(ym[2]) * 12 + Number(ym[3]));
      continue;
    }
    // Number with attached or following unit
    const nm = /^([+-]?(?:\d+\.?\d*|\.\d+))([a-z]*)$/.exec(tok);
    if (nm !== null) {
      const num = splitNumber(nm[1]!)!;
      let unitText = nm[2]!;
      if (unitText === '') {
        const next = tokens[k + 1];
        if (next !== undefined && UNITS[next] !== undefined) {
          unitText = next;
          k++;
        }
      }
      if (unitText === '') {
        // A bare number: days when a time field follows, otherwise seconds.
        const next = tokens[k + 1];
        const unit = next !== undefined && next.includes(':') ? 'd' : 's';
        if (seen.has(unit)) bad();
        seen.add(unit);
        applyUnit(acc, unit, num.val, num.frac, num.big);
        continue;
      }
      const unit = UNITS[unitText];
      if (unit === undefined) bad();
      if (seen.has(unit!)) bad();
      seen.add(unit!);
      applyUnit(acc, unit!, num.val, num.frac, num.big);
      continue;
    }
    bad();
  }
  if (ago) {
    acc.months = -acc.months;
    acc.days = -acc.days;
    acc.micros = -acc.micros;
  }
  return checkRange(acc, input);
}
