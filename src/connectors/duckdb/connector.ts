import {
  DuckDBTypeId,
  StatementType,
  type DuckDBConnection,
  type DuckDBPreparedStatement,
  type DuckDBType,
} from '@duckdb/node-api';
import type {
  Capabilities,
  ColumnInfo,
  CompiledQuery,
  Connector,
  DescribeResult,
  Health,
  ResultStream,
  TableInfo,
  TableRef,
} from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import { silentLogger, type Logger } from '../../log/index.ts';
import { OID } from '../../pgtypes/oids.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { HOST_IS_LITTLE_ENDIAN } from './bindings.ts';
import { canceledError, mapDuckDBError, type ErrorContext } from './errors.ts';
import type { TableRead } from '../../parser/analysis/types.ts';
import type { ScanEstimate } from '../../estimate/index.ts';
import { DuckDBEstimator } from './estimate.ts';
import { expandGlob } from '../../estimate/index.ts';
import { stat } from 'node:fs/promises';
import { validateOptions, type DuckDBConnectorOptions, type ValidatedOptions } from './options.ts';
import { bindParams } from './params.ts';
import { ConnectionPool, type Lease } from './pool.ts';
import { dropInputs, loadInput, type InputLimits, type InputRelation } from './inputs.ts';
import { createEngine, type Engine } from './setup.ts';
import { leadingKeyword, quoteIdent, stripTrailingSemicolons } from './sql.ts';
import { DuckDBResultStream } from './stream.ts';
import { pgParamTypeOf, pgTypeOf, type PgTypeInfo } from './types.ts';
import { readerFor, displayTextReader, type VectorReader } from './vectors.ts';

const READ_ONLY = new Set<number>([StatementType.SELECT, StatementType.EXPLAIN]);

/**
 * Statements refused before DuckDB binds them, so that `INSERT INTO lake.bookings ...` says
 * "read-only" rather than "not a table". The prepared statement's type stays the authoritative check.
 */
const WRITE_KEYWORDS = new Set([
  'INSERT', 'UPDATE', 'DELETE', 'MERGE', 'TRUNCATE', 'CREATE', 'DROP', 'ALTER', 'COMMENT', 'COPY', 'EXPORT',
  'IMPORT', 'ATTACH', 'DETACH', 'INSTALL', 'LOAD', 'FORCE', 'SET', 'RESET', 'PRAGMA', 'CALL', 'VACUUM',
  'CHECKPOINT', 'ANALYZE', 'BEGIN', 'START', 'COMMIT', 'END', 'ROLLBACK', 'ABORT', 'USE', 'PREPARE',
  'EXECUTE', 'DEALLOCATE', 'GRANT', 'REVOKE', 'UPSERT', 'REPLACE',
]);

function readOnlyError(kind: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', `${kind} is not supported: tollgate is read-only`, {
    hint: 'send SELECT (or EXPLAIN) statements',
  });
}

/** What the connector decided about one result column before running the statement. */
interface ColumnPlan {
  name: string;
  type: DuckDBType | undefined;
  pg: PgTypeInfo;
}

function columnInfo(name: string, pg: PgTypeInfo, comment?: string): ColumnInfo {
  const info: ColumnInfo = { name, typeOid: pg.typeOid, typeModifier: pg.typeModifier };
  if (comment !== undefined) info.comment = comment;
  return info;
}

/** Result column types as the prepared statement knows them, or undefined while parameters leave them open. */
/** A non-NULL value of a PostgreSQL type, to bind when describing a statement before its values are known. */
function sampleValue(oid: number): PgValue {
  switch (oid) {
    case OID.bool:
      return false;
    case OID.int2:
    case OID.int4:
    case OID.oid:
    case OID.float4:
    case OID.float8:
    case OID.date:
      return 0;
    case OID.int8:
    case OID.time:
    case OID.timestamp:
    case OID.timestamptz:
      return 0n;
    case OID.numeric:
      return '0';
    case OID.uuid:
      return '00000000-0000-0000-0000-000000000000';
    case OID.bytea:
      return new Uint8Array(0);
    case OID.interval:
      return { months: 0, days: 0, micros: 0n };
    case OID.json:
    case OID.jsonb:
      return 'null';
    default:
      return '';
  }
}

