/**
 * listTables(): the served tables as Vertica's catalog describes them.
 *
 * Served are the tables named in the config and every table and view of the configured schemas, read
 * from v_catalog.columns (tables; system tables left out) and v_catalog.view_columns (views), which
 * list only what the engine's user may see. Vertica identifiers are case-insensitive, so configured
 * names match whatever case the catalog holds (the catalog's spelling is served). A configured table
 * that does not exist or cannot be seen is left out and logged, so that one table cannot hide the others.
 *
 * Columns keep Vertica's order; types are mapped from data_type_id (Vertica's type OID, the same as on
 * the wire; data_type's name when the id is not a built-in one) with the typmod rebuilt from
 * character_maximum_length, numeric_precision/scale and datetime_precision (types.ts). NOT NULL comes
 * from is_nullable (views: nullable). Comments come from the config first, then v_catalog.comments:
 * object_type TABLE or VIEW for a table, COLUMN with object_name 'table.column' for a column (Vertica
 * 9.3+ table column comments).
 */
import type { ColumnInfo, TableInfo } from '../contract.ts';
import type { Logger } from '../../log/index.ts';
import type { VerticaTableConfig } from './options.ts';
import type { FetchedRows } from './query.ts';
import { servedType, VerticaOid, verticaOidOfTypeName } from './types.ts';

export type Fetch = (text: string, values?: Array<string | null>) => Promise<FetchedRows>;

const LABEL = "/*+LABEL('tollgate:catalog')*/";
const BUILTIN_OIDS = new Set<number>(Object.values(VerticaOid));

/** `(LOWER(x.table_schema) IN (?, ...) OR (LOWER(x.table_schema) = ? AND LOWER(x.table_name) = ?) ...)` */
function filter(alias: string, tables: readonly VerticaTableConfig[], schemas: readonly string[], values: string[]): string {
  const parts: string[] = [];
  if (schemas.length > 0) {
    parts.push(`LOWER(${alias}.table_schema) IN (${schemas.map(() => '?').join(', ')})`);
    values.push(...schemas.map((s) => s.toLowerCase()));
  }
  for (const t of tables) {
    parts.push(`(LOWER(${alias}.table_schema) = ? AND LOWER(${alias}.table_name) = ?)`);
    values.push(t.schema.toLowerCase(), t.name.toLowerCase());
  }
  return parts.length === 0 ? 'false' : `(${parts.join(' OR ')})`;
}

export function listTablesQuery(tables: readonly VerticaTableConfig[], schemas: readonly string[]): { text: string; values: string[] } {
  const values: string[] = [];
  const tableFilter = filter('c', tables, schemas, values);
  const viewFilter = filter('v', tables, schemas, values);
  const text = `SELECT ${LABEL} c.table_schema, c.table_name, c.column_name, c.data_type_id, c.data_type,
       c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.datetime_precision,
       c.is_nullable, c.ordinal_position
FROM v_catalog.columns c
WHERE NOT c.is_system_table AND ${tableFilter}
UNION ALL
SELECT v.table_schema, v.table_name, v.column_name, v.data_type_id, v.data_type,
       v.character_maximum_length, v.numeric_precision, v.numeric_scale, v.datetime_precision,
       true, v.ordinal_position
FROM v_catalog.view_columns v
WHERE ${viewFilter}
ORDER BY 1, 2, 11`;
  return { text, values };
}

export function commentsQuery(schemas: readonly string[]): { text: string; values: string[] } {
  return {
    text: `SELECT ${LABEL} object_type, object_schema, object_name, comment
FROM v_catalog.comments
WHERE object_type IN ('TABLE', 'VIEW', 'COLUMN') AND LOWER(object_schema) IN (${schemas.map(() => '?').join(', ')})`,
    values: schemas.map((s) => s.toLowerCase()),
  };
}

const keyOf = (...parts: string[]): string => JSON.stringify(parts.map((p) => p.toLowerCase()));

function num(v: string | null | undefined): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

/** The typmod of a catalog column, rebuilt as RowDescription would carry it. */
export function catalogTypmod(oid: number, row: { length: number | null; precision: number | null; scale: number | null; datetimePrecision: number | null }): number {
  switch (oid) {
    case VerticaOid.char:
    case VerticaOid.varchar:
      return row.length === null ? -1 : row.length + 4;
    case VerticaOid.numeric:
      return row.precision === null ? -1 : ((row.precision << 16) | (row.scale ?? 0)) + 4;
    case VerticaOid.time:
    case VerticaOid.timetz:
    case VerticaOid.timestamp:
    case VerticaOid.timestamptz:
      return row.datetimePrecision ?? -1;
    default:
      return -1;
  }
}

function configuredColumnComment(config: VerticaTableConfig | undefined, column: string): string | undefined {
  const columns = config?.columns;
  if (columns === undefined) return undefined;
  if (Object.hasOwn(columns, column)) return columns[column];
  const lower = column.toLowerCase();
  for (const [name, comment] of Object.entries(columns)) if (name.toLowerCase() === lower) return comment;
  return undefined;
}

export async function listTables(fetch: Fetch, tables: readonly VerticaTableConfig[], schemas: readonly string[], logger: Logger): Promise<TableInfo[]> {
  const q = listTablesQuery(tables, schemas);
  const { rows } = await fetch(q.text, q.values);
  const commentSchemas = [...new Set([...schemas, ...tables.map((t) => t.schema)].map((s) => s.toLowerCase()))];
  const comments = new Map<string, string>();
  if (commentSchemas.length > 0) {
    const c = commentsQuery(commentSchemas);
    for (const [type, schema, name, comment] of (await fetch(c.text, c.values)).rows) {
      if (comment === null || schema === null || name === null) continue;
      comments.set(keyOf(type === 'COLUMN' ? 'COLUMN' : 'TABLE', schema!, name!), comment!);
    }
  }
  const configured = new Map(tables.map((t) => [keyOf(t.schema, t.name), t]));
  const out = new Map<string, TableInfo>();
  for (const row of rows) {
    const [schema, name, column, typeId, typeName, length, precision, scale, datetimePrecision, isNullable] = row as string[];
    const key = keyOf(schema!, name!);
    const config = configured.get(key);
    let table = out.get(key);
    if (table === undefined) {
      table = { schema: schema!, name: name!, columns: [] };
      const comment = config?.comment ?? comments.get(keyOf('TABLE', schema!, name!));
      if (comment !== undefined) table.comment = comment;
      out.set(key, table);
    }
    let oid = Number(typeId);
    if (!BUILTIN_OIDS.has(oid)) oid = verticaOidOfTypeName(typeName ?? '') ?? -1;
    const typmod = catalogTypmod(oid, { length: num(length), precision: num(precision), scale: num(scale), datetimePrecision: num(datetimePrecision) });
    const col: ColumnInfo = { name: column!, ...servedType(oid, typmod), nullable: isNullable !== 'f' && isNullable !== 'false' };
    const comment = configuredColumnComment(config, column!) ?? comments.get(keyOf('COLUMN', schema!, `${name!}.${column!}`));
    if (comment !== undefined) col.comment = comment;
    table.columns.push(col);
  }
  const missing = tables.filter((t) => !out.has(keyOf(t.schema, t.name))).map((t) => `${t.schema}.${t.name}`);
  if (missing.length > 0) {
    logger.warn({ tables: missing }, 'configured vertica tables do not exist or cannot be read by the engine user; left out');
  }
  return [...out.values()].sort((a, b) => (a.schema === b.schema ? (a.name < b.name ? -1 : 1) : a.schema < b.schema ? -1 : 1));
}
