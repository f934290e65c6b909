import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { DuckDBConnector, type DuckDBConnectorOptions } from '../src/connectors/duckdb/index.ts';
import { DEMO_TABLES, GENERATOR_VERSION, ensureDemoData } from '../src/demo/index.ts';
import { expandGlob, FooterCache, isUnknown, type ScanEstimate, type TableScanEstimate } from '../src/estimate/index.ts';
import { silentLogger } from '../src/log/index.ts';
import { analyzeQuery } from '../src/parser/index.ts';
import { fmtInt, formatTable } from './lib/table.ts';

/**
 * Scan-estimate accuracy: for each query of a workload over the demo lake, tollgate's estimate (analyzeQuery
 * with the demo tables as catalog, then DuckDBConnector.estimate) against the bytes DuckDB really read: the
 * /proc/self/io `rchar` delta of a fresh child process that starts a DuckDBConnector over the same files (so
 * the same views, sandbox and threads) and runs the query once. rchar counts the bytes read() and pread()
 * returned, whether they came from disk or from the page cache, so it measures what DuckDB asked for.
 *
 * Scale 1 (the demo as users get it: 5M bookings, 10M searches, ~230 MB of Parquet; about 15 s to generate
 * once, cached in $TMPDIR): the smallest scale at which a month of bookings spans more than one 122,880-row
 * row group (at 0.5 most bookings files are a single row group, and row-group pruning would never show).
 *
 *   npx tsx bench/estimates.ts    # BENCH_ESTIMATE_SCALE (default 1), BENCH_ESTIMATE_THREADS (default: DuckDB's)
 */

interface WorkloadQuery {
  name: string;
  sql: string;
}

