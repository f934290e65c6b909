/**
 * Impala SQL text: a scanner with Impala's token rules, the read-only guard, the identity comment,
 * parameter inlining (HiveServer2 has no bind parameters) and the LIMIT 0 form used by describe().
 *
 * Impala's lexical rules differ from PostgreSQL's where it matters here: '…' and "…" are both string
 * literals and both take backslash escapes (\\ \' \" \n \t …, Hive's unescapeSQLString), `…` quotes
 * identifiers, block comments do not nest, and there are no dollar quotes or E'' strings. The
 * scanner only needs to find where strings, identifiers and comments start and end, so that a `$1`
 * or a `;` inside them is never taken for a parameter or a statement end.
 */
import type { QueryContext } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { DEFAULT_OUTPUT_SETTINGS, textDecoder, textEncoder, type InputSettings } from '../../pgtypes/index.ts';
import { TIMESTAMP_NEG_INFINITY, TIMESTAMP_POS_INFINITY, type PgInterval, type PgValue } from '../../pgtypes/values.ts';

export type ImpalaTokenKind = 'word' | 'ident' | 'string' | 'number' | 'param' | 'punct' | 'op' | 'comment' | 'space';

export interface ImpalaToken {
  kind: ImpalaTokenKind;
  text: string;
  start: number;
  end: number;
}

const isWordChar = (c: number): boolean => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c >= 128;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;

function unterminated(what: string): GatewayError {
  return new GatewayError('SYNTAX_ERROR', `unterminated ${what}`);
}

/** Splits Impala SQL into tokens (whitespace and comments included). */
export function scanImpala(sql: string): ImpalaToken[] {
  const out: ImpalaToken[] = [];
  const n = sql.length;
  let i = 0;
  const push = (kind: ImpalaTokenKind, start: number, end: number): void => {
    out.push({ kind, text: sql.slice(start, end), start, end });
  };
  while (i < n) {
    const c = sql.charCodeAt(i);
    const start = i;
    if (c === 32 || c === 9 || c === 10 || c === 13 || c === 12 || c === 11) {
      while (i < n && /\s/.test(sql[i]!)) i++;
      push('space', start, i);
    } else if (c === 45 && sql.charCodeAt(i + 1) === 45) {
      while (i < n && sql[i] !== '\n' && sql[i] !== '\r') i++;
      push('comment', start, i);
    } else if (c === 47 && sql.charCodeAt(i + 1) === 42) {
      const close = sql.indexOf('*/', i + 2);
      if (close < 0) throw unterminated('/* comment');
      i = close + 2;
      push('comment', start, i);
    } else if (c === 39 || c === 34 || c === 96) {
      const quote = sql[i]!;
      i++;
      while (i < n && sql[i] !== quote) i += sql[i] === '\\' ? 2 : 1;
      if (i >= n) throw unterminated(quote === '`' ? 'quoted identifier' : 'quoted string');
      i++;
      push(quote === '`' ? 'ident' : 'string', start, i);
    } else if (c === 36 && isDigit(sql.charCodeAt(i + 1))) {
      i++;
      while (i < n && isDigit(sql.charCodeAt(i))) i++;
      push('param', start, i);
    } else if (isDigit(c) || (c === 46 && isDigit(sql.charCodeAt(i + 1)))) {
      while (i < n && (isDigit(sql.charCodeAt(i)) || sql[i] === '.')) i++;
      if ((sql[i] === 'e' || sql[i] === 'E') && (isDigit(sql.charCodeAt(i + 1)) || ((sql[i + 1] === '+' || sql[i + 1] === '-') && isDigit(sql.charCodeAt(i + 2))))) {
        i += 2;
        while (i < n && isDigit(sql.charCodeAt(i))) i++;
      }
      // Impala reads "1abc" as an identifier starting with digits.
      if (i < n && isWordChar(sql.charCodeAt(i))) {
        while (i < n && isWordChar(sql.charCodeAt(i))) i++;
        push('word', start, i);
      } else push('number', start, i);
    } else if (isWordChar(c)) {
      while (i < n && isWordChar(sql.charCodeAt(i))) i++;
      push('word', start, i);
    } else if ('(),;.[]'.includes(sql[i]!)) {
      i++;
      push('punct', start, i);
    } else {
      // Multi-character operators Impala knows.
      if (sql.startsWith('<=>', start)) i += 3;
      else if (['<=', '>=', '!=', '<>', '&&', '||'].includes(sql.slice(start, start + 2))) i += 2;
      else i++;
      push('op', start, i);
    }
  }
  return out;
}

