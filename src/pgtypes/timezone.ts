/**
 * The session TimeZone, resolved once per session/column: UTC offsets for instants and for local wall-clock
 * times, with PostgreSQL's semantics for every form the TimeZone setting accepts:
 *
 *   - IANA names, case-insensitive ('America/New_York', 'utc', 'EST5EDT'): offsets from Intl (ICU's tz data,
 *     including LMT before standard time; zones merged upstream without "backzone" data may differ from the
 *     system tz data PostgreSQL uses before 1970); abbreviations for the non-ISO DateStyles come from the
 *     system's TZif files when installed (as PostgreSQL's do), else from Intl's names;
 *   - a plain number of hours, ISO sign (east positive): '2', '-7', '5.5';
 *   - POSIX fixed-offset specs, POSIX sign (west positive): '+02:00' is UTC-2, 'UTC+3' is UTC-3,
 *     'EST5', '<+03>-3'. POSIX specs with DST rules are accepted only when Intl knows the name ('EST5EDT').
 *
 * Intl is slow (microseconds per call), so offsets are cached per UTC day; the exact transition second is
 * found by bisection on the (rare) days that contain one.
 */
import { invalidParameterValue } from './errors.ts';
import { tzifAbbreviations, type AbbreviationLookup } from './tzif.ts';

export interface TimeZone {
  /** The setting as given. */
  readonly name: string;
  /** True when the offset never changes (the encoders then skip all lookups). */
  readonly fixedOffset: number | undefined;
  /** Seconds east of UTC in effect at a UTC instant (seconds since 1970-01-01 00:00:00 UTC). */
  offsetAt(utcSeconds: number): number;
  /**
   * Seconds east of UTC for a local wall-clock time (seconds since 1970 as if it were UTC). In a
   * spring-forward gap PostgreSQL takes the offset from before the transition, in a fall-back overlap the
   * one after it (DetermineTimeZoneOffset); this does the same.
   */
  offsetForLocal(localSeconds: number): number;
  /** The zone abbreviation printed by the SQL, Postgres and German DateStyles ('EST', '+03', 'UTC'). */
  abbreviationAt(utcSeconds: number): string;
}

const SECS_PER_DAY = 86400;
/** 400 Gregorian years: calendars and POSIX DST rules repeat exactly. */
const CYCLE_SECS = 146097 * SECS_PER_DAY;
/** Intl is asked about instants up to year 9999 only; later ones are shifted back by 400-year cycles. */
const MAX_INTL_SECS = 253402300799; // 9999-12-31 23:59:59 UTC

class FixedZone implements TimeZone {
  readonly fixedOffset: number;
  constructor(
    readonly name: string,
    offset: number,
    private readonly abbrev: string,
  ) {
    this.fixedOffset = offset;
  }
  offsetAt(): number {
    return this.fixedOffset;
  }
  offsetForLocal(): number {
    return this.fixedOffset;
  }
  abbreviationAt(): string {
    return this.abbrev;
  }
}

interface Transition {
  before: number;
  /** First UTC second at which `after` applies. */
  at: number;
  after: number;
}

const MAX_CACHED_DAYS = 200_000;

class IntlZone implements TimeZone {
  readonly fixedOffset = undefined;
  private readonly offsetFormat: Intl.DateTimeFormat;
  private abbrevFormat: Intl.DateTimeFormat | undefined;
  private readonly days = new Map<number, number | Transition>();
  private readonly abbrevs = new Map<number, string>();
  private lastDay = NaN;
  private lastEntry: number | Transition = 0;

  constructor(
    readonly name: string,
    readonly ianaName: string,
  ) {
    this.offsetFormat = new Intl.DateTimeFormat('en-US', { timeZone: ianaName, timeZoneName: 'longOffset', year: 'numeric' });
  }

  offsetAt(utcSeconds: number): number {
    const day = Math.floor(utcSeconds / SECS_PER_DAY);
    let entry: number | Transition;
    if (day === this.lastDay) entry = this.lastEntry;
    else {
      entry = this.dayEntry(day);
      this.lastDay = day;
      this.lastEntry = entry;
    }
    if (typeof entry === 'number') return entry;
    return utcSeconds < entry.at ? entry.before : entry.after;
  }

  offsetForLocal(localSeconds: number): number {
    const before = this.offsetAt(localSeconds - SECS_PER_DAY);
    const after = this.offsetAt(localSeconds + SECS_PER_DAY);
    if (before === after) return before;
    const beforeTime = localSeconds - before;
    const afterTime = localSeconds - after;
    const beforeValid = this.offsetAt(beforeTime) === before;
    const afterValid = this.offsetAt(afterTime) === after;
    if (beforeValid && !afterValid) return before;
    if (!beforeValid && afterValid) return after;
    // Ambiguous (both valid) or nonexistent (neither): the later UTC instant, as PostgreSQL picks.
    return beforeTime > afterTime ? before : after;
  }

