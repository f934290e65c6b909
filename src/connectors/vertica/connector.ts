import type { Capabilities, CompiledQuery, Connector, DescribeResult, Health, ResultStream, TableInfo, TableRef } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { silentLogger, type Logger } from '../../log/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import { listTables, type Fetch } from './catalog.ts';
import type { VerticaClient } from './driver.ts';
import { canceledError, isConnectionError, mapVerticaError, unavailableError } from './errors.ts';
import { poolConfig, validateOptions, type ValidatedOptions, type VerticaConnectorOptions } from './options.ts';
import { SessionPool, type Lease } from './pool.ts';
import { fetchAll, VerticaQuery } from './query.ts';
import { labelFor, statementText } from './sql.ts';
import { RunningStatement } from './statement.ts';
import { columnStorage, partitions, queryConsumption, type ConsumptionKey, type QueryConsumption, type TablePartitions, type TableStorage } from './stats.ts';
import { columnsOf, VerticaResultStream } from './stream.ts';
import { VerticaEstimator } from './estimate.ts';
import { combine, type ScanEstimate } from '../../estimate/types.ts';
import type { TableRead } from '../../parser/analysis/types.ts';
import { servedType } from './types.ts';

const HEALTH_TIMEOUT_MS = 5000;
/** Pauses between looks for a statement's consumption counters (see actualBytes). */
const ACTUALS_RETRY_MS = [100, 400, 1000, 2000, 3000, 4000];

/**
 * A Vertica engine through vertica-nodejs: a pool of READ ONLY, autocommit sessions; results streamed
 * with the socket paused when the reader falls behind, decoded from Vertica's text into canonical
 * values; parameters bound by Vertica's prepared statements (`?` markers); statements described without
 * running; canceled with a cancel request; every statement labelled with its ledger id.
 */
export class VerticaConnector implements Connector {
  readonly kind = 'vertica';
  readonly capabilities: Capabilities = { cancel: true, parameters: true, describe: true };
  private closed = false;
  private healthQueue: Promise<unknown> = Promise.resolve();
  /** Scan estimates from the storage statistics (estimate.ts), cached for a few minutes. */
  private readonly estimator = new VerticaEstimator((work) => this.withSession((fetch) => work(fetch)));

  private constructor(
    readonly name: string,
    private readonly opts: ValidatedOptions,
    private readonly pool: SessionPool,
    /** One more session, for health(), so that it answers while every pooled one is busy. */
    private readonly healthPool: SessionPool,
    private readonly logger: Logger,
  ) {}

  /** Validates the options and sets up the pools; Vertica need not be up yet (health() tells). */
  static async create(options: VerticaConnectorOptions): Promise<VerticaConnector> {
    const opts = validateOptions(options);
    const logger = (options.logger ?? silentLogger()).child({ connector: 'vertica', engine: opts.name });
    const target = { host: opts.connection.host, port: opts.connection.port };
    const pool = new SessionPool(poolConfig(opts, opts.maxConnections), opts.maxConnections, opts.name, target, logger);
    const healthOpts = { ...opts, connectTimeoutMs: Math.min(opts.connectTimeoutMs, HEALTH_TIMEOUT_MS) };
    const healthPool = new SessionPool(poolConfig(healthOpts, 1), 1, opts.name, target, logger);
    const connector = new VerticaConnector(opts.name, opts, pool, healthPool, logger);
    const health = await connector.health();
    const where = { host: opts.connection.host, port: opts.connection.port, database: opts.connection.database, user: opts.connection.user };
    if (health.ok) logger.info({ ...where, maxConnections: opts.maxConnections }, 'vertica connector ready');
    else logger.warn({ ...where, detail: health.detail }, 'vertica connector created, but the engine does not answer yet');
    return connector;
  }

  private ensureOpen(): void {
    if (this.closed) throw new GatewayError('ENGINE_UNAVAILABLE', `the vertica connector "${this.name}" is shut down`);
  }

