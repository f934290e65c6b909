/**
 * PostgreSQL-flavoured SQL → Vertica SQL, for the statements tollgate compiles for a Vertica engine.
 *
 * Vertica's SQL descends from PostgreSQL's: `::` casts, ILIKE, `||`, CASE, window functions, WITH,
 * LIMIT/OFFSET, DATE_TRUNC, EXTRACT, NOW() are the same and pass through untouched. This module
 * rewrites, on tokens (everything else goes through byte for byte), what differs:
 *
 *   PostgreSQL                               Vertica                                       why
 *   TABLE t                                  SELECT * FROM t                               no TABLE statement
 *   VALUES (1, 'a'), (2, 'b')                SELECT * FROM (SELECT 1 AS column1, 'a' AS    no VALUES lists
 *                                            column2 UNION ALL SELECT 2, 'b') AS "*VALUES*"
 *   (VALUES ...) AS t (x, y)                 (SELECT ... AS x, ... AS y UNION ALL ...) AS t
 *   OFFSET 5 LIMIT 10, OFFSET 5 ROWS         LIMIT 10 OFFSET 5, OFFSET 5                   LIMIT must come first
 *   FETCH FIRST 10 ROWS ONLY                 LIMIT 10                                      no FETCH FIRST
 *   x::text, CAST(x AS varchar)              x::VARCHAR(65000)                             a bare VARCHAR is 80 bytes
 *   ::int2, ::int4, ::int8, ::float4/8,      ::SMALLINT, ::INTEGER, ::FLOAT, ::BOOLEAN,    Vertica's type names
 *   ::bool, ::bytea, ::json(b), ::name, ::oid ::VARBINARY(65000), ::VARCHAR(65000) ...
 *   '\xDEAD'::bytea, bytea '\xDEAD'          HEX_TO_BINARY('DEAD')                         hex input
 *   INTERVAL '1 year 2 months', '1 mon'::interval  INTERVAL '1-2' YEAR TO MONTH           a bare interval is
 *                                                                                          day-time: a month
 *                                                                                          would be 30 days
 *   agg(x) FILTER (WHERE c)                  agg(CASE WHEN c THEN x END)                   no FILTER clause
 *   count(*) FILTER (WHERE c)                count(CASE WHEN c THEN 1 END)
 *   concat(a, b, c)                          (COALESCE(CAST(a AS VARCHAR(65000)), '') || ...)  CONCAT takes two
 *   string_agg(x, ',')                       LISTAGG(x USING PARAMETERS separator = ',',   LISTAGG (11.1+)
 *                                            max_length = 65000)
 *
 * and refuses, with 0A000 and a hint, what Vertica cannot do or vertica-nodejs cannot read:
 * generate_series (use TIMESERIES or a numbers table), DISTINCT ON (LIMIT n OVER (PARTITION BY ...)),
 * the regular-expression match operators ~ ~* !~ !~* (REGEXP_LIKE), JSON and containment operators
 * (-> ->> #> #>> @> <@), arrays (ARRAY[...], [] types, subscripts: the driver cannot read them),
 * FETCH ... WITH TIES, intervals mixing months with days or time, FILTER on a multi-argument aggregate,
 * string_agg with ORDER BY or a non-literal separator.
 *
 * Known differences left alone: integer division (`7 / 2` is 3.5 in Vertica: use `//` or cast),
 * bare NUMERIC is NUMERIC(37,15) in Vertica, quoted identifiers are case-insensitive in Vertica.
 */
import { GatewayError } from '../../errors/index.ts';
import { lex, positionAt, type Token } from '../../parser/index.ts';
import { parseInterval } from '../../pgtypes/interval.ts';

const LONG_TEXT = 'VARCHAR(65000)';

/** Vertica spellings of PostgreSQL type names that differ (by the first word, lower-cased). */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  text: LONG_TEXT,
  int2: 'SMALLINT',
  int4: 'INTEGER',
  int8: 'INTEGER',
  float4: 'FLOAT',
  float8: 'FLOAT',
  bool: 'BOOLEAN',
  bytea: 'VARBINARY(65000)',
  json: LONG_TEXT,
  jsonb: LONG_TEXT,
  name: 'VARCHAR(128)',
  oid: 'INTEGER',
  bpchar: LONG_TEXT,
};