const significant = (t: ImpalaToken): boolean => t.kind !== 'space' && t.kind !== 'comment';

const WRITES = new Set([
  'ALTER', 'COMMENT', 'COMPUTE', 'COPY', 'CREATE', 'DELETE', 'DROP', 'GRANT', 'INSERT', 'INVALIDATE', 'KILL', 'LOAD', 'MERGE',
  'OPTIMIZE', 'REFRESH', 'REVOKE', 'SET', 'TRUNCATE', 'UNSET', 'UPDATE', 'UPSERT', 'USE',
]);
const READS = new Set(['SELECT', 'WITH', 'VALUES', 'SHOW', 'DESCRIBE', 'EXPLAIN']);

export interface GuardedStatement {
  /** The statement without trailing semicolons and blanks. */
  sql: string;
  /** Its leading keyword, upper-cased ('(' for a parenthesized query). */
  keyword: string;
  tokens: ImpalaToken[];
}

/**
 * Refuses what is not a read, before anything is sent: Impala has no read-only transaction to fall
 * back on, so the guard is the only line. Reads are SELECT, WITH … SELECT (not WITH … INSERT),
 * VALUES, SHOW, DESCRIBE and EXPLAIN; one statement at a time.
 */
export function guardStatement(sql: string): GuardedStatement {
  const tokens = scanImpala(sql);
  const sig = tokens.filter(significant);
  if (sig.length === 0 || sig.every((t) => t.text === ';')) {
    throw new GatewayError('SYNTAX_ERROR', 'empty statement: there is nothing to run', { hint: 'send one SELECT statement' });
  }
  // One statement: a ';' may only be followed by more ';' and blanks.
  let depth = 0;
  let lastSig = -1;
  for (let k = 0; k < sig.length; k++) {
    const t = sig[k]!;
    if (t.text === '(' && t.kind === 'punct') depth++;
    else if (t.text === ')' && t.kind === 'punct') depth--;
    else if (t.text === ';' && t.kind === 'punct' && depth === 0) {
      if (sig.slice(k + 1).some((u) => u.text !== ';')) {
        throw new GatewayError('SYNTAX_ERROR', 'cannot run several statements at once on an Impala engine', { hint: 'send them one by one' });
      }
      break;
    }
    lastSig = k;
  }
  const first = sig[0]!;
  const keyword = first.kind === 'punct' && first.text === '(' ? '(' : first.kind === 'word' ? first.text.toUpperCase() : first.text;
  if (keyword !== '(' && !READS.has(keyword)) {
    if (WRITES.has(keyword)) {
      throw new GatewayError('FEATURE_NOT_SUPPORTED', `${keyword} is not supported: tollgate is read-only`, { hint: 'send SELECT, VALUES, SHOW, DESCRIBE or EXPLAIN statements' });
    }
    // Impala's statements are a closed set: anything else is a syntax error there too.
    throw new GatewayError('SYNTAX_ERROR', `syntax error at or near "${first.text}"`, { hint: 'send SELECT, VALUES, SHOW, DESCRIBE or EXPLAIN statements' });
  }
  if (keyword === 'WITH') {
    depth = 0;
    for (const t of sig) {
      if (t.kind === 'punct' && t.text === '(') depth++;
      else if (t.kind === 'punct' && t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && WRITES.has(t.text.toUpperCase())) {
        throw new GatewayError('FEATURE_NOT_SUPPORTED', `WITH … ${t.text.toUpperCase()} is not supported: tollgate is read-only`, {
          hint: 'send SELECT, VALUES, SHOW, DESCRIBE or EXPLAIN statements',
        });
      }
    }
  }
  const end = sig[lastSig]!.end;
  // Keep a trailing -- comment out of the statement end: cut at the last significant token.
  return { sql: sql.slice(0, end), keyword, tokens: tokens.filter((t) => t.end <= end) };
}

