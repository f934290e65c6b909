/**
 * The scan estimate of one table reference over Parquet files, as DuckDB 1.5 reads them:
 *
 *  1. list the files (glob, in DuckDB's order; a table snapshot when given, snapshot.ts);
 *  2. hive partitions: `key=value` directories give each file its partition values; a file whose values fail
 *     a predicate on a partition column is never opened;
 *  3. each kept file: its footer (the last 8 bytes, then the footer); for each row group, the min/max
 *     statistics of predicate columns, then for `column = constant` on integer/float/string columns with a
 *     bloom filter, the filter (read, and tested);
 *  4. each kept row group: the needed columns' chunks (every leaf of a nested column), page by page: a
 *     256-byte read-ahead of the page header and the payload (see sim.ts for the exact read paths).
 *
 * The first file of each table's glob is the one DuckDB bound the view to at start-up: with `viewsBound`,
 * its footer is already in DuckDB's external file cache and costs nothing.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { Predicate, TableRead } from '../parser/analysis/types.ts';
import { bloomKey, bloomMightContain, xxhash64 } from './bloom.ts';
import { chunkBloom, chunkPages, type CachedFile, type FooterCache, type PageInfo } from './cache.ts';
import type { LeafColumn } from './footer.ts';
import { expandGlob, hasGlob } from './glob.ts';
import { mapLimit } from './limit.ts';
import { describePredicate, partitionKeeps, statsExclude, typePredicate, usableForStats, type TypedPredicate } from './prune.ts';
import { ReadSims } from './sim.ts';
import type { FileSnapshots, SnapshotFile } from './snapshot.ts';
import { combine, type ScanEstimate, type TableScanDetail, type TableScanEstimate } from './types.ts';
import { decodeStat, detectPartitionType, duckType, leafType, parsePartitionValue, type ColumnType, type Comparable } from './values.ts';

/** A table over Parquet files: a view `schema.name` over read_parquet(path, hive_partitioning). */
export interface ParquetTable {
  schema: string;
  name: string;
  /** Absolute path of a file, or a glob. */
  path: string;
  hivePartitioning: boolean;
  /** DuckDB type names of the table's columns (partition columns take their type from here; detected like DuckDB otherwise). */
  columnTypes?: Readonly<Record<string, string>>;
}

export interface ParquetEstimateOptions {
  cache: FooterCache;
  /** The first file of each table's glob has its footer in DuckDB's cache already (the view was bound to it). Default false. */
  viewsBound?: boolean;
  /** Table file snapshots: the files and their sizes and mtimes, revalidated cheaply (default: list the glob and stat each file). */
  snapshots?: FileSnapshots;
  /** Read replay shared by the references of one statement (footers, bloom filters and page headers read once). */
  sims?: ReadSims;
}

const PAGE_HEADER_READ_AHEAD = 256;

/** `key=value` directory segments of a file path (the file name itself excluded). */
export function hivePartitions(file: string): Map<string, string> {
  const out = new Map<string, string>();
  const dirs = path.dirname(file).split(path.sep);
  for (const seg of dirs) {
    const eq = seg.indexOf('=');
    if (eq <= 0) continue;
    let value = seg.slice(eq + 1);
    try {
      value = decodeURIComponent(value);
    } catch {
      /* keep it as written */
    }
    out.set(seg.slice(0, eq), value);
  }
  return out;
}

function findKey<T>(map: ReadonlyMap<string, T> | Readonly<Record<string, T>>, name: string): string | undefined {
  const keys = map instanceof Map ? [...map.keys()] : Object.keys(map);
  return keys.find((k) => k === name) ?? keys.find((k) => k.toLowerCase() === name.toLowerCase());
}

function emptyEstimate(read: TableRead): TableScanEstimate {
  return {
    schema: read.schema,
    name: read.name,
    position: read.position,
    columns: [...read.columns],
    files: { total: 0, kept: 0 },
    rowGroups: { total: 0, kept: 0 },
    bytes: 0,
    dataBytes: 0,
    metadataBytes: 0,
    chunkBytes: 0,
    pruned: [],
    notes: [],
  };
}