const REGEX_OPS = new Set(['~', '~*', '!~', '!~*']);
const JSON_OPS = new Set(['->', '->>', '#>', '#>>', '@>', '<@', '?|', '?&']);

function unsupported(sql: string, at: Token, what: string, hint: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', `${what} is not supported by Vertica`, { hint, position: positionAt(sql, at.start) });
}

const isWord = (t: Token | undefined, w?: string): boolean => t !== undefined && t.kind === 'ident' && !t.quoted && (w === undefined || t.value === w);
const isPunct = (t: Token | undefined, p: string): boolean => t !== undefined && (t.kind === 'punct' || t.kind === 'op') && t.text === p;

class Rewriter {
  private readonly tokens: Token[];

  constructor(private readonly sql: string) {
    this.tokens = lex(sql);
  }

  run(): string {
    const t = this.tokens;
    if (t.length === 0) return this.sql;
    // TABLE t → SELECT * FROM t
    if (isWord(t[0], 'table')) {
      return 'SELECT * FROM' + this.range(t[0]!.end, this.sql.length, 1, t.length);
    }
    if (isWord(t[0], 'values')) {
      const { text, next } = this.values(0);
      return `SELECT * FROM (${text}) AS "*VALUES*"` + this.range(t[next - 1]!.end, this.sql.length, next, t.length);
    }
    return this.range(0, this.sql.length, 0, t.length);
  }

  /** Index just past the bracket group opening at `i`. */
  private close(i: number): number {
    let depth = 0;
    for (let k = i; k < this.tokens.length; k++) {
      const tok = this.tokens[k]!;
      if (isPunct(tok, '(') || isPunct(tok, '[')) depth++;
      else if (isPunct(tok, ')') || isPunct(tok, ']')) {
        if (--depth === 0) return k + 1;
      }
    }
    return this.tokens.length;
  }

  /** Indexes of the top-level commas in [from, to). */
  private commas(from: number, to: number): number[] {
    const out: number[] = [];
    for (let k = from; k < to; k++) {
      const tok = this.tokens[k]!;
      if (isPunct(tok, '(') || isPunct(tok, '[')) k = this.close(k) - 1;
      else if (isPunct(tok, ',')) out.push(k);
    }
    return out;
  }

  /** Rewritten text of tokens [from, to) (source between startOffset and endOffset). */
  private range(startOffset: number, endOffset: number, from: number, to: number): string {
    const t = this.tokens;
    let out = '';
    let cursor = startOffset;
    const put = (start: number, end: number, text: string): void => {
      out += this.sql.slice(cursor, start) + text;
      cursor = end;
    };
    for (let i = from; i < to; ) {
      const tok = t[i]!;
      const r = this.construct(i, to);
      if (r !== null) {
        put(tok.start, t[r.next - 1]!.end, r.text);
        i = r.next;
        continue;
      }
      i++;
    }
    return out + this.sql.slice(cursor, endOffset);
  }

  /** Rewritten text of the tokens [from, to), from the first token's start to the last one's end. */
  private sub(from: number, to: number): string {
    if (from >= to) return '';
    return this.range(this.tokens[from]!.start, this.tokens[to - 1]!.end, from, to);
  }