  private tzif: AbbreviationLookup | undefined | null = null;

  abbreviationAt(utcSeconds: number): string {
    if (this.tzif === null) this.tzif = tzifAbbreviations(this.ianaName) ?? tzifAbbreviations(this.name.trim());
    if (this.tzif !== undefined) return this.tzif(utcSeconds, this.offsetAt(utcSeconds));
    const t = clampForIntl(utcSeconds);
    const key = Math.floor(t / 900); // quarter-hour buckets; transitions fall on them in practice
    const cached = this.abbrevs.get(key);
    if (cached !== undefined) return cached;
    this.abbrevFormat ??= new Intl.DateTimeFormat('en-US', { timeZone: this.ianaName, timeZoneName: 'short', year: 'numeric' });
    const part = this.abbrevFormat.formatToParts(t * 1000).find((p) => p.type === 'timeZoneName')?.value ?? '';
    const offset = this.offsetAt(utcSeconds);
    let abbrev: string;
    if (/^[A-Za-z]{2,6}$/.test(part) && part !== 'GMT') abbrev = part;
    else if (offset % 60 !== 0) abbrev = 'LMT';
    else abbrev = this.modernAbbreviation(offset) ?? normaliseAbbreviation(part, offset);
    if (this.abbrevs.size > 10_000) this.abbrevs.clear();
    this.abbrevs.set(key, abbrev);
    return abbrev;
  }

  private modern: Map<number, string> | undefined;

  /**
   * ICU names zones only where it has "metazone" data (mostly after 1970); earlier instants come back as
   * 'GMT-5'. The abbreviation the zone uses today for the same offset ('EST') is what tzdata says in
   * most of those periods.
   */
  private modernAbbreviation(offset: number): string | undefined {
    if (this.modern === undefined) {
      this.modern = new Map();
      this.abbrevFormat ??= new Intl.DateTimeFormat('en-US', { timeZone: this.ianaName, timeZoneName: 'short', year: 'numeric' });
      for (let year = 2000; year <= 2030; year += 3) {
        for (const month of [0, 6]) {
          const t = Date.UTC(year, month, 15) / 1000;
          const name = this.abbrevFormat.formatToParts(t * 1000).find((p) => p.type === 'timeZoneName')?.value ?? '';
          if (/^[A-Za-z]{2,6}$/.test(name) && name !== 'GMT') this.modern.set(this.intlOffset(t), name);
        }
      }
    }
    return this.modern.get(offset);
  }

  private dayEntry(day: number): number | Transition {
    const cached = this.days.get(day);
    if (cached !== undefined) return cached;
    const start = day * SECS_PER_DAY;
    const end = start + SECS_PER_DAY - 1;
    const o1 = this.intlOffset(start);
    const o2 = this.intlOffset(end);
    let entry: number | Transition;
    if (o1 === o2) entry = o1;
    else {
      let lo = start;
      let hi = end;
      while (hi - lo > 1) {
        const mid = Math.floor((lo + hi) / 2);
        if (this.intlOffset(mid) === o1) lo = mid;
        else hi = mid;
      }
      entry = { before: o1, at: hi, after: o2 };
    }
    if (this.days.size >= MAX_CACHED_DAYS) this.days.clear();
    this.days.set(day, entry);
    return entry;
  }

  private intlOffset(utcSeconds: number): number {
    const t = clampForIntl(utcSeconds);
    const parts = this.offsetFormat.formatToParts(t * 1000);
    let text = '';
    for (const p of parts) if (p.type === 'timeZoneName') text = p.value;
    return parseGmtOffset(text);
  }
}

function clampForIntl(utcSeconds: number): number {
  if (utcSeconds <= MAX_INTL_SECS) return utcSeconds;
  const cycles = Math.ceil((utcSeconds - MAX_INTL_SECS) / CYCLE_SECS);
  return utcSeconds - cycles * CYCLE_SECS;
}

/** 'GMT', 'GMT+05:30', 'GMT-04:56:02' -> seconds east of UTC. */
function parseGmtOffset(text: string): number {
  if (text.length <= 3) return 0;
  const sign = text.charCodeAt(3) === 45 || text.charCodeAt(3) === 0x2212 ? -1 : 1;
  const fields = text.slice(4).split(':');
  const h = Number(fields[0] ?? 0);
  const m = Number(fields[1] ?? 0);
  const s = Number(fields[2] ?? 0);
  return sign * (h * 3600 + m * 60 + s);
}

