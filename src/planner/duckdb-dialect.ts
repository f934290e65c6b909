import { lex, replaceRanges, type Replacement, type Token } from '../parser/index.ts';
import { NONZERO_MACRO } from '../connectors/duckdb/index.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';

/**
 * Targeted, exact rewrites of PostgreSQL-flavoured SQL for DuckDB, done on tokens so the rest of the
 * statement goes through byte for byte. Each rewrite is listed with the PostgreSQL behaviour it keeps.
 * (The full dialect layer with an AST arrives with the planner; these are the cases clients hit first.)
 */

/** DuckDB spellings of the PostgreSQL types a client may declare for a parameter in Parse. */
const PARAM_CASTS: Record<number, string> = {
  [OID.bool]: 'BOOLEAN',
  [OID.int2]: 'SMALLINT',
  [OID.int4]: 'INTEGER',
  [OID.int8]: 'BIGINT',
  [OID.float4]: 'FLOAT',
  [OID.float8]: 'DOUBLE',
  [OID.text]: 'VARCHAR',
  [OID.varchar]: 'VARCHAR',
  [OID.bpchar]: 'VARCHAR',
  [OID.name]: 'VARCHAR',
  [OID.date]: 'DATE',
  [OID.time]: 'TIME',
  [OID.timestamp]: 'TIMESTAMP',
  [OID.timestamptz]: 'TIMESTAMPTZ',
  [OID.interval]: 'INTERVAL',
  [OID.uuid]: 'UUID',
  [OID.bytea]: 'BLOB',
  [OID.json]: 'JSON',
  [OID.jsonb]: 'JSON',
};

const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

/** Index just past the bracket group opening at `i` ('(' or '['), or -1 when unbalanced. */
function closeOf(tokens: readonly Token[], i: number): number {
  let depth = 0;
  for (let k = i; k < tokens.length; k++) {
    const t = tokens[k]!;
    if (isPunct(t, '(') || isPunct(t, '[')) depth++;
    else if (isPunct(t, ')') || isPunct(t, ']')) {
      if (--depth === 0) return k + 1;
    }
  }
  return -1;
}

/**
 * Index just past the right operand of a `/` or `%` starting at token `i`, following PostgreSQL's
 * precedence (unary minus, `::` casts, subscripts and `^` bind tighter than `/`), or -1 when the operand
 * is not one of the forms recognised here (the division is then left as it is).
 */