/** Written in SQL both PostgreSQL (the analysis) and DuckDB (the measurement) read the same way. */
export const WORKLOAD: readonly WorkloadQuery[] = [
  { name: 'count(*) all bookings', sql: 'SELECT count(*) FROM lake.bookings' },
  { name: 'count(*) one partition', sql: "SELECT count(*) FROM lake.bookings WHERE booking_month = '2024-06'" },
  { name: 'revenue of one month (partition)', sql: "SELECT sum(price_usd) FROM lake.bookings WHERE booking_month = '2024-06'" },
  { name: 'channel x device mix (full scan, 3 columns)', sql: 'SELECT channel, device, count(*), avg(price_usd) FROM lake.bookings GROUP BY channel, device' },
  { name: 'hotels: all columns', sql: 'SELECT * FROM lake.hotels' },
  { name: 'hotels per city', sql: 'SELECT city, count(*) FROM lake.hotels GROUP BY city' },
  { name: 'two days of bookings (row groups, all files)', sql: "SELECT sum(price_usd) FROM lake.bookings WHERE booked_at >= timestamp '2024-03-10' AND booked_at < timestamp '2024-03-12'" },
  { name: 'two days within their partition', sql: "SELECT sum(price_usd), count(*) FROM lake.bookings WHERE booking_month = '2024-03' AND booked_at >= timestamp '2024-03-25' AND booked_at < timestamp '2024-03-27'" },
  { name: 'booking_id range (BETWEEN)', sql: 'SELECT count(*), avg(nights) FROM lake.bookings WHERE booking_id BETWEEN 1000000 AND 1100000' },
  { name: 'first bookings (booking_id <)', sql: 'SELECT avg(nights), sum(rooms) FROM lake.bookings WHERE booking_id < 50000' },
  { name: 'status per quarter (partition IN)', sql: "SELECT status, count(*) FROM lake.bookings WHERE booking_month IN ('2024-01', '2024-02', '2024-03') GROUP BY status" },
  { name: 'half a year (partition BETWEEN)', sql: "SELECT count(*), sum(price_usd) FROM lake.bookings WHERE booking_month BETWEEN '2024-04' AND '2024-09'" },
  { name: 'one hotel (equality, bloom filters)', sql: 'SELECT sum(price_usd) FROM lake.bookings WHERE hotel_id = 42' },
  { name: 'absent country (bloom filters prune all)', sql: "SELECT count(*) FROM lake.bookings WHERE user_country = 'Atlantis'" },
  { name: 'cancellations since 2025 (bloom + partitions)', sql: "SELECT count(*) FROM lake.bookings WHERE status = 'cancelled' AND booking_month >= '2025-01'" },
  { name: 'searches without click in a month (IS NULL)', sql: "SELECT count(*) FROM lake.searches WHERE clicked_hotel_id IS NULL AND search_month = '2024-05'" },
  { name: 'clicked searches (IS NOT NULL)', sql: 'SELECT count(DISTINCT clicked_hotel_id) FROM lake.searches WHERE clicked_hotel_id IS NOT NULL' },
  { name: 'latency percentiles, two months', sql: "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY latency_ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY latency_ms) FROM lake.searches WHERE search_month IN ('2024-05', '2024-06')" },
  { name: 'zero-result searches by city', sql: 'SELECT destination_city, count(*) FROM lake.searches WHERE results_shown = 0 GROUP BY destination_city' },
  { name: 'last week of May (date - interval)', sql: "SELECT CAST(searched_at AS date) AS day, count(*) FROM lake.searches WHERE searched_at >= date '2024-06-01' - interval '7' day AND searched_at < date '2024-06-01' GROUP BY 1" },
  { name: 'revenue by city in a month (join)', sql: "SELECT h.city, sum(b.price_usd) FROM lake.bookings b JOIN lake.hotels h ON h.hotel_id = b.hotel_id WHERE b.booking_month = '2024-07' GROUP BY h.city" },
  { name: 'French hotels in Q1 (join, USING)', sql: "SELECT count(*) FROM lake.bookings b JOIN lake.hotels h USING (hotel_id) WHERE h.country = 'France' AND b.booking_month BETWEEN '2024-01' AND '2024-03'" },
  {
    name: 'search-to-booking conversion (CTEs)',
    sql: `WITH s AS (SELECT user_id, count(*) AS searches FROM lake.searches WHERE search_month = '2024-06' GROUP BY user_id),
               b AS (SELECT user_id, count(*) AS bookings FROM lake.bookings WHERE booking_month = '2024-06' AND status = 'confirmed' GROUP BY user_id)
          SELECT count(*), count(b.user_id), sum(b.bookings) FROM s LEFT JOIN b ON b.user_id = s.user_id`,
  },
  { name: 'top searchers of a month', sql: "SELECT user_id, count(*) AS n FROM lake.searches WHERE search_month = '2025-02' GROUP BY user_id ORDER BY n DESC, user_id LIMIT 10" },
  { name: 'room nights by check-in date (Q1 2024)', sql: "SELECT checkin_date, sum(nights * rooms) FROM lake.bookings WHERE checkin_date >= '2024-01-01' AND checkin_date < '2024-04-01' GROUP BY checkin_date" },
  { name: 'last searches (search_id >)', sql: 'SELECT count(*), avg(latency_ms) FROM lake.searches WHERE search_id > 9900000' },
  { name: 'party size 3-4 (IN on a data column)', sql: 'SELECT adults, avg(nights) FROM lake.searches WHERE adults IN (3, 4) GROUP BY adults' },
  { name: 'one booking, all columns', sql: 'SELECT * FROM lake.bookings WHERE booking_id = 123456' },
  { name: 'searches and bookings per city (UNION ALL)', sql: "SELECT city, kind, count(*) FROM (SELECT destination_city AS city, 'search' AS kind FROM lake.searches WHERE search_month = '2024-08' UNION ALL SELECT h.city, 'booking' FROM lake.bookings b JOIN lake.hotels h USING (hotel_id) WHERE b.booking_month = '2024-08') x GROUP BY 1, 2" },
  { name: 'repeat bookers across two months (self-join)', sql: "SELECT count(*) FROM lake.bookings a JOIN lake.bookings b ON a.user_id = b.user_id WHERE a.booking_month = '2024-01' AND b.booking_month = '2024-02'" },
  { name: 'expensive stays by currency', sql: 'SELECT currency, count(*), sum(price_usd) FROM lake.bookings WHERE price_usd > 5000 GROUP BY currency' },
  { name: 'mobile bookings in December (equality, 3 partitions)', sql: "SELECT count(*) FROM lake.bookings WHERE device = 'mobile_app' AND booking_month IN ('2024-12', '2025-12', '2023-12')" },
];

