import { spawn } from 'node:child_process';
import pg from 'pg';
import type { Target } from '../test/helpers/target.ts';
import { fmtInt, fmtRatio } from './lib/table.ts';
import { rssBytes, sampleRss } from './lib/rss.ts';

/**
 * Streams N rows of (int, double, varchar) through tollgate (DuckDB behind it) and, in the same run,
 * the same rows from a real PostgreSQL 15, to the same two clients: node `pg` (rows counted as they
 * arrive, never accumulated) and psql writing to /dev/null. Reports rows/s, the ratio, and the
 * gateway's peak RSS during its streams.
 */
export interface StreamBenchResult {
  rows: number;
  lines: string[][];
  gatewayPeakRssMb: number;
}

const duckSql = (n: number) => `select i::integer as i, i * 1.5::double as d, 'row ' || i as s from range(1, ${n + 1}) t(i)`;
const pgSql = (n: number) => `select i, i * 1.5::float8 as d, 'row ' || i as s from generate_series(1, ${n}) as t(i)`;

async function nodePgRun(target: Target, sql: string): Promise<{ rows: number; ms: number }> {
  const client = new pg.Client(target.clientConfig('alice'));
  await client.connect();
  try {
    const started = performance.now();
    let rows = 0;
    await new Promise<void>((resolve, reject) => {
      const q = client.query(new pg.Query({ text: sql, rowMode: 'array' } as pg.QueryConfig));
      q.on('row', () => {
        rows++;
      });
      q.on('end', () => resolve());
      q.on('error', reject);
    });
    return { rows, ms: performance.now() - started };
  } finally {
    await client.end();
  }
}

async function psqlRun(target: Target, sql: string): Promise<{ ms: number }> {
  const started = performance.now();
  await new Promise<void>((resolve, reject) => {
    const p = spawn('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-o', '/dev/null', '-c', sql], {
      env: target.libpqEnv('alice'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    p.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`psql failed (${code}): ${err}`))));
  });
  return { ms: performance.now() - started };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

export async function benchWireStream(opts: { tollgate: Target & { pid: number }; postgres: Target; rows: number; repeats: number }): Promise<StreamBenchResult> {
  const { tollgate, postgres, rows, repeats } = opts;
  const lines: string[][] = [];
  let peak = rssBytes(tollgate.pid);
  for (const client of ['node pg', 'psql'] as const) {
    const times: Record<'tollgate' | 'postgres', number[]> = { tollgate: [], postgres: [] };
    for (let r = 0; r < repeats; r++) {
      for (const [name, target, sql] of [
        ['postgres', postgres, pgSql(rows)],
        ['tollgate', tollgate, duckSql(rows)],
      ] as const) {
        const sampler = name === 'tollgate' ? sampleRss(tollgate.pid) : null;
        if (client === 'node pg') {
          const res = await nodePgRun(target, sql);
          if (res.rows !== rows) throw new Error(`${name} returned ${res.rows} rows, expected ${rows}`);
          times[name].push(res.ms);
        } else {
          times[name].push((await psqlRun(target, sql)).ms);
        }
        if (sampler) peak = Math.max(peak, sampler.stop());
      }
    }
    const pgRate = rows / (median(times.postgres) / 1000);
    const tgRate = rows / (median(times.tollgate) / 1000);
    lines.push([`stream ${fmtInt(rows)} rows (int, float8, text)`, client, `${fmtInt(tgRate)} rows/s`, `${fmtInt(pgRate)} rows/s (PostgreSQL 15)`, fmtRatio(tgRate / pgRate), '>= 1.00x']);
  }
  lines.push(['gateway peak RSS during the streams', '', `${fmtInt(peak / 1024 / 1024)} MB`, '', '', '< 400 MB']);
  return { rows, lines, gatewayPeakRssMb: peak / 1024 / 1024 };
}
