import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { startGateway, type Gateway } from '../test/helpers/gateway.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import type { Target } from '../test/helpers/target.ts';
import { pgbench, type PgbenchRun } from './lib/pgbench.ts';
import { rssBytes } from './lib/rss.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';

/**
 * How cost grows with work (issue 10), each step with PostgreSQL 15 measured in the same run:
 *
 * (a) Concurrency: pgbench (`-M extended`, 2 threads) at 1, 8, 32 and 64 clients running one small demo
 *     query, SCALING_QUERY (20 rows of lake.hotels), through two demo gateways: result cache off (every
 *     statement is parsed, priced, run on DuckDB over Parquet and recorded) and on, the default (every
 *     statement after the first is a hit); and the same statement against PostgreSQL 15 over a copy of
 *     lake.hotels in a table (bench_scaling.hotels).
 *     Queries/s and per-statement latency p50/p99 from pgbench's log. The PostgreSQL baseline needs
 *     max_connections above 64 (run.ts starts it with 100).
 * (b) Result size: 1K, 10K, 100K, 1M, 10M rows of (int, float8, text) read by node pg through pg-cursor
 *     (Execute with a row limit of 10,000 per round trip, portal suspended in between), from a gateway of
 *     its own (bench.yaml: one DuckDB engine, `range()`, result cache off) and from PostgreSQL 15 (`generate_series`). Time
 *     to the last row, and peak RSS: the gateway process's VmHWM (reset before every step by writing 5 to
 *     /proc/<pid>/clear_refs; VmRSS sampled every 20 ms as well, in case the reset is not allowed), and the
 *     PostgreSQL backend's VmHWM measured the same way. Steps of <= 100K rows: median time of 5 runs.
 *
 * Knobs: BENCH_SCALING_SECONDS (default 5 per pgbench run), BENCH_SCALING_CLIENTS (default 1,8,32,64),
 * BENCH_SCALING_MAX_ROWS (default 10,000,000: set 1000000 to skip the 10M step).
 *   npx tsx bench/scaling.ts
 */
export const SCALING_QUERY = 'SELECT hotel_id, name, city, star_rating FROM lake.hotels WHERE hotel_id <= 20 ORDER BY hotel_id';
const PG_QUERY = SCALING_QUERY.replace('lake.hotels', 'bench_scaling.hotels');
const CURSOR_BATCH = 10_000;

const duckSql = (n: number) => `select i::integer as i, i * 1.5::double as d, 'row ' || i as s from range(1, ${n + 1}) t(i)`;
const pgSql = (n: number) => `select i, i * 1.5::float8 as d, 'row ' || i as s from generate_series(1, ${n}) as t(i)`;

export interface ConcurrencyStep {
  clients: number;
  /** Through a gateway with the result cache off: every statement parsed, priced, run on DuckDB, recorded. */
  tollgate: PgbenchRun;
  /** Through a gateway with the result cache on (the default): every statement after the first a hit. */
  cached: PgbenchRun;
  postgres: PgbenchRun;
}

export interface SizeStep {
  rows: number;
  tollgateMs: number;
  postgresMs: number;
  /** Gateway RSS just before the step and its peak during it (bytes). */
  gatewayBefore: number;
  gatewayPeak: number;
  /** How the gateway's peak was read: VmHWM after a clear_refs reset, or sampled VmRSS. */
  gatewayPeakSource: 'VmHWM' | 'sampled VmRSS';
  /** The PostgreSQL backend's peak RSS during its step (bytes; 0 if unreadable, e.g. an external server). */
  postgresBackendPeak: number;
}

export interface ScalingResult {
  lines: string[][];
  concurrency: ConcurrencyStep[];
  sizes: SizeStep[];
  /** Markdown with every figure (for RESULTS.md). */
  details: string;
}

// ---------------------------------------------------------------------------------------------- memory

function statusKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) * 1024 : 0;
}

