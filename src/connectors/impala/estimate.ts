/**
 * Scan estimates for Impala tables, from Impala's own planner and statistics (never by running the query):
 *
 * - per reference, `EXPLAIN SELECT <needed columns> FROM db.t WHERE <pushed-down predicates>` (Impala
 *   dialect, literals inlined): the planner prunes partitions and prints the bytes of the files left
 *   (`partitions=a/b files=f size=…`);
 * - that size times the share of the needed columns in an average row, from SHOW COLUMN STATS' Avg Size
 *   over the columns stored in the files (partition columns, from SHOW TABLE STATS, live in directory
 *   names and weigh nothing). A column without an average size makes the share unknowable: the whole
 *   scanned size is counted, and said in the notes. count(*) counts the smallest column.
 *
 * Column and partition-column statistics are cached per table for a few minutes. A reference that cannot
 * be estimated (EXPLAIN fails, shows no size — Kudu, HBase — or expands into other tables — a view) is
 * answered `{ unknown }`; one table never makes the whole estimate fail.
 *
 * Approximate: the share treats every column as stored with the same efficiency (Parquet encodes and
 * compresses fixed-size columns far better than strings), and the Avg Size of Impala's statistics is the
 * uncompressed width; Parquet's count(*) from footers is not modelled (it errs high).
 */
import type { TableRef } from '../contract.ts';
import type { Predicate, TableRead } from '../../parser/analysis/types.ts';
import type { TableScanDetail } from '../../estimate/types.ts';
import { OID } from '../../pgtypes/oids.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { quoteName } from './catalog.ts';
import { impalaLiteral } from './sql.ts';
import type { ColumnStats, ExplainEstimate, TableStats } from './stats.ts';

/** What the estimator asks the engine (the connector's helpers). */
export interface ImpalaStatsSource {
  explainScans(sql: string): Promise<ExplainEstimate>;
  tableStats(table: TableRef): Promise<TableStats>;
  columnStats(table: TableRef): Promise<ColumnStats[]>;
}

/** How long column statistics of a table are reused. */
export const STATS_TTL_MS = 5 * 60 * 1000;

interface TableMeta {
  columns: ColumnStats[];
  /** Lower-cased partition column names; null when SHOW TABLE STATS could not tell. */
  partitionColumns: Set<string> | null;
  totalFiles: number | null;
}

const message = (e: unknown): string => (e instanceof Error ? e.message.split('\n')[0]! : String(e));

/** The PostgreSQL OID of a predicate's type name ('int4', 'date', 'unknown' → 0). */
function oidOfTypeName(type: string): number {
  if (type === 'unknown') return 0;
  const oid = (OID as Record<string, number>)[type];
  return typeof oid === 'number' ? oid : 0;
}

/** A predicate as Impala SQL, or null when one of its values cannot be written as an Impala literal. */
export function impalaPredicate(p: Predicate): string | null {
  const col = quoteName(p.column);
  try {
    const lit = (v: PgValue): string => impalaLiteral(v, 'type' in p ? oidOfTypeName(p.type) : 0);
    switch (p.op) {
      case 'is null':
        return `${col} IS NULL`;
      case 'is not null':
        return `${col} IS NOT NULL`;
      case 'between':
        return `${col} BETWEEN ${lit(p.low)} AND ${lit(p.high)}`;
      case 'in':
        return p.values.length === 0 ? null : `${col} IN (${p.values.map(lit).join(', ')})`;
      default:
        return `${col} ${p.op === '<>' ? '!=' : p.op} ${lit(p.value)}`;
    }
  } catch {
    return null;
  }
}

/** The query EXPLAIN plans for one reference: its needed columns and pushed-down predicates. */
export function scanQuery(read: Pick<TableRead, 'schema' | 'name' | 'columns'>, predicates: readonly string[]): string {
  const select = read.columns.length === 0 ? 'count(*)' : read.columns.map(quoteName).join(', ');
  const where = predicates.length === 0 ? '' : ` WHERE ${predicates.join(' AND ')}`;
  return `SELECT ${select} FROM ${quoteName(read.schema)}.${quoteName(read.name)}${where}`;
}

export class ImpalaEstimator {
  private readonly cache = new Map<string, { at: number; meta: Promise<TableMeta> }>();

  constructor(
    private readonly source: ImpalaStatsSource,
    private readonly ttlMs = STATS_TTL_MS,
    private readonly now: () => number = Date.now,
  ) {}

