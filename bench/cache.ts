import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startGateway } from '../test/helpers/gateway.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { run } from '../test/helpers/proc.ts';
import type { Target } from '../test/helpers/target.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';
import { canonicalResult, startWireFloor } from './lib/wire-floor.ts';

/**
 * Result cache hits under load: pgbench (`-M extended`, 8 clients, a custom script of one demo dashboard
 * query) against tollgate serving it from its cache, and in the same run against a real PostgreSQL 15
 * serving the same small result from a table. TPS from pgbench; p50/p99 from its per-transaction log
 * (`-l`). Targets (issue 8): tollgate hits >= 70% of PostgreSQL's TPS, hit p50 < 0.5 ms.
 *
 * Two tollgate configurations: the default, where every hit checks the data version of the table (the
 * bookings table's ~50 files and directories stat-ed, shared by concurrent statements), and
 * cache.versionRecheckMs = 1000 (a version checked within the last second is reused). Each gateway serves
 * the demo tables (started here with cache.enabled). Alone:
 *   npx tsx bench/cache.ts     # BENCH_CACHE_SECONDS (default 10) per pgbench run
 */
export const CACHE_BENCH_QUERY =
  "SELECT booking_month, count(*) AS bookings, sum(price_usd) AS revenue FROM lake.bookings WHERE channel = 'direct' GROUP BY booking_month ORDER BY booking_month";
const PG_QUERY = 'SELECT booking_month, bookings, revenue FROM cache_bench ORDER BY booking_month';
const CLIENTS = 8;

interface PgbenchRun {
  tps: number;
  p50Ms: number;
  p99Ms: number;
  transactions: number;
}

/** Nearest-rank percentile. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function pgbench(target: Target, sql: string, seconds: number): Promise<PgbenchRun> {
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-cache-bench-'));
  try {
    const script = join(dir, 'query.sql');
    await writeFile(script, `${sql};\n`);
    const r = await run('pgbench', ['-n', '-M', 'extended', '-c', String(CLIENTS), '-j', '2', '-T', String(seconds), '-f', script, '-l', '--log-prefix', join(dir, 'log')], {
      env: target.libpqEnv('alice'),
      timeoutMs: (seconds + 60) * 1000,
    });
    if (r.code !== 0) throw new Error(`pgbench against ${target.kind} failed (${r.code}): ${r.stderr.slice(-2000)}\n${r.stdout.slice(-2000)}`);
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1]);
    // Per transaction: client_id transaction_no time_us script_no time_epoch time_us_part.
    const latencies: number[] = [];
    for (const f of await readdir(dir)) {
      if (!f.startsWith('log')) continue;
      for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line !== '' && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    latencies.sort((a, b) => a - b);
    return { tps, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), transactions: latencies.length };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The query's result through tollgate, copied into a table of the PostgreSQL baseline; returned for the wire floor. */
async function mirrorResult(tollgate: Target, postgres: Target): Promise<ReturnType<typeof canonicalResult>> {
  const t = new pg.Client(tollgate.clientConfig('alice'));
  // admin owns the baseline's database (alice may not create tables in PostgreSQL 15's public schema).
  const p = new pg.Client(postgres.clientConfig('admin'));
  await t.connect();
  await p.connect();
  try {
    const result = await t.query(CACHE_BENCH_QUERY);
    const rows = result.rows as Array<{ booking_month: string; bookings: string; revenue: string }>;
    await p.query('DROP TABLE IF EXISTS cache_bench');
    await p.query('CREATE TABLE cache_bench (booking_month text PRIMARY KEY, bookings int8, revenue numeric)');
    for (const r of rows) await p.query('INSERT INTO cache_bench VALUES ($1, $2, $3)', [r.booking_month, r.bookings, r.revenue]);
    await p.query('ANALYZE cache_bench');
    await p.query('GRANT SELECT ON cache_bench TO alice');
    return canonicalResult(result.fields, result.rows);
  } finally {
    await t.end();
    await p.end();
  }
}

