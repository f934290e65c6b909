import { GatewayError } from '../errors/index.ts';
import { resolveTimeZone, tryResolveTimeZone } from '../pgtypes/timezone.ts';

/**
 * The run-time parameters a session has, PostgreSQL style. Clients SET and SHOW many of them (and read
 * the `report`ed ones from ParameterStatus); tollgate keeps their values per session and validates and
 * canonicalises them as PostgreSQL 15 does, so SHOW prints what PostgreSQL would (`SET DateStyle = 'dmy'`
 * shows `ISO, DMY`, `SET TimeZone = 2` shows `<+02>-02`, `SET statement_timeout = 60000` shows `1min`).
 * Unknown parameters are accepted by SET only when they carry a dot (custom options such as
 * `tollgate.engine`), as PostgreSQL does.
 */
export interface ParameterSpec {
  /** Canonical spelling shown by SHOW ALL and ParameterStatus (e.g. 'DateStyle'). */
  name: string;
  defaultValue: string;
  /** Sent as ParameterStatus at startup and whenever it changes (PostgreSQL's GUC_REPORT). */
  report?: boolean;
  /** Cannot be changed after startup. */
  readOnly?: boolean;
  description: string;
  /** Returns the canonical value, or throws a GatewayError (22023 for a bad value, as PostgreSQL). */
  normalize?: (value: string, ctx: NormalizeContext) => string;
  /**
   * For transaction_isolation and transaction_read_only: the parameter whose value this one has whenever the
   * current transaction has not set its own. Setting it lasts until the end of the transaction, whatever the scope.
   */
  transactionDefault?: string;
}

export interface NormalizeContext {
  /** The parameter name as the statement spelled it: PostgreSQL's messages about enum, bool and int values use it. */
  readonly name: string;
  /** The value in effect before this SET (a DateStyle part the new value leaves out is kept). */
  readonly current: string;
  /** The value RESET would go back to (DateStyle's DEFAULT keyword). */
  readonly reset: string;
}

function invalidValue(name: string, value: string, extra: { detail?: string; hint?: string } = {}): GatewayError {
  return new GatewayError('INVALID_PARAMETER_VALUE', `invalid value for parameter "${name}": "${value}"`, extra);
}

/** PostgreSQL's parse_bool: any case-insensitive prefix of true/false/yes/no, on/off from two letters, 1/0. */
function normalizeBool(v: string, { name }: NormalizeContext): string {
  const s = v.toLowerCase();
  if (s.length > 0 && ('true'.startsWith(s) || 'yes'.startsWith(s))) return 'on';
  if (s.length > 0 && ('false'.startsWith(s) || 'no'.startsWith(s))) return 'off';
  if (s.length >= 2 && 'on'.startsWith(s)) return 'on';
  if (s.length >= 2 && 'off'.startsWith(s)) return 'off';
  if (s === '1') return 'on';
  if (s === '0') return 'off';
  throw new GatewayError('INVALID_PARAMETER_VALUE', `parameter "${name}" requires a Boolean value`);
}

interface Unit {
  readonly unit: string;
  /** How many base units one of this unit is. */
  readonly multiplier: number;
}

/** Largest first, as PostgreSQL's conversion tables (the display takes the first that divides evenly). */
const TIME_UNITS_MS: readonly Unit[] = [
  { unit: 'd', multiplier: 86_400_000 },
  { unit: 'h', multiplier: 3_600_000 },
  { unit: 'min', multiplier: 60_000 },
  { unit: 's', multiplier: 1000 },
  { unit: 'ms', multiplier: 1 },
  { unit: 'us', multiplier: 0.001 },
];
const MEMORY_UNITS_KB: readonly Unit[] = [
  { unit: 'TB', multiplier: 1024 ** 3 },
  { unit: 'GB', multiplier: 1024 ** 2 },
  { unit: 'MB', multiplier: 1024 },
  { unit: 'kB', multiplier: 1 },
  { unit: 'B', multiplier: 1 / 1024 },
];
const INT_MAX = 2147483647;

/** C's rint: round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const C_SPACE = /[ \t\n\v\f\r]/;

/**
 * PostgreSQL's parse_int: strtol with base 0 (so 0x1F and 010 octal), a decimal or exponent re-read as a
 * double and rounded, whitespace around, and an optional unit when the parameter has units. Returns the
 * value in the base unit, or a hint-bearing failure.
 */
