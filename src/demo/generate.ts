/**
 * Writes the demo lake (hotels, bookings, searches) as Parquet into a directory, with DuckDB.
 *
 * Byte-for-byte reproducible: every value is a hash of (seed, row number, salt) (see sql.ts), and each
 * Parquet file is written by its own COPY of an explicitly ordered query on a single DuckDB thread, so
 * neither row order nor row-group boundaries depend on scheduling. Months are independent units of work,
 * which makes them the unit of progress and of parallelism (several connections, one COPY each at a time).
 *
 * Why not one `COPY ... (PARTITION_BY (booking_month))` per table: measured with DuckDB 1.5 on 2 threads,
 * two runs of it wrote different bytes (rows reach the partition writers in scheduling order), and it was
 * slower than this. Writing `booking_month=YYYY-MM/data_0.parquet` ourselves gives the same hive layout
 * (the partition column lives only in the directory name, as PARTITION_BY does it).
 */
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DuckDBInstance, version as duckdbVersion, type DuckDBConnection } from '@duckdb/node-api';
import { GatewayError } from '../errors/index.ts';
import { demoCalendar, demoMonths, type DemoDay } from './calendar.ts';
import { bookingsCopySql, hotelsCopySql, searchesCopySql, setupSql, type Sizes } from './sql.ts';

/** Bump whenever the output changes (SQL, reference lists, sizes, file layout): existing lakes are regenerated. */
export const GENERATOR_VERSION = 1;

export interface ProgressEvent {
  /**
   * 'hotels', 'bookings' or 'searches'; or 'all' for the whole generation, which gets only two events:
   * step 'start' (done 0) first, and step 'done' (done === total, rows of all tables) last, once the lake is
   * complete and marked.
   */
  table: string;
  /** 'start'; then 'write <partition>' after each file ('write booking_month=2024-01', 'write hotels.parquet'); then 'done'. */
  step: string;
  /** Rows written so far for this table. */
  done: number;
  /** Rows this table will have. */
  total: number;
}

export interface GenerateOptions {
  seed: number;
  scale: number;
  /** Files generated at the same time, each by one DuckDB thread on its own connection. */
  threads: number;
  onProgress?: (e: ProgressEvent) => void;
}

export interface GenerateResult {
  rowCounts: Record<string, number>;
  duckdbVersion: string;
  files: string[];
}

export function demoSizes(scale: number): Sizes {
  return {
    hotels: Math.max(500, Math.round(20_000 * scale)),
    bookings: Math.max(1, Math.round(5_000_000 * scale)),
    searches: Math.max(1, Math.round(10_000_000 * scale)),
    users: Math.max(1000, Math.round(2_500_000 * scale)),
  };
}

interface Job {
  table: 'hotels' | 'bookings' | 'searches';
  /** Relative to the output dir. */
  file: string;
  rows: number;
  sql: (absoluteFile: string) => string;
}

function jobs(sizes: Sizes, days: readonly DemoDay[]): Job[] {
  const out: Job[] = [{ table: 'hotels', file: 'hotels/hotels.parquet', rows: sizes.hotels, sql: hotelsCopySql }];
  const perMonth = (month: string, key: 'bookings' | 'searches') =>
    days.filter((d) => d.month === month).reduce((a, d) => a + d[key], 0);
  for (const month of demoMonths()) {
    // Interleave the two tables so that progress moves on both, and the big searches files are spread out.
    out.push({
      table: 'searches',
      file: `searches/search_month=${month}/data_0.parquet`,
      rows: perMonth(month, 'searches'),
      sql: (f) => searchesCopySql(month, f, sizes.users),
    });
    out.push({
      table: 'bookings',
      file: `bookings/booking_month=${month}/data_0.parquet`,
      rows: perMonth(month, 'bookings'),
      sql: (f) => bookingsCopySql(month, f, sizes.users),
    });
  }
  return out;
}

/** Generates the lake into `outDir` (which should be empty). Does not write the completion marker. */
export async function generateLake(outDir: string, opts: GenerateOptions): Promise<GenerateResult> {
  const sizes = demoSizes(opts.scale);
  const days = demoCalendar(sizes.bookings, sizes.searches);
  const work = jobs(sizes, days);
  const totals: Record<string, number> = { hotels: sizes.hotels, bookings: sizes.bookings, searches: sizes.searches };
  const done: Record<string, number> = { hotels: 0, bookings: 0, searches: 0 };
  const emit = (table: string, step: string) =>
    opts.onProgress?.({ table, step, done: done[table]!, total: totals[table]! });

  await mkdir(join(outDir, 'hotels'), { recursive: true });
  for (const month of demoMonths()) {
    await mkdir(join(outDir, 'bookings', `booking_month=${month}`), { recursive: true });
    await mkdir(join(outDir, 'searches', `search_month=${month}`), { recursive: true });
  }

  const spill = join(outDir, '.duckdb_tmp');
  // One DuckDB thread per query, `opts.threads` queries at once (one per connection). Each file is then
  // written by exactly one thread, which rules out scheduling effects, and measured on 2 cores it took
  // about 25% less CPU than DuckDB threads=2 with the same 2 connections (no idle worker threads).
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    // Order-preserving COPY; together with the explicit ORDER BY, the row order is fixed.
    preserve_insertion_order: 'true',
    temp_directory: spill,
  });
  const connections: DuckDBConnection[] = [];
  try {
    const setup = setupSql(opts.seed, sizes, days);
    for (let k = 0; k < Math.max(1, opts.threads); k++) {
      const c = await instance.connect();
      connections.push(c);
    }
    // Macros and lookup tables live in the database catalog, so every connection sees them.
    await connections[0]!.run(setup);
    for (const table of ['hotels', 'bookings', 'searches']) emit(table, 'start');
    let next = 0;
    let failure: GatewayError | undefined;
    const worker = async (c: DuckDBConnection) => {
      while (failure === undefined && next < work.length) {
        const job = work[next++]!;
        try {
          await c.run(job.sql(join(outDir, job.file)));
          done[job.table]! += job.rows;
          const parts = job.file.split('/');
          emit(job.table, `write ${parts.length > 2 ? parts[1] : parts[parts.length - 1]}`);
          if (done[job.table] === totals[job.table]) emit(job.table, 'done');
        } catch (e) {
          const message = e instanceof Error ? e.message : String(e);
          failure ??= new GatewayError('INTERNAL', `demo data generation failed at ${job.file}: ${message}`, { cause: e });
        }
      }
    };
    // Every worker finishes its current COPY before the connections close, even when one failed.
    await Promise.all(connections.map(worker));
    if (failure) throw failure;
  } finally {
    for (const c of connections) c.closeSync();
    instance.closeSync();
  }
  await rm(spill, { recursive: true, force: true });
  return { rowCounts: { ...totals }, duckdbVersion: duckdbVersion(), files: work.map((j) => j.file) };
}