export async function benchCache(opts: { postgres: Target; seconds?: number }): Promise<{ lines: string[][] }> {
  const { postgres, seconds = 10 } = opts;
  const lines: string[][] = [];
  const ms = (x: number) => `${x.toFixed(3)} ms`;
  let base: PgbenchRun | undefined;
  let floor: PgbenchRun | undefined;
  for (const recheckMs of [0, 1000]) {
    const tollgate = await startCachingGateway(recheckMs);
    try {
      const result = await mirrorResult(tollgate, postgres);
      const rows = result.rows.length;
      if (!base) {
        await pgbench(postgres, PG_QUERY, 1); // warm: buffers, plans
        base = await pgbench(postgres, PG_QUERY, seconds);
        const bare = await startWireFloor(result);
        try {
          await pgbench(bare, CACHE_BENCH_QUERY, 1);
          floor = await pgbench(bare, CACHE_BENCH_QUERY, seconds);
        } finally {
          await bare.stop();
        }
        const what = `wire floor: tollgate's protocol server answering a fixed ${rows}-row result, nothing else (pgbench -M extended, ${CLIENTS} clients)`;
        lines.push(
          [`${what}, TPS`, 'pgbench', fmtInt(floor.tps), `${fmtInt(base.tps)} (PostgreSQL 15, table)`, fmtRatio(floor.tps / base.tps), ''],
          [`${what}, p50 latency`, 'pgbench', ms(floor.p50Ms), `${ms(base.p50Ms)} (PostgreSQL 15, table)`, fmtRatio(floor.p50Ms / base.p50Ms), ''],
        );
      }
      await pgbench(tollgate, CACHE_BENCH_QUERY, 1); // the entry exists after the first transaction
      const hits = await pgbench(tollgate, CACHE_BENCH_QUERY, seconds);
      const what = `cache hits (versionRecheckMs ${recheckMs}): pgbench -M extended, ${CLIENTS} clients, ${rows}-row dashboard query`;
      lines.push(
        [`${what}, TPS (${fmtInt(hits.transactions)} / ${fmtInt(base.transactions)} transactions)`, 'pgbench', fmtInt(hits.tps), `${fmtInt(base.tps)} (PostgreSQL 15, table)`, fmtRatio(hits.tps / base.tps), '>= 0.70x'],
        [`${what}, p50 latency`, 'pgbench', ms(hits.p50Ms), `${ms(base.p50Ms)} (PostgreSQL 15, table)`, fmtRatio(hits.p50Ms / base.p50Ms), '< 0.5 ms'],
        [`${what}, p99 latency`, 'pgbench', ms(hits.p99Ms), `${ms(base.p99Ms)} (PostgreSQL 15, table)`, fmtRatio(hits.p99Ms / base.p99Ms), ''],
        [`${what}, TPS against the wire floor`, 'pgbench', fmtInt(hits.tps), `${fmtInt(floor!.tps)} (wire floor)`, fmtRatio(hits.tps / floor!.tps), ''],
      );
    } finally {
      await tollgate.stop();
    }
  }
  return { lines };
}

/** A demo gateway with the cache on (the default config has it off). */
function startCachingGateway(versionRecheckMs: number): ReturnType<typeof startGateway> {
  return startGateway({
    configPatch: (doc) => {
      doc.cache = { enabled: true, versionRecheckMs };
      doc.logLevel = 'warn';
    },
  });
}

// `tsx bench/cache.ts`: this benchmark alone, with its own servers.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const postgres = await startPostgres();
  try {
    const result = await benchCache({ postgres, seconds: Number(process.env.BENCH_CACHE_SECONDS ?? 10) });
    process.stdout.write(`\n${formatTable(['benchmark', 'client', 'tollgate', 'baseline', 'ratio', 'target'], result.lines)}\n`);
  } finally {
    await postgres.stop();
  }
}
