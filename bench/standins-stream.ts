/**
 * Rows per second streamed from each stand-in THROUGH tollgate (`tollgate serve` configured with the
 * stand-in as an engine; node pg reading the rows, counted as they arrive and dropped) versus read directly
 * by the engine's own driver, in the same run:
 *
 *   - Vertica stand-in (test/fixtures/vertica-standin, its own process): vertica-nodejs, a Query with a
 *     'row' listener and tollgate's type parsers (as bench/vertica-stream.ts does);
 *   - HS2 stand-in, Impala-like (test/fixtures/hs2-standin, its own process): hive-driver over SASL PLAIN,
 *     `fetch()` in batches of the connector's size and its JsonResult for the values (as
 *     bench/impala-stream.ts does).
 *
 * Same table on both: bench.events (id bigint, d double, s varchar/string), $BENCH_STANDINS_ROWS rows
 * (default 500,000), `SELECT id, d, s FROM bench.events`, the same text through tollgate and directly.
 * $BENCH_REPEATS runs of each (default 3) after one warm-up, the median reported; target: tollgate within
 * 15% of the direct read (ratio >= 0.85).
 *
 *   npx tsx bench/standins-stream.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import hive from 'hive-driver';
import pg from 'pg';
import YAML from 'yaml';
import { BATCH_ROWS } from '../src/connectors/impala/index.ts';
import { VERTICA_TYPE_PARSERS } from '../src/connectors/vertica/index.ts';
import { demoConfigPath, startGateway, type Gateway } from '../test/helpers/gateway.ts';
import type { StandinTable as Hs2Table } from '../test/fixtures/hs2-standin/index.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';

const SQL = 'SELECT id, d, s FROM bench.events';
const here = path.dirname(fileURLToPath(import.meta.url));

const require = createRequire(import.meta.url);
const vertica = require('vertica-nodejs') as {
  Client: new (config: object) => { connect(): Promise<void>; query(q: unknown): unknown; end(): Promise<void>; on(event: 'error', fn: (e: Error) => void): void };
  Query: new (config: object) => { on(event: string, fn: (...args: unknown[]) => void): void };
};

const rowsSql = (rows: number): string => `SELECT i, i * 1.5, 'event number ' || i FROM range(${rows}) t(i)`;

interface Child {
  port: number;
  stop(): Promise<void>;
}

/** A child process printing its port on stdout (`match` finds it); stopped by SIGTERM (and stdin closing). */
async function startChild(args: string[], match: (out: string) => number | null): Promise<Child> {
  const child: ChildProcess = spawn(process.execPath, args, { cwd: path.join(here, '..'), stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const killOnExit = (): void => void child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const p = match(out);
      if (p !== null) resolve(p);
    });
    child.once('exit', (code) => reject(new Error(`stand-in exited with ${code}: node ${args.join(' ')}`)));
  });
  return {
    port,
    stop: async () => {
      process.removeListener('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      child.stdin!.end();
      await exited;
    },
  };
}

/** The Vertica stand-in in a process of its own, serving bench.events (main.ts serves only the fixture tables). */
function startVertica(rows: number): Promise<Child> {
  const standin = path.join(here, '../test/fixtures/vertica-standin/index.ts');
  const table = {
    schema: 'bench',
    name: 'events',
    columns: [
      { name: 'id', type: 'INTEGER', notNull: true },
      { name: 'd', type: 'FLOAT' },
      { name: 's', type: 'VARCHAR(40)' },
    ],
    rows: rowsSql(rows),
  };
  const code = `
    const { startVerticaStandin } = await import(${JSON.stringify(standin)});
    const s = await startVerticaStandin({ tables: [${JSON.stringify(table)}], users: { dbadmin: 'secret' }, log: false });
    process.stdout.write(JSON.stringify({ port: s.port }) + '\\n');
    let stopping = false;
    const stop = () => { if (stopping) return; stopping = true; void s.close().finally(() => process.exit(0)); };
    process.stdin.on('end', stop); process.stdin.on('close', stop); process.stdin.resume(); process.on('SIGTERM', stop);
  `;
  return startChild(['--import', 'tsx', '--input-type=module', '-e', code], (out) => {
    const line = out.split('\n')[0];
    return out.includes('\n') ? (JSON.parse(line!) as { port: number }).port : null;
  });
}

function startImpala(rows: number): Promise<Child> {
  const table: Hs2Table = {
    db: 'bench',
    name: 'events',
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'd', type: 'double' },
      { name: 's', type: 'string' },
    ],
    rows: rowsSql(rows),
    statsComputed: true,
  };
  const main = path.join(here, '../test/fixtures/hs2-standin/main.ts');
  return startChild(['--import', 'tsx', main, JSON.stringify({ auth: 'plain', users: { tollgate: 'secret' }, tables: [table] })], (out) => {
    const m = /LISTENING (\d+)/.exec(out);
    return m ? Number(m[1]) : null;
  });
}

type Run = () => Promise<{ rows: number; ms: number }>;

/** node pg against tollgate: rows counted as they arrive ('row' events, array mode), never accumulated. */
const viaTollgate = (gateway: Gateway): Run => async () => {
  const client = new pg.Client(gateway.clientConfig('alice'));
  await client.connect();
  try {
    const started = performance.now();
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const q = client.query(new pg.Query({ text: SQL, rowMode: 'array' } as pg.QueryConfig));
      q.on('row', () => {
        n++;
      });
      q.on('end', () => resolve());
      q.on('error', reject);
    });
    return { rows: n, ms: performance.now() - started };
  } finally {
    await client.end();
  }
};

