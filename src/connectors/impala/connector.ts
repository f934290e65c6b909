import type { Capabilities, CompiledQuery, Connector, DescribeResult, Health, ResultStream, TableInfo, TableRef } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { silentLogger, type Logger } from '../../log/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { listTables, quoteName } from './catalog.ts';
import { canceledError, Hs2StatusError, isConnectionError, mapImpalaError, shutdownError } from './errors.ts';
import { validateOptions, type ImpalaConnectorOptions, type ValidatedOptions } from './options.ts';
import { SessionPool } from './pool.ts';
import { Hs2Session } from './session.ts';
import { guardStatement, identityComment, inlineParams, limitZero, paramCount, type GuardedStatement } from './sql.ts';
import { RunningStatement } from './statement.ts';
import { parseColumnStats, parseExplain, parseTableStats, type ColumnStats, type ExplainEstimate, type TableStats } from './stats.ts';
import { ImpalaResultStream } from './stream.ts';
import { ImpalaEstimator } from './estimate.ts';
import { combine, type ScanEstimate } from '../../estimate/types.ts';
import type { TableRead } from '../../parser/analysis/types.ts';
import type { TTableSchema } from './thrift.ts';
import { columnInfoOf } from './types.ts';

const HEALTH_TIMEOUT_MS = 5000;
/** Most rows a metadata statement (SHOW, DESCRIBE, EXPLAIN) run by the connector itself may return. */
const MAX_SMALL_ROWS = 100_000;

/** Impala answers these for a session it no longer has (idle_session_timeout, a restarted impalad). */
const SESSION_GONE = /Client session expired|Invalid session id|session.*(?:closed|expired)/i;

function columnsOfSchema(schema: TTableSchema) {
  return [...schema.columns].sort((a, b) => a.position - b.position).map(columnInfoOf);
}

/**
 * An Impala engine over HiveServer2 (binary protocol, port 21050): a pool of sessions, each on its own
 * connection; statements run asynchronously (ExecuteStatement, then GetOperationStatus until rows can
 * be fetched), results streamed in FetchResults batches of `batchRows` rows pulled by the reader and
 * read from Impala's columnar TRowSets; CancelOperation on a new connection when the signal aborts;
 * CloseOperation always. HS2 has no bind parameters: `$n` are inlined as exact Impala literals.
 * describe() plans the query with LIMIT 0 (nothing is scanned) and reads GetResultSetMetadata.
 */
export class ImpalaConnector implements Connector {
  readonly kind = 'impala';
  readonly capabilities: Capabilities = { cancel: true, parameters: false, describe: true };
  private closed = false;
  private healthQueue: Promise<unknown> = Promise.resolve();
  /** One more session, for health(), so that it answers while every pooled one is busy. */
  private healthSession: Hs2Session | null = null;
  /** Scan estimates from EXPLAIN and the table's statistics (estimate.ts), column statistics cached. */
  private readonly estimator = new ImpalaEstimator(this);

  private constructor(
    readonly name: string,
    private readonly opts: ValidatedOptions,
    private readonly pool: SessionPool,
    private readonly logger: Logger,
  ) {}

  /** Validates the options and sets up the pool; the engine need not be up yet (health() tells). */
  static async create(options: ImpalaConnectorOptions): Promise<ImpalaConnector> {
    const opts = validateOptions(options);
    const logger = (options.logger ?? silentLogger()).child({ connector: 'impala', engine: opts.name });
    const pool = new SessionPool(opts.endpoint, opts.maxConnections, opts.idleTimeoutMs, logger);
    const connector = new ImpalaConnector(opts.name, opts, pool, logger);
    const health = await connector.health();
    const { host, port, auth, user } = opts.endpoint;
    const where = { host, port, auth, user, tls: opts.endpoint.tls !== false };
    if (health.ok) logger.info({ ...where, maxConnections: opts.maxConnections, detail: health.detail }, 'impala connector ready');
    else logger.warn({ ...where, detail: health.detail }, 'impala connector created, but the engine does not answer yet');
    return connector;
  }

  private ensureOpen(): void {
    if (this.closed) throw new GatewayError('ENGINE_UNAVAILABLE', `the impala connector "${this.name}" is shut down`);
  }