function parsePgInt(value: string, units: readonly Unit[] | undefined): number | { hint?: string } {
  let i = 0;
  while (i < value.length && C_SPACE.test(value[i]!)) i++;
  const intMatch = /^[+-]?(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(value.slice(i));
  let num: number;
  let end: number;
  const next = intMatch ? value[i + intMatch[0].length] : value[i];
  if (intMatch === null || next === '.' || next === 'e' || next === 'E') {
    const f = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(value.slice(i));
    if (f === null) return {};
    num = Number(f[0]);
    end = i + f[0].length;
  } else {
    const text = intMatch[0];
    const neg = text.startsWith('-');
    const body = text.replace(/^[+-]/, '');
    num = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : Number(body);
    if (neg) num = -num;
    end = i + text.length;
  }
  while (end < value.length && C_SPACE.test(value[end]!)) end++;
  if (end < value.length) {
    if (units === undefined) return {};
    let u = end;
    while (u < value.length && !C_SPACE.test(value[u]!)) u++;
    const unitText = value.slice(end, u);
    while (u < value.length && C_SPACE.test(value[u]!)) u++;
    const k = units.findIndex((x) => x.unit === unitText);
    const names = units.map((x) => `"${x.unit}"`);
    names.reverse();
    const hint = `Valid units for this parameter are ${names.slice(0, -1).join(', ')}, and ${names[names.length - 1]}.`;
    if (k < 0 || u < value.length) return { hint };
    num *= units[k]!.multiplier;
    // A fraction such as 1.5MB is rounded to a multiple of the next smaller unit, when there is one.
    const smaller = units[k + 1];
    if (smaller !== undefined) num = rint(num / smaller.multiplier) * smaller.multiplier;
  }
  num = rint(num);
  if (!Number.isFinite(num) || num > INT_MAX || num < -INT_MAX - 1) return { hint: 'Value exceeds integer range.' };
  return num;
}

/** A byte count: plain bytes or with a unit (kB, MB, GB, TB as powers of 1024, as PostgreSQL reads them; KiB... too). */
function normalizeByteCount(v: string, { name }: NormalizeContext): string {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|kB|KB|KiB|MB|MiB|GB|GiB|TB|TiB)?\s*$/.exec(v);
  if (!m) throw invalidValue(name, v, { hint: 'Valid units are B, kB, MB, GB and TB (powers of 1024).' });
  const power = { B: 0, kB: 1, KB: 1, KiB: 1, MB: 2, MiB: 2, GB: 3, GiB: 3, TB: 4, TiB: 4 }[m[2] ?? 'B']!;
  const bytes = Math.ceil(Number(m[1]) * 1024 ** power);
  if (!Number.isSafeInteger(bytes)) throw invalidValue(name, v, { hint: 'Value exceeds the largest byte count.' });
  return String(bytes);
}

function normalizeInt(min: number, max: number, units?: readonly Unit[]) {
  const base = units?.find((u) => u.multiplier === 1)?.unit;
  return (v: string, { name }: NormalizeContext): string => {
    const n = parsePgInt(v, units);
    if (typeof n !== 'number') throw invalidValue(name, v, n.hint === undefined ? {} : { hint: n.hint });
    if (n < min || n > max)
      throw new GatewayError('INVALID_PARAMETER_VALUE', `${n}${base ? ` ${base}` : ''} is outside the valid range for parameter "${name}" (${min} .. ${max})`);
    if (units === undefined || n <= 0) return String(n);
    const u = units.find((x) => x.multiplier <= 1 || n % x.multiplier === 0)!;
    return `${rint(n / u.multiplier)}${u.unit}`;
  };
}

function normalizeEncoding(v: string): string {
  const s = v.toUpperCase().replace(/[^A-Z0-9]/g, '');
  if (s === 'UTF8' || s === 'UNICODE') return 'UTF8';
  // SQL_ASCII means "no conversion": PostgreSQL then passes the server's UTF-8 bytes through unchanged,
  // which is what tollgate does anyway. psqlODBC's ANSI path asks for it in the C locale.
  if (s === 'SQLASCII') return 'SQL_ASCII';
  throw new GatewayError('FEATURE_NOT_SUPPORTED', `encoding "${v}" is not supported: tollgate speaks UTF8 only`, { hint: 'Set client_encoding to UTF8.' });
}

