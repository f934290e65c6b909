import pg from 'pg';
import type { Capabilities, CompiledQuery, Connector, DescribeResult, Health, ResultStream, TableInfo, TableRef } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { silentLogger, type Logger } from '../../log/index.ts';
import { listTables } from './catalog.ts';
import { estimateScans } from './estimate.ts';
import { combine, type ScanEstimate } from '../../estimate/index.ts';
import type { TableRead } from '../../parser/index.ts';
import { StatementCursor } from './cursor.ts';
import { DescribeStatement } from './describe.ts';
import { canceledError, isConnectionError, mapPgError, unavailableError } from './errors.ts';
import { dataVersions } from './data-version.ts';
import { poolConfig, validateOptions, type PostgresConnectorOptions, type ValidatedOptions } from './options.ts';
import { encodeParams } from './params.ts';
import { SessionPool, type Lease } from './pool.ts';
import { guardStatement } from './sql.ts';
import { RunningStatement } from './statement.ts';
import { columnsOf, PostgresResultStream } from './stream.ts';

/** Rows per read: one Execute message, one batch. */
export const BATCH_ROWS = 4096;
const HEALTH_TIMEOUT_MS = 5000;

/**
 * A PostgreSQL engine: a pool of sessions (pg), results streamed through pg-cursor in batches of
 * BATCH_ROWS rows and decoded from PostgreSQL's text by pgtypes, parameters bound natively, statements
 * described without running, canceled with CancelRequest. Every statement runs in its own READ ONLY
 * transaction, rolled back at its end.
 */