  /**
   * ExecuteStatement on a pooled session. A pooled session Impala dropped while it was idle (session
   * expired, connection closed) fails here: it is closed and the statement tries the next one, until
   * it runs on a session that was just opened (whose failure is the answer).
   */
  private async start(text: string, signal: AbortSignal): Promise<RunningStatement> {
    for (;;) {
      const lease = await this.pool.acquire(signal);
      const reused = lease.session.executions > 0;
      try {
        const op = await lease.session.execute(text);
        return new RunningStatement(lease, op, this.opts.endpoint, this.logger);
      } catch (e) {
        const stale = isConnectionError(e) || (e instanceof Hs2StatusError && SESSION_GONE.test(e.message));
        if (stale) {
          lease.destroy('ExecuteStatement found the session gone');
          if (reused && !signal.aborted) continue;
        } else {
          lease.release();
        }
        if (signal.aborted) throw canceledError(e);
        if (lease.shuttingDown || lease.revoked) throw shutdownError(this.name);
        throw mapImpalaError(e, this.name);
      }
    }
  }

  /**
   * Runs `text` to the point where rows can be fetched and returns its statement and result schema; on
   * any failure the statement is finished (CloseOperation, session back) and the error mapped.
   */
  private async open(text: string, signal: AbortSignal): Promise<{ statement: RunningStatement; schema: TTableSchema }> {
    if (signal.aborted) throw canceledError();
    const statement = await this.start(text, signal);
    const onAbort = (): void => statement.cancel();
    signal.addEventListener('abort', onAbort, { once: true });
    statement.lease.onShutdown = () => statement.cancel();
    try {
      if (signal.aborted) statement.cancel();
      await statement.waitReady();
      const schema = await statement.metadata();
      if (signal.aborted || statement.canceled) throw canceledError();
      return { statement, schema };
    } catch (e) {
      await statement.finish();
      if (statement.lease.shuttingDown || statement.lease.revoked) throw shutdownError(this.name);
      if (signal.aborted || statement.canceled) throw canceledError(e);
      throw mapImpalaError(e, this.name);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The statement text sent to Impala: guarded, parameters inlined, identity comment in front. */
  private prepare(q: CompiledQuery): { guarded: GuardedStatement; text: string } {
    const guarded = guardStatement(q.sql);
    const sql = inlineParams(guarded.sql, q.params, q.paramTypes);
    return { guarded, text: identityComment(q.context) + sql };
  }

  async execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream> {
    this.ensureOpen();
    const { signal } = opts;
    const startedAt = performance.now();
    const { text } = this.prepare(q);
    const { statement, schema } = await this.open(text, signal);
    return new ImpalaResultStream({
      engine: this.name,
      statement,
      columns: columnsOfSchema(schema),
      batchRows: this.opts.batchRows,
      signal,
      startedAt,
      logger: this.logger,
    });
  }

  /**
   * Result columns without running the query: HS2 has no prepare, so a query is planned with its
   * top-level LIMIT/OFFSET replaced by LIMIT 0 (Impala then scans nothing) and its parameters as typed
   * NULLs, and GetResultSetMetadata read. SHOW, DESCRIBE and EXPLAIN only read metadata and run as they
   * are. Parameter types are the declared ones; Impala cannot infer any (0).
   */
  async describe(q: CompiledQuery): Promise<DescribeResult> {
    this.ensureOpen();
    const guarded = guardStatement(q.sql);
    const count = Math.max(paramCount(guarded.sql), q.paramTypes.length);
    const params = Array.from({ length: count }, (_, i) => q.paramTypes[i] ?? 0);
    const isQuery = guarded.keyword === 'SELECT' || guarded.keyword === 'WITH' || guarded.keyword === 'VALUES' || guarded.keyword === '(';
    const sql = isQuery ? limitZero(guarded) : guarded.sql;
    const text = identityComment(q.context) + inlineParams(sql, new Array<PgValue>(count).fill(null), params);
    const { statement, schema } = await this.open(text, new AbortController().signal);
    await statement.finish();
    return { params, columns: columnsOfSchema(schema) };
  }

  /** Runs a metadata statement of the connector's own and collects its rows. */
  private async runSmall(sql: string): Promise<{ columns: string[]; rows: PgValue[][] }> {
    const stream = await this.execute({ sql, params: [], paramTypes: [] }, { signal: new AbortController().signal });
    const rows: PgValue[][] = [];
    try {
      for await (const batch of stream) {
        for (let r = 0; r < batch.rowCount; r++) rows.push(batch.columns.map((c) => c[r]!));
        if (rows.length > MAX_SMALL_ROWS) throw new GatewayError('ENGINE_ERROR', `${sql.split(/\s/)[0]} returned more than ${MAX_SMALL_ROWS} rows`);
      }
    } finally {
      await stream.close();
    }
    return { columns: stream.columns.map((c) => c.name), rows };
  }

  async listTables(): Promise<TableInfo[]> {
    this.ensureOpen();
    return listTables((sql) => this.runSmall(sql), this.opts.tables, this.opts.schemas, this.logger);
  }

  /** EXPLAIN of an Impala query, parsed: its scans with partitions, files, bytes and cardinalities. */
  async explainScans(sql: string): Promise<ExplainEstimate> {
    const guarded = guardStatement(sql);
    if (guarded.keyword === 'EXPLAIN') throw new GatewayError('INVALID_PARAMETER_VALUE', 'explainScans() takes the query, not an EXPLAIN statement');
    const r = await this.runSmall(`EXPLAIN ${guarded.sql}`);
    return parseExplain(r.rows.map((row) => String(row[0] ?? '')));
  }

  /** SHOW TABLE STATS, parsed: rows, files and bytes per partition and in total. */
  async tableStats(table: TableRef): Promise<TableStats> {
    const r = await this.runSmall(`SHOW TABLE STATS ${quoteName(table.schema)}.${quoteName(table.name)}`);
    return parseTableStats(r.columns, r.rows);
  }

  /** SHOW COLUMN STATS, parsed: distinct values, NULLs and sizes per column. */
  async columnStats(table: TableRef): Promise<ColumnStats[]> {
    const r = await this.runSmall(`SHOW COLUMN STATS ${quoteName(table.schema)}.${quoteName(table.name)}`);
    return parseColumnStats(r.columns, r.rows);
  }

  /**
   * Bytes each reference will scan, before running anything: EXPLAIN of its needed columns and pushed-down
   * predicates (partition pruning, bytes of the files left) times the share of the needed columns from
   * SHOW COLUMN STATS (see estimate.ts). A reference that cannot be estimated is `{ unknown }`.
   */
  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    this.ensureOpen();
    return combine(await this.estimator.estimate(reads));
  }

  /** Bytes of each table's files (SHOW TABLE STATS' total Size); undefined where unknown. */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    this.ensureOpen();
    return this.estimator.storedBytes(tables);
  }

