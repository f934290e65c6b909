import type { ColumnInfo } from '../connectors/contract.ts';
import { keywordCategory, quoteIdentifier, type TableRead, type Token } from '../parser/index.ts';
import { OID } from '../pgtypes/oids.ts';
import { aliasFollows, isKw, isPunct, relationSpan } from './sql-tokens.ts';

/** A LIMIT (with the statement's ORDER BY, when it has one) added to the part reading one table reference. */
export interface LimitPush {
  /** Index of the reference in the statement's analysis tables. */
  table: number;
  limit: number;
  /** ` ORDER BY "col" DESC NULLS FIRST, …` for the part, or '' */
  orderBy: string;
}

export interface LimitInput {
  tokens: readonly Token[];
  close: Int32Array;
  tables: readonly TableRead[];
  /** UTF-16 offset of each table reference (-1 when not located). */
  offsets: readonly number[];
  /** Whether the analysis is exact (predicates complete): nothing is pushed otherwise. */
  exact: boolean;
  /** The served columns of a reference read by a table part of its own, else null (host table, or inside a pushed subquery). */
  partColumns: (table: number) => readonly ColumnInfo[] | null;
}

export interface LimitDecision {
  pushes: LimitPush[];
  /** Why the statement's LIMIT was or was not pushed (empty when it has none), for EXPLAIN. */
  notes: string[];
}

/**
 * Pushes the statement's LIMIT n [OFFSET m] (as LIMIT n + m) into a table part only where every answer of
 * the limited statement stays a correct answer:
 * - one SELECT (no WITH: not analysed here) whose FROM is the part's table followed by nothing but
 *   LEFT JOINs: each of its rows gives at least one row of the join, so n + m of its rows give at least
 *   n + m joined rows, and any n + m rows are as good as any others when there is no ORDER BY;
 * - with ORDER BY, only on that table's columns (qualified by its name or alias) of types both engines sort
 *   alike (numbers, dates, timestamps, booleans; text may collate differently on the engine, floats place
 *   NaN and -0 by engine rules): the part's first n + m rows by that order then hold the first n + m joined
 *   rows, ties being the host's to break in either case;
 * - no WHERE condition that is not one of the part's own pushed predicates (a filter applied after the
 *   join, on any side, would drop rows after the LIMIT took them); no DISTINCT, GROUP BY, HAVING, window
 *   or function call that may be an aggregate in the select list (they change the row count);
 * - UNION ALL without ORDER BY: each branch of that shape gets the LIMIT; UNION, INTERSECT and EXCEPT
 *   (which remove or need rows across branches) and an ORDER BY over the set operation get none.
 * Anything else is not pushed; `notes` says why.
 */
export function pushLimits(input: LimitInput): LimitDecision {
  const { tokens, close } = input;
  let end = tokens.length;
  while (end > 0 && isPunct(tokens[end - 1], ';')) end--;
  const top = depthZero(tokens, close, 0, end);
  // Several statements: not one query's LIMIT.
  if (top.some((i) => isPunct(tokens[i], ';'))) return { pushes: [], notes: [] };
  const limitAt = top.find((i) => isKw(tokens[i], 'limit') || isKw(tokens[i], 'offset') || isKw(tokens[i], 'fetch'));
  if (limitAt === undefined) return { pushes: [], notes: [] };
  const none = (why: string): LimitDecision => ({ pushes: [], notes: [`LIMIT not pushed: ${why}`] });
  if (!input.exact) return none('the analysis is approximate');
  if (isKw(tokens[0], 'with')) return none('the statement has a WITH clause');
  const limit = limitValue(tokens, limitAt, end);
  if (limit === null) return none('it is not LIMIT n [OFFSET m] with integer constants');
  const orderAt = top.find((i) => isKw(tokens[i], 'order') && isKw(tokens[i + 1], 'by'));
  const setOps = top.filter((i) => isKw(tokens[i], 'union') || isKw(tokens[i], 'intersect') || isKw(tokens[i], 'except'));
  const coreEnd = orderAt ?? limitAt;
  if (setOps.length === 0) {
    const core = leftSide(input, 0, coreEnd);
    if (typeof core === 'string') return none(core);
    let orderBy = '';
    if (orderAt !== undefined) {
      const order = orderOn(input, core, orderAt + 2, limitAt);
      if (typeof order === 'string') return none(order);
      orderBy = order.sql;
    }
    const t = input.tables[core.table]!;
    const why = orderBy ? ' ordered by its columns' : '';
    return { pushes: [{ table: core.table, limit, orderBy }], notes: [`LIMIT ${limit}${why} pushed to ${t.schema}.${t.name}: every row of it gives at least one row of the statement`] };
  }
  if (setOps.some((i) => !isKw(tokens[i], 'union') || !isKw(tokens[i + 1], 'all'))) return none('UNION, INTERSECT and EXCEPT combine rows across branches');
  if (orderAt !== undefined) return none('ORDER BY applies to the whole UNION ALL');
  const pushes: LimitPush[] = [];
  const notes: string[] = [];
  const bounds = [0, ...setOps.map((i) => i + 2)];
  bounds.forEach((from, b) => {
    const to = b + 1 < bounds.length ? setOps[b]! : coreEnd;
    const core = leftSide(input, from, to);
    if (typeof core === 'string') notes.push(`LIMIT not pushed to UNION ALL branch ${b + 1}: ${core}`);
    else {
      const t = input.tables[core.table]!;
      pushes.push({ table: core.table, limit, orderBy: '' });
      notes.push(`LIMIT ${limit} pushed to ${t.schema}.${t.name} (UNION ALL branch ${b + 1}): the union's first rows may come from any branch`);
    }
  });
  return { pushes, notes };
}

