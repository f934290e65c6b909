/**
 * Text input of date, time, timetz, timestamp and timestamptz: the forms PostgreSQL's ParseDateTime /
 * DecodeDateTime accept that clients actually send. Covered:
 *
 *   ISO 8601 with '-' or 'T' ('2024-01-05', '2024-01-05T13:04:05.123456Z', '20240105', '20240105T130405'),
 *   DateStyle-ordered numeric dates ('1/8/1999', '08.01.2024', two-digit years), month names
 *   ('January 8, 1999', '8-Jan-1999', 'Wed Jan 05 13:04:05 2024 EST'), BC/AD, AM/PM,
 *   zones as offsets ('+05', '-0800', '+05:30', 'Z'), common abbreviations ('EST', 'CEST') and IANA names,
 *   and the special values infinity, -infinity, epoch, now, today, tomorrow, yesterday, allballs.
 *
 * Not covered: Julian day input ('J2451187'), year.day-of-year ('1999.008'), ISO week dates, 'at' and
 * 'on' noise words, POSIX zone specs inside literals.
 */
import {
  DATE_END_JULIAN,
  DATETIME_MIN_JULIAN,
  END_TIMESTAMP_1970,
  MIN_TIMESTAMP_1970,
  UNIX_EPOCH_JDATE,
  date2j,
  daysInMonth,
  type DateOrder,
} from './calendar.ts';
import {
  TZ_DISPLACEMENT_CODE,
  datetimeFieldOverflow,
  datetimeOutOfRange,
  invalidDatetimeSyntax,
  invalidParameterValue,
} from './errors.ts';
import { GatewayError } from '../errors/index.ts';
import { tryResolveTimeZone, type TimeZone } from './timezone.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgTimeTz } from './values.ts';

type Field =
  | { kind: 'date'; parts: string[] }
  | { kind: 'number'; text: string }
  | { kind: 'time'; text: string }
  | { kind: 'tz'; text: string }
  | { kind: 'word'; text: string };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isAlpha(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

/** Splits a literal into fields, roughly as ParseDateTime does. Returns undefined on a character it rejects. */
function tokenize(s: string): Field[] | undefined {
  const fields: Field[] = [];
  const n = s.length;
  let i = 0;
  while (i < n) {
    const c = s.charCodeAt(i);
    if (c === 32 || (c >= 9 && c <= 13) || c === 44) {
      i++;
      continue;
    }
    if (isDigit(c)) {
      let j = i;
      while (j < n && isDigit(s.charCodeAt(j))) j++;
      const next = s.charCodeAt(j);
      if (next === 58 /* : */) {
        while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === 58 || s.charCodeAt(j) === 46)) j++;
        fields.push({ kind: 'time', text: s.slice(i, j) });
      } else if (next === 45 /* - */ || next === 47 /* / */ || next === 46 /* . */) {
        // A date with a uniform separator, or (for '.') a decimal number.
        const sep = s[j]!;
        let k = j;
        const parts = [s.slice(i, j)];
        while (k < n && s[k] === sep) {
          let m = k + 1;
          // each part is all digits or all letters ('2024-01-05T13:04' stops before the 'T')
          if (m < n && isDigit(s.charCodeAt(m))) while (m < n && isDigit(s.charCodeAt(m))) m++;
          else while (m < n && isAlpha(s.charCodeAt(m))) m++;
          if (m === k + 1) break;
          parts.push(s.slice(k + 1, m));
          k = m;
        }
        if (sep === '.' && parts.length === 2) {
          fields.push({ kind: 'number', text: s.slice(i, k) });
        } else if (parts.length < 2) {
          return undefined;
        } else {
          fields.push({ kind: 'date', parts });
        }
        j = k;
      } else {
        fields.push({ kind: 'number', text: s.slice(i, j) });
      }
      i = j;
      continue;
    }
    if ((c === 43 || c === 45) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
      let j = i + 1;
      while (j < n && (isDigit(s.charCodeAt(j)) || s.charCodeAt(j) === 58)) j++;
      fields.push({ kind: 'tz', text: s.slice(i, j) });
      i = j;
      continue;
    }
    if (isAlpha(c) || ((c === 43 || c === 45) && i + 1 < n && isAlpha(s.charCodeAt(i + 1)))) {
      // ISO 'T' separator between date and time
      if ((c === 84 || c === 116) && i + 1 < n && isDigit(s.charCodeAt(i + 1))) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < n) {
        const d = s.charCodeAt(j);
        if (isAlpha(d) || d === 95 || d === 47) j++;
        else if (s.slice(i, j).includes('/') && (isDigit(d) || d === 43 || d === 45)) j++;
        else break;
      }
      // A month name run together with a day and year ('Jan-08-1999', '8-Jan-1999' is caught above)
      if (s[j] === '-' && j + 1 < n && isDigit(s.charCodeAt(j + 1)) && isMonthName(s.slice(i, j))) {
        const parts = [s.slice(i, j)];
        let k = j;
        while (k < n && s[k] === '-') {
          let m = k + 1;
          while (m < n && isDigit(s.charCodeAt(m))) m++;
          if (m === k + 1) break;
          parts.push(s.slice(k + 1, m));
          k = m;
        }
        fields.push({ kind: 'date', parts });
        i = k;
        continue;
      }
      fields.push({ kind: 'word', text: s.slice(i, j).toLowerCase() });
      i = j;
      continue;
    }
    // anything else ('.5' on its own, '@', quotes, ...) is not part of a date/time literal
    return undefined;
  }
  return fields;
}

