import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import pg from 'pg';
import type { ColumnInfo, RowBatch, TableInfo } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';
import { quoteIdentifier } from '../parser/index.ts';
import { DEFAULT_OUTPUT_SETTINGS, textDecoder, textEncoder } from '../pgtypes/index.ts';
import { valuesKey, type PgValue } from '../pgtypes/values.ts';
import { CATALOG_USERS_ROLE, lockDownDatabase, syncUserRoles } from '../metastore/index.ts';
import { shadowCatalogDdl } from './shadow-ddl.ts';
import { cacheableCatalogStatement } from './cacheable.ts';

/** Values stay text as PostgreSQL sent them; pgtypes turns them into canonical values per column. */
const RAW_TEXT = { getTypeParser: () => (v: string) => v } as unknown as pg.CustomTypesConfig;

export interface CatalogResult {
  columns: ColumnInfo[];
  batch: RowBatch;
  /** PostgreSQL's command tag ('SELECT 3'). */
  command: string;
  rowCount: number;
}

/** Schemas PostgreSQL itself owns; everything else in the catalog database is a served schema. */
const SYSTEM_SCHEMAS = "nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'";

/**
 * Catalog statements are short; a few connections per user serve many sessions. Bounded so that many
 * users together stay under the metastore's max_connections (metastore/embedded-postgres.ts).
 */
const CONNECTIONS_PER_USER = 4;

export interface ShadowCatalogOptions {
  /** The catalog database, as its superuser: refreshes and user roles. */
  admin: pg.PoolConfig & { database: string };
  logger: Logger;
}

/**
 * The shadow catalog: empty tables mirroring every served table in a real PostgreSQL, which then
 * answers BI tools' pg_catalog and information_schema statements with PostgreSQL's own semantics.
 * Each gateway session gets its own connection, logged in as the gateway user's own role (see
 * roles.ts), so session state (search_path, prepared statements) and identity (current_user,
 * has_table_privilege) behave as clients expect, and a client can read the catalog and nothing more.
 */
export class ShadowCatalog {
  private readonly admin: pg.Pool;
  private readonly readers = new Map<string, pg.Pool>();
  /** Each mirrored table as last applied; null before the first refresh. */
  private applied: Map<string, MirroredTable> | null = null;
  /** Result columns of catalog statements, so a client's Parse costs no extra execution; cleared when the catalog changes. */
  private readonly described = new LRUCache<string, ColumnInfo[]>({ max: 2000 });
  /**
   * Results of deterministic catalog statements (cacheable.ts) by user, search_path, statement and
   * parameters: the catalog changes only when tollgate refreshes it, which clears them.
   */
  private readonly results = new LRUCache<string, CatalogResult>({ maxSize: 32 * 1024 * 1024, sizeCalculation: resultSize });

  constructor(private readonly opts: ShadowCatalogOptions) {
    this.admin = new pg.Pool({ ...opts.admin, max: 2, idleTimeoutMillis: 30_000 });
    this.admin.on('error', (err) => opts.logger.warn({ err }, 'shadow catalog connection error'));
  }

  /** Locks the database down to reads and makes one role per gateway user; run before sessions open. */
  async prepareUsers(users: readonly string[]): Promise<void> {
    await this.inTransaction(async (client) => {
      await lockDownDatabase(client, this.opts.admin.database);
      await syncUserRoles(client, users);
    });
  }