/** Indexes of the tokens of [from, to) outside parentheses. */
function depthZero(tokens: readonly Token[], close: Int32Array, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) {
    out.push(i);
    if (isPunct(tokens[i], '(') && close[i]! > i) i = close[i]!;
  }
  return out;
}

/** n + m of `LIMIT n [OFFSET m]` / `OFFSET m LIMIT n` ending the statement, else null. */
function limitValue(tokens: readonly Token[], at: number, end: number): number | null {
  let limit: number | null = null;
  let offset = 0;
  let i = at;
  while (i < end) {
    const word = isKw(tokens[i], 'limit') ? 'limit' : isKw(tokens[i], 'offset') ? 'offset' : null;
    const n = tokens[i + 1];
    if (word === null || n?.kind !== 'number' || !/^[0-9]+$/.test(n.text)) return null;
    if (word === 'limit') limit = Number(n.text);
    else offset = Number(n.text);
    i += 2;
  }
  return limit === null || !Number.isSafeInteger(limit + offset) ? null : limit + offset;
}

/** Functions that are never aggregates nor windows, allowed in the select list of a limited statement. */
const SCALAR = new Set([
  'coalesce', 'nullif', 'greatest', 'least', 'lower', 'upper', 'length', 'char_length', 'trim', 'btrim', 'ltrim', 'rtrim',
  'substr', 'substring', 'concat', 'replace', 'left', 'right', 'round', 'trunc', 'abs', 'floor', 'ceil', 'date_trunc',
  'date_part', 'extract', 'cast', 'to_char', 'numeric', 'decimal', 'varchar', 'char', 'character', 'timestamp', 'time',
]);

/** A call of this name may be an aggregate: not a known scalar function, nor a keyword other than an unreserved one (IN, ANY, ARRAY…). */
function mayAggregate(t: Token): boolean {
  if (t.quoted) return true;
  const category = keywordCategory(t.value);
  return (category === undefined || category === 'unreserved') && !SCALAR.has(t.value);
}