/** Characters allowed in the identity comment's values; anything else becomes '_'. */
function commentValue(v: string): string {
  const clean = v.replace(/[^A-Za-z0-9_.@:+=-]/g, '_');
  return clean.length > 128 ? clean.slice(0, 128) : clean === '' ? '_' : clean;
}

/**
 * `/* tollgate query_id=<id> user=<u> team=<t> *\/ `, the prefix that lets Impala's query log (and
 * its web UI's statement column) be joined to tollgate's ledger. Values keep only [A-Za-z0-9_.@:+=-]:
 * nothing in them can end the comment or start a hint.
 */
export function identityComment(ctx: QueryContext | undefined): string {
  if (ctx === undefined) return '';
  return `/* tollgate query_id=${commentValue(ctx.queryId)} user=${commentValue(ctx.user)} team=${commentValue(ctx.team)} */ `;
}

// ---------------------------------------------------------------------------------------------
// Literals

/** A string as an Impala string literal: backslash escapes, as Impala reads them. */
export function impalaString(s: string): string {
  if (s.includes('\0')) throw new GatewayError('CHARACTER_NOT_IN_REPERTOIRE', 'a string sent to Impala cannot contain NUL (0x00)');
  let out = "'";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default:
        out += ch;
    }
  }
  return out + "'";
}

/** Impala spellings of the PostgreSQL types a value can be inlined as (numeric takes its precision from the value). */
export const IMPALA_TYPE_OF_OID: Readonly<Record<number, string>> = {
  [OID.bool]: 'BOOLEAN',
  [OID.int2]: 'SMALLINT',
  [OID.int4]: 'INT',
  [OID.int8]: 'BIGINT',
  [OID.float4]: 'FLOAT',
  [OID.float8]: 'DOUBLE',
  [OID.text]: 'STRING',
  [OID.varchar]: 'STRING',
  [OID.bpchar]: 'STRING',
  [OID.name]: 'STRING',
  [OID.date]: 'DATE',
  [OID.timestamp]: 'TIMESTAMP',
  [OID.timestamptz]: 'TIMESTAMP',
  [OID.bytea]: 'BINARY',
};

const DECODE_SETTINGS: Readonly<InputSettings> = Object.freeze({ dateStyle: 'ISO, MDY', timeZone: 'UTC', intervalStyle: 'postgres' });
const printDate = textEncoder(OID.date, DEFAULT_OUTPUT_SETTINGS);
const printTimestamp = textEncoder(OID.timestamp, DEFAULT_OUTPUT_SETTINGS);

function outOfRange(what: string, range: string): GatewayError {
  return new GatewayError('DATETIME_FIELD_OVERFLOW', `${what} is out of Impala's range (${range})`);
}

function unsupportedValue(what: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', `${what} cannot be sent to Impala`);
}

function dateLiteral(days: number): string {
  if (!Number.isFinite(days)) throw outOfRange(`date ${days > 0 ? 'infinity' : '-infinity'}`, '0001-01-01 to 9999-12-31');
  const text = printDate(days);
  if (!/^\d{4}-\d\d-\d\d$/.test(text)) throw outOfRange(`date ${text}`, '0001-01-01 to 9999-12-31');
  return `DATE '${text}'`;
}

function timestampLiteral(micros: bigint): string {
  if (micros === TIMESTAMP_NEG_INFINITY || micros === TIMESTAMP_POS_INFINITY) throw outOfRange('timestamp infinity', '1400-01-01 to 9999-12-31');
  const text = printTimestamp(micros);
  const m = /^(\d{4})-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?$/.exec(text);
  if (!m || Number(m[1]) < 1400) throw outOfRange(`timestamp ${text}`, '1400-01-01 to 9999-12-31');
  return `CAST('${text}' AS TIMESTAMP)`;
}

