import pg from 'pg';
import { shadowCatalogDdl } from '../../src/catalog/shadow-ddl.ts';
import type { TableInfo } from '../../src/connectors/contract.ts';
import type { Target } from '../../test/helpers/target.ts';

/**
 * The tables tollgate mirrors in its shadow catalog, read back from tollgate's own pg_catalog (names, type
 * OIDs and modifiers, NOT NULL, table and column comments): what shadowCatalogDdl was given at start-up.
 */
export async function readMirroredTables(tollgate: Target, schema = 'lake'): Promise<TableInfo[]> {
  const client = new pg.Client(tollgate.clientConfig('alice'));
  await client.connect();
  try {
    const r = await client.query<{
      relname: string;
      table_comment: string | null;
      attname: string;
      type_oid: number;
      atttypmod: number;
      attnotnull: boolean;
      column_comment: string | null;
    }>(
      `SELECT c.relname, pg_catalog.obj_description(c.oid, 'pg_class') AS table_comment, a.attname, a.atttypid::int4 AS type_oid,
              a.atttypmod, a.attnotnull, pg_catalog.col_description(c.oid, a.attnum) AS column_comment
         FROM pg_catalog.pg_class c
         JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
         JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid
        WHERE n.nspname = $1 AND c.relkind = 'r' AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY c.relname, a.attnum`,
      [schema],
    );
    const tables = new Map<string, TableInfo>();
    for (const row of r.rows) {
      let t = tables.get(row.relname);
      if (!t) {
        t = { schema, name: row.relname, columns: [], ...(row.table_comment !== null && { comment: row.table_comment }) };
        tables.set(row.relname, t);
      }
      t.columns.push({
        name: row.attname,
        typeOid: Number(row.type_oid),
        typeModifier: Number(row.atttypmod),
        nullable: !row.attnotnull,
        ...(row.column_comment !== null && { comment: row.column_comment }),
      });
    }
    if (tables.size === 0) throw new Error(`tollgate mirrors no table in schema ${schema}`);
    return [...tables.values()];
  } finally {
    await client.end();
  }
}

/**
 * Creates the same empty tables in a real PostgreSQL with shadowCatalogDdl, as `admin` (the database owner
 * there), readable by every role as tollgate's catalog makes them readable by its users.
 */
export async function createMirroredTables(postgres: Target, tables: readonly TableInfo[]): Promise<void> {
  const client = new pg.Client(postgres.clientConfig('admin'));
  await client.connect();
  try {
    await client.query('BEGIN');
    for (const schema of new Set(tables.map((t) => t.schema))) await client.query(`DROP SCHEMA IF EXISTS "${schema.replaceAll('"', '""')}" CASCADE`);
    for (const statement of shadowCatalogDdl(tables)) await client.query(statement);
    for (const schema of new Set(tables.map((t) => t.schema))) {
      const s = `"${schema.replaceAll('"', '""')}"`;
      await client.query(`GRANT USAGE ON SCHEMA ${s} TO PUBLIC`);
      await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO PUBLIC`);
    }
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    await client.end();
  }
}