/** The left side of a LIMIT-able SELECT core in tokens [from, to): its table and reference name, or why not. */
function leftSide(input: LimitInput, from: number, to: number): { table: number; ref: string } | string {
  const { tokens, close } = input;
  if (isPunct(tokens[from], '(')) return 'the branch is parenthesised';
  if (!isKw(tokens[from], 'select')) return 'not a SELECT';
  if (isKw(tokens[from + 1], 'distinct')) return 'SELECT DISTINCT';
  const top = depthZero(tokens, close, from, to);
  const kw = (w: string): number | undefined => top.find((i) => isKw(tokens[i], w));
  const fromAt = kw('from');
  if (fromAt === undefined) return 'no FROM';
  for (const w of ['group', 'having', 'window', 'for']) if (kw(w) !== undefined) return `the statement has ${w.toUpperCase()}`;
  for (let i = from + 1; i < fromAt; i++) {
    const t = tokens[i]!;
    // A subquery in the select list runs per row: its own aggregates do not matter.
    if (isPunct(t, '(') && (isKw(tokens[i + 1], 'select') || isKw(tokens[i + 1], 'with')) && close[i]! > i) i = close[i]!;
    else if (isKw(t, 'over')) return 'the select list has a window function';
    else if (t.kind === 'ident' && isPunct(tokens[i + 1], '(') && mayAggregate(t)) return `the select list calls ${t.value}(), which may be an aggregate`;
  }
  const first = tokens[fromAt + 1];
  const table = first ? input.offsets.indexOf(first.start) : -1;
  if (table < 0) return 'the first FROM item is not a table';
  if (input.partColumns(table) === null) return 'the first FROM item is not a table part';
  const span = relationSpan(tokens, first!.start)!;
  let i = span.last + 1;
  let ref = input.tables[table]!.name;
  if (aliasFollows(span.next)) {
    if (isKw(tokens[i], 'as')) i++;
    ref = tokens[i]!.value;
    i++;
  }
  const whereAt = kw('where');
  const fromEnd = whereAt ?? to;
  if (i < fromEnd && !isKw(tokens[i], 'left') && !isKw(tokens[i], 'natural')) return 'the first table is not followed by LEFT JOINs only';
  for (const j of top) {
    if (j < i || j >= fromEnd) continue;
    if (isPunct(tokens[j], ',')) return 'the FROM clause has a comma join';
    if (isKw(tokens[j], 'join') && !(isKw(tokens[j - 1], 'left') || (isKw(tokens[j - 1], 'outer') && isKw(tokens[j - 2], 'left'))))
      return 'the FROM clause has a join other than LEFT JOIN';
  }
  if (whereAt !== undefined && conjuncts(tokens, close, whereAt + 1, to) !== input.tables[table]!.predicates.length)
    return 'the WHERE clause has conditions that are not pushed to the part';
  return { table, ref };
}

/** How many AND-ed conditions tokens [from, to) hold (BETWEEN's AND and CASE's contents not counted). */
function conjuncts(tokens: readonly Token[], close: Int32Array, from: number, to: number): number {
  let n = 1;
  let between = 0;
  let cases = 0;
  for (const i of depthZero(tokens, close, from, to)) {
    if (isKw(tokens[i], 'case')) cases++;
    else if (isKw(tokens[i], 'end')) cases--;
    else if (isKw(tokens[i], 'between')) between++;
    else if (isKw(tokens[i], 'and') && cases === 0) {
      if (between > 0) between--;
      else n++;
    }
  }
  return n;
}

/** Types whose order is the same on every engine. */
const SORTS_ALIKE = new Set<number>([OID.int2, OID.int4, OID.int8, OID.numeric, OID.date, OID.timestamp, OID.timestamptz, OID.bool]);

/** The part's ORDER BY for the statement's ORDER BY items in [from, to), or why it cannot have one. */
function orderOn(input: LimitInput, core: { table: number; ref: string }, from: number, to: number): { sql: string } | string {
  const { tokens } = input;
  const columns = input.partColumns(core.table)!;
  const items: string[] = [];
  let i = from;
  while (i < to) {
    const [q, dot, c] = [tokens[i], tokens[i + 1], tokens[i + 2]];
    if (!q || q.kind !== 'ident' || q.value !== core.ref || !isPunct(dot, '.') || c?.kind !== 'ident')
      return 'ORDER BY is not on columns of the left table written as alias.column';
    const column = columns.find((x) => x.name === c.value);
    if (!column) return `ORDER BY ${c.value} is not a column of the left table`;
    if (!SORTS_ALIKE.has(column.typeOid)) return `ORDER BY ${c.value}: its type may sort differently on the part's engine`;
    i += 3;
    let desc = false;
    if (isKw(tokens[i], 'asc')) i++;
    else if (isKw(tokens[i], 'desc')) {
      desc = true;
      i++;
    }
    // PostgreSQL's default: NULLS LAST ascending, NULLS FIRST descending.
    let nullsFirst = desc;
    if (isKw(tokens[i], 'nulls') && (isKw(tokens[i + 1], 'first') || isKw(tokens[i + 1], 'last'))) {
      nullsFirst = tokens[i + 1]!.value === 'first';
      i += 2;
    }
    items.push(`${quoteIdentifier(column.name)} ${desc ? 'DESC' : 'ASC'} NULLS ${nullsFirst ? 'FIRST' : 'LAST'}`);
    if (i < to && !isPunct(tokens[i], ',')) return 'ORDER BY item is not a plain column';
    i++;
  }
  return items.length > 0 ? { sql: ` ORDER BY ${items.join(', ')}` } : 'empty ORDER BY';
}
