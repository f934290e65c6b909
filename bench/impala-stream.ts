/**
 * `npx tsx bench/impala-stream.ts`: rows/s streamed from the HS2 stand-in (in a process of its own)
 * through the Impala connector — canonical column-major batches — versus read directly with
 * hive-driver in the same run: its HiveClient over SASL PLAIN, `fetch()` in batches of the same size
 * and its JsonResult for the values (what an application using hive-driver gets), plus hive-driver's
 * fetch alone without value conversion (the transport's floor). Also the NOSASL (unframed) path.
 *
 * BENCH_IMPALA_ROWS (default 1,000,000) rows of (bigint, string, decimal(12,2), double, timestamp);
 * BENCH_REPEATS (default 3) runs of each, the median reported.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import hive from 'hive-driver';
import { BATCH_ROWS, ImpalaConnector } from '../src/connectors/impala/index.ts';
import type { StandinTable } from '../test/fixtures/hs2-standin/index.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';

const rows = Number(process.env.BENCH_IMPALA_ROWS ?? 1_000_000);
const repeats = Number(process.env.BENCH_REPEATS ?? 3);
const SQL = 'SELECT id, label, amount, score, happened_at FROM bench.events';

const table: StandinTable = {
  db: 'bench',
  name: 'events',
  columns: [
    { name: 'id', type: 'bigint' },
    { name: 'label', type: 'string' },
    { name: 'amount', type: 'decimal(12,2)' },
    { name: 'score', type: 'double' },
    { name: 'happened_at', type: 'timestamp' },
  ],
  rows: `SELECT i, 'event number ' || i, CAST(i * 0.01 AS DECIMAL(12,2)), i * 1.5, TIMESTAMP '2024-01-01 00:00:00' + i * INTERVAL 1 SECOND FROM range(${rows}) t(i)`,
};

async function startStandin(auth: 'plain' | 'nosasl'): Promise<{ port: number; child: ChildProcess }> {
  const main = new URL('../test/fixtures/hs2-standin/main.ts', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', main, JSON.stringify({ auth, tables: [table] })], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /LISTENING (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}`)));
  });
  return { port, child };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
}

async function viaConnector(port: number, auth: 'plain' | 'nosasl'): Promise<{ rows: number; ms: number }> {
  const c = await ImpalaConnector.create({
    name: 'bench',
    connection: { host: '127.0.0.1', port, auth, user: 'tollgate', ...(auth === 'plain' && { password: 'secret' }) },
    tables: [{ schema: 'bench', name: 'events' }],
  });
  try {
    const started = performance.now();
    const stream = await c.execute({ sql: SQL, params: [], paramTypes: [] }, { signal: new AbortController().signal });
    let n = 0;
    for await (const batch of stream) n += batch.rowCount;
    return { rows: n, ms: performance.now() - started };
  } finally {
    await c.close();
  }
}

async function viaHiveDriver(port: number, convert: boolean): Promise<{ rows: number; ms: number }> {
  const { TCLIService, TCLIService_types } = hive.thrift;
  const client = new hive.HiveClient(TCLIService, TCLIService_types);
  client.on('error', () => undefined);
  await client.connect({ host: '127.0.0.1', port }, new hive.connections.TcpConnection(), new hive.auth.PlainTcpAuthentication({ username: 'tollgate', password: 'secret' }));
  const utils = new hive.HiveUtils(TCLIService_types);
  const session = await client.openSession({ client_protocol: TCLIService_types.TProtocolVersion.HIVE_CLI_SERVICE_PROTOCOL_V6 });
  try {
    const started = performance.now();
    const op = await session.executeStatement(SQL, { runAsync: true });
    await utils.waitUntilReady(op, false, () => undefined);
    op.setMaxRows(BATCH_ROWS);
    let n = 0;
    do {
      await op.fetch();
      if (convert) n += (utils.getResult(op).getValue() as unknown[]).length;
      else {
        for (const rowSet of op.getData() as Array<{ columns?: Array<Record<string, { values?: unknown[] } | null>> }>) {
          const first = rowSet.columns?.[0];
          const col = first && Object.values(first).find((v) => v !== null && v !== undefined);
          n += col?.values?.length ?? 0;
        }
      }
      op.flush();
    } while (op.hasMoreRows());
    await op.close();
    return { rows: n, ms: performance.now() - started };
  } finally {
    await session.close();
    client.close();
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function measure(label: string, run: () => Promise<{ rows: number; ms: number }>): Promise<{ label: string; rowsPerSec: number; ms: number }> {
  await run(); // warm-up
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const r = await run();
    if (r.rows !== rows) throw new Error(`${label}: got ${r.rows} rows, expected ${rows}`);
    times.push(r.ms);
  }
  const ms = median(times);
  return { label, rowsPerSec: (rows / ms) * 1000, ms };
}

const plain = await startStandin('plain');
const nosasl = await startStandin('nosasl');
const results: Array<{ label: string; rowsPerSec: number; ms: number }> = [];
try {
  results.push(await measure('tollgate Impala connector (SASL PLAIN, framed)', () => viaConnector(plain.port, 'plain')));
  results.push(await measure('tollgate Impala connector (NOSASL, unframed)', () => viaConnector(nosasl.port, 'nosasl')));
  results.push(await measure('hive-driver: fetch + JsonResult values', () => viaHiveDriver(plain.port, true)));
  results.push(await measure('hive-driver: fetch only (no values)', () => viaHiveDriver(plain.port, false)));
} finally {
  await stop(plain.child);
  await stop(nosasl.child);
}

const baseline = results[2]!.rowsPerSec;
const table_ = formatTable(
  ['client', 'rows', 'median time', 'rows/s', 'vs hive-driver + values'],
  results.map((r) => [r.label, fmtInt(rows), `${fmtInt(r.ms)} ms`, fmtInt(r.rowsPerSec), fmtRatio(r.rowsPerSec / baseline)]),
);
process.stdout.write(
  `\nImpala stream: ${fmtInt(rows)} rows of (bigint, string, decimal(12,2), double, timestamp) from the HS2 stand-in (its own process), batches of ${BATCH_ROWS} rows, median of ${repeats} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}\n\n${table_}\n`,
);