function preparedColumns(stmt: DuckDBPreparedStatement): ColumnPlan[] | undefined {
  const plans: ColumnPlan[] = [];
  for (let i = 0; i < stmt.columnCount; i++) {
    if (stmt.columnTypeId(i) === DuckDBTypeId.INVALID) return undefined;
    const type = stmt.columnType(i);
    plans.push({ name: stmt.columnName(i), type, pg: pgTypeOf(type) });
  }
  return plans;
}

/** The statement with every column that needs it cast to VARCHAR; the user's text keeps its own lines. */
function castWrapper(sql: string, plans: readonly ColumnPlan[]): string {
  const select = plans
    .map((p, i) => (p.pg.castToText ? `CAST(#${i + 1} AS VARCHAR) AS ${quoteIdent(p.name)}` : `#${i + 1}`))
    .join(', ');
  return `SELECT ${select} FROM (\n${stripTrailingSemicolons(sql)}\n) AS "tollgate_result"`;
}

/**
 * DuckDB over Parquet: one in-memory instance, one view per lake table, a pool of connections, and
 * results streamed chunk by chunk as canonical PostgreSQL values. Read-only by construction.
 */
/** A lease whose release first drops the inputs' temporary tables (unless the connection is gone). */
function withInputsDropped(lease: Lease, inputs: readonly InputRelation[], logger: Logger): Lease {
  let released = false;
  return {
    get connection() {
      return lease.connection;
    },
    get shuttingDown() {
      return lease.shuttingDown;
    },
    get revoked() {
      return lease.revoked;
    },
    release() {
      if (released) return;
      released = true;
      if (lease.revoked) return lease.release();
      dropInputs(lease.connection, inputs)
        .catch((err: unknown) => logger.warn({ err }, 'dropping federated inputs failed'))
        .finally(() => lease.release());
    },
  };
}

export class DuckDBConnector implements Connector {
  readonly kind = 'duckdb';
  /** Descriptions follow data versions: a view's columns change only with its files, which dataVersion reads from memory. */
  readonly capabilities: Capabilities = { cancel: true, parameters: true, describe: true, describeFollowsDataVersion: true };
  private closed = false;
  private healthQueue: Promise<unknown> = Promise.resolve();
  private estimator: DuckDBEstimator | undefined;

  private constructor(
    readonly name: string,
    private readonly opts: ValidatedOptions,
    private readonly engine: Engine,
    private readonly pool: ConnectionPool,
    private readonly logger: Logger,
  ) {}

  static async create(options: DuckDBConnectorOptions): Promise<DuckDBConnector> {
    if (!HOST_IS_LITTLE_ENDIAN) {
      throw new GatewayError('CONFIG_INVALID', 'duckdb connector: big-endian hosts are not supported');
    }
    const opts = validateOptions(options);
    const logger = (options.logger ?? silentLogger()).child({ connector: 'duckdb', engine: opts.name });
    const engine = await createEngine(opts, logger);
    const pool = new ConnectionPool(engine.instance, opts.maxConnections);
    // Every DuckDB call (prepare, the wait for a first row, each fetch) holds a libuv pool thread while
    // it runs. With fewer threads than statements, long statements starve each other and every other
    // user of the pool (fs, crypto): measured, 4 aggregations delayed a 1-byte readFile by 20 s.
    const uvThreads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    if (uvThreads < opts.maxConnections + 2) {
      logger.warn(
        { UV_THREADPOOL_SIZE: uvThreads, maxConnections: opts.maxConnections },
        'libuv thread pool smaller than maxConnections + 2: long DuckDB statements can stall I/O; set UV_THREADPOOL_SIZE before start',
      );
    }
    logger.info({ tables: opts.tables.length, maxConnections: opts.maxConnections }, 'duckdb connector ready');
    return new DuckDBConnector(opts.name, opts, engine, pool, logger);
  }

  private ensureOpen(): void {
    if (this.closed) throw new GatewayError('ENGINE_UNAVAILABLE', 'the DuckDB connector is shut down');
  }

