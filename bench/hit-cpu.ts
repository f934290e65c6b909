import { readFile } from 'node:fs/promises';
import { startHitGateway } from './lib/hit-gateway.ts';

/**
 * The gateway's CPU time per cache hit, for A/B comparisons of small changes: on a shared machine TPS
 * swings ±10-25% between identical runs, while CPU per transaction (user + system of the gateway
 * process from /proc, over a pgbench run, divided by its transactions) holds within a few percent.
 * Compare four runs of each side, back to back (docs/performance.md). Not part of `npm run bench`.
 *
 *   RUNS=4 SECONDS=8 npx tsx bench/hit-cpu.ts      # PROCESSES=2 for two serving processes (primary's CPU only)
 */
const runs = Number(process.env.RUNS ?? 2);
const seconds = Number(process.env.SECONDS ?? 8);
const hits = await startHitGateway(Number(process.env.PROCESSES ?? 1));
try {
  /** utime + stime of the gateway process, in clock ticks (10 ms). */
  const ticks = async (): Promise<number> => {
    const fields = (await readFile(`/proc/${hits.gateway.pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
    return Number(fields[11]) + Number(fields[12]);
  };
  await hits.pgbench(['-T', 2]); // warm
  for (let i = 0; i < runs; i++) {
    const before = await ticks();
    const r = await hits.pgbench(['-T', seconds]);
    const cpuMs = ((await ticks()) - before) * 10;
    const transactions = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]);
    const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
    process.stdout.write(`${tps.toFixed(0)} TPS, ${((cpuMs * 1000) / transactions).toFixed(1)} µs of gateway CPU per transaction\n`);
  }
} finally {
  await hits.stop();
}
