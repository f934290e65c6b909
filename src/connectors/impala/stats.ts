/**
 * Impala's statistics, parsed from its own output, for scan estimates:
 *
 * - `EXPLAIN <query>` — one STRING column ('Explain String'), one plan line per row. Each scan node:
 *
 *       00:SCAN HDFS [shop.bookings b]
 *          HDFS partitions=3/24 files=3 size=1.02MB        (Impala 4; Impala 2/3 print "partitions=…" alone)
 *          predicates: b.day >= DATE '2024-01-01'
 *          row-size=24B cardinality=2.00K
 *
 *   sizes in Impala's units (B, KB, MB, GB, TB, PB; 1024-based), cardinalities with K, M, B suffixes
 *   (1000-based) or "unavailable", and a WARNING naming the tables that lack statistics.
 * - `SHOW TABLE STATS t` — the partition columns, then #Rows, #Files, Size, Bytes Cached, Cache
 *   Replication, Format, Incremental stats, Location (Impala 4 adds EC Policy); one row per partition and
 *   a "Total" row for partitioned tables, one row otherwise. #Rows is -1 where stats were never computed.
 * - `SHOW COLUMN STATS t` — Column, Type, #Distinct Values, #Nulls, Max Size, Avg Size (Impala 3+ adds
 *   #Trues, #Falses); -1 where unknown.
 */
import type { PgValue } from '../../pgtypes/values.ts';

const SIZE_UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4, PB: 1024 ** 5 };

/** '1.02MB' → 1069547 (rounded), '0B' → 0; null when it is not a size. */
export function parseSize(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*(B|KB|MB|GB|TB|PB)\s*$/i.exec(text);
  if (!m) return null;
  const n = Number(m[1]);
  if (n < 0) return null;
  return Math.round(n * SIZE_UNITS[m[2]!.toUpperCase()]!);
}

/** '2.00K' → 2000, '1.5M' → 1500000, '17' → 17; null for 'unavailable' and anything else. */
export function parseCount(text: string | null | undefined): number | null {
  if (text === null || text === undefined) return null;
  const m = /^\s*(\d+(?:\.\d+)?)([KMBT]?)\s*$/.exec(text);
  if (!m) return null;
  const mult = { '': 1, K: 1e3, M: 1e6, B: 1e9, T: 1e12 }[m[2] as '' | 'K' | 'M' | 'B' | 'T'];
  return Math.round(Number(m[1]) * mult);
}

export interface ExplainScan {
  /** The plan node id ('00'). */
  node: string;
  /** What is scanned: HDFS (also S3, ADLS, … files), KUDU, HBASE, DATA SOURCE. */
  kind: string;
  /** The table as EXPLAIN names it (db.table). */
  table: string;
  /** Partitions read and the table's partitions (files-based tables). */
  partitions?: { selected: number; total: number };
  files?: number;
  /** Bytes of the files read. */
  sizeBytes?: number;
  /** Estimated bytes per row and rows out of the scan, when Impala has statistics. */
  rowSizeBytes?: number;
  cardinality?: number | null;
}

export interface ExplainEstimate {
  scans: ExplainScan[];
  /** Tables the plan warns have no statistics. */
  tablesMissingStats: string[];
  /** Per-host memory estimate in bytes, when printed. */
  perHostMemoryBytes?: number;
}

const SCAN_LINE = /^[\s|]*(\d+):SCAN ([A-Z][A-Z ]*?) \[([^\]\s,]+)[^\]]*\]/;
const NODE_LINE = /^[\s|]*\d+:[A-Z]/;

/** The scans of an EXPLAIN plan (one line per array element, as Impala returns them). */
export function parseExplain(lines: readonly string[]): ExplainEstimate {
  const scans: ExplainScan[] = [];
  const missing: string[] = [];
  let perHost: number | undefined;
  let current: ExplainScan | null = null;
  let inWarning = false;
  for (const raw of lines) {
    const line = raw.replace(/\r$/, '');
    const est = /^Per-Host Resource Estimates: Memory=(\S+)/.exec(line);
    if (est) perHost = parseSize(est[1]) ?? undefined;
    if (/^WARNING: The following tables are missing relevant table and\/or column statistics\./.test(line)) {
      inWarning = true;
      continue;
    }
    if (inWarning) {
      const t = line.trim();
      if (t === '' || /^[A-Z-]+[: ]/.test(t)) inWarning = false;
      else {
        missing.push(...t.split(',').map((s) => s.trim()).filter((s) => s !== ''));
        continue;
      }
    }
    const scan = SCAN_LINE.exec(line);
    if (scan) {
      current = { node: scan[1]!, kind: scan[2]!.trim(), table: scan[3]! };
      scans.push(current);
      continue;
    }
    if (NODE_LINE.test(line)) {
      current = null;
      continue;
    }
    if (current === null) continue;
    const parts = /\bpartitions=(\d+)\/(\d+)/.exec(line);
    if (parts) current.partitions = { selected: Number(parts[1]), total: Number(parts[2]) };
    const files = /\bfiles=(\d+)/.exec(line);
    if (files) current.files = Number(files[1]);
    const size = /(?:^|\s)size=(\S+)/.exec(line);
    if (size) {
      const bytes = parseSize(size[1]);
      if (bytes !== null) current.sizeBytes = bytes;
    }
    const rowSize = /\brow-size=(\S+)/.exec(line);
    if (rowSize) {
      const bytes = parseSize(rowSize[1]);
      if (bytes !== null) current.rowSizeBytes = bytes;
    }
    const card = /\bcardinality=(\S+)/.exec(line);
    if (card) current.cardinality = parseCount(card[1]);
  }
  return { scans, tablesMissingStats: missing, ...(perHost !== undefined && { perHostMemoryBytes: perHost }) };
}