function decimalLiteral(text: string): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) {
    if (/^[+-]?(nan|inf)/i.test(text.trim())) throw unsupportedValue(`numeric ${text}`);
    throw new GatewayError('INVALID_TEXT_REPRESENTATION', `invalid input syntax for type numeric: "${text}"`);
  }
  const sign = m[1] === '-' ? '-' : '';
  const intDigits = (m[2] ?? '').replace(/^0+(?=\d)/, '') || '0';
  const frac = m[3] ?? '';
  const scale = frac.length;
  const precision = Math.max((intDigits === '0' ? 0 : intDigits.length) + scale, 1);
  if (precision > 38) throw new GatewayError('NUMERIC_VALUE_OUT_OF_RANGE', `numeric ${text} has more than the 38 digits Impala's DECIMAL holds`);
  return `CAST(${sign}${intDigits}${scale > 0 ? `.${frac}` : ''} AS DECIMAL(${precision},${scale}))`;
}

function doubleLiteral(v: number, type: 'DOUBLE' | 'FLOAT'): string {
  if (Number.isNaN(v)) return `CAST('nan' AS ${type})`;
  if (!Number.isFinite(v)) return `CAST('${v > 0 ? 'inf' : '-inf'}' AS ${type})`;
  if (Object.is(v, -0)) return `CAST('-0' AS ${type})`;
  return `CAST(${String(v)} AS ${type})`;
}

/** A single-unit interval as Impala's INTERVAL n UNIT (Impala has no interval values, only date arithmetic). */
export function intervalLiteral(iv: PgInterval): string {
  const parts = [iv.months !== 0, iv.days !== 0, iv.micros !== 0n].filter(Boolean).length;
  if (parts > 1) {
    throw new GatewayError('FEATURE_NOT_SUPPORTED', 'an interval of several units (months, days and time together) cannot be sent to Impala', {
      hint: "Impala intervals have one unit: write ts + interval '1 day' + interval '2 hours'",
    });
  }
  if (iv.months !== 0) return `INTERVAL ${iv.months} MONTH`;
  if (iv.days !== 0) return `INTERVAL ${iv.days} DAY`;
  const us = iv.micros;
  if (us === 0n) return 'INTERVAL 0 DAY';
  for (const [size, unit] of [
    [3_600_000_000n, 'HOUR'],
    [60_000_000n, 'MINUTE'],
    [1_000_000n, 'SECOND'],
    [1_000n, 'MILLISECOND'],
  ] as const) {
    if (us % size === 0n) return `INTERVAL ${us / size} ${unit}`;
  }
  return `INTERVAL ${us} MICROSECOND`;
}

const TEXT_LIKE = new Set<number>([OID.text, OID.varchar, OID.bpchar, OID.name, OID.json, OID.jsonb, OID.uuid, OID.xml, OID.char, 0]);

/**
 * A canonical value as an Impala literal of the PostgreSQL type `oid` (0: unknown, the value's own
 * kind decides). Numbers and booleans are CAST to their exact type (Impala would type `5` as TINYINT
 * and `0.1` as DECIMAL(1,1)); strings are string literals (Impala casts them to DATE or TIMESTAMP
 * where needed, but never to numbers: declare numeric parameters); NULL keeps the type when it has one.
 */
