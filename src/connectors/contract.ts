import type { PgValue } from '../pgtypes/values.ts';
import type { TableRead } from '../parser/analysis/types.ts';
import type { ScanEstimate } from '../estimate/types.ts';

/** A column of a result or a table, described in PostgreSQL terms so that every layer above speaks one type system. */
export interface ColumnInfo {
  name: string;
  /** PostgreSQL type OID (see src/pgtypes). */
  typeOid: number;
  /** pg_attribute.atttypmod: -1 when none; for numeric ((p << 16) | s) + 4; for varchar n + 4. */
  typeModifier: number;
  nullable?: boolean;
  comment?: string;
}

/**
 * A batch of rows in column-major order: `columns[c][r]` is the canonical value (see pgtypes/values.ts)
 * of column c in row r. Columnar batches keep per-value work in tight loops and match Arrow and DuckDB chunks.
 */
export interface RowBatch {
  readonly rowCount: number;
  readonly columns: ReadonlyArray<ArrayLike<PgValue>>;
  /**
   * The batch and its columns never change once handed out (a cached result's): a consumer may keep
   * what it made of it, by the object's identity (the wire keeps the DataRows it encoded).
   */
  readonly immutable?: true;
}

/** What one statement produced after it finished; rows and bytes as known by the engine. */
export interface ResultSummary {
  rowCount: number;
  /** Bytes the engine actually read, when it can tell; undefined when unknown. */
  bytesRead?: number;
  elapsedMs: number;
}

/**
 * A running statement. The schema is known before the first row. Batches are pulled, so a slow reader
 * slows the engine down instead of making tollgate buffer the result (backpressure by construction).
 * `close()` must be called if iteration stops early; it releases the engine's resources.
 */
export interface ResultStream extends AsyncIterable<RowBatch> {
  readonly columns: readonly ColumnInfo[];
  close(): Promise<void>;
  /** Available after iteration ended. */
  summary(): ResultSummary;
}

export interface TableRef {
  schema: string;
  name: string;
}

export interface TableInfo extends TableRef {
  columns: ColumnInfo[];
  comment?: string;
}

export interface Capabilities {
  /** The engine can cancel a running statement (default false). */
  cancel: boolean;
  /** The engine accepts bound parameters ($1...) natively (default false: the planner inlines literals). */
  parameters: boolean;
  /** The engine can describe a statement's result columns without running it (default false). */
  describe: boolean;
  /**
   * A statement's description stays right while the data versions of the tables it reads stay the same,
   * and dataVersion costs less than describe (no round trip): descriptions may be reused on that
   * condition (default false).
   */
  describeFollowsDataVersion?: boolean;
}

export interface CompiledQuery {
  /** SQL in the engine's dialect. */
  sql: string;
  /** Bound parameter values in canonical form, by position ($1 is params[0]). */
  params: readonly PgValue[];
  /** PostgreSQL type OIDs of the parameters, when known (0 = unknown). */
  paramTypes: readonly number[];
  /**
   * Who runs it, for engines that can carry it (a comment or label in the statement), so the engine's own
   * query logs join tollgate's ledger. Absent for tollgate's internal statements.
   */
  context?: QueryContext;
}

export interface QueryContext {
  /** The ledger's id of the statement (uuid). */
  queryId: string;
  user: string;
  team: string;
}

export interface Health {
  ok: boolean;
  detail?: string;
}

export interface DescribeResult {
  params: number[];
  columns: ColumnInfo[];
}

/** One engine behind tollgate. Modeled on Trino's connector SPI: capabilities declared, not probed. */
export interface Connector {
  readonly name: string;
  readonly kind: string;
  readonly capabilities: Capabilities;
  listTables(): Promise<TableInfo[]>;
  /** Result columns and parameter types of a statement, without executing it. */
  describe(q: CompiledQuery): Promise<DescribeResult>;
  execute(q: CompiledQuery, opts: { signal: AbortSignal }): Promise<ResultStream>;
  health(): Promise<Health>;
  close(): Promise<void>;
  /**
   * Bytes the engine will read for these references to its tables (per reference, with what was pruned),
   * before running anything. Engines that cannot tell leave it out, or answer a reference with `{ unknown }`.
   */
  estimate?(reads: readonly TableRead[]): Promise<ScanEstimate>;
  /** Bytes each table occupies in the engine's storage (undefined where unknown), for storage charges. */
  storedBytes?(tables: readonly TableRef[]): Promise<Array<number | undefined>>;
  /**
   * Bytes the engine reports it read for the statements it ran with this query id (context.queryId),
   * after they ended; undefined when it cannot tell. Engines publish such counters after the fact, so
   * this may wait a while; the ledger records the answer beside the estimate.
   */
  actualBytes?(queryId: string): Promise<number | undefined>;
  /**
   * A version of each table's data ('schema.name' → an opaque string) that changes whenever its rows may
   * have changed, for the result cache; checked cheaply, not per row. A table left out of the map has no
   * trustworthy version right now (files modified within a timestamp tick, a view, ...): results that
   * read it are neither served from the cache nor stored. Engines without this method cannot tell at
   * all: their results are cached for cache.unknownVersionTtlSeconds only.
   */
  dataVersion?(tables: readonly TableRef[]): Promise<Map<string, string>>;
  /**
   * A table's version as dataVersion would give it, when the connector knows it right now without any
   * I/O (DuckDB: Parquet directories watched with inotify that reported nothing since their last check),
   * or undefined when dataVersion has to check. Lets a cache hit be decided without leaving the current
   * tick; asked per table, on every hit, so it allocates nothing.
   */
  knownDataVersion?(table: TableRef): string | undefined;
}