  /** A construct starting at token i, rewritten; null when there is nothing to do at i. */
  private construct(i: number, limit: number): { text: string; next: number } | null {
    const t = this.tokens;
    const tok = t[i]!;
    if (tok.kind === 'op' && REGEX_OPS.has(tok.text)) {
      throw unsupported(this.sql, tok, `the regular-expression operator ${tok.text}`, 'use REGEXP_LIKE(string, pattern) (with the \'i\' flag for ~*)');
    }
    if (tok.kind === 'op' && JSON_OPS.has(tok.text)) {
      throw unsupported(this.sql, tok, `the operator ${tok.text}`, 'Vertica has no JSON or array containment operators; use its MAPJSONEXTRACTOR / MAPLOOKUP functions');
    }
    if (isPunct(tok, '[')) {
      throw unsupported(this.sql, tok, 'an array', 'vertica-nodejs cannot read Vertica arrays; select the elements as columns');
    }
    if (isWord(tok, 'array')) {
      throw unsupported(this.sql, tok, 'ARRAY', 'vertica-nodejs cannot read Vertica arrays; select the elements as columns');
    }
    if (isWord(tok, 'distinct') && isWord(t[i + 1], 'on') && isPunct(t[i + 2], '(')) {
      throw unsupported(this.sql, tok, 'DISTINCT ON', 'use ROW_NUMBER() OVER (PARTITION BY ... ORDER BY ...) = 1, or LIMIT 1 OVER (PARTITION BY ... ORDER BY ...)');
    }
    if (isPunct(tok, '(') && isWord(t[i + 1], 'values')) return this.valuesSubquery(i);
    if (isWord(tok, 'offset')) return this.offset(i, limit);
    if (isWord(tok, 'fetch') && (isWord(t[i + 1], 'first') || isWord(t[i + 1], 'next'))) {
      const f = this.fetch(i, limit);
      return { text: f.text, next: f.next };
    }
    // Casts: x::type
    if (isPunct(tok, '::')) {
      const type = this.typeName(i + 1);
      if (type === null) return null;
      return { text: `::${type.text}`, next: type.next };
    }
    if (tok.kind === 'string') {
      // '\x...'::bytea and 'interval text'::interval
      if (isPunct(t[i + 1], '::')) {
        const type = this.typeName(i + 2);
        if (type !== null && type.base === 'bytea') {
          const hex = hexLiteral(tok.value);
          if (hex !== null) return { text: `HEX_TO_BINARY('${hex}')`, next: type.next };
        }
        if (type !== null && type.base === 'interval' && type.next === i + 3) {
          const literal = this.intervalLiteral(tok);
          if (literal !== null) return { text: literal, next: type.next };
        }
      }
      return null;
    }
    if (tok.kind === 'ident' && !tok.quoted) {
      // Typed literals: bytea '\x..', interval '1 month', text 'x'
      if (t[i + 1]?.kind === 'string' && !isPunct(t[i - 1], '.') && !isPunct(t[i - 1], '::')) {
        const lit = t[i + 1]!;
        if (tok.value === 'bytea') {
          const hex = hexLiteral(lit.value);
          if (hex !== null) return { text: `HEX_TO_BINARY('${hex}')`, next: i + 2 };
        }
        if (tok.value === 'interval' && !isIntervalQualifier(t[i + 2])) {
          const literal = this.intervalLiteral(lit);
          if (literal !== null) return { text: literal, next: i + 2 };
          return null;
        }
        const mapped = TYPE_NAMES[tok.value];
        if (mapped !== undefined) return { text: `CAST(${lit.text} AS ${mapped})`, next: i + 2 };
        return null;
      }
      if (isPunct(t[i + 1], '(') && !isPunct(t[i - 1], '.')) {
        if (tok.value === 'cast') return this.cast(i);
        if (tok.value === 'generate_series') {
          throw unsupported(this.sql, tok, 'generate_series', 'use Vertica\'s TIMESERIES clause, or a numbers table');
        }
        if (tok.value === 'concat') return this.concat(i);
        if (tok.value === 'string_agg') return this.stringAgg(i);
        const end = this.close(i + 1);
        if (isWord(t[end], 'filter') && isPunct(t[end + 1], '(') && isWord(t[end + 2], 'where')) return this.filter(i, end);
      }
    }
    return null;
  }

  /** A type name at i (words, (args), []), with its Vertica spelling; null when not a type name. */
  private typeName(i: number): { text: string; next: number; base: string } | null {
    const t = this.tokens;
    if (t[i]?.kind !== 'ident') return null;
    const first = t[i]!;
    let j = i + 1;
    const base = first.value;
    // Multi-word names.
    if (isWord(first, 'double') && isWord(t[j], 'precision')) j++;
    else if ((isWord(first, 'character') || isWord(first, 'char')) && isWord(t[j], 'varying')) j++;
    else if ((isWord(first, 'timestamp') || isWord(first, 'time')) && (isWord(t[j], 'with') || isWord(t[j], 'without')) && isWord(t[j + 1], 'time') && isWord(t[j + 2], 'zone')) j += 3;
    else if (isWord(first, 'long') && (isWord(t[j], 'varchar') || isWord(t[j], 'varbinary'))) j++;
    else if (isWord(first, 'interval')) {
      while (isIntervalQualifier(t[j]) || isWord(t[j], 'to')) j++;
    }
    let args: [number, number] | null = null;
    if (isPunct(t[j], '(')) {
      const end = this.close(j);
      args = [j, end];
      j = end;
    }
    if (isPunct(t[j], '[')) {
      throw unsupported(this.sql, t[j]!, 'an array type', 'vertica-nodejs cannot read Vertica arrays');
    }
    const srcText = this.sql.slice(first.start, t[j - 1]!.end);
    if (first.quoted) return { text: srcText, next: j, base };
    const word = first.value;
    const varying = (word === 'varchar' || word === 'character' || word === 'char') && j > i + 1 && isWord(t[i + 1], 'varying');
    if ((word === 'varchar' || varying) && args === null) return { text: LONG_TEXT, next: j, base: 'varchar' };
    if (word === 'bpchar' && args !== null) return { text: `CHAR${this.sql.slice(t[args[0]]!.start, t[args[1] - 1]!.end)}`, next: j, base };
    const mapped = TYPE_NAMES[word];
    if (mapped !== undefined && args === null && j === i + 1) return { text: mapped, next: j, base };
    return { text: srcText, next: j, base };
  }