export class PostgresConnector implements Connector {
  readonly kind = 'postgres';
  readonly capabilities: Capabilities = { cancel: true, parameters: true, describe: true };
  private closed = false;
  private healthQueue: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly name: string,
    private readonly opts: ValidatedOptions,
    private readonly pool: SessionPool,
    /** One more session, for health(), so that it answers while every pooled one is busy. */
    private readonly healthPool: pg.Pool,
    private readonly logger: Logger,
  ) {}

  /** Validates the options and sets up the pools; the server need not be up yet (health() tells). */
  static async create(options: PostgresConnectorOptions): Promise<PostgresConnector> {
    const opts = validateOptions(options);
    const logger = (options.logger ?? silentLogger()).child({ connector: 'postgres', engine: opts.name });
    const target = { host: opts.connection.host, port: opts.connection.port };
    const pool = new SessionPool(poolConfig(opts, opts.maxConnections), opts.maxConnections, opts.name, target, logger);
    const healthPool = new pg.Pool({
      ...poolConfig({ ...opts, connectTimeoutMs: Math.min(opts.connectTimeoutMs, HEALTH_TIMEOUT_MS) }, 1),
      idleTimeoutMillis: 60_000,
    });
    healthPool.on('error', (err) => logger.warn({ err: err.message }, 'idle postgres health connection failed; it is dropped'));
    const connector = new PostgresConnector(opts.name, opts, pool, healthPool, logger);
    const health = await connector.health();
    const where = { host: opts.connection.host, port: opts.connection.port, database: opts.connection.database, user: opts.connection.user };
    if (health.ok) logger.info({ ...where, maxConnections: opts.maxConnections }, 'postgres connector ready');
    else logger.warn({ ...where, detail: health.detail }, 'postgres connector created, but the engine does not answer yet');
    return connector;
  }

  private ensureOpen(): void {
    if (this.closed) throw new GatewayError('ENGINE_UNAVAILABLE', `the postgres connector "${this.name}" is shut down`);
  }

  /**
   * A session with BEGIN TRANSACTION READ ONLY done. A pooled connection the server dropped while it
   * was idle fails at BEGIN: it is destroyed and the statement tries once more on a new one.
   */
  private async session(signal: AbortSignal): Promise<Lease> {
    for (let attempt = 1; ; attempt++) {
      const lease = await this.pool.acquire(signal);
      try {
        await lease.client.query('BEGIN TRANSACTION READ ONLY');
        return lease;
      } catch (e) {
        lease.destroy('BEGIN failed');
        if (signal.aborted) throw canceledError(e);
        if (attempt === 1 && isConnectionError(e)) continue;
        throw mapPgError(e, this.name);
      }
    }
  }

  /** Each table's size on disk (heap, TOAST and indexes; partitions summed). */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    this.ensureOpen();
    const lease = await this.pool.acquire();
    try {
      const r = await lease.client.query<{ i: number; size: string | null }>(
        `SELECT t.i, (SELECT sum(pg_catalog.pg_total_relation_size(r.oid))::int8 FROM pg_catalog.pg_class r
                       WHERE r.oid = c.oid OR r.oid IN (SELECT inhrelid FROM pg_catalog.pg_inherits WHERE inhparent = c.oid)) AS size
           FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t (schema_name, table_name, i)
           LEFT JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema_name
           LEFT JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.table_name AND c.relkind IN ('r', 'p', 'm')`,
        [tables.map((t) => t.schema), tables.map((t) => t.name)],
      );
      lease.release();
      const out: Array<number | undefined> = tables.map(() => undefined);
      for (const row of r.rows) out[Number(row.i) - 1] = row.size === null ? undefined : Number(row.size);
      return out;
    } catch (e) {
      if (isConnectionError(e)) lease.destroy('measuring storage failed');
      else lease.release();
      throw mapPgError(e, this.name);
    }
  }

  /** Data versions for the result cache, from the catalog and cumulative statistics (data-version.ts). */
  async dataVersion(tables: readonly TableRef[]): Promise<Map<string, string>> {
    this.ensureOpen();
    const lease = await this.pool.acquire();
    try {
      const versions = await dataVersions(lease.client, tables);
      lease.release();
      return versions;
    } catch (e) {
      if (isConnectionError(e)) lease.destroy('reading data versions failed');
      else lease.release();
      throw mapPgError(e, this.name);
    }
  }

  /** Scan estimates from the engine's statistics (estimate.ts); nothing runs. */
  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    this.ensureOpen();
    const lease = await this.pool.acquire();
    try {
      const detail = await estimateScans(lease.client, reads);
      lease.release();
      return combine(detail);
    } catch (e) {
      if (isConnectionError(e)) lease.destroy('estimating failed');
      else lease.release();
      throw mapPgError(e, this.name);
    }
  }

  async listTables(): Promise<TableInfo[]> {
    this.ensureOpen();
    const lease = await this.pool.acquire();
    try {
      const tables = await listTables(lease.client, this.opts.tables, this.opts.schemas, this.logger);
      lease.release();
      return tables;
    } catch (e) {
      if (isConnectionError(e)) lease.destroy('listing tables failed');
      else lease.release();
      throw mapPgError(e, this.name);
    }
  }

  async describe(q: CompiledQuery): Promise<DescribeResult> {
    this.ensureOpen();
    guardStatement(q.sql);
    for (let attempt = 1; ; attempt++) {
      const lease = await this.pool.acquire();
      const statement = new DescribeStatement(q.sql, q.paramTypes.map((t) => t ?? 0));
      try {
        lease.client.query(statement);
        const d = await statement.result;
        lease.release();
        return { params: d.params, columns: columnsOf(d.fields) };
      } catch (e) {
        if (!isConnectionError(e)) {
          lease.release();
          throw mapPgError(e, this.name);
        }
        lease.destroy('describe failed');
        if (attempt > 1) throw mapPgError(e, this.name);
      }
    }
  }

  async execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream> {
    this.ensureOpen();
    const { signal } = opts;
    const startedAt = performance.now();
    guardStatement(q.sql);
    const params = encodeParams(q.params, q.paramTypes);
    if (signal.aborted) throw canceledError();
    const lease = await this.session(signal);
    const cursor = new StatementCursor(q.sql, params.values, params.types);
    const statement = new RunningStatement(lease, cursor, this.logger);
    const onAbort = (): void => statement.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      if (signal.aborted) throw canceledError();
      lease.client.query(cursor);
      const fields = await cursor.described;
      if (signal.aborted) throw canceledError();
      signal.removeEventListener('abort', onAbort);
      return new PostgresResultStream({ engine: this.name, statement, fields, batchRows: BATCH_ROWS, signal, startedAt, logger: this.logger });
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      await statement.finish();
      if (signal.aborted) throw canceledError(e);
      if (lease.shuttingDown || lease.revoked) throw new GatewayError('ENGINE_UNAVAILABLE', `the postgres connector "${this.name}" was shut down while the statement ran`);
      throw mapPgError(e, this.name);
    }
  }

  /** `SELECT 1` on the health session, within HEALTH_TIMEOUT_MS. */
  async health(): Promise<Health> {
    if (this.closed) return { ok: false, detail: 'shut down' };
    const run = this.healthQueue.then(async (): Promise<Health> => {
      let client: pg.PoolClient;
      try {
        client = await this.healthPool.connect();
      } catch (e) {
        return { ok: false, detail: unavailableError(this.name, e, 'connecting').message };
      }
      const onError = (): void => {}; // a failure shows in the query's outcome
      client.on('error', onError);
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer to SELECT 1 within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        });
        const r = await Promise.race([client.query<{ ok: number }>('SELECT 1 AS ok'), timeout]);
        client.release();
        return r.rows[0]?.ok === 1
          ? { ok: true, detail: `${this.pool.inUse}/${this.pool.max} connections busy` }
          : { ok: false, detail: 'SELECT 1 returned an unexpected value' };
      } catch (e) {
        client.release(e instanceof Error ? e : new Error(String(e)));
        return { ok: false, detail: mapPgError(e, this.name).message };
      } finally {
        clearTimeout(timer);
        client.removeListener('error', onError);
      }
    });
    this.healthQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.healthQueue;
    await this.pool.close();
    await this.healthPool.end();
    this.logger.info('postgres connector closed');
  }
}
