import type { ServedTable, ServedTables } from '../catalog/served-tables.ts';
import type { ColumnInfo } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import { lex, quoteIdentifier, type Predicate, type TableRead, type Token } from '../parser/index.ts';
import { typeInfoByName } from '../pgtypes/index.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { pushLimits, type LimitPush } from './limit-pushdown.ts';
import type { TableName } from './routing.ts';
import { aliasFollows, closingParens, offsetOf, relationSpan } from './sql-tokens.ts';
import { findSubqueryParts, type SubqueryPart } from './subquery-parts.ts';

/** A piece of a statement read from another engine: the statement that engine runs, and where its rows go. */
export interface FederatedPart {
  engine: string;
  /** Which reference, for errors and EXPLAIN ("crm.customers on engine pg", "subquery over crm.a, crm.b on engine pg"). */
  source: string;
  /** Temporary table the rows are loaded into on the joining DuckDB. */
  inputName: string;
  /**
   * 'table': one table reference, read by a statement tollgate writes (PostgreSQL dialect, which the
   * PostgreSQL and DuckDB engines both read; other engines get their dialect). 'query': a subquery of the
   * client's statement sent whole, compiled for its engine as a whole statement routed there is.
   */
  kind: 'table' | 'query';
  sql: string;
  params: PgValue[];
  paramTypes: number[];
  /** The columns a table part returns, with the served table's types; null for a query part (the engine's result columns). */
  columns: ColumnInfo[] | null;
}

export interface FederationPlan {
  parts: FederatedPart[];
  /** The statement for the joining engine, each part's reference or subquery replaced by its input table. */
  hostSql: string;
  /** What was pushed to the parts beyond columns and predicates, and why not (LIMIT), for EXPLAIN. */
  notes: string[];
}

export interface FederationInput {
  sql: string;
  /** The analysis of `sql` (exact or not: an inexact one reads every column, without predicates). */
  tables: readonly TableRead[];
  /** Whether that analysis is exact. */
  exact: boolean;
  /** The engine each table is read from (route.assignments). */
  assignments: ReadonlyArray<{ table: TableName; engine: string }>;
  /** The engine that runs the join (a DuckDB engine holding some of the tables, or the federation DuckDB). */
  host: string;
  served: ServedTables;
  /** The session's search path, to analyse a subquery on its own. */
  searchPath: readonly string[];
  /** Send subqueries over one engine whole (default true); false gives a plan of table parts only. */
  wholeSubqueries?: boolean;
}

const key = (t: TableName): string => `${t.schema}\u0000${t.name}`;

/**
 * The type a predicate's value is bound with: its own (`date '…' + interval '…'` is a timestamp, `1.5` a
 * numeric), as in the statement, so the part's engine compares as the statement does (date < timestamp,
 * integer = numeric); an untyped literal or parameter ('unknown') takes the column's type, as PostgreSQL
 * types it.
 */
function valueTypeOid(p: Predicate & { type: string }, typeOf: (column: string) => number): number {
  if (p.type === 'unknown') return typeOf(p.column);
  return typeInfoByName(p.type)?.oid ?? typeOf(p.column);
}

function predicateSql(p: Predicate, typeOf: (column: string) => number, params: PgValue[], paramTypes: number[]): string {
  const column = quoteIdentifier(p.column);
  const bind = (v: PgValue): string => {
    params.push(v);
    paramTypes.push('type' in p ? valueTypeOid(p, typeOf) : typeOf(p.column));
    return `$${params.length}`;
  };
  switch (p.op) {
    case 'is null':
      return `${column} IS NULL`;
    case 'is not null':
      return `${column} IS NOT NULL`;
    case 'between':
      return `${column} BETWEEN ${bind(p.low)} AND ${bind(p.high)}`;
    case 'in':
      return `${column} IN (${p.values.map(bind).join(', ')})`;
    default:
      return `${column} ${p.op} ${bind(p.value)}`;
  }
}

/**
 * A part's column. char(n) (bpchar) is read as text, which strips the trailing blanks as PostgreSQL's cast
 * does: in PostgreSQL those blanks do not count in comparisons, joins, grouping, ||, length() or substring(),
 * while DuckDB, which has no blank-padded type, would compare the padded value ('FRANCE   ' <> 'FRANCE').
 * What still differs from PostgreSQL: LIKE and regular expressions, which there see the padded value
 * ('ab'::char(4) LIKE 'ab' is false), and the displayed value (the result column is text, unpadded).
 */
function selectItem(name: string, typeOid: number): string {
  const column = quoteIdentifier(name);
  return typeOid === OID.bpchar ? `CAST(${column} AS text) AS ${column}` : column;
}

/**
 * Splits a statement over tables of several engines. A subquery whose tables are all on one other engine
 * is sent there whole (subquery-parts.ts): its joins, aggregates and LIMIT run on that engine. Each other
 * reference to a table read from an engine other than the host becomes a part of its own (its needed
 * columns, its pruning predicates as bound parameters, and the statement's LIMIT where limit-pushdown.ts
 * finds that correct). Each part's rows are loaded into a temporary table; the host runs the original
 * statement with those references and subqueries replaced. The original text is kept everywhere else, so
 * every construct the host's dialect layer handles still does.
 */