  /** CAST(expr AS type) with the type's Vertica spelling. */
  private cast(i: number): { text: string; next: number } {
    const t = this.tokens;
    const end = this.close(i + 1);
    // The AS of the cast: the last top-level AS inside the parentheses.
    let as = -1;
    for (let k = i + 2; k < end - 1; k++) {
      const tok = t[k]!;
      if (isPunct(tok, '(') || isPunct(tok, '[')) k = this.close(k) - 1;
      else if (isWord(tok, 'as')) as = k;
    }
    if (as < 0) return { text: this.sql.slice(t[i]!.start, t[i + 1]!.end) + this.sub(i + 2, end - 1) + ')', next: end };
    const expr = t.slice(i + 2, as);
    const type = this.typeName(as + 1);
    const typeText = type === null ? this.sub(as + 1, end - 1) : type.text;
    if (type !== null && type.base === 'bytea' && expr.length === 1 && expr[0]!.kind === 'string') {
      const hex = hexLiteral(expr[0]!.value);
      if (hex !== null) return { text: `HEX_TO_BINARY('${hex}')`, next: end };
    }
    if (type !== null && type.base === 'interval' && expr.length === 1 && expr[0]!.kind === 'string' && type.next === as + 2) {
      const literal = this.intervalLiteral(expr[0]!);
      if (literal !== null) return { text: literal, next: end };
    }
    return { text: `${this.sql.slice(t[i]!.start, t[i + 1]!.end)}${this.sub(i + 2, as)} AS ${typeText})`, next: end };
  }

  /**
   * A PostgreSQL interval literal's Vertica form: months only → INTERVAL 'Y-M' YEAR TO MONTH (calendar
   * months); day-time only → INTERVAL '...' unchanged; both → 0A000. null when PostgreSQL would not
   * read it either (Vertica reports it).
   */
  private intervalLiteral(lit: Token): string | null {
    let iv;
    try {
      iv = parseInterval(lit.value, 'postgres');
    } catch {
      return null;
    }
    const dayTime = iv.days !== 0 || iv.micros !== 0n;
    if (iv.months !== 0 && dayTime) {
      throw unsupported(this.sql, lit, `the interval ${lit.text}, which mixes months with days or time,`, "Vertica's intervals are year-month or day-time: add two intervals, e.g. INTERVAL '1 month' + INTERVAL '2 days'");
    }
    if (iv.months === 0) return `INTERVAL ${lit.text}`;
    const m = Math.abs(iv.months);
    return `INTERVAL '${iv.months < 0 ? '-' : ''}${Math.trunc(m / 12)}-${m % 12}' YEAR TO MONTH`;
  }