const MONTHS: Record<string, number> = {
  jan: 1, january: 1, feb: 2, february: 2, mar: 3, march: 3, apr: 4, april: 4, may: 5, jun: 6, june: 6,
  jul: 7, july: 7, aug: 8, august: 8, sep: 9, sept: 9, september: 9, oct: 10, october: 10, nov: 11,
  november: 11, dec: 12, december: 12,
};
const WEEKDAYS = new Set(['sun', 'sunday', 'mon', 'monday', 'tue', 'tues', 'tuesday', 'wed', 'wednesday', 'wednes', 'thu', 'thur', 'thurs', 'thursday', 'fri', 'friday', 'sat', 'saturday']);

function isMonthName(w: string): boolean {
  return MONTHS[w.toLowerCase()] !== undefined;
}

/** Common abbreviations from PostgreSQL's 'Default' timezone_abbreviations set (seconds east). */
const ABBREVIATIONS: Record<string, number> = {
  utc: 0, gmt: 0, ut: 0, z: 0, zulu: 0, wet: 0, west: 3600, bst: 3600, cet: 3600, cest: 7200, met: 3600,
  mest: 7200, eet: 7200, eest: 10800, msk: 10800, ist: 7200, est: -18000, edt: -14400, cst: -21600,
  cdt: -18000, mst: -25200, mdt: -21600, pst: -28800, pdt: -25200, akst: -32400, akdt: -28800,
  hst: -36000, ast: -14400, adt: -10800, nst: -12600, ndt: -9000, jst: 32400, kst: 32400, hkt: 28800,
  sgt: 28800, awst: 28800, acst: 34200, acdt: 37800, aest: 36000, aedt: 39600, nzst: 43200, nzdt: 46800,
};

const SPECIALS = new Set(['infinity', '-infinity', 'epoch', 'now', 'today', 'tomorrow', 'yesterday', 'allballs']);

interface Parsed {
  special?: string;
  year?: number;
  twoDigitYear?: boolean;
  month?: number;
  day?: number;
  bc: boolean;
  hasTime: boolean;
  hour: number;
  minute: number;
  second: number;
  usec: number;
  /** Explicit offset (seconds east) or zone named in the literal. */
  offset?: number;
  zone?: TimeZone;
}

class Bad extends Error {
  constructor(readonly kind: 'syntax' | 'overflow' | 'md-overflow' | 'tz-overflow' | 'zone', readonly detail = '') {
    super(kind);
  }
}