export interface PartitionStats {
  /** Partition column → value, as Impala prints it; {} for an unpartitioned table. */
  values: Record<string, string>;
  /** null when Impala has no row count (never computed: -1). */
  rows: number | null;
  files: number | null;
  sizeBytes: number | null;
  format?: string;
  incrementalStats?: boolean;
  location?: string;
}

export interface TableStats {
  partitionColumns: string[];
  /** One per partition (one in all for an unpartitioned table). */
  partitions: PartitionStats[];
  total: { rows: number | null; files: number | null; sizeBytes: number | null };
}

function num(v: PgValue | undefined): number | null {
  if (v === null || v === undefined) return null;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v.trim()) ? Number(v) : NaN;
  return Number.isFinite(n) && n >= 0 ? n : null;
}

const str = (v: PgValue | undefined): string | undefined => (v === null || v === undefined ? undefined : typeof v === 'string' ? v : String(v));

/** SHOW TABLE STATS: its column names and rows (row-major). */
export function parseTableStats(columns: readonly string[], rows: ReadonlyArray<readonly PgValue[]>): TableStats {
  const at = (name: string): number => columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  const iRows = at('#Rows');
  if (iRows < 0) throw new Error('not the output of SHOW TABLE STATS: no #Rows column');
  const iFiles = at('#Files');
  const iSize = at('Size');
  const iFormat = at('Format');
  const iIncr = at('Incremental stats');
  const iLoc = at('Location');
  const partitionColumns = columns.slice(0, iRows);
  const partitions: PartitionStats[] = [];
  let total: TableStats['total'] | null = null;
  for (const row of rows) {
    const p: PartitionStats = {
      values: Object.fromEntries(partitionColumns.map((c, i) => [c, str(row[i]) ?? ''])),
      rows: num(row[iRows]),
      files: iFiles >= 0 ? num(row[iFiles]) : null,
      sizeBytes: iSize >= 0 ? parseSize(str(row[iSize])) : null,
    };
    if (partitionColumns.length > 0 && str(row[0]) === 'Total') {
      total = { rows: p.rows, files: p.files, sizeBytes: p.sizeBytes };
      continue;
    }
    const format = iFormat >= 0 ? str(row[iFormat]) : undefined;
    if (format) p.format = format;
    const incr = iIncr >= 0 ? str(row[iIncr]) : undefined;
    if (incr === 'true' || incr === 'false') p.incrementalStats = incr === 'true';
    const loc = iLoc >= 0 ? str(row[iLoc]) : undefined;
    if (loc) p.location = loc;
    partitions.push(p);
  }
  if (total === null) {
    const sum = (f: (p: PartitionStats) => number | null): number | null =>
      partitions.length === 0 || partitions.some((p) => f(p) === null) ? null : partitions.reduce((a, p) => a + f(p)!, 0);
    total = { rows: sum((p) => p.rows), files: sum((p) => p.files), sizeBytes: sum((p) => p.sizeBytes) };
  }
  return { partitionColumns, partitions, total };
}

export interface ColumnStats {
  name: string;
  /** Impala's type name ('int', 'decimal(10,2)', 'string'). */
  type: string;
  distinctValues: number | null;
  nulls: number | null;
  /** Bytes of the longest value, and the average (fixed-size types report their size). */
  maxSize: number | null;
  avgSize: number | null;
  trues?: number | null;
  falses?: number | null;
}

/** SHOW COLUMN STATS: its column names and rows (row-major). */
export function parseColumnStats(columns: readonly string[], rows: ReadonlyArray<readonly PgValue[]>): ColumnStats[] {
  const at = (name: string): number => columns.findIndex((c) => c.toLowerCase() === name.toLowerCase());
  const iName = at('Column');
  const iType = at('Type');
  if (iName < 0 || iType < 0) throw new Error('not the output of SHOW COLUMN STATS: no Column/Type columns');
  const iNdv = at('#Distinct Values');
  const iNulls = at('#Nulls');
  const iMax = at('Max Size');
  const iAvg = at('Avg Size');
  const iTrues = at('#Trues');
  const iFalses = at('#Falses');
  return rows.map((row) => {
    const s: ColumnStats = {
      name: str(row[iName]) ?? '',
      type: str(row[iType]) ?? '',
      distinctValues: iNdv >= 0 ? num(row[iNdv]) : null,
      nulls: iNulls >= 0 ? num(row[iNulls]) : null,
      maxSize: iMax >= 0 ? num(row[iMax]) : null,
      avgSize: iAvg >= 0 ? num(row[iAvg]) : null,
    };
    if (iTrues >= 0) s.trues = num(row[iTrues]);
    if (iFalses >= 0) s.falses = num(row[iFalses]);
    return s;
  });
}