function operandEnd(tokens: readonly Token[], i: number): number {
  while (isPunct(tokens[i], '-') || isPunct(tokens[i], '+')) i++;
  const t = tokens[i];
  if (t === undefined) return -1;
  if (isPunct(t, '(')) i = closeOf(tokens, i);
  else if (t.kind === 'number' || t.kind === 'string' || t.kind === 'param') i++;
  else if (t.kind === 'ident' && !t.quoted && t.value === 'case') {
    let depth = 0;
    for (; i < tokens.length; i++) {
      if (isWord(tokens[i], 'case')) depth++;
      else if (isWord(tokens[i], 'end') && --depth === 0) break;
    }
    i = i < tokens.length ? i + 1 : -1;
  } else if (t.kind === 'ident') {
    i++;
    while (isPunct(tokens[i], '.') && tokens[i + 1]?.kind === 'ident') i += 2;
    if (isPunct(tokens[i], '(')) {
      i = closeOf(tokens, i);
      // window and aggregate modifiers belong to the call
      while (i > 0 && (isWord(tokens[i], 'over') || isWord(tokens[i], 'filter')) ) {
        if (isWord(tokens[i], 'over') && tokens[i + 1]?.kind === 'ident' && !isPunct(tokens[i + 1], '(')) i += 2;
        else if (isPunct(tokens[i + 1], '(')) i = closeOf(tokens, i + 1);
        else return -1;
      }
    } else if (tokens[i]?.kind === 'string') i++; // typed literal: interval '1 day'
  } else return -1;
  if (i < 0) return -1;
  for (;;) {
    if (isPunct(tokens[i], '[')) i = closeOf(tokens, i);
    else if (isPunct(tokens[i], '::')) {
      i++;
      while (tokens[i]?.kind === 'ident') i++;
      if (isPunct(tokens[i], '(')) i = closeOf(tokens, i);
      while (isPunct(tokens[i], '[') && isPunct(tokens[i + 1], ']')) i += 2;
    } else if (isPunct(tokens[i], '^')) {
      i = operandEnd(tokens, i + 1);
    } else break;
    if (i < 0) return -1;
  }
  return i;
}
const isWord = (t: Token | undefined, w: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && t.value === w;

/** '\xDEADBEEF' (PostgreSQL's hex bytea input) as DuckDB's blob literal '\xDE\xAD\xBE\xEF'. */
function hexByteaLiteral(value: string): string | null {
  if (!/^\\x([0-9a-fA-F]{2})*$/.test(value)) return null;
  let out = "'";
  for (let i = 2; i < value.length; i += 2) out += '\\x' + value.slice(i, i + 2).toUpperCase();
  return out + "'";
}

/**
 * A numeric parameter keeps the scale of its value in PostgreSQL (1.20 * 2 = 2.40); DuckDB needs the
 * scale in the type, so the cast is built from the bound value when it is known.
 */
function numericCast(value: PgValue | undefined): string {
  if (typeof value !== 'string') return 'DECIMAL(38, 0)';
  const m = /^[+-]?(\d*)(?:\.(\d*))?$/.exec(value.trim());
  if (!m) return 'DOUBLE'; // NaN, Infinity, exponent forms
  const scale = m[2]?.length ?? 0;
  const digits = (m[1] ?? '').replace(/^0+/, '').length + scale;
  return digits <= 38 ? `DECIMAL(38, ${scale})` : 'DOUBLE';
}

/** True when the engine SQL depends on the bound values (so it is rebuilt at execution). */
export function dependsOnValues(declaredParamTypes: readonly number[]): boolean {
  return declaredParamTypes.includes(OID.numeric);
}

export function toDuckDB(sql: string, declaredParamTypes: readonly number[] = [], values?: readonly PgValue[]): string {
  let tokens: Token[];
  try {
    tokens = lex(sql);
  } catch {
    return sql; // the engine reports the syntax error with its position
  }
  const replacements: Replacement[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    // Division by zero raises 22012 in PostgreSQL; DuckDB answers NULL or infinity. The divisor goes
    // through a macro that raises the same error (the connector defines it).
    if (isPunct(t, '/') || isPunct(t, '%')) {
      const end = operandEnd(tokens, i + 1);
      if (end > i + 1) {
        const first = tokens[i + 1]!;
        const last = tokens[end - 1]!;
        replacements.push({ start: first.start, end: first.start, text: `${NONZERO_MACRO}(` });
        replacements.push({ start: last.end, end: last.end, text: ')' });
      }
      continue;
    }
    // A parameter whose type the client declared in Parse has that type (PostgreSQL), unless cast explicitly.
    if (t.kind === 'param') {
      const n = Number(t.value) - 1;
      const declared = declaredParamTypes[n] ?? 0;
      const cast = declared === OID.numeric ? numericCast(values?.[n]) : PARAM_CASTS[declared];
      if (cast && !isPunct(tokens[i + 1], '::')) replacements.push({ start: t.start, end: t.end, text: `CAST(${t.text} AS ${cast})` });
      continue;
    }
    // '\x..'::bytea and bytea '\x..': PostgreSQL reads hex; DuckDB reads the same text as characters.
    if (t.kind === 'string') {
      const castToBytea = isPunct(tokens[i + 1], '::') && isWord(tokens[i + 2], 'bytea');
      const typedLiteral = isWord(tokens[i - 1], 'bytea') && !isPunct(tokens[i - 2], '::');
      if (castToBytea || typedLiteral) {
        const lit = hexByteaLiteral(t.value);
        if (lit) replacements.push({ start: t.start, end: t.end, text: lit });
      }
    }
  }
  return replacements.length === 0 ? sql : replaceRanges(sql, replacements);
}