/** PostgreSQL's SplitIdentifierString on ',': trimmed elements, "quoted" ones kept as written; null if malformed. */
function splitList(s: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const skipSpace = (): void => {
    while (i < s.length && C_SPACE.test(s[i]!)) i++;
  };
  skipSpace();
  if (i === s.length) return out;
  for (;;) {
    if (s[i] === '"') {
      let tok = '';
      for (i++; ; i++) {
        if (i >= s.length) return null;
        if (s[i] === '"') {
          if (s[i + 1] !== '"') break;
          i++;
        }
        tok += s[i];
      }
      i++;
      out.push(tok);
    } else {
      const start = i;
      while (i < s.length && s[i] !== ',' && !C_SPACE.test(s[i]!)) i++;
      if (i === start) return null;
      out.push(s.slice(start, i).toLowerCase());
    }
    skipSpace();
    if (i === s.length) return out;
    if (s[i] !== ',') return null;
    i++;
    skipSpace();
  }
}

const DATE_STYLES: Record<string, string> = { iso: 'ISO', sql: 'SQL', postgres: 'Postgres', german: 'German' };

/**
 * PostgreSQL's check_datestyle: a list of a style (ISO, SQL, Postgres, German) and an order (MDY, DMY, YMD
 * and their old names US, European, NonEuropean), either part left out keeping its current value, DEFAULT
 * standing for the reset value. tollgate prints ISO only (every client library parses it) and keeps the
 * order for reading dates.
 */
function parseDateStyle(v: string, current: string, reset: string, depth = 0): { style: string; order: string } | { detail: string } {
  const [curStyle, curOrder] = current.split(',').map((p) => p.trim());
  let style = curStyle ?? 'ISO';
  let order = curOrder ?? 'MDY';
  let haveStyle = false;
  let haveOrder = false;
  let ok = true;
  const items = splitList(v);
  if (items === null) return { detail: 'List syntax is invalid.' };
  for (const raw of items) {
    const tok = raw.toLowerCase();
    const setStyle = (s: string): void => {
      if (haveStyle && style !== s) ok = false;
      style = s;
      haveStyle = true;
    };
    const setOrder = (o: string): void => {
      if (haveOrder && order !== o) ok = false;
      order = o;
      haveOrder = true;
    };
    if (DATE_STYLES[tok] !== undefined) {
      setStyle(DATE_STYLES[tok]);
      // German also means DMY unless an order is given.
      if (tok === 'german' && !haveOrder) order = 'DMY';
    } else if (tok === 'ymd') setOrder('YMD');
    else if (tok === 'dmy' || tok.startsWith('euro')) setOrder('DMY');
    else if (tok === 'mdy' || tok === 'us' || tok.startsWith('noneuro')) setOrder('MDY');
    else if (tok === 'default' && depth === 0) {
      const sub = parseDateStyle(reset, current, reset, 1);
      if ('detail' in sub) return sub;
      if (!haveStyle) style = sub.style;
      if (!haveOrder) order = sub.order;
    } else return { detail: `Unrecognized key word: "${raw}".` };
  }
  if (!ok) return { detail: 'Conflicting "datestyle" specifications.' };
  return { style, order };
}

function normalizeDateStyle(v: string, { current, reset }: NormalizeContext): string {
  const r = parseDateStyle(v, current, reset);
  if ('detail' in r) throw invalidValue('DateStyle', v, { detail: r.detail });
  if (r.style !== 'ISO')
    throw new GatewayError('FEATURE_NOT_SUPPORTED', `DateStyle "${r.style}" is not supported: tollgate prints dates in ISO style`, { hint: "Use SET DateStyle = 'ISO'." });
  return `${r.style}, ${r.order}`;
}

/** Whether `tz` is a TimeZone setting tollgate can print timestamps in. */
export function isValidTimeZone(tz: string): boolean {
  try {
    normalizeTimeZone(tz);
    return true;
  } catch {
    return false;
  }
}