class Counter {
  private readonly counts = new Map<string, number>();
  add(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }
  entries(): Array<[string, number]> {
    return [...this.counts];
  }
}

export async function estimateParquetTable(table: ParquetTable, read: TableRead, opts: ParquetEstimateOptions): Promise<TableScanEstimate> {
  const out = emptyEstimate(read);
  const sims = opts.sims ?? new ReadSims();
  const snapshot = await opts.snapshots?.get(table.path);
  const files = snapshot ? snapshot.files.map((f) => f.path) : await expandGlob(table.path);
  // With a snapshot, the sizes and mtimes it just checked stand in for a stat per file.
  const known = (i: number): SnapshotFile | undefined => snapshot?.files[i];
  out.files.total = files.length;
  if (hasGlob(table.path)) opts.cache.forgetUnlisted(table.path, files, snapshot?.version);
  if (files.length === 0) {
    out.notes.push(`no file matches ${table.path}`);
    return out;
  }

  // ---- hive partitions ----
  const partitionsOf = files.map((f) => (table.hivePartitioning ? hivePartitions(f) : new Map<string, string>()));
  const partitionKeys = new Set(partitionsOf.flatMap((p) => [...p.keys()]));
  const partitionType = new Map<string, ColumnType>();
  for (const key of partitionKeys) {
    const declared = table.columnTypes ? findKey(table.columnTypes, key) : undefined;
    partitionType.set(key, declared !== undefined ? duckType(table.columnTypes![declared]!) : detectPartitionType(partitionsOf.map((p) => p.get(key) ?? 'NULL')));
  }
  const partitionNames = new Map([...partitionKeys].map((k) => [k, true] as const));
  const partitionKeyOf = (column: string): string | undefined => findKey(partitionNames, column);
  const partitionPreds: Array<{ key: string; typed: TypedPredicate; text: string }> = [];
  const filePreds: Predicate[] = [];
  for (const p of read.predicates) {
    const key = partitionKeyOf(p.column);
    if (key !== undefined) partitionPreds.push({ key, typed: typePredicate(p, partitionType.get(key)!), text: describePredicate(p) });
    else filePreds.push(p);
  }
  const kept: number[] = [];
  for (let i = 0; i < files.length; i++) {
    const parts = partitionsOf[i]!;
    const keep = partitionPreds.every(({ key, typed }) => {
      const col = partitionType.get(key)!;
      return partitionKeeps(typed, parts.has(key) ? parsePartitionValue(parts.get(key)!, col) : null);
    });
    if (keep) kept.push(i);
  }
  if (kept.length < files.length) {
    out.pruned.push(`hive partitions (${partitionPreds.map((p) => p.text).join(' and ')}): ${files.length - kept.length} of ${files.length} files left out`);
  }

  // ---- the file DuckDB bound the view to ----
  if (opts.viewsBound) {
    const first = await opts.cache.get(files[0]!, known(0));
    if (first !== undefined) {
      const sim = sims.of(first.path, first.size);
      // Seeded as cached: these reads happened when the view was created.
      const before = sim.bytes;
      sim.cached(first.size - 8, 8);
      sim.cached(first.size - 8 - first.footer.footerLength, first.footer.footerLength);
      sim.bytes = before;
    }
  }

  // ---- per file: metadata read concurrently, then DuckDB's reads replayed in file order ----
  const statsPruned = new Counter();
  const bloomPruned = new Counter();
  const notes = new Set<string>();
  const plans = await mapLimit(kept, FILE_CONCURRENCY, async (i) => {
    const file = await opts.cache.get(files[i]!, known(i));
    if (file === undefined) {
      notes.add(`a file disappeared while estimating: ${files[i]}`);
      return undefined;
    }
    return planFile(file, read, filePreds, partitionKeys, notes);
  });
  for (const plan of plans) {
    if (plan === undefined) continue;
    out.files.kept++;
    replayFile(plan, sims, out, statsPruned, bloomPruned);
  }
  for (const [text, n] of statsPruned.entries()) out.pruned.push(`${text} (min/max): ${n} row groups left out`);
  for (const [text, n] of bloomPruned.entries()) out.pruned.push(`${text} (bloom filter): ${n} row groups left out`);
  out.notes.push(...notes);
  out.bytes = out.dataBytes + out.metadataBytes;
  return out;
}