/** C's rint (round half to even), used for fractional seconds as PostgreSQL does. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function readTimeField(text: string, p: Parsed): void {
  const parts = text.split(':');
  if (parts.length < 2 || parts.length > 3) throw new Bad('syntax');
  const h = parts[0]!;
  const m = parts[1]!;
  if (!/^\d+$/.test(h) || !/^\d+$/.test(m)) {
    // 'mm:ss.f' is not accepted here; PostgreSQL reads two fields as hours and minutes too
    throw new Bad('syntax');
  }
  p.hour = Number(h);
  p.minute = Number(m);
  if (parts.length === 3) {
    const sec = parts[2]!;
    const mm = /^(\d+)(?:\.(\d*))?$/.exec(sec);
    if (mm === null) throw new Bad('syntax');
    p.second = Number(mm[1]);
    p.usec = mm[2] ? rint(Number(`0.${mm[2]}`) * 1e6) : 0;
  } else if (m.includes('.')) {
    throw new Bad('syntax');
  }
  p.hasTime = true;
}

/** DecodeTimezone: '+hh', '+hhmm', '+hh:mm', '+hh:mm:ss' -> seconds east. */
function parseOffset(text: string): number {
  const sign = text[0] === '-' ? -1 : 1;
  const body = text.slice(1);
  let h: number;
  let m = 0;
  let s = 0;
  if (body.includes(':')) {
    const parts = body.split(':');
    if (parts.length > 3 || parts.some((x) => !/^\d+$/.test(x))) throw new Bad('syntax');
    h = Number(parts[0]);
    m = Number(parts[1]);
    s = Number(parts[2] ?? 0);
  } else if (text.length > 3) {
    const v = Number(body);
    h = Math.trunc(v / 100);
    m = v % 100;
  } else {
    h = Number(body);
  }
  if (h > 15 || m >= 60 || s >= 60) throw new Bad('tz-overflow');
  return sign * (h * 3600 + m * 60 + s);
}

/** Records a year field; one or two digits mean 1970..2069 unless the date is BC (applied at the end). */
function setYear(p: Parsed, text: string): void {
  p.year = Number(text);
  p.twoDigitYear = text.length <= 2;
}

function applyDate(parts: string[], p: Parsed, order: DateOrder): void {
  if (p.year !== undefined) throw new Bad('syntax');
  const monthIdx = parts.findIndex((x) => isAlpha(x.charCodeAt(0)));
  if (parts.length !== 3) throw new Bad('syntax');
  if (monthIdx >= 0) {
    const month = MONTHS[parts[monthIdx]!.toLowerCase()];
    if (month === undefined || parts.some((x, k) => k !== monthIdx && !/^\d+$/.test(x))) throw new Bad('syntax');
    const nums = parts.filter((_, k) => k !== monthIdx);
    let yText: string;
    let dText: string;
    if (nums[0]!.length > 2) [yText, dText] = [nums[0]!, nums[1]!];
    else if (nums[1]!.length > 2) [dText, yText] = [nums[0]!, nums[1]!];
    else if (monthIdx === 0) [dText, yText] = [nums[0]!, nums[1]!];
    else if (order === 'YMD') [yText, dText] = [nums[0]!, nums[1]!];
    else [dText, yText] = [nums[0]!, nums[1]!];
    p.month = month;
    p.day = Number(dText);
    setYear(p, yText);
    if (monthIdx === 1 && nums[0]!.length <= 2 && nums[1]!.length <= 2 && order !== 'YMD' && Number(nums[0]) > 31) {
      throw new Bad('overflow');
    }
    return;
  }
  if (parts.some((x) => !/^\d+$/.test(x))) throw new Bad('syntax');
  let y: string;
  let m: string;
  let d: string;
  if (parts[0]!.length > 2 || order === 'YMD') [y, m, d] = [parts[0]!, parts[1]!, parts[2]!];
  else if (order === 'DMY') [d, m, y] = [parts[0]!, parts[1]!, parts[2]!];
  else [m, d, y] = [parts[0]!, parts[1]!, parts[2]!];
  setYear(p, y);
  p.month = Number(m);
  p.day = Number(d);
  if (p.month > 12 && order !== 'YMD' && parts[0]!.length <= 2) throw new Bad('md-overflow');
}

