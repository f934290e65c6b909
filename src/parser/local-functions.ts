/**
 * Finds calls of session functions (version(), current_setting('x'), current_user …) in a query's
 * tokens, so the executor can substitute literal values before sending a constant query to an
 * engine that does not know them, and rewrites the text by offsets.
 */
import { GatewayError } from '../errors/index.ts';
import { lex, type Token } from './lexer.ts';

export interface FunctionCall {
  /** Lower-cased function name without qualifier: 'version', 'current_user'. */
  readonly name: string;
  /** Written as pg_catalog.name(…). */
  readonly qualified: boolean;
  /** Written with an argument list (false for the SQL keyword forms: current_user, current_schema …). */
  readonly parens: boolean;
  /** UTF-16 offset of the call's first char (the qualifier's, if any). */
  readonly start: number;
  /** UTF-16 offset just past the call (past its ')' when it has one). */
  readonly end: number;
  /** Raw text of each argument, without surrounding blanks and comments; [] for none. */
  readonly args: string[];
}

/**
 * SQL value functions written as keywords. PostgreSQL rejects parentheses after the first group;
 * the second accepts none or a precision/empty list.
 */
const KEYWORD_ONLY: ReadonlySet<string> = new Set(['current_user', 'session_user', 'current_role', 'user', 'current_catalog', 'current_date', 'system_user']);
const KEYWORD_OPTIONAL_PARENS: ReadonlySet<string> = new Set(['current_schema', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp']);

const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

/**
 * Calls of the functions in `names` (lower-case), in text order, outermost only: a call inside the
 * arguments of another match is not listed (look in that match's `args`). Matches
 * `name(…)`, `pg_catalog.name(…)`, and for SQL keyword functions (current_user, session_user,
 * current_role, user, current_catalog, current_schema, current_date, current_time,
 * current_timestamp, localtime, localtimestamp) also the bare keyword. Never matches inside strings,
 * comments or quoted identifiers, after another qualifier (`t.version()`), after AS, or a name not
 * followed by '(' unless it is one of those keywords written without quotes.
 * Accepts lexer tokens of `sql` to avoid lexing twice; throws the lexer's errors otherwise.
 */
export function findFunctionCalls(sql: string, names: ReadonlySet<string>, tokens: readonly Token[] = lex(sql)): FunctionCall[] {
  const calls: FunctionCall[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.kind !== 'ident' || !names.has(t.value)) continue;
    const prev = tokens[i - 1];
    let qualified = false;
    let start = t.start;
    if (isPunct(prev, '.')) {
      // Only pg_catalog.name(…), and only when pg_catalog itself is not qualified.
      const q = tokens[i - 2];
      if (q === undefined || q.kind !== 'ident' || q.value !== 'pg_catalog' || isPunct(tokens[i - 3], '.')) continue;
      qualified = true;
      start = q.start;
    } else if (prev !== undefined && prev.kind === 'ident' && !prev.quoted && prev.value === 'as') {
      continue; // a column alias
    } else if (isPunct(prev, '::')) {
      continue; // a type name
    }
    const open = tokens[i + 1];
    if (isPunct(open, '(')) {
      if (!t.quoted && KEYWORD_ONLY.has(t.value)) continue; // current_user() is not valid SQL
      const close = matchParen(tokens, i + 1);
      if (close < 0) continue;
      calls.push({ name: t.value, qualified, parens: true, start, end: tokens[close]!.end, args: splitArgs(sql, tokens, i + 1, close) });
      i = close;
      continue;
    }
    if (qualified || t.quoted) continue;
    if (KEYWORD_ONLY.has(t.value) || KEYWORD_OPTIONAL_PARENS.has(t.value)) {
      calls.push({ name: t.value, qualified: false, parens: false, start, end: t.end, args: [] });
    }
  }
  return calls;
}

/** Index of the ')' closing the '(' at `open`, or -1. Counts () and []. */
function matchParen(tokens: readonly Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (t.kind !== 'punct') continue;
    const c = t.text;
    if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') {
      depth--;
      if (depth === 0) return c === ')' ? k : -1;
    } else if (c === ';') return -1;
  }
  return -1;
}

/** Raw text of each top-level comma-separated argument between tokens `open` and `close`. */
function splitArgs(sql: string, tokens: readonly Token[], open: number, close: number): string[] {
  if (close === open + 1) return [];
  const args: string[] = [];
  let depth = 0;
  let first = open + 1;
  for (let k = open + 1; k <= close; k++) {
    const t = tokens[k]!;
    if (t.kind === 'punct') {
      const c = t.text;
      if (c === '(' || c === '[') depth++;
      else if ((c === ')' || c === ']') && k < close) depth--;
      else if ((c === ',' && depth === 0) || k === close) {
        args.push(k > first ? sql.slice(tokens[first]!.start, tokens[k - 1]!.end) : '');
        first = k + 1;
      }
    }
  }
  return args;
}

export interface Replacement {
  readonly start: number;
  readonly end: number;
  readonly text: string;
}

/**
 * Replaces the [start, end) ranges of `sql` (UTF-16 offsets) by their texts, in any order given.
 * Ranges must not overlap (GatewayError INTERNAL otherwise: a bug in the caller).
 */
export function replaceRanges(sql: string, replacements: readonly Replacement[]): string {
  if (replacements.length === 0) return sql;
  const sorted = [...replacements].sort((a, b) => a.start - b.start || a.end - b.end);
  let out = '';
  let at = 0;
  for (const r of sorted) {
    if (r.start < at || r.end < r.start || r.end > sql.length) {
      throw new GatewayError('INTERNAL', `replaceRanges: bad or overlapping range [${r.start}, ${r.end})`);
    }
    out += sql.slice(at, r.start) + r.text;
    at = r.end;
  }
  return out + sql.slice(at);
}

/** A constant argument, decoded: what `current_setting('x', true)` needs. */
export type ConstantValue =
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: string }
  | { readonly kind: 'boolean'; readonly value: boolean }
  | { readonly kind: 'null' };

/**
 * The value of a constant argument text: a string literal (any form, optionally cast with
 * `::type`), a signed number, true/false, or null. Returns null for anything else (an
 * expression, a parameter, a column); never throws.
 */
export function constantValue(text: string): ConstantValue | null {
  let tokens: Token[];
  try {
    tokens = lex(text);
  } catch {
    return null;
  }
  // Drop trailing casts: 'x'::text, 'x'::pg_catalog.text
  let n = tokens.length;
  for (let k = 1; k < n; k++) {
    if (isPunct(tokens[k], '::')) {
      n = k;
      break;
    }
  }
  if (n === 1) {
    const t = tokens[0]!;
    if (t.kind === 'string') return { kind: 'string', value: t.value };
    if (t.kind === 'number') return { kind: 'number', value: t.text };
    if (t.kind === 'ident' && !t.quoted) {
      if (t.value === 'true') return { kind: 'boolean', value: true };
      if (t.value === 'false') return { kind: 'boolean', value: false };
      if (t.value === 'null') return { kind: 'null' };
    }
    return null;
  }
  if (n === 2 && (isPunct(tokens[0], '-') || isPunct(tokens[0], '+')) && tokens[1]!.kind === 'number') {
    return { kind: 'number', value: (tokens[0]!.text === '-' ? '-' : '') + tokens[1]!.text };
  }
  return null;
}

/** A string literal PostgreSQL and DuckDB both read back as `value`: '…' with quotes doubled. */
export function quoteLiteral(value: string): string {
  return "'" + value.replace(/'/g, "''") + "'";
}