/** Intl short names: keep alphabetic ones ('EST', 'UTC'); turn 'GMT+1' into tzdata's numeric style ('+01'). */
function normaliseAbbreviation(name: string, offset: number): string {
  if (/^[A-Za-z]{2,6}$/.test(name) && name !== 'GMT') return name;
  if (name === 'GMT' && offset === 0) return 'GMT';
  if (offset % 60 !== 0) return 'LMT';
  const a = Math.abs(offset);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const hh = h < 10 ? `0${h}` : `${h}`;
  return `${offset < 0 ? '-' : '+'}${hh}${m === 0 ? '' : m < 10 ? `0${m}` : `${m}`}`;
}

/** '+02', '+05:30', '-04:56:02': the tzdata-style abbreviation PostgreSQL gives numeric-hour zones. */
function numericAbbreviation(offsetEast: number): string {
  const a = Math.abs(offsetEast);
  const h = Math.floor(a / 3600);
  const m = Math.floor((a % 3600) / 60);
  const s = a % 60;
  let out = `${offsetEast < 0 ? '-' : '+'}${h < 10 ? `0${h}` : h}`;
  if (m !== 0 || s !== 0) out += `:${m < 10 ? `0${m}` : m}`;
  if (s !== 0) out += `:${s < 10 ? `0${s}` : s}`;
  return out;
}

const POSIX_FIXED = /^(?:<([^<>]*)>|([A-Za-z]{3,}))?([+-]?)(\d{1,3})(?::(\d{1,2})(?::(\d{1,2}))?)?$/;
const MAX_OFFSET_SECS = 168 * 3600;
const ZERO_OFFSET_IANA = new Set(['UTC', 'Etc/UTC', 'Etc/GMT', 'GMT', 'Etc/Universal', 'Etc/Zulu', 'Universal', 'Zulu', 'Etc/UCT', 'UCT', 'Etc/GMT0', 'GMT0', 'Etc/GMT+0', 'Etc/GMT-0', 'Etc/Greenwich', 'Greenwich']);

const cache = new Map<string, TimeZone>();

/** Resolves a zone name as it appears inside a timestamp literal or a TimeZone setting; undefined if unknown. */
export function tryResolveTimeZone(setting: string): TimeZone | undefined {
  const hit = cache.get(setting);
  if (hit !== undefined) return hit;
  const zone = resolveUncached(setting.trim(), setting);
  if (zone !== undefined) {
    if (cache.size > 1000) cache.clear();
    cache.set(setting, zone);
  }
  return zone;
}

function resolveUncached(name: string, original: string): TimeZone | undefined {
  if (name === '') return undefined;
  // A plain number: hours east of UTC (PostgreSQL turns it into the POSIX zone '<+02>-02').
  if (/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(name)) {
    const secs = Math.round(Number(name) * 3600);
    if (Math.abs(secs) >= MAX_OFFSET_SECS) return undefined;
    return new FixedZone(original, secs, numericAbbreviation(secs));
  }
  if (name.toLowerCase() === 'localtime') {
    const local = new Intl.DateTimeFormat().resolvedOptions().timeZone;
    return tryResolveTimeZone(local);
  }
  let iana: string | undefined;
  try {
    iana = new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    iana = undefined;
  }
  if (iana !== undefined) {
    if (ZERO_OFFSET_IANA.has(iana)) {
      const abbrev = iana.includes('UTC') || iana.includes('Universal') || iana.includes('Zulu') || iana.includes('UCT') ? 'UTC' : 'GMT';
      return new FixedZone(original, 0, abbrev);
    }
    return new IntlZone(original, iana);
  }
  const m = POSIX_FIXED.exec(name);
  if (m !== null) {
    const abbrev = m[1] ?? m[2] ?? '';
    const secs = Number(m[4]) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0);
    if (Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59 || secs >= MAX_OFFSET_SECS) return undefined;
    // POSIX: positive offsets are west of Greenwich.
    const east = m[3] === '-' ? secs : -secs;
    return new FixedZone(original, east, abbrev);
  }
  return undefined;
}

/**
 * Resolves a TimeZone setting, throwing PostgreSQL's error for names it does not know (22023). Zones whose
 * offset has a seconds part are refused as PostgreSQL refuses them ("appears to use leap seconds").
 */
export function resolveTimeZone(setting: string): TimeZone {
  const zone = tryResolveTimeZone(setting);
  if (zone === undefined) throw invalidParameterValue(`invalid value for parameter "TimeZone": "${setting}"`);
  if (zone.fixedOffset !== undefined && zone.fixedOffset % 60 !== 0) {
    throw invalidParameterValue(`time zone "${setting}" appears to use leap seconds`);
  }
  return zone;
}

/** UTC as a zone object (the default when no session setting is given). */
export const UTC_ZONE: TimeZone = new FixedZone('UTC', 0, 'UTC');

/** A fixed offset (seconds east) as a zone, as used for explicit offsets in literals. */
export function fixedOffsetZone(offsetEast: number): TimeZone {
  return new FixedZone(numericAbbreviation(offsetEast), offsetEast, numericAbbreviation(offsetEast));
}