/** Resets a process's VmHWM to its current RSS (Linux >= 4.0, needs the right to write clear_refs). */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak RSS of `pid` while `fn` runs: VmHWM after a reset when possible, and the max of 20 ms VmRSS samples. */
async function withPeak<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; before: number; peak: number; source: 'VmHWM' | 'sampled VmRSS' }> {
  const before = statusKb(pid, 'VmRSS');
  const reset = resetPeak(pid);
  let sampled = before;
  const timer = setInterval(() => {
    try {
      sampled = Math.max(sampled, statusKb(pid, 'VmRSS'));
    } catch {
      /* gone */
    }
  }, 20);
  try {
    const value = await fn();
    sampled = Math.max(sampled, statusKb(pid, 'VmRSS'));
    const hwm = reset ? statusKb(pid, 'VmHWM') : 0;
    return { value, before, peak: Math.max(hwm, sampled), source: reset && hwm >= sampled ? 'VmHWM' : 'sampled VmRSS' };
  } finally {
    clearInterval(timer);
  }
}

// ---------------------------------------------------------------------------------------------- (a)

/** lake.hotels through tollgate, copied into bench_scaling.hotels of the PostgreSQL baseline (as admin, readable by alice). */
async function mirrorHotels(tollgate: Target, postgres: Target): Promise<number> {
  const t = new pg.Client(tollgate.clientConfig('alice'));
  const p = new pg.Client(postgres.clientConfig('admin'));
  await t.connect();
  await p.connect();
  try {
    const rows = (await t.query({ text: 'SELECT hotel_id, name, city, star_rating FROM lake.hotels', rowMode: 'array' })).rows as unknown[][];
    await p.query('DROP SCHEMA IF EXISTS bench_scaling CASCADE');
    await p.query('CREATE SCHEMA bench_scaling');
    await p.query('CREATE TABLE bench_scaling.hotels (hotel_id int8 PRIMARY KEY, name text, city text, star_rating int4)');
    for (let i = 0; i < rows.length; i += 500) {
      const chunk = rows.slice(i, i + 500);
      const values = chunk.map((_, j) => `($${j * 4 + 1}, $${j * 4 + 2}, $${j * 4 + 3}, $${j * 4 + 4})`).join(', ');
      await p.query(`INSERT INTO bench_scaling.hotels VALUES ${values}`, chunk.flat());
    }
    await p.query('ANALYZE bench_scaling.hotels');
    await p.query('GRANT USAGE ON SCHEMA bench_scaling TO PUBLIC');
    await p.query('GRANT SELECT ON ALL TABLES IN SCHEMA bench_scaling TO PUBLIC');
    return rows.length;
  } finally {
    await t.end();
    await p.end();
  }
}

/** A demo gateway with the result cache on or off. */
function demoGateway(cache: boolean): Promise<Gateway> {
  return startGateway({
    configPatch: (doc) => {
      doc.cache = { enabled: cache };
      doc.logLevel = 'warn';
    },
  });
}

export async function benchConcurrency(opts: { postgres: Target; clients?: number[]; seconds?: number; log?: (s: string) => void }): Promise<{ steps: ConcurrencyStep[]; hotels: number; resultRows: number }> {
  const { postgres, clients = [1, 8, 32, 64], seconds = 5, log = () => {} } = opts;
  const uncached = await demoGateway(false);
  let cached: Gateway | undefined;
  try {
    cached = await demoGateway(true);
    const hotels = await mirrorHotels(uncached, postgres);
    const check = new pg.Client(uncached.clientConfig('alice'));
    await check.connect();
    const resultRows = (await check.query(SCALING_QUERY)).rowCount ?? 0;
    await check.end();
    const steps: ConcurrencyStep[] = [];
    // Warm-up runs (connections, plans, the gateway's analysis cache, DuckDB's file cache, the result cache's
    // entry): 2 s, which with 64 SCRAM sign-ins on a loaded machine may end before any statement ran.
    const warm = (t: Target, sql: string, c: number) => pgbench(t, sql, { clients: c, seconds: 2, allowEmpty: true });
    for (const c of clients) {
      await warm(postgres, PG_QUERY, c);
      const base = await pgbench(postgres, PG_QUERY, { clients: c, seconds });
      await warm(uncached, SCALING_QUERY, c);
      const tg = await pgbench(uncached, SCALING_QUERY, { clients: c, seconds });
      await warm(cached, SCALING_QUERY, c);
      const hits = await pgbench(cached, SCALING_QUERY, { clients: c, seconds });
      const fmt = (r: PgbenchRun) => `${fmtInt(r.tps)} q/s p50 ${r.p50Ms.toFixed(2)} ms p99 ${r.p99Ms.toFixed(2)} ms`;
      log(`  ${c} clients: tollgate cache off ${fmt(tg)}; cache hits ${fmt(hits)}; PostgreSQL ${fmt(base)}`);
      steps.push({ clients: c, tollgate: tg, cached: hits, postgres: base });
    }
    return { steps, hotels, resultRows };
  } finally {
    await cached?.stop();
    await uncached.stop();
  }
}

