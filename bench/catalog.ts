import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, startGateway } from '../test/helpers/gateway.ts';
import { findPgjdbcJar, parseCheckLines, pgjdbcSkipReason } from '../test/helpers/java.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { run } from '../test/helpers/proc.ts';
import type { Target } from '../test/helpers/target.ts';
import { createMirroredTables, readMirroredTables } from './lib/demo-catalog.ts';
import { childPids, sumMemory } from './lib/rss.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';

/**
 * Catalog statements through pgjdbc (test/clients/java/BiToolSync.java, mode bench): p50 and p99 latency of
 * (a) DatabaseMetaData.getColumns(null, "lake", "bookings", "%") with every row and column read, and (b)
 * Metabase's whole metadata sync of the demo tables (connection options, dbms version, time zone, schemas,
 * table privileges, tables, enum types + describe-fields per table, foreign keys, table privileges again:
 * the statements of BiToolSync's metabase mode, on one connection as Metabase's pool gives it), against
 * tollgate (answered by its shadow catalog in the embedded PostgreSQL) and against a real PostgreSQL 15
 * holding the same empty lake tables (created with shadowCatalogDdl from what tollgate mirrors). Also the
 * memory of the embedded PostgreSQL: the processes of the cluster in the gateway's data dir, RSS summed
 * (shared buffers counted once per process) and PSS (shared pages split: what it adds to the machine).
 *
 * `tollgate` must serve the demo tables (startGateway() with its default config does). Alone:
 *   npx tsx bench/catalog.ts     # BENCH_CATALOG_ITERATIONS (default 200), BENCH_CATALOG_WARMUP (default 20)
 */
export interface CatalogBenchResult {
  lines: string[][];
  /** Latencies in microseconds, by benchmark and server. */
  samples: Record<'get_columns' | 'metabase_sync', Record<'tollgate' | 'postgres', number[]>>;
  embeddedPostgres: { processes: number; rssMb: number; pssMb: number; peakRssMb: number };
  /** Metabase's sync step by step: mean time per sync on each server, and the ratio (same columns as `lines`). */
  syncSteps: string[][];
}

const BENCHMARKS = {
  get_columns: 'catalog: pgjdbc getColumns(lake.bookings), all rows read',
  metabase_sync: 'catalog: Metabase metadata sync of lake.* (20 statements)',
} as const;

/** Nearest-rank percentile of the samples. */
function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

const fmtMs = (us: number) => `${(us / 1000).toFixed(2)} ms`;

interface JavaBench {
  latencies: Record<keyof typeof BENCHMARKS, number[]>;
  /** Microseconds per Metabase sync step, summed over the timed iterations. */
  steps: Map<string, number>;
}

/** Runs BiToolSync's bench mode against one server; returns the latencies and sync steps it printed. */
async function runJavaBench(target: Target, iterations: number, warmup: number): Promise<JavaBench> {
  const jar = findPgjdbcJar()!;
  const r = await run(
    'java',
    ['-cp', jar, join(repoRoot, 'test', 'clients', 'java', 'BiToolSync.java'), 'bench', target.host, String(target.port), target.database, 'alice', 'alice', String(iterations), String(warmup)],
    { timeoutMs: 30 * 60_000 },
  );
  const checks = parseCheckLines(r.stdout);
  const bad = [...checks].filter(([, why]) => why !== undefined);
  if (r.code !== 0 || bad.length > 0 || checks.size !== 2)
    throw new Error(`BiToolSync bench against ${target.kind} failed (exit ${r.code}): ${bad.map(([n, why]) => `${n}: ${why}`).join('; ')}\n${r.stdout.slice(-4000)}\n${r.stderr.slice(-4000)}`);
  const out: Record<keyof typeof BENCHMARKS, number[]> = { get_columns: [], metabase_sync: [] };
  for (const m of r.stdout.matchAll(/^lat (\w+) (\d+)$/gm)) out[m[1] as keyof typeof BENCHMARKS]?.push(Number(m[2]));
  for (const [name, xs] of Object.entries(out)) if (xs.length !== iterations) throw new Error(`${target.kind}: ${xs.length} ${name} samples, expected ${iterations}`);
  const steps = new Map<string, number>();
  for (const m of r.stdout.matchAll(/^step (\d+) (.+)$/gm)) steps.set(m[2]!, Number(m[1]));
  return { latencies: out, steps };
}

/**
 * The processes of the embedded PostgreSQL a gateway runs: the postmaster of the cluster in its data dir
 * (<data-dir>/metastore/pgdata, or /var/tmp/tollgate-metastore/<hash>/pgdata when the server's OS user
 * cannot reach the data dir; see src/metastore/embedded-postgres.ts) and the postmaster's children. pg_ctl
 * daemonises the postmaster, so it is found by its data directory, not by parentage.
 */
