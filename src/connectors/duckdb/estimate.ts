/**
 * Scan estimates for the DuckDB connector's lake tables (see src/estimate): the estimator reads the
 * Parquet footers itself (no DuckDB connection needed for that); the only thing it asks DuckDB is the type
 * it gives each hive partition column, once per table, on a connection of its own so that estimating never
 * waits for the statement pool. Each table's files come from a snapshot (src/estimate/snapshot.ts), which
 * also gives the table's data version.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Logger } from '../../log/index.ts';
import type { TableRead } from '../../parser/analysis/types.ts';
import { estimateParquetReads, FileSnapshots, FooterCache, type ParquetTable, type ScanEstimate, type TableSnapshot } from '../../estimate/index.ts';
import type { ResolvedTable } from './options.ts';
import { quoteIdent } from './sql.ts';

export class DuckDBEstimator {
  readonly cache = new FooterCache();
  /**
   * Estimates trust files' sizes and mtimes for a second (directories are checked every time): a file
   * overwritten in place is estimated as it was for at most that long; a large table's per-file stats are
   * then paid once a second, not per statement.
   */
  readonly snapshots = new FileSnapshots({ fileCheckMs: 1000 });
  private conn: Promise<DuckDBConnection> | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly types = new Map<string, Promise<Record<string, string> | undefined>>();

  constructor(
    private readonly instance: DuckDBInstance,
    private readonly tables: readonly ResolvedTable[],
    private readonly logger: Logger,
    /** Trust a table's version while its directories report no change (inotify): see estimate/dir-watch.ts. */
    private readonly watchFiles = true,
  ) {}

  private find(schema: string, name: string): ResolvedTable | undefined {
    return (
      this.tables.find((t) => t.schema === schema && t.name === name) ??
      this.tables.find((t) => t.schema.toLowerCase() === schema.toLowerCase() && t.name.toLowerCase() === name.toLowerCase())
    );
  }

  /** DuckDB's column types of a table (VARCHAR, BIGINT, DATE …), asked once; undefined when it cannot be described. */
  private columnTypes(t: ResolvedTable): Promise<Record<string, string> | undefined> {
    const key = `${t.schema}\u0000${t.name}`;
    let p = this.types.get(key);
    if (p === undefined) {
      p = this.describe(t).catch((err: unknown) => {
        this.logger.debug({ table: `${t.schema}.${t.name}`, err: (err as Error).message }, 'estimate: table not described; partition types detected from the paths');
        this.types.delete(key);
        return undefined;
      });
      this.types.set(key, p);
    }
    return p;
  }

  private async describe(t: ResolvedTable): Promise<Record<string, string>> {
    const run = this.queue.then(async () => {
      this.conn ??= this.instance.connect();
      const conn = await this.conn;
      const stmt = await conn.prepare(`SELECT * FROM ${quoteIdent(t.schema)}.${quoteIdent(t.name)}`);
      try {
        const out: Record<string, string> = {};
        for (let i = 0; i < stmt.columnCount; i++) out[stmt.columnName(i)] = stmt.columnType(i).toString();
        return out;
      } finally {
        stmt.destroySync();
      }
    });
    this.queue = run.catch(() => undefined);
    return run;
  }

  async estimate(reads: readonly TableRead[]): Promise<ScanEstimate> {
    const tables = new Map<string, ParquetTable>();
    for (const r of reads) {
      const t = this.find(r.schema, r.name);
      if (t === undefined || tables.has(`${r.schema}\u0000${r.name}`)) continue;
      const table: ParquetTable = { schema: t.schema, name: t.name, path: t.absolutePath, hivePartitioning: t.hivePartitioning };
      if (t.hivePartitioning) {
        const types = await this.columnTypes(t);
        if (types !== undefined) table.columnTypes = types;
      }
      tables.set(`${r.schema}\u0000${r.name}`, table);
    }
    // Views are bound to their first file when the connector starts: that footer is in DuckDB's cache.
    return estimateParquetReads(reads, (schema, name) => tables.get(`${schema}\u0000${name}`), { cache: this.cache, snapshots: this.snapshots, viewsBound: true });
  }

  /**
   * The files of a lake table as they are now, every file checked (see TableSnapshot: `version` is its data
   * version); undefined for other tables.
   */
  async snapshot(schema: string, name: string): Promise<TableSnapshot | undefined> {
    const t = this.find(schema, name);
    return t === undefined ? undefined : this.snapshots.get(t.absolutePath, { fileCheckMs: 0 });
  }

  /** A lake table's data version (its snapshot's), or undefined: not a lake table, or files too fresh to trust (not settled). */
  async dataVersion(schema: string, name: string): Promise<string | undefined> {
    const t = this.find(schema, name);
    if (t === undefined) return undefined;
    const snap = await this.snapshots.get(t.absolutePath, { fileCheckMs: 0, watched: this.watchFiles });
    return snap.settled ? snap.version : undefined;
  }

  /** A lake table's data version when it is known without I/O (FileSnapshots.current), else undefined: ask dataVersion. */
  knownDataVersion(schema: string, name: string): string | undefined {
    if (!this.watchFiles) return undefined;
    const t = this.find(schema, name);
    return t === undefined ? undefined : this.snapshots.current(t.absolutePath)?.version;
  }

  async close(): Promise<void> {
    this.snapshots.close();
    await this.queue;
    if (this.conn !== undefined) (await this.conn.catch(() => undefined))?.closeSync();
  }
}
