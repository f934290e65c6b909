import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { version as duckdbVersion } from '@duckdb/node-api';
import pg from 'pg';
import { repoRoot, startGateway } from '../test/helpers/gateway.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Target } from '../test/helpers/target.ts';
import { benchCatalog } from './catalog.ts';
import { benchEstimates } from './estimates.ts';
import { reportTable, tally, type Section } from './lib/report.ts';
import { rssBytes } from './lib/rss.ts';
import { fmtInt, formatTable } from './lib/table.ts';
import { benchScaling, scalingClients, scalingSizes } from './scaling.ts';
import { benchStandinsStream } from './standins-stream.ts';
import { benchTpch } from './tpch.ts';
import { benchWireStream } from './wire-stream.ts';

/**
 * `npm run bench`: every benchmark named in the issues, each with its baseline measured in the same run,
 * printed as ONE table (baseline, tollgate, ratio, target, met, measured / target side by side) and written
 * to bench/RESULTS.md with the machine, the versions, the date and what each benchmark measures.
 *
 * Knobs (environment):
 *   BENCH_ROWS (default 10,000,000) and BENCH_REPEATS (default 3): the streaming benchmark (bench/wire-stream.ts);
 *   BENCH_CATALOG_ITERATIONS (default 200), BENCH_CATALOG_WARMUP (default 20): the catalog one (bench/catalog.ts,
 *     against a second gateway serving the demo tables);
 *   BENCH_CACHE_SECONDS (default 10): the result cache one (bench/cache.ts, pgbench; run only if the file exists);
 *   BENCH_TPCH_SCALE (default 1), BENCH_TPCH_RUNS (default 15), BENCH_TPCH_ROUNDS (default 50): bench/tpch.ts
 *     (routing cost per statement; Q1 over Parquet through a gateway versus DuckDB in-process);
 *   BENCH_ESTIMATE_SCALE (default 1): scan-estimate accuracy (bench/estimates.ts);
 *   BENCH_STANDINS_ROWS (default 500,000): the Vertica and Impala stand-ins (bench/standins-stream.ts);
 *   BENCH_SCALING_SECONDS (default 5), BENCH_SCALING_CLIENTS (default 1,8,32,64), BENCH_SCALING_MAX_ROWS
 *     (default 10,000,000; 1000000 skips the 10M step): bench/scaling.ts;
 *   BENCH_ONLY: a comma-separated subset of stream,catalog,cache,tpch,estimates,standins,scaling.
 * A benchmark that fails is reported as NOT RUN with its error; the others still run.
 */
const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const rows = env('BENCH_ROWS', 10_000_000);
const repeats = env('BENCH_REPEATS', 3);
const catalogIterations = env('BENCH_CATALOG_ITERATIONS', 200);
const catalogWarmup = env('BENCH_CATALOG_WARMUP', 20);
const cacheSeconds = env('BENCH_CACHE_SECONDS', 10);
const tpchScale = env('BENCH_TPCH_SCALE', 1);
const tpchRuns = env('BENCH_TPCH_RUNS', 15);
const tpchRounds = env('BENCH_TPCH_ROUNDS', 50);
const estimateScale = env('BENCH_ESTIMATE_SCALE', 1);
const standinsRows = env('BENCH_STANDINS_ROWS', 500_000);
const scalingSeconds = env('BENCH_SCALING_SECONDS', 5);
const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',').map((s) => s.trim())) : undefined;
const knobs = {
  BENCH_ROWS: rows,
  BENCH_REPEATS: repeats,
  BENCH_CATALOG_ITERATIONS: catalogIterations,
  BENCH_CATALOG_WARMUP: catalogWarmup,
  BENCH_CACHE_SECONDS: cacheSeconds,
  BENCH_TPCH_SCALE: tpchScale,
  BENCH_TPCH_RUNS: tpchRuns,
  BENCH_TPCH_ROUNDS: tpchRounds,
  BENCH_ESTIMATE_SCALE: estimateScale,
  BENCH_STANDINS_ROWS: standinsRows,
  BENCH_SCALING_SECONDS: scalingSeconds,
  BENCH_SCALING_CLIENTS: scalingClients().join(','),
  BENCH_SCALING_MAX_ROWS: Math.max(...scalingSizes()),
};

