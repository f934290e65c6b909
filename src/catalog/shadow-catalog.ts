import pg from 'pg';
import type { ColumnInfo, RowBatch, TableInfo } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { quoteIdentifier } from '../parser/index.ts';
import { DEFAULT_OUTPUT_SETTINGS, textDecoder, textEncoder } from '../pgtypes/index.ts';
import type { PgValue } from '../pgtypes/values.ts';
import { shadowCatalogDdl } from './shadow-ddl.ts';

/** Values stay text as PostgreSQL sent them; pgtypes turns them into canonical values per column. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

export interface CatalogResult {
  columns: ColumnInfo[];
  batch: RowBatch;
  /** PostgreSQL's command tag ('SELECT 3'). */
  command: string;
  rowCount: number;
}

/**
 * The shadow catalog: empty tables mirroring every served table in a real PostgreSQL, which then
 * answers BI tools' pg_catalog and information_schema statements with PostgreSQL's own semantics.
 * Each gateway session gets its own connection, so session state (search_path, prepared statements)
 * behaves as clients expect.
 */
export class ShadowCatalog {
  private readonly pool: pg.Pool;
  private servedSchemas = new Set<string>();

  constructor(
    connection: pg.PoolConfig,
    private readonly logger: Logger,
  ) {
    this.pool = new pg.Pool({ ...connection, max: 50, idleTimeoutMillis: 30_000, types: RAW_TEXT });
    this.pool.on('error', (err) => logger.warn({ err }, 'shadow catalog connection error'));
  }

  /** Replaces the mirrored tables in one transaction; on failure the last good catalog stays. */
  async refresh(tables: readonly TableInfo[]): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const schemas = new Set([...this.servedSchemas, ...tables.map((t) => t.schema)]);
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      for (const statement of shadowCatalogDdl(tables)) await client.query(statement);
      await client.query('COMMIT');
      this.servedSchemas = new Set(tables.map((t) => t.schema));
      this.logger.info({ tables: tables.length }, 'shadow catalog refreshed');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      this.logger.error({ err: e }, 'shadow catalog refresh failed; the last good catalog stays');
      throw e;
    } finally {
      client.release();
    }
  }

  /** A connection for one gateway session; release it when the session ends. */
  async session(): Promise<CatalogSession> {
    return new CatalogSession(await this.pool.connect());
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

export class CatalogSession {
  private searchPath: string | null = null;

  constructor(private readonly client: pg.PoolClient) {}

  /**
   * Runs a catalog statement under the client session's search_path (pg_table_is_visible, unqualified
   * names and \dt depend on it); parameters are sent as text, typed by the server as it infers them.
   */
  async query(sql: string, params: readonly PgValue[], paramTypes: readonly number[], searchPath: string): Promise<CatalogResult> {
    if (searchPath !== this.searchPath) {
      await this.client.query("SELECT set_config('search_path', $1, false)", [searchPath]).catch((e: unknown) => {
        throw asGatewayError(e);
      });
      this.searchPath = searchPath;
    }
    const values = params.map((v, i) => (v === null ? null : textEncoder(paramTypes[i] ?? 0, DEFAULT_OUTPUT_SETTINGS)(v)));
    let r: pg.QueryResult<unknown[]>;
    try {
      r = await this.client.query<unknown[]>({ text: sql, values, rowMode: 'array' });
    } catch (e) {
      throw asGatewayError(e);
    }
    const columns: ColumnInfo[] = r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }));
    const decoders = columns.map((c) => textDecoder(c.typeOid));
    const rows = r.rows;
    const batch: RowBatch = {
      rowCount: rows.length,
      columns: columns.map((_, c) => rows.map((row) => (row[c] === null ? null : decoders[c]!(row[c] as string)))),
    };
    return { columns, batch, command: r.command, rowCount: r.rowCount ?? rows.length };
  }

  release(): void {
    this.client.release();
  }
}

/** PostgreSQL's own error, with its SQLSTATE, message, detail, hint and position, for the client. */
function asGatewayError(e: unknown): GatewayError {
  const err = e as { code?: string; message?: string; detail?: string; hint?: string; position?: string };
  const error: GatewayError = new GatewayError('ENGINE_ERROR', err.message ?? String(e), {
    ...(err.detail && { detail: err.detail }),
    ...(err.hint && { hint: err.hint }),
    ...(err.position && { position: Number(err.position) }),
    // The catalog is PostgreSQL itself: its SQLSTATE is exact.
    ...(err.code && { relayedSqlstate: err.code }),
    cause: e,
  });
  return error;
}