/** Time zone names in their tz-database spelling, by lower-cased name (PostgreSQL finds them case-insensitively). */
let zoneNames: Map<string, string> | undefined;
// Names Intl accepts but does not list, and that title-casing would misspell (PostgreSQL shows them as here).
const ZONE_NAMES_NOT_TITLE_CASE =
  'America/Argentina/ComodRivadavia America/Knox_IN Australia/ACT Australia/LHI Australia/NSW Brazil/DeNoronha CET CST6CDT ' +
  'Chile/EasterIsland EET EST EST5EDT Etc/GMT Etc/GMT+0 Etc/GMT-0 Etc/GMT0 Etc/UCT Etc/UTC GB GB-Eire GMT GMT+0 GMT-0 GMT0 HST MET ' +
  'MST MST7MDT Mexico/BajaNorte Mexico/BajaSur NZ NZ-CHAT PRC PST8PDT ROC ROK UCT US/Alaska US/Aleutian US/Arizona US/Central ' +
  'US/East-Indiana US/Eastern US/Hawaii US/Indiana-Starke US/Michigan US/Mountain US/Pacific US/Samoa UTC W-SU WET localtime';

/** The tz-database spelling of a zone name Intl knows (`asia/kolkata` is Asia/Kolkata, `us/eastern` US/Eastern). */
function zoneName(name: string): string {
  if (zoneNames === undefined) {
    zoneNames = new Map();
    for (const z of Intl.supportedValuesOf('timeZone')) zoneNames.set(z.toLowerCase(), z);
    for (const z of ZONE_NAMES_NOT_TITLE_CASE.split(' ')) zoneNames.set(z.toLowerCase(), z);
    for (let h = -14; h <= 12; h++) if (h !== 0) zoneNames.set(`etc/gmt${h > 0 ? '+' : ''}${h}`, `Etc/GMT${h > 0 ? '+' : ''}${h}`);
  }
  const lower = name.toLowerCase();
  // Everything else in the tz database is title case word by word (Asia/Ho_Chi_Minh, America/Port-au-Prince is listed).
  return zoneNames.get(lower) ?? lower.replace(/(^|[/_-])([a-z])/g, (_m, sep: string, c: string) => sep + c.toUpperCase());
}

/** PostgreSQL's name for a numeric zone of `gmtoffset` seconds west of UTC (pg_tzset_offset). */
function offsetZoneName(gmtoffset: number): string {
  let abs = Math.abs(gmtoffset);
  const two = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
  let s = two(Math.floor(abs / 3600));
  abs %= 3600;
  if (abs !== 0) {
    s += `:${two(Math.floor(abs / 60))}`;
    abs %= 60;
    if (abs !== 0) s += `:${two(abs)}`;
  }
  return gmtoffset > 0 ? `<-${s}>+${s}` : `<+${s}>-${s}`;
}

/**
 * PostgreSQL's check_timezone: a number of hours east of UTC (shown as the POSIX zone `<+02>-02`), an
 * `INTERVAL '+hh:mm'` from SET TIME ZONE, a tz-database name found case-insensitively (shown in its own
 * spelling), or a POSIX spec (shown upper-cased; note POSIX counts hours west: 'UTC+3' is UTC-3).
 * Only what tollgate's timestamp printing can use is accepted (pgtypes/timezone.ts).
 */
function normalizeTimeZone(v: string): string {
  let out: string | undefined;
  const interval = /^interval '(.*)'$/i.exec(v);
  if (/^[ \t\n\v\f\r]*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) {
    const hours = Number(v.trim());
    if (!(Math.abs(hours) < 168)) throw invalidValue('TimeZone', v, { detail: 'UTC timezone offset is out of range.' });
    out = offsetZoneName(Math.trunc(-hours * 3600));
  } else if (interval !== null) {
    const m = /^\s*([+-])?(\d+):(\d+)(?::(\d+))?\s*$/.exec(interval[1]!);
    if (m === null)
      throw invalidValue('TimeZone', v, { hint: "tollgate reads an INTERVAL time zone written as '+hh:mm'; a number of hours east of UTC also works: SET TIME ZONE -5." });
    const secs = (Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0)) * (m[1] === '-' ? -1 : 1);
    if (Math.abs(secs) >= 168 * 3600) throw invalidValue('TimeZone', v, { detail: 'UTC timezone offset is out of range.' });
    out = offsetZoneName(-secs);
  } else if (v !== '' && v.trim() === v && tryResolveTimeZone(v) !== undefined) {
    let iana = v.toLowerCase() === 'localtime';
    try {
      new Intl.DateTimeFormat('en-US', { timeZone: v });
      iana = true;
    } catch {
      // not a tz-database name: a POSIX spec
    }
    out = iana ? zoneName(v) : v.toUpperCase();
  }
  if (out === undefined) throw invalidValue('TimeZone', v);
  // What the timestamp encoders will be given: they refuse offsets with seconds, for one.
  resolveTimeZone(out);
  return out;
}