  /** Prepares one statement and refuses anything but SELECT and EXPLAIN. */
  private async prepareReadOnly(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement> {
    const keyword = leadingKeyword(sql);
    if (WRITE_KEYWORDS.has(keyword)) throw readOnlyError(keyword);
    let stmt: DuckDBPreparedStatement;
    try {
      stmt = await conn.prepare(sql);
    } catch (e) {
      throw mapDuckDBError(e, { sql });
    }
    const type = stmt.statementType;
    if (!READ_ONLY.has(type)) {
      stmt.destroySync();
      throw readOnlyError((StatementType[type] ?? 'this statement').replaceAll('_', ' '));
    }
    return stmt;
  }

  /**
   * Result columns of a statement whose types depend on its parameters (`SELECT $1`): runs it as a
   * LIMIT 0 subquery with the parameters bound, which plans it without reading any rows.
   */
  private async probeColumns(
    conn: DuckDBConnection,
    sql: string,
    params: readonly PgValue[],
    paramTypes: readonly number[],
  ): Promise<ColumnPlan[]> {
    const probeSql = `SELECT * FROM (\n${stripTrailingSemicolons(sql)}\n) AS "tollgate_probe" LIMIT 0`;
    let probe: DuckDBPreparedStatement | undefined;
    try {
      probe = await conn.prepare(probeSql);
      bindParams(probe, params, paramTypes);
      const result = await probe.run();
      return result.columnTypes().map((type, i) => ({ name: result.columnName(i), type, pg: pgTypeOf(type) }));
    } catch (e) {
      throw mapDuckDBError(e, { sql, lineOffset: 1 });
    } finally {
      probe?.destroySync();
    }
  }

  /** The configured tables as DuckDB sees them now; a table that cannot be read is logged and left out. */
  async listTables(): Promise<TableInfo[]> {
    this.ensureOpen();
    const lease = await this.pool.acquire();
    try {
      const out: TableInfo[] = [];
      for (const t of this.opts.tables) {
        const sql = `SELECT * FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`;
        let stmt: DuckDBPreparedStatement;
        try {
          stmt = await lease.connection.prepare(sql);
        } catch (e) {
          // One table whose files went missing must not hide the others from the catalog.
          const err = mapDuckDBError(e);
          this.logger.warn({ table: `${t.schema}.${t.name}`, code: err.code, err: err.message }, 'duckdb table cannot be described; left out');
          continue;
        }
        try {
          const columns: ColumnInfo[] = [];
          for (let i = 0; i < stmt.columnCount; i++) {
            const name = stmt.columnName(i);
            columns.push(columnInfo(name, pgTypeOf(stmt.columnType(i)), t.columns?.[name]));
          }
          const info: TableInfo = { schema: t.schema, name: t.name, columns };
          if (t.comment !== undefined) info.comment = t.comment;
          out.push(info);
        } finally {
          stmt.destroySync();
        }
      }
      return out;
    } finally {
      lease.release();
    }
  }

  async describe(q: CompiledQuery): Promise<DescribeResult> {
    this.ensureOpen();
    return this.describeOn(await this.pool.acquire(), q);
  }

  /** describe() for a statement over input relations: they are created empty, only their columns matter. */
  async describeWith(q: CompiledQuery, inputs: ReadonlyArray<Omit<InputRelation, 'batches'>>): Promise<DescribeResult> {
    this.ensureOpen();
    const empty = inputs.map((i) => ({ ...i, batches: (async function* () {})() }));
    const lease = withInputsDropped(await this.pool.acquire(), empty, this.logger);
    try {
      for (const input of empty) await loadInput(lease.connection, input, { maxRows: 0 }, new AbortController().signal);
    } catch (e) {
      lease.release();
      throw e instanceof GatewayError ? e : mapDuckDBError(e);
    }
    return this.describeOn(lease, q);
  }

  private async describeOn(lease: Lease, q: CompiledQuery): Promise<DescribeResult> {
    let stmt: DuckDBPreparedStatement | undefined;
    try {
      stmt = await this.prepareReadOnly(lease.connection, q.sql);
      const params: number[] = [];
      for (let i = 1; i <= stmt.parameterCount; i++) {
        let type: DuckDBType | undefined;
        try {
          type = stmt.parameterTypeId(i) === DuckDBTypeId.INVALID ? undefined : stmt.parameterType(i);
        } catch {
          type = undefined;
        }
        params.push(pgParamTypeOf(type));
      }
      let plans = preparedColumns(stmt);
      if (plans === undefined) {
        // Bind what the caller knows; else a sample value of each parameter's type (declared by the
        // client, else inferred), and a string for untyped ones, which is how they will arrive. Not NULL:
        // DuckDB re-infers around NULL constants (CAST($1 AS VARCHAR) || '!' bound to NULL is INTEGER).
        const types = params.map((oid, i) => q.paramTypes[i] || oid);
        const values: PgValue[] = types.map((oid, i) => (q.params[i] !== undefined ? q.params[i]! : sampleValue(oid)));
        plans = await this.probeColumns(lease.connection, q.sql, values, types);
      }
      return { params, columns: plans.map((p) => columnInfo(p.name, p.pg)) };
    } finally {
      stmt?.destroySync();
      lease.release();
    }
  }

  async execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream> {
    this.ensureOpen();
    const { signal } = opts;
    const startedAt = performance.now();
    if (signal.aborted) throw canceledError();
    return this.executeOn(await this.pool.acquire(signal), q, signal, startedAt);
  }

  /**
   * Runs a statement over rows that come from elsewhere: each input is loaded into a temporary table
   * of one pooled connection (see inputs.ts), the statement runs on that connection and can join them
   * with the lake tables, and the tables are dropped when the result is closed.
   */
  async executeWith(q: CompiledQuery, inputs: readonly InputRelation[], opts: { signal: AbortSignal; limits: InputLimits }): Promise<ResultStream> {
    this.ensureOpen();
    const { signal } = opts;
    const startedAt = performance.now();
    if (signal.aborted) throw canceledError();
    const lease = withInputsDropped(await this.pool.acquire(signal), inputs, this.logger);
    const onAbort = (): void => {
      if (!lease.revoked) lease.connection.interrupt();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // Loaded one after the other: one DuckDB connection takes one appender at a time.
      for (const input of inputs) await loadInput(lease.connection, input, opts.limits, signal);
    } catch (e) {
      lease.release();
      throw e instanceof GatewayError ? e : signal.aborted ? canceledError(e) : mapDuckDBError(e);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    return this.executeOn(lease, q, signal, startedAt);
  }

  private async executeOn(lease: Lease, q: CompiledQuery, signal: AbortSignal, startedAt: number): Promise<ResultStream> {
    const onAbort = (): void => {
      if (!lease.revoked) lease.connection.interrupt();
    };
    signal.addEventListener('abort', onAbort, { once: true });
    let stmt: DuckDBPreparedStatement | undefined;
    const ctx: ErrorContext = { sql: q.sql };
    try {
      const conn = lease.connection;
      stmt = await this.prepareReadOnly(conn, q.sql);
      bindParams(stmt, q.params, q.paramTypes);
      const plans = preparedColumns(stmt) ?? (await this.probeColumns(conn, q.sql, q.params, q.paramTypes));
      if (plans.some((p) => p.pg.castToText) && stmt.statementType === StatementType.SELECT) {
        const wrapped = await this.tryPrepare(conn, castWrapper(q.sql, plans));
        if (wrapped !== undefined) {
          stmt.destroySync();
          stmt = wrapped;
          ctx.lineOffset = 1;
          bindParams(stmt, q.params, q.paramTypes);
        }
      }
      if (signal.aborted) throw canceledError();
      const result = await stmt.stream();
      // The result keeps what it needs; node-api's own stream() destroys the statement here too.
      stmt.destroySync();
      stmt = undefined;
      if (signal.aborted) throw canceledError();
      const columns: ColumnInfo[] = [];
      const readers: VectorReader[] = [];
      for (let i = 0; i < result.columnCount; i++) {
        const type = result.columnType(i);
        const planned = plans[i];
        // Columns cast to VARCHAR keep the PostgreSQL type chosen for the original (numeric for BIGNUM).
        const pg = planned?.pg.castToText ? planned.pg : pgTypeOf(type);
        columns.push(columnInfo(result.columnName(i), pg));
        readers.push(pg.castToText && type.typeId !== DuckDBTypeId.VARCHAR ? displayTextReader : readerFor(type));
      }
      signal.removeEventListener('abort', onAbort);
      return new DuckDBResultStream({
        lease,
        result,
        columns,
        readers,
        signal,
        startedAt,
        errorContext: ctx,
        logger: this.logger,
      });
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      try {
        stmt?.destroySync();
      } catch {
        // the connection may be gone already
      }
      lease.release();
      throw signal.aborted ? canceledError(e) : mapDuckDBError(e, ctx);
    }
  }

  private async tryPrepare(conn: DuckDBConnection, sql: string): Promise<DuckDBPreparedStatement | undefined> {
    try {
      return await conn.prepare(sql);
    } catch (e) {
      // e.g. a statement ending in '; -- comment': read the nested values as node-api prints them instead.
      this.logger.debug({ err: (e as Error).message }, 'duckdb cast wrapper did not prepare');
      return undefined;
    }
  }

  /**
   * The bytes DuckDB will read for these references to the lake tables (see src/estimate): files left
   * after hive-partition pruning, row groups after min/max and bloom-filter pruning, the needed columns'
   * chunks as DuckDB reads them, footers. References to other tables come back as unknown.
   */
  /** The size of each table's Parquet files (its glob, as DuckDB expands it). */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    return Promise.all(
      tables.map(async (ref) => {
        const t = this.opts.tables.find((x) => x.schema === ref.schema && x.name === ref.name);
        if (!t) return undefined;
        const files = await expandGlob(t.absolutePath);
        const sizes = await Promise.all(files.map((f) => stat(f).then((st) => st.size, () => 0)));
        return sizes.reduce((a, b) => a + b, 0);
      }),
    );
  }

  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    return this.scanEstimator().estimate(reads);
  }