  /** Runs `work` on a leased session; a session that broke is closed, one that did not is pooled again. */
  private async withSession<T>(work: (fetch: Fetch, client: VerticaClient) => Promise<T>, pool = this.pool): Promise<T> {
    const lease = await pool.acquire();
    const fetch: Fetch = (text, values) => fetchAll(lease.client, text, values);
    try {
      const out = await Promise.race([work(fetch, lease.client), lease.lost.then((e) => Promise.reject(e))]);
      lease.release();
      return out;
    } catch (e) {
      if (isConnectionError(e) || lease.broken !== undefined) lease.destroy('a statement of the connector failed');
      else lease.release();
      throw mapVerticaError(e, this.name);
    }
  }

  async listTables(): Promise<TableInfo[]> {
    this.ensureOpen();
    return this.withSession((fetch) => listTables(fetch, this.opts.tables, this.opts.schemas, this.logger));
  }

  /** Bytes stored per column of a table's projection (v_monitor.column_storage), for estimates. */
  async columnStorage(table: TableRef): Promise<TableStorage> {
    this.ensureOpen();
    return this.withSession((fetch) => columnStorage(fetch, table));
  }

  /** A table's partitions with their bytes and rows (v_monitor.partitions), for estimates. */
  async partitions(table: TableRef): Promise<TablePartitions> {
    this.ensureOpen();
    return this.withSession((fetch) => partitions(fetch, table));
  }

