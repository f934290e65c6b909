import type { TableInfo } from '../connectors/contract.ts';
import { quoteIdentifier, quoteLiteral } from '../parser/index.ts';
import { formatType } from '../pgtypes/index.ts';

/**
 * The statements that build a shadow catalog: one empty table per served table, with the same column
 * names, PostgreSQL types, nullability and comments, so that a real PostgreSQL answers BI tools'
 * pg_catalog and information_schema queries about them. Names and comments are quoted as literals and
 * identifiers here because DDL and COMMENT ON take no bind parameters; nothing else is interpolated.
 */
export function shadowCatalogDdl(tables: readonly TableInfo[]): string[] {
  const statements: string[] = [];
  const schemas = [...new Set(tables.map((t) => t.schema))].sort();
  for (const schema of schemas) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`);
  for (const t of tables) {
    const name = `${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)}`;
    const columns = t.columns.map(
      (c) => `  ${quoteIdentifier(c.name)} ${formatType(c.typeOid, c.typeModifier)}${c.nullable === false ? ' NOT NULL' : ''}`,
    );
    statements.push(`CREATE TABLE ${name} (\n${columns.join(',\n')}\n)`);
    if (t.comment !== undefined) statements.push(`COMMENT ON TABLE ${name} IS ${quoteLiteral(t.comment)}`);
    for (const c of t.columns) {
      if (c.comment !== undefined) statements.push(`COMMENT ON COLUMN ${name}.${quoteIdentifier(c.name)} IS ${quoteLiteral(c.comment)}`);
    }
  }
  return statements;
}