function parseFields(input: string, order: DateOrder): Parsed {
  const fields = tokenize(input);
  if (fields === undefined || fields.length === 0) throw new Bad('syntax');
  const p: Parsed = { bc: false, hasTime: false, hour: 0, minute: 0, second: 0, usec: 0 };
  let ampm: 'am' | 'pm' | undefined;
  const loose: string[] = [];
  let monthFromWord: number | undefined;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k]!;
    switch (f.kind) {
      case 'date':
        applyDate(f.parts, p, order);
        break;
      case 'time':
        if (p.hasTime) throw new Bad('syntax');
        readTimeField(f.text, p);
        break;
      case 'tz':
        if (p.offset !== undefined || p.zone !== undefined) throw new Bad('syntax');
        if (!p.hasTime && p.year === undefined && loose.length > 0) throw new Bad('syntax');
        p.offset = parseOffset(f.text);
        break;
      case 'number': {
        const t = f.text;
        if (t.includes('.')) {
          // seconds with a fraction are only valid inside a time field
          throw new Bad('syntax');
        }
        const prev = fields[k - 1];
        if (p.year === undefined && loose.length === 0 && monthFromWord === undefined && (t.length === 8 || t.length === 6)) {
          // YYYYMMDD or YYMMDD
          const yLen = t.length - 4;
          setYear(p, t.slice(0, yLen));
          p.month = Number(t.slice(yLen, yLen + 2));
          p.day = Number(t.slice(yLen + 2));
        } else if (p.year !== undefined && !p.hasTime && (t.length === 6 || t.length === 4) && prev !== undefined) {
          // HHMMSS / HHMM after a date ('20240105T130405')
          p.hour = Number(t.slice(0, 2));
          p.minute = Number(t.slice(2, 4));
          p.second = t.length === 6 ? Number(t.slice(4, 6)) : 0;
          p.hasTime = true;
        } else {
          loose.push(t);
        }
        break;
      }
      case 'word': {
        const w = f.text;
        if (SPECIALS.has(w)) {
          if (fields.length !== 1) throw new Bad('syntax');
          p.special = w;
          return p;
        }
        const month = MONTHS[w];
        if (month !== undefined) {
          if (monthFromWord !== undefined || p.year !== undefined) throw new Bad('syntax');
          monthFromWord = month;
          break;
        }
        if (WEEKDAYS.has(w)) break;
        if (w === 'am' || w === 'pm') {
          ampm = w;
          break;
        }
        if (w === 'bc') {
          p.bc = true;
          break;
        }
        if (w === 'ad') break;
        if (p.offset !== undefined || p.zone !== undefined) throw new Bad('syntax');
        const abbrev = ABBREVIATIONS[w];
        if (abbrev !== undefined) {
          p.offset = abbrev;
          break;
        }
        // PostgreSQL 15 looks up full zone names only when they contain a '/'
        if (!w.includes('/')) throw new Bad('syntax');
        const zone = tryResolveTimeZone(w);
        if (zone === undefined) throw new Bad('zone', w);
        p.zone = zone;
        break;
      }
    }
  }
  if (monthFromWord !== undefined) {
    // 'Jan 8 1999', '8 Jan 1999', 'Wed Jan 05 13:04:05 2024'
    if (loose.length !== 2) throw new Bad('syntax');
    let dText = loose[0]!;
    let yText = loose[1]!;
    if (dText.length > 2 && yText.length <= 2) [dText, yText] = [yText, dText];
    p.month = monthFromWord;
    p.day = Number(dText);
    setYear(p, yText);
  } else if (loose.length === 3 && p.year === undefined) {
    // '2024 01 05': three bare numbers read like a numeric date
    applyDate(loose, p, order);
  } else if (loose.length > 0) {
    throw new Bad('syntax');
  }
  if (p.twoDigitYear && !p.bc && p.year !== undefined) p.year += p.year < 70 ? 2000 : 1900;
  if (ampm !== undefined) {
    if (!p.hasTime || p.hour > 12 || p.hour < 0) throw new Bad('overflow');
    if (ampm === 'am' && p.hour === 12) p.hour = 0;
    else if (ampm === 'pm' && p.hour !== 12) p.hour += 12;
  }
  return p;
}

function validateDate(p: Parsed): void {
  if (p.year === undefined || p.month === undefined || p.day === undefined) throw new Bad('syntax');
  if (p.year <= 0 && !p.bc) throw new Bad('overflow');
  if (p.year === 0) throw new Bad('overflow');
  if (p.month < 1 || p.month > 12) throw new Bad('overflow');
  const y = p.bc ? 1 - p.year : p.year;
  if (p.day < 1 || p.day > daysInMonth(y, p.month)) throw new Bad('overflow');
}

function validateTime(p: Parsed): void {
  if (p.minute > 59 || p.second > 60 || p.hour > 24 || (p.hour === 24 && (p.minute > 0 || p.second > 0 || p.usec > 0))) {
    throw new Bad('overflow');
  }
}