/** Files whose metadata is read at once (footers, page headers, bloom filters). */
const FILE_CONCURRENCY = 16;

interface LeafPredicate {
  leaf: number;
  typed: TypedPredicate;
  text: string;
}

/** What DuckDB does with one row group: skipped (and why), and the reads it makes. */
interface RowGroupPlan {
  /** Bloom filters DuckDB reads for it (offset, length), in order. */
  blooms: Array<[number, number]>;
  excluded?: { by: 'stats' | 'bloom'; text: string };
  /** Pages of the needed chunks, in column order. */
  pages: PageInfo[];
  chunkBytes: number;
}

interface FilePlan {
  file: CachedFile;
  rowGroups: RowGroupPlan[];
}

/** Decides, from the file's metadata, which row groups DuckDB skips and which pages it reads. */
async function planFile(file: CachedFile, read: TableRead, preds: readonly Predicate[], partitionKeys: ReadonlySet<string>, notes: Set<string>): Promise<FilePlan> {
  const { footer } = file;
  // Top-level column name → leaf indexes.
  const byTop = new Map<string, number[]>();
  footer.leaves.forEach((l: LeafColumn, k) => {
    const top = l.path[0]!;
    const list = byTop.get(top) ?? [];
    list.push(k);
    byTop.set(top, list);
  });
  const leavesOf = (column: string): number[] | undefined => {
    const key = findKey(byTop, column);
    return key === undefined ? undefined : byTop.get(key);
  };
  const partitionNames = new Map([...partitionKeys].map((k) => [k, true] as const));
  const needed = new Set<number>();
  for (const c of read.columns) {
    const leaves = leavesOf(c);
    if (leaves !== undefined) for (const k of leaves) needed.add(k);
    else if (findKey(partitionNames, c) === undefined) notes.add(`column ${c} is not in ${path.basename(file.path)}`);
  }
  const neededLeaves = [...needed].sort((a, b) => a - b);

  const leafPreds: LeafPredicate[] = [];
  for (const p of preds) {
    const leaves = leavesOf(p.column);
    if (leaves === undefined || leaves.length !== 1 || footer.leaves[leaves[0]!]!.path.length !== 1) {
      notes.add(`${describePredicate(p)}: not a flat column of the files, not used`);
      continue;
    }
    const leaf = footer.leaves[leaves[0]!]!;
    const typed = typePredicate(p, leafType(leaf));
    if (!usableForStats(typed) && typed.op !== '<>') notes.add(`${describePredicate(p)}: not comparable with ${leaf.path[0]} as DuckDB stores it, not used`);
    leafPreds.push({ leaf: leaves[0]!, typed, text: describePredicate(p) });
  }
  leafPreds.sort((a, b) => a.leaf - b.leaf);

  let handle: FileHandle | undefined;
  const fh = async (): Promise<FileHandle> => (handle ??= await open(file.path, 'r'));
  const rowGroups: RowGroupPlan[] = [];
  try {
    for (let rg = 0; rg < footer.rowGroups.length; rg++) {
      const group = footer.rowGroups[rg]!;
      const plan: RowGroupPlan = { blooms: [], pages: [], chunkBytes: 0 };
      rowGroups.push(plan);
      // Min/max first, for every predicate (measured: a later column's statistics prune before an earlier
      // column's bloom filter is read).
      const excludedBy = leafPreds.find(({ leaf, typed }) => {
        const chunk = group.columns[leaf]!;
        const l = footer.leaves[leaf]!;
        const s = chunk.stats;
        return statsExclude(typed, {
          min: s?.min !== undefined ? decodeStat(s.min, l, 'min') : undefined,
          max: s?.max !== undefined ? decodeStat(s.max, l, 'max') : undefined,
          nullCount: s?.nullCount,
          numValues: chunk.numValues,
        });
      });
      if (excludedBy !== undefined) {
        plan.excluded = { by: 'stats', text: excludedBy.text };
        continue;
      }
      // Bloom filters, for equality with a constant, in column order; the first that excludes skips the group.
      for (const { leaf, typed, text } of leafPreds) {
        if (typed.op !== '=' || typed.value === undefined) continue;
        const chunk = group.columns[leaf]!;
        if (chunk.bloomOffset === undefined) continue;
        const key = bloomKey(typed.value as Comparable, footer.leaves[leaf]!);
        if (key === undefined) continue;
        plan.blooms.push([chunk.bloomOffset, chunk.bloomLength ?? Math.min(PAGE_HEADER_READ_AHEAD, file.size - chunk.bloomOffset)]);
        const bits = file.blooms.has(`${rg}:${leaf}`) ? file.blooms.get(`${rg}:${leaf}`)! : await chunkBloom(file, rg, leaf, await fh());
        if (bits !== null && !bloomMightContain(bits, xxhash64(key))) {
          plan.excluded = { by: 'bloom', text };
          break;
        }
      }
      if (plan.excluded !== undefined) continue;
      for (const leaf of neededLeaves) {
        plan.chunkBytes += group.columns[leaf]!.totalCompressedSize;
        const known = file.pages.get(`${rg}:${leaf}`);
        plan.pages.push(...(known ?? (await chunkPages(file, rg, leaf, await fh()))));
      }
    }
  } finally {
    await handle?.close();
  }
  return { file, rowGroups };
}