/** Queries where DuckDB reads less than any scan estimate can know, listed apart (not in the accuracy figures). */
export const DIVERGENCES: readonly WorkloadQuery[] = [
  { name: 'LIMIT without ORDER BY: DuckDB stops early', sql: 'SELECT * FROM lake.bookings LIMIT 10' },
  { name: 'min/max of a one-file table: answered from statistics', sql: 'SELECT min(star_rating), max(star_rating) FROM lake.hotels' },
  { name: 'count(col) of a column without NULLs (one file): answered from statistics', sql: 'SELECT count(name) FROM lake.hotels' },
  { name: 'top-N: dynamic filter on booked_at', sql: 'SELECT booking_id, booked_at FROM lake.bookings ORDER BY booked_at DESC LIMIT 5' },
];

function connectorOptions(dataDir: string, threads: number | undefined): DuckDBConnectorOptions {
  const opts: DuckDBConnectorOptions = {
    name: 'lake',
    dataDir,
    tables: DEMO_TABLES.map((t) => ({ schema: t.schema, name: t.name, path: t.path, hivePartitioning: t.partitionColumn !== undefined })),
    logger: silentLogger(),
    maxConnections: 1,
  };
  if (threads !== undefined) opts.threads = threads;
  return opts;
}

function rchar(): number {
  return Number(/rchar:\s*(\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))![1]);
}

async function drain(connector: DuckDBConnector, sql: string): Promise<number> {
  const stream = await connector.execute({ sql, params: [], paramTypes: [] }, { signal: new AbortController().signal });
  let rows = 0;
  try {
    for await (const batch of stream) rows += batch.rowCount;
  } finally {
    await stream.close();
  }
  return rows;
}

/** Child mode: start a connector over the lake, run `sql` once, print the bytes it read. */
async function measureChild(dataDir: string, threads: number | undefined, sql: string): Promise<void> {
  const connector = await DuckDBConnector.create(connectorOptions(dataDir, threads));
  try {
    // Warm up the connector's first-statement work (the pool's connection), then calibrate: a statement that
    // reads no file still shows some bytes (the /proc read itself, ~32 bytes DuckDB reads per statement).
    await drain(connector, 'SELECT 1');
    const a = rchar();
    await drain(connector, 'SELECT 1');
    const b = rchar();
    const rows = await drain(connector, sql);
    const c = rchar();
    process.stdout.write(`${JSON.stringify({ bytes: c - b - (b - a), rows })}\n`);
  } finally {
    await connector.close();
  }
}

function measure(dataDir: string, threads: number | undefined, sql: string): Promise<{ bytes: number; rows: number }> {
  const self = fileURLToPath(import.meta.url);
  const args = ['--import', 'tsx', self, '--measure', JSON.stringify({ dataDir, threads, sql })];
  return new Promise((res, rej) => {
    execFile(process.execPath, args, { maxBuffer: 1 << 20, env: { ...process.env, UV_THREADPOOL_SIZE: '8' } }, (err, stdout, stderr) => {
      if (err) return rej(new Error(`measuring child failed: ${err.message}\n${stderr}`));
      const line = stdout.trim().split('\n').pop() ?? '';
      try {
        res(JSON.parse(line) as { bytes: number; rows: number });
      } catch {
        rej(new Error(`measuring child printed ${JSON.stringify(stdout)}`));
      }
    });
  });
}