  /** OFFSET n [ROW|ROWS] [LIMIT m | FETCH ...] → LIMIT m OFFSET n. */
  private offset(i: number, limit: number): { text: string; next: number } {
    const t = this.tokens;
    const stop = (k: number): boolean => {
      const tok = t[k];
      return tok === undefined || k >= limit || isPunct(tok, ')') || isPunct(tok, ';') || isWord(tok, 'limit') || isWord(tok, 'fetch') || isWord(tok, 'row') || isWord(tok, 'rows') || isWord(tok, 'for') || isWord(tok, 'union') || isWord(tok, 'except') || isWord(tok, 'intersect');
    };
    let j = i + 1;
    while (!stop(j)) j = isPunct(t[j], '(') ? this.close(j) : j + 1;
    const offsetText = this.sub(i + 1, j);
    let next = j;
    if (isWord(t[next], 'row') || isWord(t[next], 'rows')) next++;
    if (isWord(t[next], 'limit')) {
      let k = next + 1;
      const stopLimit = (x: number): boolean => {
        const tok = t[x];
        return tok === undefined || x >= limit || isPunct(tok, ')') || isPunct(tok, ';') || isWord(tok, 'offset') || isWord(tok, 'for') || isWord(tok, 'union') || isWord(tok, 'except') || isWord(tok, 'intersect');
      };
      while (!stopLimit(k)) k = isPunct(t[k], '(') ? this.close(k) : k + 1;
      return { text: `LIMIT ${this.sub(next + 1, k)} OFFSET ${offsetText}`, next: k };
    }
    if (isWord(t[next], 'fetch') && (isWord(t[next + 1], 'first') || isWord(t[next + 1], 'next'))) {
      const f = this.fetch(next, limit);
      return { text: `${f.text} OFFSET ${offsetText}`, next: f.next };
    }
    return { text: `OFFSET ${offsetText}`, next };
  }

  /** FETCH {FIRST|NEXT} [n] {ROW|ROWS} {ONLY|WITH TIES} → LIMIT n. */
  private fetch(i: number, limit: number): { text: string; next: number } {
    const t = this.tokens;
    let j = i + 2;
    let count = '1';
    if (!isWord(t[j], 'row') && !isWord(t[j], 'rows')) {
      const from = j;
      while (j < limit && t[j] !== undefined && !isWord(t[j], 'row') && !isWord(t[j], 'rows')) j = isPunct(t[j], '(') ? this.close(j) : j + 1;
      count = this.sub(from, j);
    }
    j++; // ROW | ROWS
    if (isWord(t[j], 'with') && isWord(t[j + 1], 'ties')) {
      throw unsupported(this.sql, t[i]!, 'FETCH ... WITH TIES', 'use RANK() OVER (ORDER BY ...) <= n');
    }
    if (isWord(t[j], 'only')) j++;
    return { text: `LIMIT ${count}`, next: j };
  }

  /** agg(args) FILTER (WHERE cond) → agg(CASE WHEN cond THEN args END). */
  private filter(i: number, callEnd: number): { text: string; next: number } {
    const t = this.tokens;
    const filterOpen = callEnd + 1;
    const filterEnd = this.close(filterOpen);
    const cond = this.sub(callEnd + 3, filterEnd - 1);
    let argFrom = i + 2;
    const argTo = callEnd - 1;
    let distinct = '';
    if (isWord(t[argFrom], 'distinct') || isWord(t[argFrom], 'all')) {
      distinct = `${t[argFrom]!.text} `;
      argFrom++;
    }
    if (this.commas(argFrom, argTo).length > 0) {
      throw unsupported(this.sql, t[callEnd]!, 'FILTER on an aggregate of several arguments', 'move the condition into each argument: CASE WHEN cond THEN x END');
    }
    const star = isPunct(t[argFrom], '*') && argFrom + 1 === argTo;
    const args = star ? '1' : this.sub(argFrom, argTo);
    const name = this.sql.slice(t[i]!.start, t[i]!.end);
    return { text: `${name}(${distinct}CASE WHEN ${cond} THEN ${args} END)`, next: filterEnd };
  }

  /** concat(a, b, ...) → (COALESCE(CAST(a AS VARCHAR(65000)), '') || ...): PostgreSQL's concat skips NULLs. */
  private concat(i: number): { text: string; next: number } {
    const end = this.close(i + 1);
    const bounds = [i + 1, ...this.commas(i + 2, end - 1), end - 1];
    const parts: string[] = [];
    for (let k = 0; k + 1 < bounds.length; k++) {
      const arg = this.sub(bounds[k]! + 1, bounds[k + 1]!);
      if (arg.trim() !== '') parts.push(`COALESCE(CAST(${arg} AS ${LONG_TEXT}), '')`);
    }
    return { text: parts.length === 0 ? "''" : `(${parts.join(' || ')})`, next: end };
  }

