import type { TableRead } from './analysis/types.ts';
import { quoteIdentifier } from './session-statements.ts';

/**
 * `sql` with `schema.` written before every table reference the session's search_path resolved
 * (TableRead.unqualifiedAt): the engine that runs the statement has no search_path of the session's (a
 * DuckDB connection searches `main`), so `SET search_path = lake; SELECT … FROM bookings` must reach it
 * as `… FROM lake.bookings`. The text is otherwise unchanged; `sql` itself when nothing is unqualified.
 */
export function qualifyTables(sql: string, tables: readonly TableRead[]): string {
  const unqualified = tables.filter((t) => t.unqualifiedAt !== undefined).sort((a, b) => b.unqualifiedAt! - a.unqualifiedAt!);
  let out = sql;
  let previous = -1;
  for (const t of unqualified) {
    const at = t.unqualifiedAt!;
    if (at === previous) continue;
    previous = at;
    out = `${out.slice(0, at)}${quoteIdentifier(t.schema)}.${out.slice(at)}`;
  }
  return out;
}