const log = (s: string): void => void process.stderr.write(`${s}\n`);
const startedAt = new Date();
// The machine is shared: the 1-minute load average, sampled through the run, goes in the report.
const loads: number[] = [os.loadavg()[0]!];
const loadTimer = setInterval(() => loads.push(os.loadavg()[0]!), 5000);
loadTimer.unref();

/**
 * The result cache benchmark lives in bench/cache.ts (written separately): run when that file exists and
 * exports benchCache({ postgres, seconds }) => { lines }.
 */
type CacheBench = (opts: { postgres: Target; seconds?: number }) => Promise<{ lines: string[][] }>;
async function loadCacheBench(): Promise<CacheBench | string> {
  const file = new URL('./cache.ts', import.meta.url);
  if (!existsSync(file)) return 'bench/cache.ts does not exist yet';
  const mod = (await import(file.href)) as { benchCache?: CacheBench };
  return typeof mod.benchCache === 'function' ? mod.benchCache : 'bench/cache.ts does not export benchCache';
}

// 64 pgbench clients in bench/scaling.ts, plus a few: startPostgres's default is 40.
const postgres = await startPostgres({ settings: { max_connections: '100' } });
const tollgate = await startGateway({ config: new URL('./bench.yaml', import.meta.url).pathname });
const sections: Section[] = [];

