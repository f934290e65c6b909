import { open, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run } from '../../test/helpers/proc.ts';
import type { Target } from '../../test/helpers/target.ts';

/** The share of transactions whose latency pgbench logs (`--sampling-rate`). */
const LATENCY_SAMPLING = 0.1;

/** tmpfs (/dev/shm) when the machine has it, else the temp directory. */
function scratchDir(): string {
  return existsSync('/dev/shm') ? '/dev/shm' : tmpdir();
}

export interface PgbenchRun {
  /** Transactions per second, without the initial connection time (pgbench's own figure). */
  tps: number;
  p50Ms: number;
  p99Ms: number;
  /** Transactions run (one statement each), from pgbench's summary. */
  transactions: number;
  /** Transactions whose latency was logged (a random LATENCY_SAMPLING of them). */
  sampled: number;
  /** Transactions that failed (pgbench continues past none: a failure aborts the client, so this is usually 0 or an error). */
  failed: number;
}

/** Nearest-rank percentile of sorted values. */
export function percentileSorted(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * pgbench with a custom script of one statement (`-n -M extended`), `clients` connections over `threads`
 * threads for `seconds`, as user alice. TPS from pgbench's summary; p50/p99 from its per-transaction log (`-l`).
 */
export async function pgbench(target: Target, sql: string, opts: { clients: number; seconds: number; threads?: number; mode?: 'simple' | 'extended' | 'prepared'; allowEmpty?: boolean }): Promise<PgbenchRun> {
  // On tmpfs where there is one: pgbench's logs are the harness's, not the servers', and on a disk their
  // writeback takes CPU from the servers being measured (both sides alike, but only while they compete for it).
  const dir = await mkdtemp(join(scratchDir(), 'tollgate-pgbench-'));
  const threads = Math.min(opts.threads ?? 2, opts.clients);
  try {
    const script = join(dir, 'query.sql');
    await writeFile(script, `${sql};\n`);
    // Latencies from a random tenth of the transactions: a log line for every one is a write per
    // transaction in pgbench, and >10,000 sampled transactions give p50 and p99 as well.
    const args = ['-n', '-M', opts.mode ?? 'extended', '-c', String(opts.clients), '-j', String(threads), '-T', String(opts.seconds), '-f', script, '-l', '--sampling-rate', String(LATENCY_SAMPLING), '--log-prefix', join(dir, 'log')];
    // pgbench prints every NOTICE (a cache hit's) on stderr: into a file, not through a pipe into this
    // process, which would spend ~20% of a core reading them while the measured servers compete for it.
    const stderrPath = join(dir, 'stderr');
    const stderrFile = await open(stderrPath, 'w');
    let r: Awaited<ReturnType<typeof run>>;
    try {
      r = await run('pgbench', args, { env: target.libpqEnv('alice'), timeoutMs: (opts.seconds + 120) * 1000, stderrFd: stderrFile.fd });
    } finally {
      await stderrFile.close();
    }
    if (r.code !== 0) {
      const stderr = (await readFile(stderrPath, 'utf8')).slice(-2000);
      throw new Error(`pgbench against ${target.kind} failed (${r.code}): ${stderr}\n${r.stdout.slice(-2000)}`);
    }
    const tps = Number(/tps = ([\d.]+) \(without initial connection time\)/.exec(r.stdout)?.[1]);
    const failed = Number(/number of failed transactions: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    // Per transaction: client_id transaction_no time_us script_no time_epoch time_us_part.
    const latencies: number[] = [];
    for (const f of await readdir(dir)) {
      if (!f.startsWith('log')) continue;
      for (const line of (await readFile(join(dir, f), 'utf8')).split('\n')) {
        const us = Number(line.split(' ')[2]);
        if (line !== '' && Number.isFinite(us)) latencies.push(us / 1000);
      }
    }
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1] ?? 0);
    if (latencies.length === 0 && opts.allowEmpty) return { tps: 0, p50Ms: NaN, p99Ms: NaN, transactions, sampled: 0, failed };
    if (latencies.length === 0) throw new Error(`pgbench against ${target.kind} logged no transaction:\n${r.stdout.slice(-2000)}`);
    latencies.sort((a, b) => a - b);
    return { tps, p50Ms: percentileSorted(latencies, 50), p99Ms: percentileSorted(latencies, 99), transactions, sampled: latencies.length, failed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