function rethrow(e: unknown, typeName: string, input: string): never {
  if (!(e instanceof Bad)) throw e;
  switch (e.kind) {
    case 'overflow':
      throw datetimeFieldOverflow(input);
    case 'md-overflow':
      throw datetimeFieldOverflow(input, 'Perhaps you need a different "datestyle" setting.');
    case 'tz-overflow':
      throw new GatewayError(TZ_DISPLACEMENT_CODE, `time zone displacement out of range: "${input}"`);
    case 'zone':
      throw invalidParameterValue(`time zone "${e.detail}" not recognized`);
    default:
      throw invalidDatetimeSyntax(typeName, input);
  }
}

/** Settings that text input of dates and times depends on. */
export interface DateInputContext {
  order: DateOrder;
  zone: TimeZone;
  /** Current time in microseconds since 1970 UTC (for 'now', 'today'); defaults to the wall clock. */
  now?: () => bigint;
}

function nowMicros(ctx: DateInputContext): bigint {
  return ctx.now ? ctx.now() : BigInt(Date.now()) * 1000n;
}

/** Local date (days since 1970) of the current instant in the session zone. */
function todayLocal(ctx: DateInputContext): number {
  const now = Number(nowMicros(ctx) / 1_000_000n);
  const local = now + ctx.zone.offsetAt(now);
  return Math.floor(local / 86400);
}

function specialDays(special: string, ctx: DateInputContext): number | undefined {
  switch (special) {
    case 'epoch':
      return 0;
    case 'today':
    case 'now':
      return todayLocal(ctx);
    case 'tomorrow':
      return todayLocal(ctx) + 1;
    case 'yesterday':
      return todayLocal(ctx) - 1;
    default:
      return undefined;
  }
}

/** date text input -> days since 1970-01-01 (+-Infinity for the infinities). */
export function parseDate(input: string, ctx: DateInputContext): number {
  let p: Parsed;
  try {
    p = parseFields(input, ctx.order);
    if (p.special === undefined) {
      validateDate(p);
      if (p.hasTime) validateTime(p);
    }
  } catch (e) {
    rethrow(e, 'date', input);
  }
  if (p.special !== undefined) {
    if (p.special === 'infinity') return Infinity;
    if (p.special === '-infinity') return -Infinity;
    const d = specialDays(p.special, ctx);
    if (d === undefined) throw invalidDatetimeSyntax('date', input);
    return d;
  }
  const jd = date2j(p.bc ? 1 - p.year! : p.year!, p.month!, p.day!);
  if (jd < DATETIME_MIN_JULIAN || jd >= DATE_END_JULIAN) throw datetimeOutOfRange(`date out of range: "${input}"`);
  return jd - UNIX_EPOCH_JDATE;
}

function localMicros(p: Parsed): bigint {
  const jd = date2j(p.bc ? 1 - p.year! : p.year!, p.month!, p.day!);
  const days = BigInt(jd - UNIX_EPOCH_JDATE);
  const secs = BigInt(p.hour * 3600 + p.minute * 60 + p.second);
  return (days * 86400n + secs) * 1_000_000n + BigInt(p.usec);
}

function timestampSpecial(p: Parsed, ctx: DateInputContext, withZone: boolean, typeName: string, input: string): bigint {
  switch (p.special) {
    case 'infinity':
      return TIMESTAMP_POS_INFINITY;
    case '-infinity':
      return TIMESTAMP_NEG_INFINITY;
    case 'epoch':
      return 0n;
    case 'now': {
      const now = nowMicros(ctx);
      if (withZone) return now;
      return now + BigInt(ctx.zone.offsetAt(Number(now / 1_000_000n))) * 1_000_000n;
    }
    case 'today':
    case 'tomorrow':
    case 'yesterday': {
      const day = BigInt(specialDays(p.special, ctx)!);
      const local = day * 86_400_000_000n;
      if (!withZone) return local;
      const offset = ctx.zone.offsetForLocal(Number(day) * 86400);
      return local - BigInt(offset) * 1_000_000n;
    }
    default:
      throw invalidDatetimeSyntax(typeName, input);
  }
}