/** Runs one benchmark into its section; a failure is recorded (NOT RUN, with the error) and the run goes on. */
async function section(key: string, s: Omit<Section, 'lines'>, fn: () => Promise<Pick<Section, 'lines'> & Partial<Pick<Section, 'details' | 'problem'>>>): Promise<void> {
  if (only && !only.has(key)) return;
  const t0 = performance.now();
  log(`bench: ${s.title}...`);
  try {
    const r = await fn();
    sections.push({ ...s, ...r, seconds: (performance.now() - t0) / 1000 });
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!.slice(0, 300);
    log(`bench: ${s.title} FAILED: ${(e as Error).stack ?? String(e)}`);
    sections.push({ ...s, lines: [], problem: `failed: ${msg}`, seconds: (performance.now() - t0) / 1000 });
  }
  log(`bench: ${s.title} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

let postgresVersion = 'unknown';
try {
  const c = new pg.Client(postgres.clientConfig('alice'));
  await c.connect();
  postgresVersion = String((await c.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]!.v);
  await c.end();

  await section(
    'stream',
    {
      title: 'wire streaming',
      issue: 'issue 2',
      measures: `rows/s of ${fmtInt(rows)} rows (int, float8, text) generated by DuckDB \`range()\` and streamed through tollgate (bench.yaml: one DuckDB engine), versus the same rows from PostgreSQL 15 \`generate_series\`, to node pg (row events, counted and dropped) and psql -o /dev/null; median of ${repeats}. Gateway RSS sampled every 50 ms during its streams; idle RSS 1 s after start. Targets: >= 1.0x PostgreSQL's rows/s, gateway RSS < 400 MB.`,
    },
    async () => {
      await new Promise((r) => setTimeout(r, 1000));
      const idle = ['gateway idle RSS after start', '', `${fmtInt(rssBytes(tollgate.pid) / 1024 / 1024)} MB`, '', '', ''];
      const stream = await benchWireStream({ tollgate, postgres, rows, repeats });
      return { lines: [idle, ...stream.lines] };
    },
  );

  await section(
    'catalog',
    {
      title: 'catalog (BI tool metadata)',
      issue: 'issue 3',
      measures: `pgjdbc (test/clients/java/BiToolSync.java) latency p50/p99 over ${catalogIterations} iterations (after ${catalogWarmup} warm-up) of DatabaseMetaData.getColumns(lake.bookings) with every row read, and of Metabase's whole metadata sync of lake.* (20 statements), answered by tollgate's shadow catalog (embedded PostgreSQL) on a demo gateway, versus PostgreSQL 15 holding the same empty tables. Also the RSS the embedded PostgreSQL adds. Target: within 2x of PostgreSQL.`,
    },
    async () => {
      const demo = await startGateway();
      try {
        const catalog = await benchCatalog({ tollgate: demo, postgres, iterations: catalogIterations, warmup: catalogWarmup });
        return { lines: catalog.lines, details: `Metabase sync step by step (mean per sync):\n\n${formatTable(['step', 'client', 'tollgate', 'baseline', 'ratio', 'target'], catalog.syncSteps)}` };
      } finally {
        await demo.stop();
      }
    },
  );

  const cacheBench = await loadCacheBench();
  await section(
    'cache',
    {
      title: 'result cache',
      issue: 'issue 8',
      measures: `pgbench -M extended, 8 clients, ${cacheSeconds} s, a custom script of one demo dashboard query answered from tollgate's result cache (three configurations: the default, server.processes auto, one serving process per core sharing one cache, every hit checking its table's data version; one serving process; one serving process re-checking versions at most once a second), versus PostgreSQL 15 serving the same small result from a table, and tollgate's wire floor (its protocol server answering a fixed result, nothing else, one process). TPS from pgbench's summary, p50/p99 from its log of a random tenth of the transactions. Targets (on the default): cache-hit TPS >= 70% of PostgreSQL's, hit p50 < 0.5 ms.`,
    },
    async () => (typeof cacheBench === 'string' ? { lines: [], problem: cacheBench } : cacheBench({ postgres, seconds: cacheSeconds })),
  );

  await section(
    'tpch',
    {
      title: 'parse, plan, route; TPC-H Q1 overhead',
      issue: 'issue 4',
      measures: `QueryRouter.route() (parse, analyze, route, federation plan) per statement over the 22 TPC-H queries (15 federated over DuckDB + PostgreSQL), in process, ${tpchRounds} rounds: cold (a fresh router, first time per text) and cached (same texts again); absolute targets: p50 < 1 ms cold, < 50 µs cached. Baseline for cold: node-sql-parser's parse alone of the same statements, the floor while parsing goes through it. TPC-H Q1 over Parquet (SF ${tpchScale}) through tollgate (node pg) versus DuckDB in-process (node-api) with the connector's settings on the same files, runs alternated, median of ${tpchRuns}; target: overhead under 5% (<= 1.05x).`,
    },
    async () => benchTpch({ scale: tpchScale, runs: tpchRuns, rounds: tpchRounds }),
  );

  await section(
    'estimates',
    {
      title: 'scan-estimate accuracy',
      issue: 'issue 6',
      measures: `tollgate's scanned-bytes estimate for 32 queries over the demo lake (scale ${estimateScale}) versus the bytes DuckDB actually read (the /proc rchar delta of a fresh process running the query through the same connector). Targets: median |error| < 5%, p90 < 15%. Also footer-read time (own Thrift reader vs DuckDB parquet_metadata) and estimate latency.`,
    },
    async () => {
      const r = await benchEstimates({ scale: estimateScale });
      return { lines: r.lines, details: r.report };
    },
  );

  await section(
    'standins',
    {
      title: 'connectors: Vertica and Impala stand-ins',
      issue: 'issue 5',
      measures: `rows/s of ${fmtInt(standinsRows)} rows (bigint, double, varchar) read by node pg through tollgate with the stand-in as its only engine, versus the engine's own driver reading the stand-in directly (vertica-nodejs row events; hive-driver fetch + JsonResult); median of ${repeats} after a warm-up. Target: within 15% of the direct read (>= 0.85x).`,
    },
    async () => {
      const standins = await benchStandinsStream({ rows: standinsRows, repeats });
      return {
        lines: standins.lines.map(([standin, driver, direct, through, ratio, target]) => [`rows/s from the ${standin}`, 'node pg', `${through} rows/s`, `${direct} rows/s (${driver})`, ratio!, target!]),
      };
    },
  );

  await section(
    'scaling',
    {
      title: 'scaling: concurrency and result size',
      issue: 'issue 10',
      measures: `(a) pgbench -M extended at ${scalingClients().join(', ')} clients, ${scalingSeconds} s each, running a 20-row demo query (lake.hotels) through two demo gateways, one with the result cache off (every statement parsed, priced, run on DuckDB, recorded) and one with it on (the default since the cache landed: every statement after the first a hit), versus PostgreSQL 15 running it over a copy of the table; queries/s and latency p50/p99. (b) ${scalingSizes().map((n) => fmtInt(n)).join(', ')} rows of (int, float8, text) read through pg-cursor (10,000 rows per Execute) from a bench.yaml gateway (DuckDB \`range()\`) versus PostgreSQL 15 (\`generate_series\`): time to the last row and the gateway's peak RSS (VmHWM reset per step) beside the PostgreSQL backend's. Issue 10 sets no number for these: reported as ratios; the memory rows carry issue 2's 400 MB bound.${Math.max(...scalingSizes()) < 10_000_000 ? ' The 10M step was skipped (BENCH_SCALING_MAX_ROWS).' : ' The 10M step takes about half a minute per side here; BENCH_SCALING_MAX_ROWS=1000000 skips it.'}`,
    },
    async () => benchScaling({ postgres, clients: scalingClients(), seconds: scalingSeconds, sizes: scalingSizes(), log }),
  );
} finally {
  await tollgate.stop();
  await postgres.stop();
}

