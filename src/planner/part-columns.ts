import type { ColumnInfo, RowBatch } from '../connectors/contract.ts';
import { OID } from '../pgtypes/oids.ts';
import type { PgValue } from '../pgtypes/values.ts';

/**
 * The columns a query part's rows are loaded with, from the columns its engine reports:
 * - named as PostgreSQL names them (`pgNames`, from the part's text, when known): the host statement
 *   refers to a derived table's columns by those names, and engines name an unaliased expression after its
 *   text (DuckDB's `sum(x)` where PostgreSQL says `sum`);
 * - made unique, case-insensitively as DuckDB compares names (a temporary table cannot have two `id`
 *   columns; PostgreSQL allows them in a subquery as long as the outer query does not name them);
 * - char(n) as text (see withoutPadding), as table parts read it.
 */
export function queryPartColumns(engineColumns: readonly ColumnInfo[], pgNames: readonly string[] | null): ColumnInfo[] {
  const seen = new Set<string>();
  return engineColumns.map((c, i) => {
    let name = pgNames?.[i] ?? c.name;
    for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${pgNames?.[i] ?? c.name}_${n}`;
    seen.add(name.toLowerCase());
    return c.typeOid === OID.bpchar ? { name, typeOid: OID.text, typeModifier: -1 } : { name, typeOid: c.typeOid, typeModifier: c.typeModifier };
  });
}

/**
 * Types a query part's column is loaded as they are: DuckDB has a column type holding their values, and
 * char(n) is read as text. Anything else (arrays, JSON, …) would become text in the host, where the
 * subquery computed in the host would have given a list or a JSON value; and a numeric without precision
 * (what sum() and avg() over numeric return) would become DOUBLE and lose digits the same subquery
 * computed in the host keeps: the statement then runs without query parts (QueryRouter).
 */
const LOADS_AS_IS = new Set<number>([
  OID.bool, OID.int2, OID.int4, OID.int8, OID.float4, OID.float8, OID.numeric, OID.date, OID.time, OID.timestamp,
  OID.timestamptz, OID.interval, OID.bytea, OID.uuid, OID.text, OID.varchar, OID.bpchar, OID.name,
]);

export function loadsAsIs(engineColumns: readonly ColumnInfo[]): boolean {
  return engineColumns.every((c) => LOADS_AS_IS.has(c.typeOid) && !(c.typeOid === OID.numeric && c.typeModifier < 0));
}

/**
 * The rows with char(n) values (`engineColumns` says which) stripped of their trailing blanks, as
 * PostgreSQL's cast to text does: DuckDB, which has no blank-padded type, would otherwise compare and join
 * the padded value ('FRANCE   ' <> 'FRANCE').
 */
export function withoutPadding(batches: AsyncIterable<RowBatch>, engineColumns: readonly ColumnInfo[]): AsyncIterable<RowBatch> {
  const padded = engineColumns.flatMap((c, i) => (c.typeOid === OID.bpchar ? [i] : []));
  if (padded.length === 0) return batches;
  return (async function* () {
    for await (const batch of batches) {
      const columns = batch.columns.slice();
      for (const i of padded) columns[i] = Array.from(columns[i]!, (v: PgValue) => (typeof v === 'string' ? v.replace(/ +$/, '') : v));
      yield { rowCount: batch.rowCount, columns };
    }
  })();
}
