/**
 * listTables(): `SHOW TABLES IN db` for each configured database, then `DESCRIBE db.t` for every table
 * (configured or discovered). DESCRIBE gives name, type and comment per column (Kudu tables add more
 * columns after these three); partition columns come last, as Impala lists them. Impala columns are
 * all nullable except Kudu key columns, which DESCRIBE marks (nullable = false); comments come from the
 * config first, then Impala's. A configured table or database that is missing is logged and left out.
 */
import type { ColumnInfo, TableInfo } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import type { ImpalaTableConfig } from './options.ts';
import { servedTypeOfName } from './types.ts';

/** Runs one statement and returns its column names and rows (small results only). */
export type RunSmall = (sql: string) => Promise<{ columns: string[]; rows: PgValue[][] }>;

export const quoteName = (name: string): string => `\`${name}\``;

const text = (v: PgValue | undefined): string => (v === null || v === undefined ? '' : String(v));

function missing(e: unknown): boolean {
  return e instanceof GatewayError && (e.sqlstate === '42P01' || e.sqlstate === '3F000');
}

export async function listTables(run: RunSmall, tables: readonly ImpalaTableConfig[], schemas: readonly string[], logger: Logger): Promise<TableInfo[]> {
  const wanted: Array<{ schema: string; name: string; config?: ImpalaTableConfig }> = [];
  const seen = new Set<string>();
  const add = (schema: string, name: string, config?: ImpalaTableConfig): void => {
    const key = `${schema.toLowerCase()}.${name.toLowerCase()}`;
    if (seen.has(key)) return;
    seen.add(key);
    wanted.push({ schema, name, ...(config !== undefined && { config }) });
  };
  for (const t of tables) add(t.schema, t.name, t);
  for (const schema of schemas) {
    try {
      const r = await run(`SHOW TABLES IN ${quoteName(schema)}`);
      for (const row of r.rows) add(schema, text(row[0]));
    } catch (e) {
      if (!missing(e)) throw e;
      logger.warn({ schema }, 'configured impala database does not exist or cannot be read; left out');
    }
  }
  const out: TableInfo[] = [];
  const absent: string[] = [];
  for (const w of wanted) {
    let r: { columns: string[]; rows: PgValue[][] };
    try {
      r = await run(`DESCRIBE ${quoteName(w.schema)}.${quoteName(w.name)}`);
    } catch (e) {
      if (!missing(e)) throw e;
      absent.push(`${w.schema}.${w.name}`);
      continue;
    }
    const iNullable = r.columns.findIndex((c) => c.toLowerCase() === 'nullable');
    const columns: ColumnInfo[] = r.rows.map((row) => {
      const name = text(row[0]);
      const col: ColumnInfo = { name, ...servedTypeOfName(text(row[1])), nullable: iNullable >= 0 ? text(row[iNullable]) !== 'false' : true };
      const comment = w.config?.columns?.[name] ?? (text(row[2]) || undefined);
      if (comment !== undefined) col.comment = comment;
      return col;
    });
    const info: TableInfo = { schema: w.schema, name: w.name, columns };
    if (w.config?.comment !== undefined) info.comment = w.config.comment;
    out.push(info);
  }
  if (absent.length > 0) logger.warn({ tables: absent }, 'configured impala tables do not exist or cannot be read by the engine user; left out');
  return out;
}