  /** Column statistics and partition columns of a table, from the cache when fresh. */
  private meta(table: TableRef): Promise<TableMeta> {
    const key = `${table.schema.toLowerCase()}\u0000${table.name.toLowerCase()}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && this.now() - hit.at < this.ttlMs) return hit.meta;
    const meta = (async (): Promise<TableMeta> => {
      const columns = await this.source.columnStats(table);
      let partitionColumns: Set<string> | null = null;
      let totalFiles: number | null = null;
      try {
        const t = await this.source.tableStats(table);
        partitionColumns = new Set(t.partitionColumns.map((c) => c.toLowerCase()));
        totalFiles = t.total.files;
      } catch {
        // Partition columns unknown: every column counts as stored (the share errs slightly).
      }
      return { columns, partitionColumns, totalFiles };
    })();
    this.cache.set(key, { at: this.now(), meta });
    meta.catch(() => {
      if (this.cache.get(key)?.meta === meta) this.cache.delete(key);
    });
    return meta;
  }

  /** Forgets cached statistics (all, or one table's). */
  invalidate(table?: TableRef): void {
    if (table === undefined) this.cache.clear();
    else this.cache.delete(`${table.schema.toLowerCase()}\u0000${table.name.toLowerCase()}`);
  }

  async estimate(reads: readonly TableRead[]): Promise<TableScanDetail[]> {
    return Promise.all(reads.map((r) => this.estimateOne(r)));
  }

  /** Bytes each table's files occupy (SHOW TABLE STATS' total Size), undefined where unknown. */
  async storedBytes(tables: readonly TableRef[]): Promise<Array<number | undefined>> {
    return Promise.all(
      tables.map(async (t) => {
        try {
          return (await this.source.tableStats(t)).total.sizeBytes ?? undefined;
        } catch {
          return undefined;
        }
      }),
    );
  }

  private async estimateOne(read: TableRead): Promise<TableScanDetail> {
    const base = { schema: read.schema, name: read.name, position: read.position };
    const notes: string[] = [];
    const pushed: string[] = [];
    const pushedText: string[] = [];
    for (const p of read.predicates) {
      const sql = impalaPredicate(p);
      if (sql === null) notes.push(`predicate on ${p.column} not used: its value has no Impala literal`);
      else {
        pushed.push(sql);
        pushedText.push(sql);
      }
    }
    let plan: ExplainEstimate;
    try {
      plan = await this.source.explainScans(scanQuery(read, pushed));
    } catch (e) {
      if (pushed.length === 0) return { ...base, unknown: `EXPLAIN failed: ${message(e)}` };
      try {
        plan = await this.source.explainScans(scanQuery(read, []));
        notes.push(`predicates not used (EXPLAIN refused them: ${message(e)})`);
        pushedText.length = 0;
      } catch (e2) {
        return { ...base, unknown: `EXPLAIN failed: ${message(e2)}` };
      }
    }
    const qualified = `${read.schema}.${read.name}`.toLowerCase();
    const scans = plan.scans.filter((s) => s.table.toLowerCase() === qualified);
    if (scans.length === 0) {
      return { ...base, unknown: plan.scans.length > 0 ? 'a view: its scan is that of the tables it reads' : 'EXPLAIN shows no scan of the table' };
    }
    const scan = scans[0]!;
    if (scan.sizeBytes === undefined) return { ...base, unknown: `a ${scan.kind} scan: Impala gives no size for it` };
    if (plan.tablesMissingStats.some((t) => t.toLowerCase() === qualified)) {
      notes.push('Impala has no table statistics (COMPUTE STATS never ran)');
    }

    let meta: TableMeta | null = null;
    try {
      meta = await this.meta(read);
    } catch (e) {
      notes.push(`no column statistics (${message(e)}): the whole scanned size is counted`);
    }
    let share = 1;
    if (meta !== null) {
      const parts = meta.partitionColumns;
      const stored = meta.columns.filter((c) => parts === null || !parts.has(c.name.toLowerCase()));
      const avg = new Map(stored.map((c) => [c.name.toLowerCase(), c.avgSize] as const));
      const needed = read.columns.filter((c) => avg.has(c.toLowerCase()));
      const missing = stored.filter((c) => c.avgSize === null).map((c) => c.name);
      const total = stored.reduce((a, c) => a + (c.avgSize ?? 0), 0);
      if (stored.length === 0) {
        notes.push('no stored columns in the statistics: the whole scanned size is counted');
      } else if (missing.length > 0) {
        notes.push(`no column statistics for ${missing.join(', ')}: the whole scanned size is counted`);
      } else if (total > 0) {
        if (needed.length === 0) {
          // count(*), or only partition columns: one column is read to count rows; the smallest.
          const smallest = Math.min(...stored.map((c) => c.avgSize!));
          share = smallest / total;
          notes.push('no stored column is needed: the smallest column is counted');
        } else {
          share = needed.reduce((a, c) => a + avg.get(c.toLowerCase())!, 0) / total;
        }
      }
      if (parts === null) notes.push('partition columns unknown (SHOW TABLE STATS failed): every column counts as stored');
    }
    const bytes = Math.round(scan.sizeBytes * share);
    const pruned: string[] = [];
    if (scan.partitions !== undefined && scan.partitions.selected < scan.partitions.total) {
      pruned.push(`${pushedText.join(' AND ')}: ${scan.partitions.selected} of ${scan.partitions.total} partitions`);
    }
    const kept = scan.files ?? 0;
    return {
      ...base,
      columns: [...read.columns],
      files: { total: Math.max(meta?.totalFiles ?? kept, kept), kept },
      rowGroups: { total: 0, kept: 0 },
      bytes,
      dataBytes: bytes,
      metadataBytes: 0,
      chunkBytes: bytes,
      pruned,
      notes,
    };
  }
}
