/**
 * Rows per second streamed from the Vertica stand-in (its own process: test/fixtures/vertica-standin)
 * through the Vertica connector, and read directly with vertica-nodejs (a Query with a 'row' listener,
 * rows counted and dropped, the driver's own parsing) in the same run, over the same socket protocol.
 *
 *   npx tsx bench/vertica-stream.ts [rows=1000000] [runs=3]
 *
 * The connector does more per row than the direct read: it keeps rows as text, builds column-major
 * batches and decodes every value to its canonical form (int8 as bigint, float8, text), pauses the
 * socket when its buffer is full, and labels the statement. The direct read parses with pg-types
 * (ints as numbers) and never pauses. Both are bounded by the stand-in's own speed (DuckDB + text
 * formatting in one JavaScript thread), printed as the third line: rows the stand-in produced per
 * second for a client that drops them at the socket.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { VerticaConnector, VERTICA_TYPE_PARSERS } from '../src/connectors/vertica/index.ts';
import { fmtInt, fmtRatio, formatTable } from './lib/table.ts';

const rows = Number(process.argv[2] ?? 1_000_000);
const runs = Number(process.argv[3] ?? 3);
const side = Math.ceil(Math.sqrt(rows));
if (side > 1000) throw new Error('at most 1,000,000 rows (shop.numbers has 1000 rows)');

const sql = `SELECT a.n * ${side} + b.n AS i, (a.n * ${side} + b.n) * 1.5::FLOAT AS d, 'row ' || (a.n * ${side} + b.n) AS s
FROM shop.numbers a CROSS JOIN shop.numbers b WHERE a.n < ${side} AND b.n < ${side} AND a.n * ${side} + b.n < ${rows}`;

const require = createRequire(import.meta.url);
const vertica = require('vertica-nodejs') as {
  Client: new (config: object) => { connect(): Promise<void>; query(q: unknown): unknown; end(): Promise<void>; on(event: 'error', fn: (e: Error) => void): void };
  Query: new (config: object) => { on(event: string, fn: (...args: unknown[]) => void): void };
};

async function startStandin(): Promise<{ port: number; stop(): Promise<void>; pid: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../test/fixtures/vertica-standin/main.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve((JSON.parse(out.split('\n')[0]!) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`the stand-in exited (${code})`)));
  });
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      child.stdin!.end();
      await exited;
    },
  };
}

const connection = (port: number) => ({ host: '127.0.0.1', port, database: 'vmart', user: 'dbadmin', password: 'secret' });

async function viaConnector(c: VerticaConnector): Promise<{ rows: number; ms: number }> {
  const started = performance.now();
  const stream = await c.execute({ sql, params: [], paramTypes: [], context: { queryId: 'bench', user: 'bench', team: 'bench' } }, { signal: new AbortController().signal });
  let n = 0;
  for await (const batch of stream) n += batch.rowCount;
  return { rows: n, ms: performance.now() - started };
}

async function viaDriver(port: number): Promise<{ rows: number; ms: number }> {
  const client = new vertica.Client({ ...connection(port), types: VERTICA_TYPE_PARSERS });
  client.on('error', () => {}); // the driver emits 'error' when its connection ends; unhandled, that kills the process
  await client.connect();
  try {
    const started = performance.now();
    let n = 0;
    await new Promise<void>((resolve, reject) => {
      const q = new vertica.Query({ text: sql, rowMode: 'array' });
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
}

/** The stand-in's own rate: a raw socket that speaks just enough protocol and drops everything. */
async function viaRawSocket(port: number): Promise<{ rows: number; ms: number }> {
  const client = new vertica.Client(connection(port));
  client.on('error', () => {});
  await client.connect();
  // Borrow the authenticated socket: send one Query and count DataRow messages without parsing them.
  const socket = (client as unknown as { connection: { stream: import('node:net').Socket } }).connection.stream;
  socket.removeAllListeners('data');
  const started = performance.now();
  const text = Buffer.from(`${sql}\0`);
  const msg = Buffer.alloc(5 + text.length);
  msg[0] = 0x51;
  msg.writeInt32BE(4 + text.length, 1);
  text.copy(msg, 5);
  let n = 0;
  let pending = Buffer.alloc(0);
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
      let at = 0;
      while (buf.length - at >= 5) {
        const len = buf.readInt32BE(at + 1);
        if (buf.length - at < len + 1) break;
        const type = buf[at]!;
        if (type === 0x44) n++;
        at += len + 1;
        if (type === 0x5a) {
          resolve();
          break;
        }
      }
      buf = buf.subarray(at);
      pending = Buffer.from(buf);
    });
    socket.write(msg);
  });
  const ms = performance.now() - started;
  socket.destroy();
  return { rows: n, ms };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const standin = await startStandin();
const connector = await VerticaConnector.create({ name: 'bench', connection: connection(standin.port), schemas: ['shop'], maxConnections: 2 });
try {
  // Warm up both paths (JIT, the stand-in's DuckDB).
  await viaConnector(connector);
  await viaDriver(standin.port);
  const results: Record<'connector' | 'driver' | 'raw', number[]> = { connector: [], driver: [], raw: [] };
  /** This process's CPU time per row (ns): what reading costs the client, whatever the stand-in's speed. */
  const cpuPerRow: Record<'connector' | 'driver' | 'raw', number[]> = { connector: [], driver: [], raw: [] };
  for (let i = 0; i < runs; i++) {
    for (const [name, fn] of [
      ['driver', () => viaDriver(standin.port)],
      ['connector', () => viaConnector(connector)],
      ['raw', () => viaRawSocket(standin.port)],
    ] as const) {
      const cpu0 = process.cpuUsage();
      const r = await fn();
      const cpu = process.cpuUsage(cpu0);
      if (r.rows !== rows) throw new Error(`${name}: ${r.rows} rows, expected ${rows}`);
      results[name].push((r.rows / r.ms) * 1000);
      cpuPerRow[name].push(((cpu.user + cpu.system) * 1000) / r.rows);
    }
  }
  const driver = median(results.driver);
  const lines = [
    ['vertica-nodejs direct (row events, pg-types parsing)', fmtInt(driver), fmtRatio(1), fmtInt(median(cpuPerRow.driver))],
    ['Vertica connector (batches of canonical values)', fmtInt(median(results.connector)), fmtRatio(median(results.connector) / driver), fmtInt(median(cpuPerRow.connector))],
    ['stand-in alone (DataRows counted at the socket)', fmtInt(median(results.raw)), fmtRatio(median(results.raw) / driver), fmtInt(median(cpuPerRow.raw))],
  ];
  console.log(`\nVertica stream: ${fmtInt(rows)} rows of (int, float, varchar) from the stand-in, median of ${runs} runs\n`);
  console.log(formatTable(['reader', 'rows/s', 'vs driver', 'client CPU ns/row'], lines));
} finally {
  await connector.close();
  await standin.stop();
}