  /**
   * Makes the mirrored tables match `tables`, in one transaction: on failure the last good catalog
   * stays. Unchanged tables are left alone, so their OIDs (which BI tools cache) stay stable; the first
   * refresh also removes schemas an earlier configuration left behind.
   */
  async refresh(tables: readonly TableInfo[]): Promise<{ changed: number; removed: number }> {
    const desired = new Map<string, MirroredTable>();
    for (const t of tables) {
      const ddl = shadowCatalogDdl([t]);
      desired.set(JSON.stringify([t.schema, t.name]), { schema: t.schema, name: t.name, ddl, text: ddl.join(';\n') });
    }
    const previous = this.applied;
    const changed = [...desired.values()].filter((t) => previous?.get(JSON.stringify([t.schema, t.name]))?.text !== t.text);
    const removed = previous ? [...previous].filter(([key]) => !desired.has(key)).map(([, t]) => t) : [];
    if (previous && changed.length === 0 && removed.length === 0) return { changed: 0, removed: 0 };
    const schemas = new Set(tables.map((t) => t.schema));
    try {
      await this.inTransaction(async (client) => {
        if (!previous) {
          // Whatever an earlier run or configuration left: every served schema, and tables in public.
          const old = await client.query<{ nspname: string }>(`SELECT nspname FROM pg_namespace WHERE ${SYSTEM_SCHEMAS} AND nspname <> 'public'`);
          for (const { nspname } of old.rows) await client.query(`DROP SCHEMA ${quoteIdentifier(nspname)} CASCADE`);
          const publicTables = await client.query<{ relname: string }>(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'm', 'p', 'f')",
          );
          for (const { relname } of publicTables.rows) await client.query(`DROP TABLE IF EXISTS public.${quoteIdentifier(relname)} CASCADE`);
        }
        for (const t of [...removed, ...changed])
          await client.query(`DROP TABLE IF EXISTS ${quoteIdentifier(t.schema)}.${quoteIdentifier(t.name)} CASCADE`);
        const empty = await client.query<{ nspname: string }>(
          `SELECT nspname FROM pg_namespace n WHERE ${SYSTEM_SCHEMAS} AND nspname <> 'public' AND NOT (nspname = ANY($1::text[]))`,
          [[...schemas]],
        );
        for (const { nspname } of empty.rows) await client.query(`DROP SCHEMA ${quoteIdentifier(nspname)} CASCADE`);
        for (const t of changed) for (const statement of t.ddl) await client.query(statement);
        for (const schema of schemas) {
          const s = quoteIdentifier(schema);
          await client.query(`GRANT USAGE ON SCHEMA ${s} TO ${quoteIdentifier(CATALOG_USERS_ROLE)}`);
          await client.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${s} TO ${quoteIdentifier(CATALOG_USERS_ROLE)}`);
        }
      });
    } catch (e) {
      this.opts.logger.error({ err: e }, 'shadow catalog refresh failed; the last good catalog stays');
      throw e;
    }
    this.applied = desired;
    this.described.clear();
    this.results.clear();
    this.opts.logger.info({ tables: tables.length, changed: changed.length, removed: removed.length }, 'shadow catalog refreshed');
    return { changed: changed.length, removed: removed.length };
  }

  /** One gateway session's access to the catalog, as the gateway user's role. */
  session(user: string): CatalogSession {
    let pool = this.readers.get(user);
    if (!pool) {
      pool = new pg.Pool({ ...this.opts.admin, user, max: CONNECTIONS_PER_USER, idleTimeoutMillis: 60_000, types: RAW_TEXT });
      pool.on('error', (err) => this.opts.logger.warn({ err, user }, 'shadow catalog connection error'));
      this.readers.set(user, pool);
    }
    return new CatalogSession(pool, this.described, this.results, user);
  }

  async close(): Promise<void> {
    await Promise.all([this.admin.end(), ...[...this.readers.values()].map((p) => p.end())]);
  }

  private async inTransaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.admin.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }
}

interface MirroredTable {
  schema: string;
  name: string;
  ddl: string[];
  /** The DDL as one string, to compare refreshes. */
  text: string;
}

/** A prepared-statement name per statement text (node-pg re-parses a name only on a connection that lacks it). */
function statementName(sql: string): string {
  return `tg_${createHash('sha256').update(sql).digest('base64url').slice(0, 32)}`;
}

/** The search_path each pooled connection has now, so that it is set only when it differs. */
const connectionSearchPath = new WeakMap<pg.PoolClient, string>();

/**
 * One gateway session's view of the catalog. Statements borrow a connection of the user's pool for
 * their duration only, so a thousand idle BI sessions hold no PostgreSQL backends; the session's
 * search_path is applied to the borrowed connection before each statement.
 */
export class CatalogSession {
  constructor(
    private readonly pool: pg.Pool,
    private readonly described: LRUCache<string, ColumnInfo[]>,
    private readonly results: LRUCache<string, CatalogResult>,
    private readonly user: string,
  ) {}

  /**
   * The result columns of a catalog statement, for a client's Describe. PostgreSQL is asked by running
   * the statement once with NULL parameters (catalog statements are cheap reads, and node-pg has no
   * describe-only call); the answer is kept until the catalog changes.
   */
  async describe(sql: string, paramCount: number, paramTypes: readonly number[], searchPath: string): Promise<ColumnInfo[]> {
    const key = `${searchPath}\u0000${paramTypes.join(',')}\u0000${sql}`;
    const hit = this.described.get(key);
    if (hit) return hit;
    const r = await this.query(sql, new Array<PgValue>(paramCount).fill(null), paramTypes, searchPath);
    this.described.set(key, r.columns);
    return r.columns;
  }

  /**
   * Runs a catalog statement under the client session's search_path (pg_table_is_visible, unqualified
   * names and \dt depend on it); parameters are sent as text, typed by the server as it infers them.
   */
  async query(sql: string, params: readonly PgValue[], paramTypes: readonly number[], searchPath: string): Promise<CatalogResult> {
    const key = cacheableCatalogStatement(sql) ? resultKey(this.user, searchPath, sql, params, paramTypes) : undefined;
    const hit = key === undefined ? undefined : this.results.get(key);
    if (hit) return hit;
    const r = await this.run(sql, params, paramTypes, searchPath);
    if (key !== undefined) this.results.set(key, r);
    return r;
  }

  private async run(sql: string, params: readonly PgValue[], paramTypes: readonly number[], searchPath: string): Promise<CatalogResult> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      throw asGatewayError(e);
    }
    let broken: Error | undefined;
    try {
      if (connectionSearchPath.get(client) !== searchPath) {
        await client.query("SELECT set_config('search_path', $1, false)", [searchPath]);
        connectionSearchPath.set(client, searchPath);
      }
      const values = params.map((v, i) => (v === null ? null : textEncoder(paramTypes[i] ?? 0, DEFAULT_OUTPUT_SETTINGS)(v)));
      // A named statement: PostgreSQL keeps its plan on this connection (generic after five runs), as
      // it does for a client that prepares; BI tools repeat the same few catalog statements.
      const r = await client.query<unknown[]>({ name: statementName(sql), text: sql, values, rowMode: 'array' });
      const columns: ColumnInfo[] = r.fields.map((f) => ({ name: f.name, typeOid: f.dataTypeID, typeModifier: f.dataTypeModifier }));
      const decoders = columns.map((c) => textDecoder(c.typeOid));
      const rows = r.rows;
      const batch: RowBatch = {
        rowCount: rows.length,
        columns: columns.map((_, c) => rows.map((row) => (row[c] === null ? null : decoders[c]!(row[c] as string)))),
      };
      return { columns, batch, command: r.command, rowCount: r.rowCount ?? rows.length };
    } catch (e) {
      if (e instanceof GatewayError) throw e; // decoding a value: tollgate's own error, not PostgreSQL's
      // An error without a SQLSTATE is the connection's, not the statement's: do not reuse it.
      if (!(e as { code?: string }).code) broken = e as Error;
      throw asGatewayError(e);
    } finally {
      client.release(broken);
    }
  }

  /** Nothing is held between statements; kept so sessions need not know that. */
  release(): void {}
}

function resultKey(user: string, searchPath: string, sql: string, params: readonly PgValue[], paramTypes: readonly number[]): string {
  return `${user}\u0000${searchPath}\u0000${paramTypes.join(',')}\u0000${valuesKey(params)}\u0000${sql}`;
}

/** Roughly the memory a cached result holds: its strings' characters and a word per other value. */
function resultSize(r: CatalogResult, key: string): number {
  let size = key.length + 64;
  for (const column of r.batch.columns) for (let i = 0; i < r.batch.rowCount; i++) {
    const v = column[i];
    size += typeof v === 'string' ? v.length + 8 : 16;
  }
  return size;
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