// ---------------------------------------------------------------------------------------------- (b)

/** Reads `sql` through pg-cursor, CURSOR_BATCH rows per Execute; returns rows and ms (connection made before the clock starts). */
async function cursorRead(client: pg.Client, sql: string): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const cursor = client.query(new Cursor(sql, [], { rowMode: 'array' }));
  let rows = 0;
  for (;;) {
    const batch = await cursor.read(CURSOR_BATCH);
    if (batch.length === 0) break;
    rows += batch.length;
  }
  await cursor.close();
  return { rows, ms: performance.now() - started };
}

export async function benchResultSize(opts: { postgres: Target; sizes?: number[]; log?: (s: string) => void }): Promise<SizeStep[]> {
  const { postgres, sizes = [1_000, 10_000, 100_000, 1_000_000, 10_000_000], log = () => {} } = opts;
  const tollgate: Gateway = await startGateway({ config: new URL('./bench.yaml', import.meta.url).pathname });
  const tgClient = new pg.Client(tollgate.clientConfig('alice'));
  const pgClient = new pg.Client(postgres.clientConfig('alice'));
  try {
    await tgClient.connect();
    await pgClient.connect();
    const backendPid = Number((await pgClient.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    // Warm-up: JIT on both sides, DuckDB's first query.
    await cursorRead(tgClient, duckSql(10_000));
    await cursorRead(pgClient, pgSql(10_000));
    const steps: SizeStep[] = [];
    for (const n of sizes) {
      const runs = n <= 100_000 ? 5 : 1;
      const tgMs: number[] = [];
      const pgMs: number[] = [];
      let gatewayBefore = Infinity;
      let gatewayPeak = 0;
      let source: SizeStep['gatewayPeakSource'] = 'VmHWM';
      let backendPeak = 0;
      for (let r = 0; r < runs; r++) {
        let pgRun: { rows: number; ms: number };
        try {
          const m = await withPeak(backendPid, () => cursorRead(pgClient, pgSql(n)));
          pgRun = m.value;
          backendPeak = Math.max(backendPeak, m.peak);
        } catch (e) {
          if (!/ENOENT|EACCES/.test(String(e))) throw e;
          pgRun = await cursorRead(pgClient, pgSql(n)); // an external PostgreSQL: no /proc to read
        }
        if (pgRun.rows !== n) throw new Error(`PostgreSQL returned ${pgRun.rows} rows, expected ${n}`);
        pgMs.push(pgRun.ms);
        const m = await withPeak(tollgate.pid, () => cursorRead(tgClient, duckSql(n)));
        if (m.value.rows !== n) throw new Error(`tollgate returned ${m.value.rows} rows, expected ${n}`);
        tgMs.push(m.value.ms);
        gatewayBefore = Math.min(gatewayBefore, m.before);
        if (m.peak > gatewayPeak) {
          gatewayPeak = m.peak;
          source = m.source;
        }
      }
      const step: SizeStep = { rows: n, tollgateMs: median(tgMs), postgresMs: median(pgMs), gatewayBefore, gatewayPeak, gatewayPeakSource: source, postgresBackendPeak: backendPeak };
      log(`  ${fmtInt(n)} rows: tollgate ${step.tollgateMs.toFixed(1)} ms, peak ${mb(gatewayPeak)} MB (${mb(gatewayBefore)} before); PostgreSQL ${step.postgresMs.toFixed(1)} ms, backend peak ${mb(backendPeak)} MB`);
      steps.push(step);
    }
    return steps;
  } finally {
    await tgClient.end().catch(() => {});
    await pgClient.end().catch(() => {});
    await tollgate.stop();
  }
}

// ---------------------------------------------------------------------------------------------- report

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const mb = (bytes: number): string => fmtInt(bytes / 1024 / 1024);
const ms = (x: number): string => (x >= 100 ? `${fmtInt(x)} ms` : `${x.toFixed(2)} ms`);
const rate = (rows: number, t: number): string => {
  const r = (rows / t) * 1000;
  return r >= 1e6 ? `${(r / 1e6).toFixed(2)}M rows/s` : `${fmtInt(r / 1000)}K rows/s`;
};

export async function benchScaling(opts: {
  postgres: Target;
  clients?: number[];
  seconds?: number;
  sizes?: number[];
  log?: (s: string) => void;
}): Promise<ScalingResult> {
  const log = opts.log ?? (() => {});
  log('scaling: concurrency');
  const conc = await benchConcurrency({ postgres: opts.postgres, ...(opts.clients && { clients: opts.clients }), ...(opts.seconds !== undefined && { seconds: opts.seconds }), log });
  log('scaling: result size');
  const sizes = await benchResultSize({ postgres: opts.postgres, ...(opts.sizes && { sizes: opts.sizes }), log });
  const seconds = opts.seconds ?? 5;
  const lines: string[][] = [];
  const pgLabel = '(PostgreSQL 15, table)';
  for (const s of conc.steps) {
    const what = `${s.clients} client${s.clients === 1 ? '' : 's'}, ${conc.resultRows}-row demo query`;
    for (const [mode, r] of [
      ['cache off', s.tollgate],
      ['cache hits', s.cached],
    ] as const) {
      lines.push(
        [`${what}, ${mode}: queries/s`, 'pgbench', `${fmtInt(r.tps)} q/s`, `${fmtInt(s.postgres.tps)} q/s ${pgLabel}`, fmtRatio(r.tps / s.postgres.tps), ''],
        [`${what}, ${mode}: latency p50`, 'pgbench', ms(r.p50Ms), `${ms(s.postgres.p50Ms)} ${pgLabel}`, fmtRatio(r.p50Ms / s.postgres.p50Ms), ''],
        [`${what}, ${mode}: latency p99`, 'pgbench', ms(r.p99Ms), `${ms(s.postgres.p99Ms)} ${pgLabel}`, fmtRatio(r.p99Ms / s.postgres.p99Ms), ''],
      );
    }
  }
  for (const s of sizes) {
    lines.push(
      [`${fmtInt(s.rows)} rows via cursor: time to last row`, 'node pg', `${ms(s.tollgateMs)} (${rate(s.rows, s.tollgateMs)})`, `${ms(s.postgresMs)} (PostgreSQL 15)`, fmtRatio(s.tollgateMs / s.postgresMs), ''],
      [
        `${fmtInt(s.rows)} rows via cursor: gateway peak RSS`,
        'node pg',
        `${mb(s.gatewayPeak)} MB (+${mb(Math.max(0, s.gatewayPeak - s.gatewayBefore))})`,
        s.postgresBackendPeak > 0 ? `${mb(s.postgresBackendPeak)} MB (PostgreSQL backend)` : '',
        '',
        '< 400 MB',
      ],
    );
  }
  const details = [
    `Concurrency: pgbench -M extended, 2 threads, ${seconds} s per step after a 2 s warm-up, demo gateways with the result cache off and on, \`${SCALING_QUERY}\` (${conc.resultRows} rows; PostgreSQL: the same over its copy of the ${conc.hotels} hotels).`,
    '',
    formatTable(
      ['clients', 'tollgate', 'q/s', 'PostgreSQL q/s', 'ratio', 'p50', 'PostgreSQL p50', 'ratio', 'p99', 'PostgreSQL p99', 'ratio', 'statements (tollgate / PostgreSQL)'],
      conc.steps.flatMap((s) =>
        (
          [
            ['cache off', s.tollgate],
            ['cache hits', s.cached],
          ] as const
        ).map(([mode, r]) => [
          String(s.clients),
          mode,
          fmtInt(r.tps),
          fmtInt(s.postgres.tps),
          fmtRatio(r.tps / s.postgres.tps),
          ms(r.p50Ms),
          ms(s.postgres.p50Ms),
          fmtRatio(r.p50Ms / s.postgres.p50Ms),
          ms(r.p99Ms),
          ms(s.postgres.p99Ms),
          fmtRatio(r.p99Ms / s.postgres.p99Ms),
          `${fmtInt(r.transactions)} / ${fmtInt(s.postgres.transactions)}`,
        ]),
      ),
    ),
    '',
    `Result size: (int, float8, text) rows through pg-cursor, ${fmtInt(CURSOR_BATCH)} rows per Execute; tollgate \`range()\` on DuckDB vs PostgreSQL \`generate_series\`. Peak RSS: VmHWM reset before each step (clear_refs), or 20 ms VmRSS samples; "+" is the growth over the RSS before the step.`,
    '',
    formatTable(
      ['rows', 'PostgreSQL time', 'tollgate time', 'ratio', 'tollgate rows/s', 'gateway RSS before', 'gateway peak RSS', 'peak from', 'PostgreSQL backend peak RSS'],
      sizes.map((s) => [
        fmtInt(s.rows),
        ms(s.postgresMs),
        ms(s.tollgateMs),
        fmtRatio(s.tollgateMs / s.postgresMs),
        rate(s.rows, s.tollgateMs),
        `${mb(s.gatewayBefore)} MB`,
        `${mb(s.gatewayPeak)} MB`,
        s.gatewayPeakSource,
        s.postgresBackendPeak > 0 ? `${mb(s.postgresBackendPeak)} MB` : 'n/a',
      ]),
    ),
    '',
    "Note: PostgreSQL's `generate_series` in a FROM clause is materialised into a tuplestore (spilling to a temporary file past work_mem) before the first row goes out, which likely explains its slower large steps; DuckDB's `range()` streams. The smallest step is dominated by per-statement cost on the gateway (parse, price, record).",
  ].join('\n');
  return { lines, concurrency: conc.steps, sizes, details };
}

/** The result sizes to run: 1K … 10M, capped by BENCH_SCALING_MAX_ROWS. */
export function scalingSizes(): number[] {
  const max = Number(process.env.BENCH_SCALING_MAX_ROWS ?? 10_000_000);
  return [1_000, 10_000, 100_000, 1_000_000, 10_000_000].filter((n) => n <= max);
}

export function scalingClients(): number[] {
  return (process.env.BENCH_SCALING_CLIENTS ?? '1,8,32,64').split(',').map(Number).filter((n) => n > 0);
}

// `tsx bench/scaling.ts`: this benchmark alone, with its own PostgreSQL.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const postgres = await startPostgres({ settings: { max_connections: '100' } });
  try {
    const result = await benchScaling({
      postgres,
      clients: scalingClients(),
      seconds: Number(process.env.BENCH_SCALING_SECONDS ?? 5),
      sizes: scalingSizes(),
      log: (s) => process.stderr.write(`${s}\n`),
    });
    process.stdout.write(`\n${formatTable(['benchmark', 'client', 'tollgate', 'baseline', 'ratio', 'target'], result.lines)}\n\n${result.details}\n`);
  } finally {
    await postgres.stop();
  }
}
