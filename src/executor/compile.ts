import type { PgValue } from '../pgtypes/values.ts';
import { toDuckDB } from '../planner/index.ts';
import { toVertica } from '../connectors/vertica/index.ts';
import { toImpala } from '../connectors/impala/index.ts';
import { substituteSessionFunctions, type SessionFacts } from './local-functions.ts';

/**
 * The SQL an engine of `kind` receives for a client's statement: session functions (current_user,
 * version(), current_setting()...) replaced by this session's values, since the engine would answer for
 * its own login; then the engine's dialect. PostgreSQL engines take PostgreSQL as written; DuckDB gets
 * the targeted rewrites of planner/duckdb-dialect.ts, Vertica those of connectors/vertica/dialect.ts. Everything else is the client's own text.
 */
export function compileFor(kind: string, sql: string, facts: SessionFacts, declaredTypes: readonly number[], params?: readonly PgValue[]): string {
  const substituted = substituteSessionFunctions(sql, facts);
  switch (kind) {
    case 'duckdb':
      return toDuckDB(substituted, declaredTypes, params);
    default:
      return dialectFor(kind, substituted);
  }
}

/**
 * Only the dialect, for SQL tollgate wrote itself in PostgreSQL's (a federated part): Vertica and Impala
 * rewrite it (Impala reads "x" as a string, not a name); PostgreSQL and DuckDB take it as it is.
 */
export function dialectFor(kind: string, sql: string): string {
  switch (kind) {
    case 'vertica':
      return toVertica(sql);
    case 'impala':
      return toImpala(sql);
    default:
      return sql;
  }
}
