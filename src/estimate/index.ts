/**
 * Scan estimates: how many bytes a statement will read before it runs, per table reference, from the
 * analysis (columns and pruning predicates, src/parser/analyze.ts) and the files' own metadata. See
 * parquet.ts for what is modelled and sim.ts for how DuckDB's reads are replayed.
 */
export { combine, isUnknown, unknownEstimate, type ScanEstimate, type TableScanDetail, type TableScanEstimate, type UnknownTableScan } from './types.ts';
export { estimateParquetReads, estimateParquetTable, hivePartitions, type ParquetEstimateOptions, type ParquetTable } from './parquet.ts';
export { FooterCache, type FooterCacheStats } from './cache.ts';
export { expandGlob, listGlob, matchesGlob, type GlobFs, type GlobListing } from './glob.ts';
export { FileSnapshots, snapshotVersion, type SnapshotFile, type SnapshotOptions, type TableSnapshot } from './snapshot.ts';
export { readFooter, parseFooter, type ParquetFooter } from './footer.ts';
export { ReadSims } from './sim.ts';
