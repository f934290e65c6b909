import type { InputSettings } from '../../pgtypes/text-decoders.ts';
import type { PgValue } from '../../pgtypes/values.ts';

/** The catalog the analysis resolves names against. */
export interface TableColumns {
  /** Column names of schema.table in table order, or undefined when there is no such table. */
  columns(schema: string, table: string): readonly string[] | undefined;
}

export interface AnalyzeOptions {
  /** Schemas searched for unqualified names, in order ('$user' entries must already be substituted). pg_catalog is searched first unless listed. */
  searchPath: readonly string[];
  catalog: TableColumns;
  /** Values bound to $1, $2 … when known (canonical PgValue forms), for predicates on parameters. */
  params?: readonly PgValue[];
  /** DateStyle / TimeZone / IntervalStyle for typed literals ('01/02/2024'::date); PostgreSQL's defaults when absent. */
  settings?: InputSettings;
}

export type ComparisonOp = '=' | '<' | '<=' | '>' | '>=' | '<>';

/**
 * A conjunct that keeps only rows whose `column` satisfies it; `type` is the PostgreSQL type of the value(s)
 * as written: 'unknown' for an untyped string literal or an untyped parameter (it takes the column's type),
 * otherwise int4, int8, numeric, float8, bool, date, timestamp, timestamptz, time, interval, text, …
 */
export type Predicate =
  | { column: string; op: ComparisonOp; value: PgValue; type: string }
  | { column: string; op: 'between'; low: PgValue; high: PgValue; type: string }
  | { column: string; op: 'in'; values: PgValue[]; type: string }
  | { column: string; op: 'is null' | 'is not null' };

export interface TableRead {
  /** Resolved schema and table name. */
  schema: string;
  name: string;
  /** Columns the statement needs from this reference, sorted, unique; [] when it needs none (count(*)). */
  columns: string[];
  /** Conjuncts usable to prune this reference's scan (partitions, row groups). */
  predicates: Predicate[];
  /** 1-based character position of the reference in the statement (0 when unknown). */
  position: number;
  /**
   * Where the reference was written without a schema (search_path resolved it): the UTF-16 offset of its
   * name in the analysed text, at which `schema.` makes it explicit for an engine that has no search_path.
   */
  unqualifiedAt?: number;
}

export interface RelationRef {
  schema?: string;
  name: string;
  /** 1-based character position in the statement (0 when unknown). */
  position: number;
}

export interface Analysis {
  /**
   * True when node-sql-parser parsed the statement and every reference was resolved: columns and predicates
   * are exact. False after the token-level fallback (all columns of every table, no predicates) or when a
   * name could not be resolved (the analysis then errs on the side of more columns, fewer predicates).
   */
  exact: boolean;
  /** One entry per table reference, in the order they appear in the statement (a self-join gives two). */
  tables: TableRead[];
  /** Names of the CTEs the statement defines, in order. */
  ctes: string[];
  /** References to relations that are not in the catalog (nor CTEs). */
  unknownTables: RelationRef[];
  /** References to pg_catalog / information_schema relations (answered by the catalog, not an engine). */
  catalog: Array<{ schema: string; name: string; position: number }>;
  /** Why `exact` is false, for logs and EXPLAIN ('parse: …', 'unresolved column x', …). */
  notes: string[];
}
