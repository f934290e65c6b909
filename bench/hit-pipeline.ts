import { open, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { run } from '../test/helpers/proc.ts';
import { CACHE_BENCH_QUERY } from './cache.ts';
import { startHitGateway } from './lib/hit-gateway.ts';

/**
 * The gateway's own work per cache hit, with the round trips taken out: pgbench (-M extended, 8 clients)
 * sends PIPE (default 20) cached statements per Sync (\startpipeline ... \endpipeline), so the socket
 * reads, writes and wake-ups are shared by 20 statements and what is left per statement is the wire's,
 * the executor's, the cache's and the ledger's work. Steadier than bench/hit-cpu.ts (one statement per
 * round trip, where the kernel's loopback send and the client's wake-ups dominate and move with the
 * machine's load), and the way to see whether the ledger keeps up: its backpressure paces the statements
 * to what it can write. Not part of `npm run bench`.
 *
 *   RUNS=3 SECONDS=5 npx tsx bench/hit-pipeline.ts
 */
const pipe = Number(process.env.PIPE ?? 20);
const runs = Number(process.env.RUNS ?? 3);
const seconds = Number(process.env.SECONDS ?? 5);
const hits = await startHitGateway(1);
const dir = join(tmpdir(), `tollgate-hit-pipeline-${process.pid}`);
try {
  await writeFile(`${dir}.sql`, `\\startpipeline\n${`${CACHE_BENCH_QUERY};\n`.repeat(pipe)}\\endpipeline\n`);
  const ticks = async (): Promise<number> => {
    const fields = (await readFile(`/proc/${hits.gateway.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  const pgbench = async (secs: number): Promise<string> => {
    // A NOTICE per statement: into a file, not through this process (see bench/lib/pgbench.ts).
    const stderr = await open(`${dir}.err`, 'w');
    try {
      const args = ['-n', '-M', 'extended', '-c', '8', '-j', '2', '-T', String(secs), '-f', `${dir}.sql`];
      const r = await run('pgbench', args, { env: hits.gateway.libpqEnv('alice'), timeoutMs: (secs + 60) * 1000, stderrFd: stderr.fd });
      if (r.code !== 0) throw new Error(`pgbench failed (${r.code}): ${(await readFile(`${dir}.err`, 'utf8')).slice(-1000)}`);
      return r.stdout;
    } finally {
      await stderr.close();
    }
  };
  await pgbench(2); // warm
  for (let i = 0; i < runs; i++) {
    const before = await ticks();
    const out = await pgbench(seconds);
    const cpuMs = ((await ticks()) - before) * 10;
    const statements = Number(/number of transactions actually processed: (\d+)/.exec(out)?.[1]) * pipe;
    process.stdout.write(`${(statements / seconds).toFixed(0)} statements/s, ${((cpuMs * 1000) / statements).toFixed(1)} µs of gateway CPU per statement\n`);
  }
} finally {
  await rm(`${dir}.sql`, { force: true });
  await rm(`${dir}.err`, { force: true });
  await hits.stop();
}