  /** GetInfo (server version) on the health session, within HEALTH_TIMEOUT_MS. */
  async health(): Promise<Health> {
    if (this.closed) return { ok: false, detail: 'shut down' };
    const run = this.healthQueue.then(async (): Promise<Health> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GatewayError('ENGINE_UNAVAILABLE', `impala engine "${this.name}" did not answer within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        timer.unref?.();
      });
      timeout.catch(() => undefined);
      try {
        const work = (async () => {
          if (this.healthSession === null || this.healthSession.broken) {
            void this.healthSession?.close();
            this.healthSession = null;
            this.healthSession = await Hs2Session.open({ ...this.opts.endpoint, connectTimeoutMs: Math.min(this.opts.endpoint.connectTimeoutMs, HEALTH_TIMEOUT_MS) });
            if (this.closed) {
              await this.healthSession.close();
              this.healthSession = null;
              throw new GatewayError('ENGINE_UNAVAILABLE', 'shut down');
            }
          }
          return this.healthSession.serverVersion();
        })();
        work.catch(() => undefined);
        const version = await Promise.race([work, timeout]);
        return { ok: true, detail: `${this.pool.inUse}/${this.pool.max} sessions busy${version ? `, ${version}` : ''}` };
      } catch (e) {
        this.healthSession?.markBroken();
        return { ok: false, detail: mapImpalaError(e, this.name).message };
      } finally {
        clearTimeout(timer);
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
    await this.healthSession?.close();
    this.healthSession = null;
    this.logger.info('impala connector closed');
  }
}

