/** Scan estimates: the bytes a statement will read, per table reference, the way BigQuery bills bytes processed. */

/** The estimate of one table reference (one entry of Analysis.tables). */
export interface TableScanEstimate {
  schema: string;
  name: string;
  /** 1-based position of the reference in the statement (0 when unknown), as in the analysis. */
  position: number;
  /** Columns the reference needs (from the analysis); [] for count(*). */
  columns: string[];
  /** Files the table's path names, and those left after hive-partition pruning. */
  files: { total: number; kept: number };
  /** Row groups in the kept files, and those left after min/max (and bloom filter) pruning. */
  rowGroups: { total: number; kept: number };
  /** dataBytes + metadataBytes. */
  bytes: number;
  /** Column chunks of the needed columns in the kept row groups, as DuckDB reads them (page header read-ahead included). */
  dataBytes: number;
  /** Footers of the kept files and bloom filters DuckDB consults. */
  metadataBytes: number;
  /** Sum of total_compressed_size of the needed chunks in the kept row groups (the textbook number). */
  chunkBytes: number;
  /** Why files and row groups were left out, in words ("booking_month = '2024-06': 23 of 24 files"). */
  pruned: string[];
  /** Predicates or columns the estimator could not use (the estimate then errs high), and other remarks. */
  notes: string[];
}

/** A reference the engine cannot estimate. */
export interface UnknownTableScan {
  schema: string;
  name: string;
  position: number;
  unknown: string;
}

export type TableScanDetail = TableScanEstimate | UnknownTableScan;

export interface ScanEstimate {
  /** Bytes of every reference that could be estimated. */
  bytes: number;
  /** True when every reference was estimated (none unknown); the analysis' own `exact` is separate. */
  exact: boolean;
  detail: TableScanDetail[];
}

export function isUnknown(d: TableScanDetail): d is UnknownTableScan {
  return 'unknown' in d;
}

/** The estimate of references nobody can estimate (an engine without `estimate`). */
export function unknownEstimate(reads: ReadonlyArray<{ schema: string; name: string; position: number }>, reason: string): ScanEstimate {
  return { bytes: 0, exact: false, detail: reads.map((r) => ({ schema: r.schema, name: r.name, position: r.position, unknown: reason })) };
}

/** Sums per-reference details into one estimate. */
export function combine(detail: TableScanDetail[]): ScanEstimate {
  let bytes = 0;
  let exact = true;
  for (const d of detail) {
    if (isUnknown(d)) exact = false;
    else bytes += d.bytes;
  }
  return { bytes, exact, detail };
}