  /**
   * The data version of each lake table among `tables`, by `schema.name`: a hash of its files' paths, sizes
   * and mtimes (src/estimate/snapshot.ts), checked without reading any file. Tables this engine does not
   * serve, and tables with files modified too recently for their mtimes to be trusted (not settled), are
   * left out: nothing should be cached for them.
   */
  async dataVersion(tables: readonly TableRef[]): Promise<Map<string, string>> {
    const estimator = this.scanEstimator();
    const out = new Map<string, string>();
    await Promise.all(
      tables.map(async (ref) => {
        const version = await estimator.dataVersion(ref.schema, ref.name);
        if (version !== undefined) out.set(`${ref.schema}.${ref.name}`, version);
      }),
    );
    return out;
  }

  knownDataVersion(table: TableRef): string | undefined {
    // No estimator yet: nothing was checked, so nothing is known (dataVersion makes one).
    const estimator = this.closed ? undefined : this.estimator;
    return estimator?.knownDataVersion(table.schema, table.name);
  }

  private scanEstimator(): DuckDBEstimator {
    this.ensureOpen();
    this.estimator ??= new DuckDBEstimator(this.engine.instance, this.opts.tables, this.logger, this.opts.watchFiles);
    return this.estimator;
  }

  async health(): Promise<Health> {
    if (this.closed) return { ok: false, detail: 'shut down' };
    // One dedicated connection, so health answers even when every pooled connection is busy.
    const run = this.healthQueue.then(async (): Promise<Health> => {
      try {
        const reader = await this.engine.admin.runAndReadAll('SELECT 1');
        const ok = reader.getColumns()[0]?.[0] === 1;
        return ok
          ? { ok: true, detail: `${this.pool.inUse}/${this.pool.max} connections busy` }
          : { ok: false, detail: 'SELECT 1 returned an unexpected value' };
      } catch (e) {
        return { ok: false, detail: mapDuckDBError(e).message };
      }
    });
    this.healthQueue = run.catch(() => undefined);
    return run;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.healthQueue;
    await this.estimator?.close();
    await this.pool.close();
    this.engine.admin.closeSync();
    this.engine.instance.closeSync();
    this.logger.info('duckdb connector closed');
  }
}