  /** string_agg(x, 'sep') → LISTAGG(x USING PARAMETERS separator = 'sep', max_length = 65000). */
  private stringAgg(i: number): { text: string; next: number } {
    const t = this.tokens;
    const end = this.close(i + 1);
    const commas = this.commas(i + 2, end - 1);
    for (let k = i + 2; k < end - 1; k++) {
      if (isWord(t[k], 'order') && isWord(t[k + 1], 'by')) throw unsupported(this.sql, t[k]!, 'string_agg with ORDER BY', 'order the rows in a subquery; LISTAGG keeps no order of its own');
      if (isPunct(t[k], '(')) k = this.close(k) - 1;
    }
    const sep = commas.length === 1 && commas[0]! + 2 === end - 1 ? t[commas[0]! + 1]! : undefined;
    if (sep === undefined || sep.kind !== 'string') {
      throw unsupported(this.sql, t[i]!, 'string_agg without a literal separator', "give the separator as a string literal: string_agg(x, ', ')");
    }
    return { text: `LISTAGG(${this.sub(i + 2, commas[0]!)} USING PARAMETERS separator = ${sep.text}, max_length = 65000)`, next: end };
  }

  /** Rows of VALUES at i: `VALUES (..), (..)` → SELECT ... AS column1 ... UNION ALL SELECT ... */
  private values(i: number, names?: string[]): { text: string; next: number } {
    const t = this.tokens;
    let j = i + 1;
    const rows: string[] = [];
    while (isPunct(t[j], '(')) {
      const end = this.close(j);
      const bounds = [j, ...this.commas(j + 1, end - 1), end - 1];
      const cells: string[] = [];
      for (let k = 0; k + 1 < bounds.length; k++) {
        const cell = this.sub(bounds[k]! + 1, bounds[k + 1]!);
        cells.push(rows.length === 0 ? `${cell} AS ${names?.[k] ?? `column${k + 1}`}` : cell);
      }
      rows.push(`SELECT ${cells.join(', ')}`);
      j = end;
      if (!isPunct(t[j], ',')) break;
      j++;
    }
    return { text: rows.join(' UNION ALL '), next: j };
  }

  /** (VALUES ...) [AS] alias [(cols)] → (SELECT ... UNION ALL ...) AS alias */
  private valuesSubquery(i: number): { text: string; next: number } {
    const t = this.tokens;
    const end = this.close(i);
    let j = end;
    if (isWord(t[j], 'as')) j++;
    let alias: string | null = null;
    let names: string[] | undefined;
    if (t[j]?.kind === 'ident' && !(isWord(t[j]) && ['where', 'join', 'on', 'group', 'order', 'limit', 'union', 'cross', 'left', 'right', 'inner', 'full'].includes(t[j]!.value))) {
      alias = this.sql.slice(t[j]!.start, t[j]!.end);
      j++;
      if (isPunct(t[j], '(')) {
        const colsEnd = this.close(j);
        names = splitNames(this.sql, t.slice(j + 1, colsEnd - 1));
        j = colsEnd;
      }
    }
    const rows = this.values(i + 1, names);
    return { text: `(${rows.text})${alias === null ? '' : ` AS ${alias}`}`, next: alias === null ? end : j };
  }
}

function splitNames(sql: string, tokens: Token[]): string[] {
  return tokens.filter((tok) => tok.kind === 'ident').map((tok) => sql.slice(tok.start, tok.end));
}

function isIntervalQualifier(t: Token | undefined): boolean {
  return isWord(t) && ['year', 'month', 'day', 'hour', 'minute', 'second'].includes(t!.value);
}

/** '\xDEADBEEF' (PostgreSQL's hex bytea input) → 'DEADBEEF'; null for other forms. */
function hexLiteral(value: string): string | null {
  return /^\\x([0-9a-fA-F]{2})*$/.test(value) ? value.slice(2).toUpperCase() : null;
}

/**
 * Vertica SQL for a PostgreSQL-flavoured statement. Throws GatewayError 0A000 (with a POSITION and a
 * hint) for what Vertica cannot do; a statement the lexer cannot read is returned unchanged (Vertica
 * reports the syntax error).
 */
export function toVertica(sql: string): string {
  let rewriter: Rewriter;
  try {
    rewriter = new Rewriter(sql);
  } catch {
    return sql;
  }
  return rewriter.run();
}