/** vertica-nodejs directly: 'row' events, tollgate's type parsers (as bench/vertica-stream.ts). */
const viaVerticaDriver = (port: number): Run => async () => {
  const client = new vertica.Client({ host: '127.0.0.1', port, database: 'vmart', user: 'dbadmin', password: 'secret', types: VERTICA_TYPE_PARSERS });
  client.on('error', () => {});
  await client.connect();
  try {
    const started = performance.now();
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const q = new vertica.Query({ text: SQL, rowMode: 'array' });
      q.on('row', () => {
        n++;
      });
      q.on('end', () => resolve());
      q.on('error', (e) => reject(e as Error));
      client.query(q);
    });
    return { rows: n, ms: performance.now() - started };
  } finally {
    await client.end();
  }
};

/** hive-driver directly: fetch in batches of the connector's size, values through its JsonResult (as bench/impala-stream.ts). */
const viaHiveDriver = (port: number): Run => async () => {
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
      n += (utils.getResult(op).getValue() as unknown[]).length;
      op.flush();
    } while (op.hasMoreRows());
    await op.close();
    return { rows: n, ms: performance.now() - started };
  } finally {
    await session.close();
    client.close();
  }
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export interface StandinsStreamResult {
  rows: number;
  repeats: number;
  /** [stand-in, direct rows/s, through tollgate rows/s, ratio, target] per stand-in. */
  lines: string[][];
  /** Through tollgate / direct, per stand-in. */
  ratios: { vertica: number; impala: number };
}

/**
 * Starts both stand-ins (processes of their own) and, for each in turn, a `tollgate serve` with it as its
 * only engine (bench.events is on both), then alternates direct and through-tollgate reads of the same rows, `repeats` times after a warm-up.
 */
export async function benchStandinsStream(opts: { rows?: number; repeats?: number } = {}): Promise<StandinsStreamResult> {
  const rows = opts.rows ?? 500_000;
  const repeats = opts.repeats ?? 3;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tollgate-bench-standins-'));
  const started: Child[] = [];
  let gateway: Gateway | undefined;
  try {
    const vdb = await startVertica(rows);
    started.push(vdb);
    const imp = await startImpala(rows);
    started.push(imp);
    const demo = YAML.parse(await readFile(demoConfigPath, 'utf8')) as { teams: unknown; users: unknown };
    const results: string[][] = [];
    const ratios = { vertica: 0, impala: 0 };
    for (const [key, label, child, kind, direct, directLabel] of [
      ['vertica', 'Vertica stand-in', vdb, 'vertica', viaVerticaDriver(vdb.port), 'vertica-nodejs (row events)'],
      ['impala', 'HS2 (Impala) stand-in', imp, 'impala', viaHiveDriver(imp.port), 'hive-driver (fetch + JsonResult)'],
    ] as const) {
      const engine =
        kind === 'vertica'
          ? { name: 'vdb', kind, connection: { host: '127.0.0.1', port: child.port, database: 'vmart', user: 'dbadmin', password: { env: 'BENCH_STANDIN_PASSWORD' } }, tables: [{ schema: 'bench', name: 'events' }] }
          : { name: 'imp', kind, connection: { host: '127.0.0.1', port: child.port, auth: 'plain', user: 'tollgate', password: { env: 'BENCH_STANDIN_PASSWORD' } }, tables: [{ schema: 'bench', name: 'events' }] };
      const file = path.join(dir, `tollgate-${key}.yaml`);
      await writeFile(file, YAML.stringify({ server: { host: '127.0.0.1', database: 'tollgate' }, demo: { generate: false }, engines: [engine], teams: demo.teams, users: demo.users, cache: { enabled: false }, logLevel: 'warn' }));
      gateway = await startGateway({ config: file, env: { BENCH_STANDIN_PASSWORD: 'secret' } });
      const through = viaTollgate(gateway);
      // Warm-up (JIT, the stand-in's DuckDB, the gateway's pool and catalog).
      await direct();
      await through();
      const times: Record<'direct' | 'tollgate', number[]> = { direct: [], tollgate: [] };
      for (let r = 0; r < repeats; r++) {
        for (const [name, run] of [['direct', direct], ['tollgate', through]] as const) {
          const res = await run();
          if (res.rows !== rows) throw new Error(`${label} ${name}: ${res.rows} rows, expected ${rows}`);
          times[name].push(res.ms);
        }
      }
      await gateway.stop();
      gateway = undefined;
      const directRate = (rows / median(times.direct)) * 1000;
      const tollgateRate = (rows / median(times.tollgate)) * 1000;
      ratios[key] = tollgateRate / directRate;
      results.push([label, directLabel, fmtInt(directRate), fmtInt(tollgateRate), fmtRatio(ratios[key]), '>= 0.85x']);
    }
    return { rows, repeats, lines: results, ratios };
  } finally {
    await gateway?.stop();
    for (const c of started.reverse()) await c.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const rows = Number(process.env.BENCH_STANDINS_ROWS ?? 500_000);
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const r = await benchStandinsStream({ rows, repeats });
  process.stdout.write(
    `\nStand-ins stream: ${fmtInt(r.rows)} rows of (bigint, double, varchar) via node pg through tollgate vs the engine's driver directly, median of ${r.repeats} on ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'unknown CPU'}), Node ${process.version}\n\n` +
      `${formatTable(['stand-in', 'direct reader', 'direct rows/s', 'through tollgate rows/s', 'tollgate / direct', 'target'], r.lines)}\n`,
  );
}