/** The fields of a timestamp literal, validated unless it is a special value ('now', 'infinity', ...). */
function parseTimestampFields(input: string, ctx: DateInputContext, typeName: string): Parsed {
  try {
    const p = parseFields(input, ctx.order);
    if (p.special === undefined) {
      validateDate(p);
      validateTime(p);
    }
    return p;
  } catch (e) {
    rethrow(e, typeName, input);
  }
}

/** timestamp text input -> microseconds since 1970 (wall clock; an explicit zone is ignored, as in PostgreSQL). */
export function parseTimestamp(input: string, ctx: DateInputContext): bigint {
  const p = parseTimestampFields(input, ctx, 'timestamp');
  if (p.special !== undefined) return timestampSpecial(p, ctx, false, 'timestamp', input);
  const v = localMicros(p);
  if (v < MIN_TIMESTAMP_1970 || v >= END_TIMESTAMP_1970) throw datetimeOutOfRange(`timestamp out of range: "${input}"`);
  return v;
}

/** timestamptz text input -> microseconds since 1970 UTC; without a zone the session zone applies. */
export function parseTimestamptz(input: string, ctx: DateInputContext): bigint {
  const p = parseTimestampFields(input, ctx, 'timestamp with time zone');
  if (p.special !== undefined) return timestampSpecial(p, ctx, true, 'timestamp with time zone', input);
  const local = localMicros(p);
  let offset = p.offset;
  if (offset === undefined) {
    const zone = p.zone ?? ctx.zone;
    offset = zone.fixedOffset ?? zone.offsetForLocal(Number(local / 1_000_000n) - (local % 1_000_000n < 0n ? 1 : 0));
  }
  const v = local - BigInt(offset) * 1_000_000n;
  if (v < MIN_TIMESTAMP_1970 || v >= END_TIMESTAMP_1970) {
    throw datetimeOutOfRange(`timestamp out of range: "${input}"`);
  }
  return v;
}

function parseTimeCommon(input: string, ctx: DateInputContext, typeName: string): Parsed {
  let p: Parsed;
  try {
    p = parseFields(input, ctx.order);
    if (p.special === 'allballs') {
      p.hasTime = true;
      p.special = undefined;
      p.offset = 0;
    } else if (p.special === 'now') {
      const now = nowMicros(ctx);
      const secs = Number(now / 1_000_000n);
      const off = ctx.zone.offsetAt(secs);
      const local = Number(((now + BigInt(off) * 1_000_000n) % 86_400_000_000n + 86_400_000_000n) % 86_400_000_000n);
      p = { bc: false, hasTime: true, hour: 0, minute: 0, second: 0, usec: local, offset: off };
    } else if (p.special !== undefined) {
      throw new Bad('syntax');
    }
    if (!p.hasTime) throw new Bad('syntax');
    // a zone with DST rules cannot give an offset without a date
    if (p.zone !== undefined && p.zone.fixedOffset === undefined && p.year === undefined) throw new Bad('syntax');
    if (p.year !== undefined) validateDate(p);
    validateTime(p);
  } catch (e) {
    rethrow(e, typeName, input);
  }
  return p;
}

/** time text input -> microseconds since midnight (a date or zone in the literal is ignored). */
export function parseTime(input: string, ctx: DateInputContext): bigint {
  const p = parseTimeCommon(input, ctx, 'time');
  return BigInt((p.hour * 3600 + p.minute * 60 + p.second) * 1_000_000 + p.usec);
}

/** timetz text input; without a zone the session zone's current offset applies. */
export function parseTimetz(input: string, ctx: DateInputContext): PgTimeTz {
  const p = parseTimeCommon(input, ctx, 'time with time zone');
  const micros = (p.hour * 3600 + p.minute * 60 + p.second) * 1_000_000 + p.usec;
  let offset = p.offset;
  if (offset === undefined) {
    const zone = p.zone ?? ctx.zone;
    if (zone.fixedOffset !== undefined) offset = zone.fixedOffset;
    else {
      const day = p.year !== undefined ? date2j(p.bc ? 1 - p.year : p.year, p.month!, p.day!) - UNIX_EPOCH_JDATE : todayLocal(ctx);
      offset = zone.offsetForLocal(day * 86400 + Math.floor(micros / 1_000_000));
    }
  }
  return { micros: BigInt(micros), offsetSeconds: offset };
}
