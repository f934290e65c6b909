/**
 * The demo travel dataset: on first start tollgate writes `<dataDir>/lake/` (hotels, bookings, searches as
 * Parquet) so that there is something to query before any engine is configured.
 *
 * Crash safety: tables are generated into a temporary directory next to the lake, moved into place, and
 * the completion marker `<dataDir>/lake/_tollgate_demo.json` is written last (atomically, by rename). A lake
 * without a matching marker is regenerated. Two processes generating into the same data dir at the same
 * time are not supported (tollgate runs one instance per data dir).
 */
import { availableParallelism } from 'node:os';
import { mkdir, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { GatewayError } from '../errors/index.ts';
import { GENERATOR_VERSION, demoSizes, generateLake, type ProgressEvent } from './generate.ts';
import { demoMonths } from './calendar.ts';

export { DEMO_TABLES, DEMO_COLUMN_TYPES, type DemoTable } from './tables.ts';
export { GENERATOR_VERSION, type ProgressEvent } from './generate.ts';
export { demoMonths } from './calendar.ts';

export interface DemoOptions {
  /** Same seed (and scale, and generator version), same bytes. Default DEFAULT_SEED. */
  seed?: number;
  /** 1 = full size (5M bookings, 10M searches, 20k hotels); tests use e.g. 0.001. Default 1. */
  scale?: number;
  /** Progress of the generation, for the CLI to draw. Never called when the lake is already there. */
  onProgress?: (e: ProgressEvent) => void;
  /** Files generated at once (one DuckDB thread each). Default: the number of CPUs, at most 8. Does not change the output. */
  threads?: number;
}

export interface DemoResult {
  /** False when a complete lake with the same seed, scale and generator version was already there. */
  generated: boolean;
  /** `<dataDir>/lake`. */
  dir: string;
  rowCounts: Record<string, number>;
  elapsedMs: number;
}

export const DEFAULT_SEED = 42;
export const MARKER_FILE = '_tollgate_demo.json';
const TABLE_DIRS = ['hotels', 'bookings', 'searches'] as const;
const TMP_PREFIX = '.lake-demo-tmp-';

export interface DemoMarker {
  generator: 'tollgate-demo';
  version: number;
  seed: number;
  scale: number;
  /** DuckDB that wrote the files (its hash() defines the data; informative, a different version is accepted). */
  duckdb: string;
  months: { first: string; last: string; count: number };
  rowCounts: Record<string, number>;
}

function checkOptions(opts: DemoOptions): { seed: number; scale: number; threads: number } {
  const seed = opts.seed ?? DEFAULT_SEED;
  const scale = opts.scale ?? 1;
  const threads = opts.threads ?? Math.max(1, Math.min(8, availableParallelism()));
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new GatewayError('CONFIG_INVALID', `demo seed must be a non-negative integer, got ${seed}`);
  }
  if (!Number.isFinite(scale) || scale <= 0 || scale > 100) {
    throw new GatewayError('CONFIG_INVALID', `demo scale must be a number in (0, 100], got ${scale}`);
  }
  if (!Number.isInteger(threads) || threads < 1) {
    throw new GatewayError('CONFIG_INVALID', `demo threads must be a positive integer, got ${threads}`);
  }
  return { seed, scale, threads };
}

/** The marker of `<lakeDir>`, or undefined when it is missing or unreadable. */
export async function readDemoMarker(lakeDir: string): Promise<DemoMarker | undefined> {
  try {
    const parsed = JSON.parse(await readFile(join(lakeDir, MARKER_FILE), 'utf8')) as DemoMarker;
    return parsed && parsed.generator === 'tollgate-demo' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes temporary directories left by generations that were killed (their process is gone). */
async function removeStaleTemps(dataDir: string): Promise<void> {
  for (const name of await readdir(dataDir)) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    const pid = Number(name.slice(TMP_PREFIX.length).split('-')[0]);
    // Our own pid: maybe a concurrent call in this process, which cleans up after itself.
    if (pid === process.pid || (Number.isSafeInteger(pid) && pid > 0 && processAlive(pid))) continue;
    await rm(join(dataDir, name), { recursive: true, force: true });
  }
}

/**
 * Makes sure `<dataDir>/lake` holds the demo dataset for this seed and scale; generates it when missing,
 * incomplete, or made by another seed, scale or generator version. Returns quickly when it is there.
 */
export async function ensureDemoData(dataDir: string, opts: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const { seed, scale, threads } = checkOptions(opts);
  const lakeDir = join(dataDir, 'lake');
  const marker = await readDemoMarker(lakeDir);
  if (
    marker &&
    marker.version === GENERATOR_VERSION &&
    marker.seed === seed &&
    marker.scale === scale &&
    (await Promise.all(TABLE_DIRS.map((t) => exists(join(lakeDir, t))))).every(Boolean)
  ) {
    return { generated: false, dir: lakeDir, rowCounts: { ...marker.rowCounts }, elapsedMs: performance.now() - started };
  }

  await mkdir(lakeDir, { recursive: true });
  // From here on the lake is incomplete until the new marker is written.
  await rm(join(lakeDir, MARKER_FILE), { force: true });
  await removeStaleTemps(dataDir);
  const tmp = join(dataDir, `${TMP_PREFIX}${process.pid}-${Date.now().toString(36)}`);
  try {
    await mkdir(tmp, { recursive: true });
    const sizes = demoSizes(scale);
    const allRows = sizes.hotels + sizes.bookings + sizes.searches;
    opts.onProgress?.({ table: 'all', step: 'start', done: 0, total: allRows });
    const result = await generateLake(tmp, {
      seed,
      scale,
      threads,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    for (const table of TABLE_DIRS) {
      await rm(join(lakeDir, table), { recursive: true, force: true });
      await rename(join(tmp, table), join(lakeDir, table));
    }
    const months = demoMonths();
    const newMarker: DemoMarker = {
      generator: 'tollgate-demo',
      version: GENERATOR_VERSION,
      seed,
      scale,
      duckdb: result.duckdbVersion,
      months: { first: months[0]!, last: months[months.length - 1]!, count: months.length },
      rowCounts: result.rowCounts,
    };
    const markerTmp = join(lakeDir, `${MARKER_FILE}.tmp`);
    await writeFile(markerTmp, `${JSON.stringify(newMarker, null, 2)}\n`);
    await rename(markerTmp, join(lakeDir, MARKER_FILE));
    opts.onProgress?.({ table: 'all', step: 'done', done: allRows, total: allRows });
    return { generated: true, dir: lakeDir, rowCounts: { ...result.rowCounts }, elapsedMs: performance.now() - started };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
