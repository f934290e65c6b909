import type { ServedTables } from '../catalog/served-tables.ts';
import { analyzeQuery, quoteIdentifier, type TableRead, type Token } from '../parser/index.ts';
import { aliasFollows, isKw, isPunct, relationSpan } from './sql-tokens.ts';

/** A parenthesised query of the statement whose every table lives on one other engine: it runs there whole. */
export interface SubqueryPart {
  engine: string;
  /** Indexes (into the statement's analysis tables) of the references it contains. */
  refs: number[];
  /** UTF-16 offsets of the query text inside the parentheses (from its first token to the end of its last). */
  start: number;
  end: number;
  /** The query's own text, with unqualified relation names qualified by the schema they resolved to. */
  sql: string;
}

export interface SubqueryInput {
  sql: string;
  tokens: readonly Token[];
  close: Int32Array;
  tables: readonly TableRead[];
  /** UTF-16 offset of each table reference (-1 when not located). */
  offsets: readonly number[];
  engineOf: (t: TableRead) => string | undefined;
  host: string;
  searchPath: readonly string[];
  served: ServedTables;
}

/**
 * The outermost subqueries — derived tables, CTE bodies, scalar, IN and EXISTS subqueries, parenthesised
 * set-operation branches: any `( SELECT … )` or `( WITH … )` — that can be sent whole to the engine holding
 * their tables, so that their joins, aggregates, GROUP BY, ORDER BY and LIMIT run there. A subquery qualifies
 * when:
 * - every table it reads is read from one engine other than the host (on the host it runs there anyway);
 * - analysed on its own, it reads exactly the tables it reads in the statement, and every column resolves
 *   inside it: so it is not correlated with an outer query and uses no CTE of the statement (those would
 *   be unknown relations), nor a catalog relation (which the engine would answer for itself);
 * - it binds no parameter ($n: the part binds only its own values, numbered from 1);
 * - it is not ARRAY(subquery), whose result depends on the order of the rows;
 * - every qualifier (`o.col`) names something written inside it. The analysis walks only the outputs of a
 *   nested derived table that are used, so this catches an outer reference hidden in an unused one.
 * The text is the client's own, only unqualified table names are qualified (the engine's search path is not
 * the session's); it is then compiled for its engine as a whole statement routed there would be.
 */
export function findSubqueryParts(input: SubqueryInput): SubqueryPart[] {
  const { tokens, close, tables, offsets } = input;
  // A reference not located cannot be assigned to a span: then nothing is pushed whole.
  if (offsets.some((o) => o < 0)) return [];
  const out: SubqueryPart[] = [];
  let coveredUntil = -1;
  for (let i = 0; i < tokens.length; i++) {
    if (i <= coveredUntil || !isPunct(tokens[i], '(') || close[i]! < 0) continue;
    if (!isKw(tokens[i + 1], 'select') && !isKw(tokens[i + 1], 'with')) continue;
    // ARRAY(SELECT … ORDER BY …) keeps the subquery's order, which rows loaded into a table need not.
    if (isKw(tokens[i - 1], 'array')) continue;
    const last = close[i]! - 1;
    const start = tokens[i + 1]!.start;
    const end = tokens[last]!.end;
    const refs = offsets.flatMap((o, k) => (o >= start && o < end ? [k] : []));
    const engines = new Set(refs.map((k) => input.engineOf(tables[k]!)));
    const engine = engines.size === 1 ? [...engines][0] : undefined;
    if (engine === undefined || engine === input.host) continue;
    const sql = qualified(input, refs, i + 1, last);
    if (sql === null || !selfContained(input, sql, refs, i + 1, last)) continue;
    out.push({ engine, refs, start, end, sql });
    coveredUntil = close[i]!;
  }
  return out;
}

/** The subquery's text with each unqualified table name written schema.name (keeping it as the alias). */
function qualified(input: SubqueryInput, refs: readonly number[], first: number, last: number): string | null {
  const { tokens, tables } = input;
  const base = tokens[first]!.start;
  let text = input.sql.slice(base, tokens[last]!.end);
  const edits: Array<{ start: number; end: number; text: string }> = [];
  for (const k of refs) {
    const t = tables[k]!;
    const span = relationSpan(tokens, input.offsets[k]!);
    if (span === null) return null;
    if (span.first !== span.last) continue;
    const name = `${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)}`;
    edits.push({ start: span.start - base, end: span.end - base, text: aliasFollows(span.next) ? name : `${name} AS ${quoteIdentifier(t.name)}` });
  }
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end);
  return text;
}

function selfContained(input: SubqueryInput, sql: string, refs: readonly number[], first: number, last: number): boolean {
  const { tokens, tables } = input;
  const starts = new Set(refs.map((k) => input.offsets[k]!));
  const written = new Set<string>();
  for (let j = first; j <= last; j++) {
    const t = tokens[j]!;
    if (t.kind === 'param') return false;
    if (t.kind === 'ident' && !isPunct(tokens[j + 1], '.')) written.add(t.value);
  }
  for (let j = first; j <= last; j++) {
    if (tokens[j]!.kind !== 'ident' || !isPunct(tokens[j + 1], '.') || isPunct(tokens[j - 1], '.')) continue;
    // schema.table in FROM: the reference itself.
    if (starts.has(tokens[j]!.start)) continue;
    // schema.table.column: the table is the qualifier.
    const qualifier = isPunct(tokens[j + 3], '.') ? tokens[j + 2]! : tokens[j]!;
    if (qualifier.kind !== 'ident' || !written.has(qualifier.value)) return false;
  }
  let alone;
  try {
    alone = analyzeQuery(sql, { searchPath: input.searchPath, catalog: input.served });
  } catch {
    return false;
  }
  if (!alone.exact || alone.unknownTables.length > 0 || alone.catalog.length > 0) return false;
  if (alone.tables.length !== refs.length) return false;
  return alone.tables.every((t, n) => t.schema === tables[refs[n]!]!.schema && t.name === tables[refs[n]!]!.name);
}
