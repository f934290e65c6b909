import type { ServedTables } from '../catalog/served-tables.ts';
import type { ColumnInfo } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import { isColId, lex, quoteIdentifier, type Predicate, type TableRead, type Token } from '../parser/index.ts';
import { typeInfoByName } from '../pgtypes/index.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';
import type { TableName } from './routing.ts';

/** One table reference read from another engine: the statement that engine runs, and where its rows go. */
export interface FederatedPart {
  engine: string;
  /** Which reference, for errors and EXPLAIN ("crm.customers on engine pg"). */
  source: string;
  /** Temporary table the rows are loaded into on the joining DuckDB. */
  inputName: string;
  /** The part's statement (PostgreSQL dialect, which the PostgreSQL and DuckDB engines both read). */
  sql: string;
  params: PgValue[];
  paramTypes: number[];
  /** The columns the part returns, with the served table's types. */
  columns: ColumnInfo[];
}

export interface FederationPlan {
  parts: FederatedPart[];
  /** The statement for the joining engine, each part's reference replaced by its input table. */
  hostSql: string;
}

export interface FederationInput {
  sql: string;
  /** The analysis of `sql` (exact or not: an inexact one reads every column, without predicates). */
  tables: readonly TableRead[];
  /** The engine each table is read from (route.assignments). */
  assignments: ReadonlyArray<{ table: TableName; engine: string }>;
  /** The engine that runs the join (a DuckDB engine holding some of the tables, or the federation DuckDB). */
  host: string;
  served: ServedTables;
}

const key = (t: TableName): string => `${t.schema}\u0000${t.name}`;

/** UTF-16 offset of a 1-based character (code point) position. */
function offsetOf(sql: string, position: number): number {
  let offset = 0;
  for (let chars = 1; chars < position && offset < sql.length; chars++) offset += sql.codePointAt(offset)! > 0xffff ? 2 : 1;
  return offset;
}

/** The tokens naming the relation that starts at `offset`: name, or schema . name. */
function relationSpan(tokens: readonly Token[], offset: number): { start: number; end: number; next: Token | undefined } | null {
  const i = tokens.findIndex((t) => t.start === offset);
  if (i < 0 || tokens[i]!.kind !== 'ident') return null;
  let last = i;
  while (tokens[last + 1]?.text === '.' && tokens[last + 2]?.kind === 'ident') last += 2;
  return { start: tokens[i]!.start, end: tokens[last]!.end, next: tokens[last + 1] };
}

/** An alias follows when the next token is AS or an identifier that can be a column name. */
function aliasFollows(next: Token | undefined): boolean {
  if (!next || next.kind !== 'ident') return false;
  if (next.quoted) return true;
  if (next.value === 'as') return true;
  return isColId(next.value) && !CLAUSE_WORDS.has(next.value);
}

/** Unreserved words that start the next clause rather than naming an alias. */
const CLAUSE_WORDS = new Set(['natural', 'inner', 'left', 'right', 'full', 'cross', 'join', 'on', 'using', 'where', 'group', 'order', 'limit', 'offset', 'window', 'having', 'union', 'except', 'intersect', 'tablesample', 'fetch', 'for']);

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
 * Splits a statement over tables of several engines: each reference to a table read from an engine other
 * than the host becomes a part (its needed columns, its pruning predicates as bound parameters) whose rows
 * are loaded into a temporary table; the host runs the original statement with those references replaced.
 * The original text is kept everywhere else, so every construct the host's dialect layer handles still
 * does.
 */
export function planFederation(input: FederationInput): FederationPlan {
  const engineOf = new Map(input.assignments.map((a) => [key(a.table), a.engine] as const));
  const tokens = lex(input.sql);
  const parts: FederatedPart[] = [];
  const replacements: Array<{ start: number; end: number; text: string }> = [];
  for (const ref of input.tables) {
    const engine = engineOf.get(key(ref));
    if (engine === undefined || engine === input.host) continue;
    const replica = input.served.replicas(ref.schema, ref.name).find((r) => r.engine === engine);
    if (!replica) throw new GatewayError('INTERNAL', `no replica of ${ref.schema}.${ref.name} on engine ${engine}`);
    const span = ref.position > 0 ? relationSpan(tokens, offsetOf(input.sql, ref.position)) : null;
    if (!span)
      throw new GatewayError('FEATURE_NOT_SUPPORTED', `tollgate cannot split this statement across engines: the reference to ${ref.schema}.${ref.name} was not located`, {
        hint: 'Name the table as schema.table in FROM or JOIN.',
      });
    const byName = new Map(replica.columns.map((c) => [c.name, c] as const));
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
    const inputName = `tollgate_part_${parts.length + 1}`;
    parts.push({
      engine,
      source: `${ref.schema}.${ref.name} on engine ${engine}`,
      inputName,
      sql: `SELECT ${select} FROM ${quoteIdentifier(ref.schema)}.${quoteIdentifier(ref.name)}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''}`,
      params,
      paramTypes,
      columns,
    });
    // Without an alias, qualified column references (customers.id) still need the table's own name.
    const text = aliasFollows(span.next) ? quoteIdentifier(inputName) : `${quoteIdentifier(inputName)} AS ${quoteIdentifier(ref.name)}`;
    replacements.push({ start: span.start, end: span.end, text });
  }
  let hostSql = input.sql;
  for (const r of replacements.sort((a, b) => b.start - a.start)) hostSql = hostSql.slice(0, r.start) + r.text + hostSql.slice(r.end);
  return { parts, hostSql };
}
