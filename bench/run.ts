import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { startGateway } from '../test/helpers/gateway.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { benchCatalog } from './catalog.ts';
import { benchEstimates } from './estimates.ts';
import { rssBytes } from './lib/rss.ts';
import { fmtInt, formatTable } from './lib/table.ts';
import { benchStandinsStream } from './standins-stream.ts';
import { benchTpch } from './tpch.ts';
import { benchWireStream } from './wire-stream.ts';

/**
 * `npm run bench`: every benchmark with its baseline measured in the same run, printed as one table
 * and written to bench/RESULTS.md. BENCH_ROWS (default 10,000,000) and BENCH_REPEATS (default 3)
 * scale the streaming benchmark; BENCH_CATALOG_ITERATIONS (default 200) and BENCH_CATALOG_WARMUP (default
 * 20) the catalog one, which runs against a second gateway serving the demo tables. BENCH_TPCH_SCALE (default 1),
 * BENCH_TPCH_RUNS (default 15) and BENCH_TPCH_ROUNDS (default 50) the TPC-H one (bench/tpch.ts: routing cost per
 * statement, and Q1 over Parquet through a third gateway versus DuckDB in-process).
 */
const rows = Number(process.env.BENCH_ROWS ?? 10_000_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const catalogIterations = Number(process.env.BENCH_CATALOG_ITERATIONS ?? 200);
const catalogWarmup = Number(process.env.BENCH_CATALOG_WARMUP ?? 20);
const tpchScale = Number(process.env.BENCH_TPCH_SCALE ?? 1);
const tpchRuns = Number(process.env.BENCH_TPCH_RUNS ?? 15);
const tpchRounds = Number(process.env.BENCH_TPCH_ROUNDS ?? 50);
// Scan-estimate accuracy (bench/estimates.ts): BENCH_ESTIMATE_SCALE (default 1, the demo lake's full size).
const estimateScale = Number(process.env.BENCH_ESTIMATE_SCALE ?? 1);

const postgres = await startPostgres();
const tollgate = await startGateway({ config: new URL('./bench.yaml', import.meta.url).pathname });
const headers = ['benchmark', 'client', 'tollgate', 'baseline', 'ratio', 'target'];
const lines: string[][] = [];
try {
  await new Promise((r) => setTimeout(r, 1000));
  lines.push(['gateway idle RSS after start', '', `${fmtInt(rssBytes(tollgate.pid) / 1024 / 1024)} MB`, '', '', '']);
  const stream = await benchWireStream({ tollgate, postgres, rows, repeats });
  lines.push(...stream.lines);
  // Catalog statements need tables to describe: the demo tables, at the tests' scale.
  const demo = await startGateway();
  try {
    const catalog = await benchCatalog({ tollgate: demo, postgres, iterations: catalogIterations, warmup: catalogWarmup });
    lines.push(...catalog.lines);
  } finally {
    await demo.stop();
  }
  const tpch = await benchTpch({ scale: tpchScale, runs: tpchRuns, rounds: tpchRounds });
  lines.push(...tpch.lines);
  const estimates = await benchEstimates({ scale: estimateScale });
  lines.push(...estimates.lines);
  // Impala and Vertica stand-ins: rows/s through tollgate vs each engine's own driver (bench/standins-stream.ts).
  const standins = await benchStandinsStream({ rows: Number(process.env.BENCH_STANDINS_ROWS ?? 500_000), repeats });
  lines.push(
    ...standins.lines.map(([standin, driver, direct, through, ratio, target]) => [`rows/s from the ${standin}`, 'node pg', `${through} rows/s`, `${direct} rows/s (${driver})`, ratio!, target!]),
  );
} finally {
  await tollgate.stop();
  await postgres.stop();
}
const table = formatTable(headers, lines);
process.stdout.write(`\n${table}\n`);
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
writeFileSync(
  new URL('./RESULTS.md', import.meta.url),
  `# Benchmark results\n\nMeasured ${new Date().toISOString()} on ${os.cpus().length} cores (${cpu}), ${fmtInt(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, PostgreSQL 15 as baseline. Medians of ${repeats} runs.\n\n${table}\n`,
);