/** Replays DuckDB's reads of one file on the statement's read simulation. */
function replayFile(plan: FilePlan, sims: ReadSims, out: TableScanEstimate, statsPruned: Counter, bloomPruned: Counter): void {
  const { file } = plan;
  const sim = sims.of(file.path, file.size);
  let before = sim.bytes;
  sim.cached(file.size - 8, 8);
  sim.cached(file.size - 8 - file.footer.footerLength, file.footer.footerLength);
  out.metadataBytes += sim.bytes - before;
  for (const rg of plan.rowGroups) {
    out.rowGroups.total++;
    before = sim.bytes;
    for (const [offset, length] of rg.blooms) sim.cached(offset, length);
    out.metadataBytes += sim.bytes - before;
    if (rg.excluded !== undefined) {
      (rg.excluded.by === 'stats' ? statsPruned : bloomPruned).add(rg.excluded.text);
      continue;
    }
    out.rowGroups.kept++;
    out.chunkBytes += rg.chunkBytes;
    before = sim.bytes;
    // A bloom filter read leaves a prefetch in the row group's transport: DuckDB then reads page headers
    // directly (exactly); otherwise through a 256-byte read-ahead in its cache.
    const direct = rg.blooms.length > 0;
    for (const page of rg.pages) {
      if (direct) sim.direct(page.headerLength);
      else sim.cached(page.offset, Math.min(PAGE_HEADER_READ_AHEAD, file.size - page.offset));
      sim.direct(page.compressedSize);
    }
    out.dataBytes += sim.bytes - before;
  }
}

/**
 * Estimates every reference of a statement. `tableOf` resolves a reference to its Parquet table; a
 * reference it does not know is reported as unknown. References share one read replay, as they share
 * DuckDB's cache in one statement.
 */
export async function estimateParquetReads(
  reads: readonly TableRead[],
  tableOf: (schema: string, name: string) => ParquetTable | undefined,
  opts: ParquetEstimateOptions,
): Promise<ScanEstimate> {
  const sims = opts.sims ?? new ReadSims();
  const detail: TableScanDetail[] = [];
  for (const read of reads) {
    const table = tableOf(read.schema, read.name);
    if (table === undefined) {
      detail.push({ schema: read.schema, name: read.name, position: read.position, unknown: `${read.schema}.${read.name} is not a Parquet table of this engine` });
      continue;
    }
    try {
      detail.push(await estimateParquetTable(table, read, { ...opts, sims }));
    } catch (e) {
      detail.push({ schema: read.schema, name: read.name, position: read.position, unknown: `cannot read the metadata of ${read.schema}.${read.name}: ${(e as Error).message}` });
    }
  }
  return combine(detail);
}
