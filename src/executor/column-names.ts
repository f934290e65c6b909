import { keywordCategory, lex, type Token } from '../parser/index.ts';

/**
 * Result column names as PostgreSQL would give them (its FigureColname), for the select list of the
 * statement's first SELECT. Engines name unaliased columns after the expression text (`count_star()`,
 * `CAST(x AS INTEGER)`), which BI tools then show; PostgreSQL says `count` and `x`.
 *
 * Returns null when the names cannot be derived exactly (not a SELECT, `*` in the list, count mismatch):
 * the engine's names are kept then.
 */
export function pgColumnNames(sql: string, expected: number): string[] | null {
  let tokens: Token[];
  try {
    tokens = lex(sql);
  } catch {
    return null;
  }
  const start = mainSelectStart(tokens);
  if (start < 0) return null;
  const items = selectItems(tokens, start + 1);
  if (!items || items.length !== expected) return null;
  const names: string[] = [];
  for (const item of items) {
    const name = itemName(item);
    if (name === null) return null;
    names.push(name);
  }
  return names;
}

const isKw = (t: Token | undefined, word: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === word;
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.value === p;

/** Index of the SELECT keyword of the main query, skipping a WITH clause and opening parentheses. */
function mainSelectStart(tokens: Token[]): number {
  let i = 0;
  while (isPunct(tokens[i], '(')) i++;
  if (isKw(tokens[i], 'with')) {
    i++;
    if (isKw(tokens[i], 'recursive')) i++;
    // name [(cols)] AS [NOT] [MATERIALIZED] ( query ) [, ...]
    for (;;) {
      i++; // name
      if (isPunct(tokens[i], '(')) i = skipParens(tokens, i);
      if (!isKw(tokens[i], 'as')) return -1;
      i++;
      if (isKw(tokens[i], 'not')) i++;
      if (isKw(tokens[i], 'materialized')) i++;
      if (!isPunct(tokens[i], '(')) return -1;
      i = skipParens(tokens, i);
      if (isPunct(tokens[i], ',')) {
        i++;
        continue;
      }
      break;
    }
    while (isPunct(tokens[i], '(')) i++;
  }
  return isKw(tokens[i], 'select') ? i : -1;
}

/** Returns the index just past the parenthesis group starting at `i`. */
function skipParens(tokens: Token[], i: number): number {
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return i;
}

const LIST_END = new Set(['from', 'into', 'where', 'group', 'having', 'window', 'order', 'limit', 'offset', 'fetch', 'union', 'intersect', 'except', 'for']);

function selectItems(tokens: Token[], i: number): Token[][] | null {
  if (isKw(tokens[i], 'distinct')) {
    i++;
    if (isKw(tokens[i], 'on')) i = skipParens(tokens, i + 1);
  } else if (isKw(tokens[i], 'all')) i++;
  const items: Token[][] = [];
  let current: Token[] = [];
  let depth = 0;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (depth === 0) {
      if ((t.kind === 'ident' && !t.quoted && LIST_END.has(t.value)) || isPunct(t, ';') || isPunct(t, ')')) break;
      if (isPunct(t, ',')) {
        items.push(current);
        current = [];
        continue;
      }
    }
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    current.push(t);
  }
  if (current.length > 0) items.push(current);
  return items.every((it) => it.length > 0) ? items : null;
}

function itemName(item: Token[]): string | null {
  const n = item.length;
  const last = item[n - 1]!;
  // Explicit alias: `expr AS name`.
  if (n >= 3 && isKw(item[n - 2], 'as') && last.kind === 'ident') return last.value;
  // Bare alias: `expr name`, where name is not a reserved word and expr ends with a complete operand.
  if (n >= 2 && last.kind === 'ident' && (last.quoted || keywordCategory(last.value) !== 'reserved')) {
    const prev = item[n - 2]!;
    const operandEnd = prev.kind === 'number' || prev.kind === 'string' || isPunct(prev, ')') || isPunct(prev, ']') || (prev.kind === 'ident' && (prev.quoted || keywordCategory(prev.value) !== 'reserved') && !isTypeWord(item, n - 2));
    if (operandEnd && !isPunct(prev, '.') && !isPunct(prev, '::')) return last.value;
  }
  const r = figure(item);
  if (r.star) return null;
  return r.name ?? '?column?';
}

/** `prev` may be the last word of a type name in a cast (`x::double precision`), which is no alias target. */
function isTypeWord(item: Token[], i: number): boolean {
  for (let k = i; k >= 0; k--) {
    const t = item[k]!;
    if (isPunct(t, '::')) return true;
    if (t.kind !== 'ident') return false;
  }
  return false;
}

interface Figured {
  name?: string;
  /** 2: a column or function name; 1: a type name; 0: nothing. */
  strength: number;
  star?: boolean;
}

const SQL_VALUE_FUNCTIONS = new Set(['current_date', 'current_time', 'current_timestamp', 'localtime', 'localtimestamp', 'current_role', 'current_user', 'session_user', 'user', 'current_catalog', 'current_schema']);
const NAMED_EXPRESSIONS: Record<string, string> = { case: 'case', exists: 'exists', array: 'array', row: 'row' };