/** An enum parameter: case-insensitive, shown lower-case; `hidden` values are accepted but not listed. */
function oneOf(allowed: string[], hidden: Record<string, string> = {}) {
  return (v: string, { name }: NormalizeContext): string => {
    const s = v.toLowerCase();
    if (allowed.includes(s)) return s;
    if (hidden[s] !== undefined) return hidden[s];
    throw invalidValue(name, v, { hint: `Available values: ${allowed.join(', ')}.` });
  };
}

/** application_name: non-printable-ASCII bytes become '?', then at most 63 bytes (PostgreSQL 15). */
function normalizeApplicationName(v: string): string {
  let out = '';
  for (const b of Buffer.from(v, 'utf8')) out += b >= 32 && b <= 126 ? String.fromCharCode(b) : '?';
  return out.slice(0, 63);
}

const ISOLATION_LEVELS = ['serializable', 'repeatable read', 'read committed', 'read uncommitted'];

export function parameterSpecs(serverVersion: string): ParameterSpec[] {
  return [
    { name: 'server_version', defaultValue: serverVersion, report: true, readOnly: true, description: 'Shows the server version.' },
    { name: 'server_version_num', defaultValue: '150000', readOnly: true, description: 'Shows the server version as an integer.' },
    { name: 'server_encoding', defaultValue: 'UTF8', report: true, readOnly: true, description: 'Shows the server (database) character set encoding.' },
    { name: 'client_encoding', defaultValue: 'UTF8', report: true, description: "Sets the client's character set encoding.", normalize: normalizeEncoding },
    { name: 'application_name', defaultValue: '', report: true, description: 'Sets the application name to be reported in statistics and logs.', normalize: normalizeApplicationName },
    { name: 'DateStyle', defaultValue: 'ISO, MDY', report: true, description: 'Sets the display format for date and time values.', normalize: normalizeDateStyle },
    { name: 'IntervalStyle', defaultValue: 'postgres', report: true, description: 'Sets the display format for interval values.', normalize: oneOf(['postgres', 'postgres_verbose', 'sql_standard', 'iso_8601']) },
    { name: 'TimeZone', defaultValue: 'UTC', report: true, description: 'Sets the time zone for displaying and interpreting time stamps.', normalize: normalizeTimeZone },
    { name: 'integer_datetimes', defaultValue: 'on', report: true, readOnly: true, description: 'Shows whether datetimes are integer based.' },
    { name: 'standard_conforming_strings', defaultValue: 'on', report: true, description: "Causes '...' strings to treat backslashes literally.", normalize: (v, ctx) => {
      const b = normalizeBool(v, ctx);
      if (b !== 'on') throw new GatewayError('FEATURE_NOT_SUPPORTED', 'standard_conforming_strings cannot be turned off in tollgate');
      return b;
    } },
    { name: 'is_superuser', defaultValue: 'off', report: true, readOnly: true, description: 'Shows whether the current user is a superuser.' },
    { name: 'session_authorization', defaultValue: '', report: true, readOnly: true, description: 'Sets the session user name.' },
    { name: 'default_transaction_read_only', defaultValue: 'on', report: true, description: 'Sets the default read-only status of new transactions.', normalize: normalizeBool },
    { name: 'in_hot_standby', defaultValue: 'off', report: true, readOnly: true, description: 'Shows whether hot standby is currently active.' },
    { name: 'extra_float_digits', defaultValue: '1', description: 'Sets the number of digits displayed for floating-point values.', normalize: normalizeInt(-15, 3) },
    { name: 'search_path', defaultValue: '"$user", public', description: 'Sets the schema search order for names that are not schema-qualified.' },
    { name: 'transaction_isolation', defaultValue: 'read committed', description: "Sets the current transaction's isolation level.", normalize: oneOf(ISOLATION_LEVELS), transactionDefault: 'default_transaction_isolation' },
    { name: 'default_transaction_isolation', defaultValue: 'read committed', description: 'Sets the transaction isolation level of each new transaction.', normalize: oneOf(ISOLATION_LEVELS) },
    { name: 'transaction_read_only', defaultValue: 'on', description: "Sets the current transaction's read-only status.", normalize: normalizeBool, transactionDefault: 'default_transaction_read_only' },
    { name: 'statement_timeout', defaultValue: '0', description: 'Sets the maximum allowed duration of any statement.', normalize: normalizeInt(0, INT_MAX, TIME_UNITS_MS) },
    { name: 'lock_timeout', defaultValue: '0', description: 'Sets the maximum allowed duration of any wait for a lock.', normalize: normalizeInt(0, INT_MAX, TIME_UNITS_MS) },
    { name: 'idle_in_transaction_session_timeout', defaultValue: '0', description: 'Sets the maximum allowed idle time between queries, when in a transaction.', normalize: normalizeInt(0, INT_MAX, TIME_UNITS_MS) },
    { name: 'bytea_output', defaultValue: 'hex', description: 'Sets the output format for bytea.', normalize: oneOf(['hex', 'escape']) },
    { name: 'client_min_messages', defaultValue: 'notice', description: 'Sets the message levels that are sent to the client.', normalize: oneOf(['debug5', 'debug4', 'debug3', 'debug2', 'debug1', 'log', 'notice', 'warning', 'error'], { debug: 'debug2', info: 'info' }) },
    { name: 'max_identifier_length', defaultValue: '63', readOnly: true, description: 'Shows the maximum identifier length.' },
    { name: 'lc_collate', defaultValue: 'C.UTF-8', readOnly: true, description: "Shows the collation order locale." },
    { name: 'lc_ctype', defaultValue: 'C.UTF-8', readOnly: true, description: 'Shows the character classification and case conversion locale.' },
    { name: 'lc_messages', defaultValue: 'C.UTF-8', description: 'Sets the language in which messages are displayed.' },
    { name: 'lc_monetary', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting monetary amounts.' },
    { name: 'lc_numeric', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting numbers.' },
    { name: 'lc_time', defaultValue: 'C.UTF-8', description: 'Sets the locale for formatting date and time values.' },
    { name: 'max_connections', defaultValue: '500', readOnly: true, description: 'Sets the maximum number of concurrent connections.' },
    { name: 'block_size', defaultValue: '8192', readOnly: true, description: 'Shows the size of a disk block.' },
    { name: 'row_security', defaultValue: 'on', description: 'Enable row security.', normalize: normalizeBool },
    { name: 'jit', defaultValue: 'off', description: 'Allow JIT compilation.', normalize: normalizeBool },
    { name: 'geqo', defaultValue: 'on', description: 'Enables genetic query optimization.', normalize: normalizeBool },
    { name: 'work_mem', defaultValue: '4MB', description: 'Sets the maximum memory to be used for query workspaces.', normalize: normalizeInt(64, INT_MAX, MEMORY_UNITS_KB) },
    { name: 'tollgate.cache', defaultValue: 'on', description: 'Use the result cache for this session.', normalize: normalizeBool },
    { name: 'tollgate.engine', defaultValue: '', description: 'Prefer this engine when a table has replicas.' },
    { name: 'tollgate.tag', defaultValue: '', description: 'A label recorded with every statement of the session in the ledger.' },
    { name: 'tollgate.dry_run', defaultValue: 'off', description: 'Return the estimate of each query instead of running it (costs nothing).', normalize: normalizeBool },
    { name: 'tollgate.max_bytes_billed', defaultValue: '0', description: 'Refuse queries that would bill more bytes than this (0: no limit).', normalize: normalizeByteCount },
    { name: 'tollgate.budget_override', defaultValue: '', description: 'An override token an admin issued: lets queries past the team budget while it is valid.' },
  ];
}
