/**
 * listTables(): the served tables as PostgreSQL's catalog describes them, in one parameterized query.
 *
 * Served are the tables named in the config and every relation (table, view, materialized view,
 * partitioned table, foreign table) of the configured schemas, except partitions (they are read
 * through their parent) and relations the engine's user cannot SELECT from. A configured table that
 * does not exist or cannot be read is left out and logged, so that one table cannot hide the others.
 *
 * Columns keep PostgreSQL's order, type OID and typmod (pg_attribute.atttypid/atttypmod; a domain by
 * its base type and typmod, as PostgreSQL describes result columns) and NOT NULL (also a domain's);
 * types pgtypes lacks are served as text (types.ts). Comments come from the config first, then from
 * pg_description (COMMENT ON).
 */
import type pg from 'pg';
import type { ColumnInfo, TableInfo } from '../contract.ts';
import type { Logger } from '../../log/index.ts';
import type { PostgresTableConfig } from './options.ts';
import { servedType } from './types.ts';

const LIST_TABLES_SQL = `
WITH RECURSIVE domains (start, base, typmod, not_null, depth) AS (
  SELECT t.oid, t.typbasetype, t.typtypmod, t.typnotnull, 1
  FROM pg_catalog.pg_type t WHERE t.typtype = 'd'
  UNION ALL
  SELECT d.start, t.typbasetype, t.typtypmod, d.not_null OR t.typnotnull, d.depth + 1
  FROM domains d JOIN pg_catalog.pg_type t ON t.oid = d.base AND t.typtype = 'd'
),
base_types AS (
  SELECT DISTINCT ON (start) start, base, typmod, not_null FROM domains ORDER BY start, depth DESC
),
named AS (
  SELECT * FROM unnest($1::text[], $2::text[]) AS n (schema_name, table_name)
)
SELECT n.nspname AS schema_name,
       c.relname AS table_name,
       pg_catalog.obj_description(c.oid, 'pg_class') AS table_comment,
       a.attname AS column_name,
       COALESCE(b.base, a.atttypid)::int8 AS type_oid,
       CASE WHEN b.start IS NULL THEN a.atttypmod ELSE b.typmod END AS type_modifier,
       a.attnotnull OR COALESCE(b.not_null, false) AS not_null,
       pg_catalog.col_description(c.oid, a.attnum) AS column_comment
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN base_types b ON b.start = a.atttypid
WHERE c.relkind IN ('r', 'v', 'm', 'p', 'f')
  AND ((n.nspname = ANY ($3::text[]) AND NOT c.relispartition)
       OR (n.nspname, c.relname) IN (SELECT schema_name, table_name FROM named))
  AND pg_catalog.has_schema_privilege(n.oid, 'USAGE')
  AND pg_catalog.has_table_privilege(c.oid, 'SELECT')
ORDER BY n.nspname, c.relname, a.attnum`;

interface CatalogRow {
  schema_name: string;
  table_name: string;
  table_comment: string | null;
  column_name: string;
  /** int8 comes as text from pg: OIDs go above 2^31. */
  type_oid: string;
  type_modifier: number;
  not_null: boolean;
  column_comment: string | null;
}

const keyOf = (schema: string, name: string): string => JSON.stringify([schema, name]);

export async function listTables(
  client: pg.ClientBase,
  tables: readonly PostgresTableConfig[],
  schemas: readonly string[],
  logger: Logger,
): Promise<TableInfo[]> {
  const r = await client.query<CatalogRow>(LIST_TABLES_SQL, [tables.map((t) => t.schema), tables.map((t) => t.name), [...schemas]]);
  const configured = new Map(tables.map((t) => [keyOf(t.schema, t.name), t]));
  const out = new Map<string, TableInfo>();
  for (const row of r.rows) {
    const key = keyOf(row.schema_name, row.table_name);
    const config = configured.get(key);
    let table = out.get(key);
    if (table === undefined) {
      table = { schema: row.schema_name, name: row.table_name, columns: [] };
      const comment = config?.comment ?? row.table_comment ?? undefined;
      if (comment !== undefined) table.comment = comment;
      out.set(key, table);
    }
    const column: ColumnInfo = { name: row.column_name, ...servedType(Number(row.type_oid), row.type_modifier), nullable: !row.not_null };
    const comment = config?.columns?.[row.column_name] ?? row.column_comment ?? undefined;
    if (comment !== undefined) column.comment = comment;
    table.columns.push(column);
  }
  const missing = tables.filter((t) => !out.has(keyOf(t.schema, t.name))).map((t) => `${t.schema}.${t.name}`);
  if (missing.length > 0) {
    logger.warn({ tables: missing }, 'configured postgres tables do not exist or cannot be read by the engine user; left out');
  }
  return [...out.values()];
}