export function impalaLiteral(value: PgValue, oid: number): string {
  if (value === null) {
    const t = oid === OID.numeric ? undefined : IMPALA_TYPE_OF_OID[oid];
    return t === undefined ? 'NULL' : `CAST(NULL AS ${t})`;
  }
  if (Array.isArray(value)) throw unsupportedValue('an array');
  // A value in text form for a non-text type: read it as PostgreSQL would, then print it for Impala.
  if (typeof value === 'string' && !TEXT_LIKE.has(oid)) {
    switch (oid) {
      case OID.numeric:
        return decimalLiteral(value);
      case OID.bool:
      case OID.int2:
      case OID.int4:
      case OID.int8:
      case OID.float4:
      case OID.float8:
      case OID.date:
      case OID.timestamp:
      case OID.timestamptz:
      case OID.bytea:
      case OID.interval:
        return impalaLiteral(textDecoder(oid, DECODE_SETTINGS)(value), oid);
      default:
        throw unsupportedValue(`a value of type OID ${oid}`);
    }
  }
  switch (oid) {
    case OID.bool:
      return value === true ? 'TRUE' : value === false ? 'FALSE' : impalaLiteral(value, 0);
    case OID.int2:
    case OID.int4:
    case OID.int8:
      if (typeof value === 'number' || typeof value === 'bigint') return `CAST(${value} AS ${IMPALA_TYPE_OF_OID[oid]})`;
      break;
    case OID.float4:
    case OID.float8:
      if (typeof value === 'number') return doubleLiteral(value, oid === OID.float4 ? 'FLOAT' : 'DOUBLE');
      break;
    case OID.numeric:
      if (typeof value === 'number' || typeof value === 'bigint') return decimalLiteral(String(value));
      break;
    case OID.date:
      if (typeof value === 'number') return dateLiteral(value);
      break;
    case OID.timestamp:
    case OID.timestamptz:
      if (typeof value === 'bigint') return timestampLiteral(value);
      break;
    case OID.time:
    case OID.timetz:
      throw unsupportedValue('a time of day (Impala has no TIME type)');
    default:
      break;
  }
  // By the value's own kind.
  if (typeof value === 'string') return impalaString(value);
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE';
  if (typeof value === 'bigint') return `CAST(${value} AS BIGINT)`;
  if (typeof value === 'number') {
    if (Number.isInteger(value) && Math.abs(value) <= 2147483647) return `CAST(${value} AS INT)`;
    if (Number.isSafeInteger(value)) return `CAST(${value} AS BIGINT)`;
    return doubleLiteral(value, 'DOUBLE');
  }
  if (value instanceof Uint8Array) return `CAST(unhex('${Buffer.from(value).toString('hex').toUpperCase()}') AS BINARY)`;
  if (typeof value === 'object' && 'months' in value && 'days' in value) return intervalLiteral(value);
  throw unsupportedValue(`a value of type OID ${oid}`);
}

/**
 * Replaces every `$n` outside strings, identifiers and comments by the literal of params[n-1]
 * (typed by paramTypes[n-1]). A `$n` without a value is 42P02, as in PostgreSQL.
 */
export function inlineParams(sql: string, params: readonly PgValue[], paramTypes: readonly number[]): string {
  if (!sql.includes('$')) return sql;
  const tokens = scanImpala(sql);
  if (!tokens.some((t) => t.kind === 'param')) return sql;
  const literals = new Map<number, string>();
  let out = '';
  let last = 0;
  for (const t of tokens) {
    if (t.kind !== 'param') continue;
    const n = Number(t.text.slice(1));
    if (!Number.isSafeInteger(n) || n < 1 || n > params.length) {
      throw new GatewayError('UNDEFINED_PARAMETER', `there is no parameter ${t.text}`);
    }
    let lit = literals.get(n);
    if (lit === undefined) {
      try {
        lit = impalaLiteral(params[n - 1] ?? null, paramTypes[n - 1] ?? 0);
      } catch (e) {
        if (e instanceof GatewayError) throw new GatewayError(e.code, `parameter $${n}: ${e.message}`, { cause: e, ...(e.hint !== undefined && { hint: e.hint }) });
        throw e;
      }
      literals.set(n, lit);
    }
    out += sql.slice(last, t.start) + lit;
    last = t.end;
  }
  return out + sql.slice(last);
}

/** The highest `$n` in the statement (0 when none). */
export function paramCount(sql: string): number {
  if (!sql.includes('$')) return 0;
  let max = 0;
  for (const t of scanImpala(sql)) if (t.kind === 'param') max = Math.max(max, Number(t.text.slice(1)));
  return max;
}

/**
 * The statement with its top-level LIMIT/OFFSET clauses replaced by `LIMIT 0`: Impala's planner turns
 * a query with LIMIT 0 into an empty set without scanning anything, yet GetResultSetMetadata describes
 * the columns as the query would return them. For queries only (SELECT, WITH, VALUES).
 */
export function limitZero(guarded: GuardedStatement): string {
  const { sql, tokens } = guarded;
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'punct' && t.text === '(') depth++;
    else if (t.kind === 'punct' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word' && (t.text.toUpperCase() === 'LIMIT' || t.text.toUpperCase() === 'OFFSET')) {
      return `${sql.slice(0, t.start)}LIMIT 0`;
    }
  }
  return `${sql}\nLIMIT 0`;
}