export function planFederation(input: FederationInput): FederationPlan {
  const engineByName = new Map(input.assignments.map((a) => [key(a.table), a.engine] as const));
  const engineOf = (t: TableName): string | undefined => engineByName.get(key(t));
  const tokens = lex(input.sql);
  const close = closingParens(tokens);
  const offsets = input.tables.map((t) => (t.position > 0 ? offsetOf(input.sql, t.position) : -1));
  const subqueries = input.wholeSubqueries === false ? [] : findSubqueryParts({ sql: input.sql, tokens, close, tables: input.tables, offsets, engineOf, host: input.host, searchPath: input.searchPath, served: input.served });
  const inSubquery = new Set(subqueries.flatMap((q) => q.refs));
  const tableParts = new Map<number, TableSource>();
  input.tables.forEach((ref, k) => {
    const engine = engineOf(ref);
    if (engine === undefined || engine === input.host || inSubquery.has(k)) return;
    const replica = input.served.replicas(ref.schema, ref.name).find((r) => r.engine === engine);
    if (!replica) throw new GatewayError('INTERNAL', `no replica of ${ref.schema}.${ref.name} on engine ${engine}`);
    const span = offsets[k]! >= 0 ? relationSpan(tokens, offsets[k]!) : null;
    if (!span)
      throw new GatewayError('FEATURE_NOT_SUPPORTED', `tollgate cannot split this statement across engines: the reference to ${ref.schema}.${ref.name} was not located`, {
        hint: 'Name the table as schema.table in FROM or JOIN.',
      });
    tableParts.set(k, { engine, replica, span });
  });
  const limits = pushLimits({ tokens, close, tables: input.tables, offsets, exact: input.exact, partColumns: (k) => tableParts.get(k)?.replica.columns ?? null });
  const limitOf = new Map(limits.pushes.map((l) => [l.table, l] as const));

  // Parts are numbered in text order.
  const pieces = [
    ...subqueries.map((q) => ({ start: q.start, make: (inputName: string) => queryPart(input, q, inputName) })),
    ...[...tableParts].map(([k, t]) => ({ start: t.span.start, make: (inputName: string) => tablePart(input.tables[k]!, t, limitOf.get(k), inputName) })),
  ].sort((a, b) => a.start - b.start);
  const parts: FederatedPart[] = [];
  const replacements: Replacement[] = [];
  for (const piece of pieces) {
    const made = piece.make(`tollgate_part_${parts.length + 1}`);
    parts.push(made.part);
    replacements.push(made.replacement);
  }
  let hostSql = input.sql;
  for (const r of replacements.sort((a, b) => b.start - a.start)) hostSql = hostSql.slice(0, r.start) + r.text + hostSql.slice(r.end);
  return { parts, hostSql, notes: limits.notes };
}

interface TableSource {
  engine: string;
  replica: ServedTable;
  span: { start: number; end: number; next: Token | undefined };
}

interface Replacement {
  start: number;
  end: number;
  text: string;
}

/** A subquery sent whole: the host reads its rows in its place. */
function queryPart(input: FederationInput, q: SubqueryPart, inputName: string): { part: FederatedPart; replacement: Replacement } {
  const names = q.refs.map((k) => `${input.tables[k]!.schema}.${input.tables[k]!.name}`);
  return {
    part: { engine: q.engine, source: `subquery over ${[...new Set(names)].join(', ')} on engine ${q.engine}`, inputName, kind: 'query', sql: q.sql, params: [], paramTypes: [], columns: null },
    replacement: { start: q.start, end: q.end, text: `SELECT * FROM ${quoteIdentifier(inputName)}` },
  };
}

/** One table reference: its needed columns, its pruning predicates, and a LIMIT where one is pushed. */
function tablePart(ref: TableRead, t: TableSource, limit: LimitPush | undefined, inputName: string): { part: FederatedPart; replacement: Replacement } {
  const byName = new Map(t.replica.columns.map((c) => [c.name, c] as const));
  const columns = ref.columns.map((name) => {
    const c = byName.get(name);
    if (!c) throw new GatewayError('UNDEFINED_COLUMN', `column "${name}" does not exist in ${ref.schema}.${ref.name}`);
    // char(n) comes as text: see selectItem.
    if (c.typeOid === OID.bpchar) return { name: c.name, typeOid: OID.text, typeModifier: -1 };
    return { name: c.name, typeOid: c.typeOid, typeModifier: c.typeModifier };
  });
  const params: PgValue[] = [];
  const paramTypes: number[] = [];
  const where = ref.predicates.map((p) => predicateSql(p, (col) => byName.get(col)?.typeOid ?? 0, params, paramTypes));
  const select = columns.length > 0 ? columns.map((c) => selectItem(c.name, byName.get(c.name)!.typeOid)).join(', ') : 'true AS "__tollgate_row"';
  const tail = limit ? `${limit.orderBy} LIMIT ${limit.limit}` : '';
  // Without an alias, qualified column references (customers.id) still need the table's own name.
  const text = aliasFollows(t.span.next) ? quoteIdentifier(inputName) : `${quoteIdentifier(inputName)} AS ${quoteIdentifier(ref.name)}`;
  return {
    part: {
      engine: t.engine,
      source: `${ref.schema}.${ref.name} on engine ${t.engine}`,
      inputName,
      kind: 'table',
      sql: `SELECT ${select} FROM ${quoteIdentifier(ref.schema)}.${quoteIdentifier(ref.name)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}${tail}`,
      params,
      paramTypes,
      columns,
    },
    replacement: { start: t.span.start, end: t.span.end, text },
  };
}