// ------------------------------------------------------------------------------------------------ report

const finishedAt = new Date();
loads.push(os.loadavg()[0]!);
const table = reportTable(sections);
process.stdout.write(`\n${table}\n`);

const git = (args: string[]): string => {
  try {
    return execFileSync('git', args, { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return '';
  }
};
const commit = git(['rev-parse', 'HEAD']) || 'unknown';
const dirty = git(['status', '--porcelain']).split('\n').filter((l) => l !== '').length;
const tollgateVersion = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const cpus = os.cpus();
const { targets, met, missed, notRun } = tally(sections);
const meanLoad = loads.reduce((a, b) => a + b, 0) / loads.length;
const minutes = (finishedAt.getTime() - startedAt.getTime()) / 60_000;

const md = [
  '# Benchmark results',
  '',
  `\`npm run bench\` (bench/run.ts), ${startedAt.toISOString()} to ${finishedAt.toISOString()} (${minutes.toFixed(1)} min).`,
  '',
  '| | |',
  '|---|---|',
  `| machine | ${cpus[0]?.model ?? 'unknown CPU'}, ${cpus.length} cores, ${fmtInt(os.totalmem() / 2 ** 30)} GiB RAM, Linux ${os.release()} |`,
  `| load | shared machine: other sessions ran tests in parallel. 1-minute load average ${loads[0]!.toFixed(1)} at start, ${loads.at(-1)!.toFixed(1)} at the end, mean ${meanLoad.toFixed(1)}, max ${Math.max(...loads).toFixed(1)} (sampled every 5 s) on ${cpus.length} cores |`,
  `| Node.js | ${process.version} |`,
  `| PostgreSQL (baseline) | ${postgresVersion} (throwaway cluster, fsync off, shared_buffers 32MB, max_connections 100) |`,
  `| DuckDB | ${duckdbVersion()} (@duckdb/node-api) |`,
  `| tollgate | ${tollgateVersion} (package.json), commit ${commit}${dirty > 0 ? `; the working tree had ${dirty} uncommitted files (work in progress of parallel sessions included)` : ''} |`,
  `| knobs | ${Object.entries(knobs).map(([k, v]) => `${k}=${v}`).join(', ')} |`,
  '',
  `Targets: ${met} of ${targets} met.${missed.length > 0 ? ` Missed: ${missed.length}.` : ''}${notRun.length > 0 ? ` Not run: ${notRun.join('; ')}.` : ''}`,
  '',
  'Columns: *baseline* is measured in the same run; *ratio* is tollgate / baseline (for rates, above 1 is better; for times and latencies, below 1 is better); *met* compares the target with the ratio (targets in x) or with the measured value (targets in ms, µs, MB, %); *measured / target* is the figure the target is set on divided by its bound.',
  '',
  table,
  '',
  ...(missed.length > 0 ? ['Targets missed in this run:', '', ...missed.map((m) => `- ${m}`), ''] : []),
  '## What each benchmark measures',
  '',
  ...sections.flatMap((s) => [`- **${s.title}** (${s.issue}; ${s.seconds !== undefined ? `${fmtInt(s.seconds)} s` : ''}): ${s.measures}${s.problem ? ` **Not run: ${s.problem}**` : ''}`]),
  '',
  ...sections.filter((s) => s.details).flatMap((s) => [`## ${s.title}: details`, '', s.details!, '']),
].join('\n');
writeFileSync(new URL('./RESULTS.md', import.meta.url), md);
log(`bench: wrote bench/RESULTS.md (${targets} targets, ${met} met)`);