  /**
   * Bytes each reference will scan, before running anything: the stored bytes of its needed columns
   * (v_monitor.column_storage), scaled to the partitions its predicates on the partition column keep
   * (see estimate.ts). A reference that cannot be estimated is `{ unknown }`.
   */
  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    this.ensureOpen();
    return combine(await this.estimator.estimate(reads));
  }

  /** Bytes every projection of each table stores (v_monitor.column_storage); undefined where unknown. */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    this.ensureOpen();
    return this.estimator.storedBytes(tables);
  }

  /**
   * What Vertica recorded for statements that ran (v_monitor.query_consumption: data_bytes_read, ...),
   * by tollgate's query id (the label it put on the statement), a label, or transaction and statement id.
   */
  async queryConsumption(key: ConsumptionKey): Promise<QueryConsumption[]> {
    this.ensureOpen();
    return this.withSession((fetch) => queryConsumption(fetch, key));
  }

  /**
   * data_bytes_read of the statements labelled with this query id, summed (a federated query may run
   * several). Vertica's data collector fills query_consumption shortly after a statement ends: asked
   * again a few times over about ten seconds before giving up.
   */
  async actualBytes(queryId: string): Promise<number | undefined> {
    for (const waitMs of ACTUALS_RETRY_MS) {
      if (this.closed) return undefined;
      const rows = await this.queryConsumption({ queryId });
      if (rows.length > 0) return rows.reduce((sum, r) => sum + r.dataBytesRead, 0);
      await new Promise((resolve) => setTimeout(resolve, waitMs).unref());
    }
    return undefined;
  }

  async describe(q: CompiledQuery): Promise<DescribeResult> {
    this.ensureOpen();
    const statement = statementText(q.sql, { paramTypes: q.paramTypes, label: null });
    for (let attempt = 1; ; attempt++) {
      const lease = await this.pool.acquire();
      const query = new VerticaQuery({ mode: 'describe', text: statement.text, statementName: lease.client.nextStatementName() });
      try {
        lease.client.query(query);
        const fields = await Promise.race([query.described, lease.lost.then((e) => Promise.reject(e))]);
        await Promise.race([query.settled, lease.lost]);
        if (query.failure !== undefined) throw query.failure;
        lease.release();
        return { params: describedParams(statement.paramCount, statement.markers, query.paramOids, q.paramTypes), columns: columnsOf(fields) };
      } catch (e) {
        if (!isConnectionError(e) && lease.broken === undefined) {
          await Promise.race([query.settled, lease.lost]);
          lease.release();
          throw mapVerticaError(e, this.name, statement.positions);
        }
        lease.destroy('describe failed');
        if (attempt > 1) throw mapVerticaError(e, this.name);
      }
    }
  }

  async execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream> {
    this.ensureOpen();
    const { signal } = opts;
    const startedAt = performance.now();
    const statement = statementText(q.sql, { params: q.params, paramTypes: q.paramTypes, label: labelFor(q.context?.queryId) });
    if (signal.aborted) throw canceledError();
    for (let attempt = 1; ; attempt++) {
      const lease = await this.pool.acquire(signal);
      const query = statement.markers.length === 0
        ? new VerticaQuery({ mode: 'simple', text: statement.text, highWaterRows: this.opts.batchRows * 4 })
        : new VerticaQuery({
            mode: 'extended',
            text: statement.text,
            values: statement.values,
            statementName: lease.client.nextStatementName(),
            highWaterRows: this.opts.batchRows * 4,
          });
      const running = new RunningStatement(lease, query, this.logger);
      const onAbort = (): void => running.cancel();
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        if (signal.aborted) throw canceledError();
        lease.client.query(query);
        const fields = await Promise.race([query.described, lease.lost.then((e) => Promise.reject(e))]);
        if (signal.aborted) throw canceledError();
        signal.removeEventListener('abort', onAbort);
        return new VerticaResultStream({
          engine: this.name,
          statement: running,
          fields,
          batchRows: this.opts.batchRows,
          signal,
          startedAt,
          positions: statement.positions,
          logger: this.logger,
        });
      } catch (e) {
        signal.removeEventListener('abort', onAbort);
        const retry = attempt === 1 && query.rowsReceived === 0 && lease.broken !== undefined && !running.canceled && !signal.aborted && wasIdleDeath(e);
        await running.finish();
        if (signal.aborted) throw canceledError(e);
        if (lease.shuttingDown || lease.revoked) throw new GatewayError('ENGINE_UNAVAILABLE', `the vertica connector "${this.name}" was shut down while the statement ran`);
        // A pooled session that died while idle fails at once: one more try on a new session.
        if (retry) continue;
        throw mapVerticaError(e, this.name, statement.positions);
      }
    }
  }

  /** `SELECT 1` on the health session, within HEALTH_TIMEOUT_MS. */
  async health(): Promise<Health> {
    if (this.closed) return { ok: false, detail: 'shut down' };
    const run = this.healthQueue.then(async (): Promise<Health> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer to SELECT 1 within ${HEALTH_TIMEOUT_MS} ms`)), HEALTH_TIMEOUT_MS);
        timer.unref?.();
      });
      try {
        const { rows } = await Promise.race([
          this.withSession((fetch) => fetch("SELECT /*+LABEL('tollgate:health')*/ 1 AS ok"), this.healthPool),
          timeout,
        ]);
        return rows[0]?.[0] === '1'
          ? { ok: true, detail: `${this.pool.inUse}/${this.pool.max} sessions busy` }
          : { ok: false, detail: 'SELECT 1 returned an unexpected value' };
      } catch (e) {
        return { ok: false, detail: (e instanceof GatewayError ? e : unavailableError(this.name, e, 'connecting')).message };
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
    await this.healthPool.close();
    this.logger.info('vertica connector closed');
  }
}

/** The session was already gone before the statement got anywhere (no server error). */
function wasIdleDeath(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return !(e instanceof GatewayError) && !(typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code));
}

/**
 * Parameter types of a described statement, one per $n: the declared type when there is one (as
 * PostgreSQL reports it), else the PostgreSQL type of the Vertica type of the first `?` standing for it.
 */
function describedParams(count: number, markers: readonly number[], verticaOids: readonly number[], declared: readonly number[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    if ((declared[i] ?? 0) !== 0) {
      out.push(declared[i]!);
      continue;
    }
    const at = markers.indexOf(i);
    out.push(at < 0 || verticaOids[at] === undefined ? OID.text : servedType(verticaOids[at]!, -1).typeOid);
  }
  return out;
}