export function embeddedPostgresPids(gatewayPid: number): number[] {
  const args = readFileSync(`/proc/${gatewayPid}/cmdline`, 'utf8').split('\0');
  const at = args.indexOf('--data-dir');
  if (at < 0 || !args[at + 1]) throw new Error(`gateway ${gatewayPid} was started without --data-dir`);
  const dataDir = resolve(args[at + 1]!);
  const candidates = [
    join(dataDir, 'metastore', 'pgdata'),
    join('/var/tmp/tollgate-metastore', createHash('sha256').update(dataDir).digest('hex').slice(0, 16), 'pgdata'),
  ];
  for (const pgdata of candidates) {
    const pidFile = join(pgdata, 'postmaster.pid');
    if (!existsSync(pidFile)) continue;
    const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (!(postmaster > 0) || !existsSync(`/proc/${postmaster}`)) continue;
    if (!readFileSync(`/proc/${postmaster}/cmdline`, 'utf8').includes(pgdata)) continue;
    return [postmaster, ...childPids(postmaster)];
  }
  throw new Error(`no running embedded PostgreSQL found for gateway ${gatewayPid} (looked in ${candidates.join(', ')})`);
}

export async function benchCatalog(opts: {
  tollgate: Target & { pid: number };
  postgres: Target;
  iterations?: number;
  warmup?: number;
}): Promise<CatalogBenchResult> {
  const { tollgate, postgres, iterations = 200, warmup = 20 } = opts;
  const skip = await pgjdbcSkipReason();
  if (skip) throw new Error(`catalog benchmark needs pgjdbc: ${skip}`);
  await createMirroredTables(postgres, await readMirroredTables(tollgate));

  const pgRun = await runJavaBench(postgres, iterations, warmup);
  const pg = pgRun.latencies;
  // The embedded PostgreSQL's peak while tollgate answers, sampled every 100 ms (backends come and go).
  let peakRss = 0;
  const sample = () => {
    try {
      peakRss = Math.max(peakRss, sumMemory(embeddedPostgresPids(tollgate.pid)).rss);
    } catch {
      /* between samples */
    }
  };
  sample();
  const sampler = setInterval(sample, 100);
  let tgRun: JavaBench;
  try {
    tgRun = await runJavaBench(tollgate, iterations, warmup);
  } finally {
    clearInterval(sampler);
  }
  sample();
  const tg = tgRun.latencies;
  // After the runs: the postmaster, its auxiliary processes and the shadow catalog's pooled connections.
  const pids = embeddedPostgresPids(tollgate.pid);
  const mem = sumMemory(pids);

  const lines: string[][] = [];
  for (const name of Object.keys(BENCHMARKS) as Array<keyof typeof BENCHMARKS>) {
    for (const p of [50, 99]) {
      const t = percentile(tg[name], p);
      const b = percentile(pg[name], p);
      lines.push([`${BENCHMARKS[name]}, p${p} of ${fmtInt(iterations)}`, 'pgjdbc', fmtMs(t), `${fmtMs(b)} (PostgreSQL 15)`, fmtRatio(t / b), '≤ 2x']);
    }
  }
  const mb = (bytes: number) => bytes / 1024 / 1024;
  lines.push([
    `embedded PostgreSQL of the catalog (${pids.length} processes) after the runs`,
    '',
    `${fmtInt(mb(mem.rss))} MB RSS summed, ${fmtInt(mb(mem.pss))} MB PSS`,
    '',
    '',
    '',
  ]);
  lines.push(['embedded PostgreSQL peak RSS summed during the runs', '', `${fmtInt(mb(peakRss))} MB`, '', '', '']);
  const syncSteps: string[][] = [];
  for (const [step, tgTotal] of tgRun.steps) {
    const pgTotal = pgRun.steps.get(step) ?? 0;
    syncSteps.push([`  sync step: ${step}, mean per sync`, 'pgjdbc', fmtMs(tgTotal / iterations), `${fmtMs(pgTotal / iterations)} (PostgreSQL 15)`, pgTotal > 0 ? fmtRatio(tgTotal / pgTotal) : '', '']);
  }
  return {
    syncSteps,
    lines,
    samples: { get_columns: { tollgate: tg.get_columns, postgres: pg.get_columns }, metabase_sync: { tollgate: tg.metabase_sync, postgres: pg.metabase_sync } },
    embeddedPostgres: { processes: pids.length, rssMb: mb(mem.rss), pssMb: mb(mem.pss), peakRssMb: mb(peakRss) },
  };
}

// `tsx bench/catalog.ts`: this benchmark alone, with its own servers.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const postgres = await startPostgres();
  const tollgate = await startGateway();
  try {
    const result = await benchCatalog({
      tollgate,
      postgres,
      iterations: Number(process.env.BENCH_CATALOG_ITERATIONS ?? 200),
      warmup: Number(process.env.BENCH_CATALOG_WARMUP ?? 20),
    });
    process.stdout.write(`\n${formatTable(['benchmark', 'client', 'tollgate', 'baseline', 'ratio', 'target'], [...result.lines, ...result.syncSteps])}\n`);
  } finally {
    await tollgate.stop();
    await postgres.stop();
  }
}