export interface EstimateRow {
  name: string;
  sql: string;
  estimate: number;
  actual: number;
  /** (estimate - actual) / actual; 0 when both are 0, 1 when only the actual is 0. */
  error: number;
  detail: string;
}

function relError(est: number, actual: number): number {
  if (actual === 0) return est === 0 ? 0 : 1;
  return (est - actual) / actual;
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo]! + (s[hi]! - s[lo]!) * (pos - lo);
}

function summarize(est: ScanEstimate): string {
  return est.detail
    .map((d) => (isUnknown(d) ? `${d.name}: unknown` : `${d.name} ${d.files.kept}/${d.files.total}f ${d.rowGroups.kept}/${d.rowGroups.total}rg`))
    .join(', ');
}

const pct = (x: number): string => `${(x * 100).toFixed(2)}%`;

export interface EstimatesBenchResult {
  scale: number;
  rows: EstimateRow[];
  divergences: EstimateRow[];
  medianAbsError: number;
  p90AbsError: number;
  footerReadMs: { own: number; duckdb: number; files: number };
  /** Lines for bench/run.ts's table: benchmark, client, tollgate, baseline, ratio, target. */
  lines: string[][];
  /** The per-query table, printed by the standalone run. */
  report: string;
}

export async function benchEstimates(opts: { scale?: number; threads?: number; log?: (s: string) => void } = {}): Promise<EstimatesBenchResult> {
  const scale = opts.scale ?? 1;
  const log = opts.log ?? (() => {});
  const cacheDir = join(process.env.TOLLGATE_BENCH_CACHE_DIR ?? join(tmpdir(), 'tollgate-bench-cache'), `demo-v${GENERATOR_VERSION}-seed42-scale${scale}`);
  log(`demo lake at scale ${scale} in ${cacheDir} (generated once)…`);
  const demo = await ensureDemoData(cacheDir, { seed: 42, scale });
  const dataDir = cacheDir;
  log(`demo lake ready (${demo.generated ? 'generated' : 'cached'}); ${Object.entries(demo.rowCounts).map(([t, n]) => `${t} ${fmtInt(n)}`).join(', ')}`);

  // Footer source: our Thrift reader vs DuckDB's parquet_metadata, cold, over every file of the lake.
  const files = (await Promise.all(DEMO_TABLES.map((t) => expandGlob(join(dataDir, t.path))))).flat();
  let t0 = performance.now();
  const cache = new FooterCache();
  for (let k = 0; k < files.length; k += 16) await Promise.all(files.slice(k, k + 16).map((f) => cache.get(f)));
  const ownMs = performance.now() - t0;
  const inst = await DuckDBInstance.create(':memory:');
  const conn = await inst.connect();
  t0 = performance.now();
  await conn.runAndReadAll(`SELECT * FROM parquet_metadata([${files.map((f) => `'${f.replaceAll("'", "''")}'`).join(', ')}])`);
  const duckMs = performance.now() - t0;
  conn.closeSync();
  inst.closeSync();

  const connector = await DuckDBConnector.create(connectorOptions(dataDir, opts.threads));
  const catalog = { columns: (schema: string, name: string) => DEMO_TABLES.find((t) => t.schema === schema && t.name === name)?.columns };
  const run = async (q: WorkloadQuery): Promise<EstimateRow> => {
    const analysis = analyzeQuery(q.sql, { searchPath: ['lake'], catalog });
    if (!analysis.exact) throw new Error(`analysis of '${q.name}' is not exact: ${analysis.notes.join('; ')}`);
    const started = performance.now();
    const est = await connector.estimate(analysis.tables);
    estimateMs.push(performance.now() - started);
    const actual = await measure(dataDir, opts.threads, q.sql);
    const row: EstimateRow = { name: q.name, sql: q.sql, estimate: est.bytes, actual: actual.bytes, error: relError(est.bytes, actual.bytes), detail: summarize(est) };
    log(`${pct(row.error).padStart(8)}  est ${fmtInt(row.estimate).padStart(12)}  actual ${fmtInt(row.actual).padStart(12)}  ${q.name}`);
    const det = est.detail.filter((d): d is TableScanEstimate => !isUnknown(d));
    for (const d of det) if (d.pruned.length > 0 || d.notes.length > 0) log(`          ${d.name}: ${[...d.pruned, ...d.notes].join('; ')}`);
    return row;
  };
  const rows: EstimateRow[] = [];
  const divergences: EstimateRow[] = [];
  const estimateMs: number[] = [];
  try {
    for (const q of WORKLOAD) rows.push(await run(q));
    log('known divergences (not counted):');
    for (const q of DIVERGENCES) divergences.push(await run(q));
  } finally {
    await connector.close();
  }
  const abs = rows.map((r) => Math.abs(r.error));
  const medianAbsError = quantile(abs, 0.5);
  const p90AbsError = quantile(abs, 0.9);
  const headers = ['#', 'query', 'estimate (bytes)', 'DuckDB read (bytes)', 'error', 'files / row groups kept'];
  const table = (rs: EstimateRow[]) => formatTable(headers, rs.map((r, i) => [String(i + 1), r.name, fmtInt(r.estimate), fmtInt(r.actual), pct(r.error), r.detail]));
  const report = [
    `Scan estimates vs bytes DuckDB read (rchar of a fresh process), demo scale ${scale}, ${rows.length} queries:`,
    '',
    table(rows),
    '',
    `median |error| ${pct(medianAbsError)}, p90 |error| ${pct(p90AbsError)} (targets: < 5%, < 15%)`,
    '',
    'Known divergences (DuckDB reads less than the scan needs; not in the figures above):',
    '',
    table(divergences),
    '',
    `Footer source: ${files.length} footers cold, own Thrift reader ${ownMs.toFixed(1)} ms (16 files at a time), DuckDB parquet_metadata ${duckMs.toFixed(1)} ms (rows fetched).`,
    `Estimate latency: first query ${estimateMs[0]!.toFixed(1)} ms (footers, page headers read), then median ${quantile(estimateMs.slice(1), 0.5).toFixed(1)} ms, max ${Math.max(...estimateMs.slice(1)).toFixed(1)} ms.`,
  ].join('\n');
  const lines = [
    [`scan estimate vs DuckDB rchar (${rows.length} queries, demo scale ${scale})`, '', `median ${pct(medianAbsError)} / p90 ${pct(p90AbsError)} |error|`, 'bytes read by a fresh DuckDB process', '', 'median < 5%, p90 < 15%'],
    [`footer metadata, ${files.length} files cold`, '', `${ownMs.toFixed(1)} ms (own reader)`, `${duckMs.toFixed(1)} ms (parquet_metadata)`, `${(duckMs / ownMs).toFixed(2)}x`, ''],
    ['scan estimate latency, warm footer cache', '', `median ${quantile(estimateMs.slice(1), 0.5).toFixed(1)} ms`, '', '', ''],
  ];
  return { scale, rows, divergences, medianAbsError, p90AbsError, footerReadMs: { own: ownMs, duckdb: duckMs, files: files.length }, lines, report };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === '--measure') {
    const { dataDir, threads, sql } = JSON.parse(process.argv[3]!) as { dataDir: string; threads?: number; sql: string };
    await measureChild(dataDir, threads, sql);
  } else {
    const scale = Number(process.env.BENCH_ESTIMATE_SCALE ?? 1);
    const threads = process.env.BENCH_ESTIMATE_THREADS ? Number(process.env.BENCH_ESTIMATE_THREADS) : undefined;
    const result = await benchEstimates({ scale, ...(threads !== undefined && { threads }), log: (s) => process.stderr.write(`${s}\n`) });
    process.stdout.write(`\n${result.report}\n`);
  }
}