function figure(expr: Token[]): Figured {
  if (expr.length === 0) return { strength: 0 };
  // Strip wrapping parentheses: `(a)` is named like `a`.
  if (isPunct(expr[0], '(') && skipParens(expr, 0) === expr.length) {
    const inner = expr.slice(1, -1);
    if (isKw(inner[0], 'select')) return { strength: 0 };
    return figure(inner);
  }
  // A cast at the top level: the operand's name wins over the type's.
  const castAt = lastTopLevel(expr, '::');
  if (castAt > 0) {
    const arg = figure(expr.slice(0, castAt));
    if (arg.strength === 2 || arg.star) return arg;
    return { name: typeName(expr.slice(castAt + 1)), strength: 1 };
  }
  if (hasTopLevelOperator(expr)) return { strength: 0 };
  const first = expr[0]!;
  if (first.kind === 'ident' && !first.quoted) {
    if (first.value === 'true' || first.value === 'false') return expr.length === 1 ? { name: 'bool', strength: 1 } : { strength: 0 };
    if (first.value === 'case') return { name: 'case', strength: 2 };
    if (first.value === 'cast' && isPunct(expr[1], '(')) {
      const end = skipParens(expr, 1);
      if (end === expr.length) {
        const inner = expr.slice(2, end - 1);
        const asAt = lastTopLevelKeyword(inner, 'as');
        if (asAt > 0) {
          const arg = figure(inner.slice(0, asAt));
          if (arg.strength === 2) return arg;
          return { name: typeName(inner.slice(asAt + 1)), strength: 1 };
        }
      }
    }
    if (expr.length === 1 && SQL_VALUE_FUNCTIONS.has(first.value)) return { name: first.value, strength: 2 };
    // A typed literal: date '2024-01-01', interval '1 day'.
    if (expr.length >= 2 && expr[expr.length - 1]!.kind === 'string' && expr.slice(0, -1).every((t) => t.kind === 'ident'))
      return { name: typeName(expr.slice(0, -1)), strength: 1 };
  }
  // Column reference or function call: name(.name)* [ ( args ) [OVER ...|FILTER ...] ] [ [subscript] ]
  let i = 0;
  let lastName: string | undefined;
  while (i < expr.length) {
    const t = expr[i]!;
    if (t.kind === 'ident') lastName = t.value;
    else if (isPunct(t, '*') || (t.kind === 'op' && t.value === '*')) return { star: true, strength: 0 };
    else return { strength: 0 };
    i++;
    if (isPunct(expr[i], '.')) {
      i++;
      continue;
    }
    break;
  }
  if (lastName === undefined) return { strength: 0 };
  if (i === expr.length) return { name: lastName, strength: 2 };
  if (isPunct(expr[i], '(')) {
    const name = NAMED_EXPRESSIONS[lastName] ?? lastName;
    i = skipParens(expr, i);
    if (i === expr.length || isKw(expr[i], 'over') || isKw(expr[i], 'filter') || isKw(expr[i], 'within')) return { name, strength: 2 };
    if (isPunct(expr[i], '[')) return { name, strength: 2 };
    return { strength: 0 };
  }
  if (lastName === 'array' && isPunct(expr[i], '[')) return { name: 'array', strength: 2 };
  if (isPunct(expr[i], '[') && skipParens(expr, i) === expr.length) return { name: lastName, strength: 2 };
  return { strength: 0 };
}

function lastTopLevel(expr: Token[], op: string): number {
  let depth = 0;
  let found = -1;
  for (let i = 0; i < expr.length; i++) {
    const t = expr[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && isPunct(t, op)) found = i;
  }
  return found;
}

function lastTopLevelKeyword(expr: Token[], word: string): number {
  let depth = 0;
  let found = -1;
  for (let i = 0; i < expr.length; i++) {
    const t = expr[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0 && isKw(t, word)) found = i;
  }
  return found;
}

const OPERATOR_WORDS = new Set(['and', 'or', 'not', 'is', 'in', 'like', 'ilike', 'between', 'similar', 'collate', 'at', 'isnull', 'notnull', 'overlaps']);

function hasTopLevelOperator(expr: Token[]): boolean {
  let depth = 0;
  for (let i = 0; i < expr.length; i++) {
    const t = expr[i]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) depth--;
    else if (depth === 0) {
      if (t.kind === 'op' && t.value !== '::' && !(t.value === '*' && isPunct(expr[i - 1], '.'))) return true;
      if (t.kind === 'number' && expr.length > 1) return true;
      if (t.kind === 'ident' && !t.quoted && OPERATOR_WORDS.has(t.value)) return true;
    }
  }
  return false;
}

/** PostgreSQL's internal name of a type as written (`integer` is int4, `double precision` is float8). */
function typeName(tokens: Token[]): string {
  const words: string[] = [];
  for (const t of tokens) {
    if (isPunct(t, '(') || isPunct(t, '[')) break;
    if (t.kind === 'ident') words.push(t.value);
  }
  const last = words[words.length - 1] ?? '';
  const spelled = words.filter((w) => w !== 'pg_catalog').join(' ');
  return TYPE_ALIASES[spelled] ?? TYPE_ALIASES[last] ?? last;
}

const TYPE_ALIASES: Record<string, string> = {
  integer: 'int4',
  int: 'int4',
  smallint: 'int2',
  bigint: 'int8',
  real: 'float4',
  float: 'float8',
  'double precision': 'float8',
  boolean: 'bool',
  decimal: 'numeric',
  dec: 'numeric',
  'character varying': 'varchar',
  character: 'bpchar',
  char: 'bpchar',
  'timestamp with time zone': 'timestamptz',
  'timestamp without time zone': 'timestamp',
  'time with time zone': 'timetz',
  'time without time zone': 'time',
};
