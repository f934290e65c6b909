import { readFile, open } from 'node:fs/promises';
import { join } from 'node:path';
import { startHitGateway } from './lib/hit-gateway.ts';
import { run } from '../test/helpers/proc.ts';
import { CACHE_BENCH_QUERY } from './cache.ts';
import { writeFile } from 'node:fs/promises';

const seconds = Number(process.env.SECONDS ?? 6);
const hits = await startHitGateway(1);
const script = '/tmp/tg/q.sql';
await writeFile(script, `${CACHE_BENCH_QUERY};\n`);
async function busy(): Promise<number> {
  const f = (await readFile('/proc/stat', 'utf8')).split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return f[0]! + f[1]! + f[2]! + f[5]! + f[6]!; // user nice system irq softirq
}
const targets = (process.env.TARGETS ?? '/tmp/tg/stderr,/dev/null,/dev/shm/stderr').split(',');
try {
  for (let round = 0; round < Number(process.env.RUNS ?? 2); round++) {
    for (const t of targets) {
      const fh = await open(t, 'w');
      const b = await busy();
      const r = await run('pgbench', ['-n', '-M', 'extended', '-c', '8', '-j', '2', '-T', String(seconds), '-f', script], { env: hits.gateway.libpqEnv('alice'), timeoutMs: 600_000, stderrFd: fh.fd });
      const a = await busy();
      await fh.close();
      const tx = Number(/number of transactions actually processed: (\d+)/.exec(r.stdout)?.[1]);
      const tps = Number(/tps = ([\d.]+)/.exec(r.stdout)?.[1]);
      process.stdout.write(`${t.padEnd(20)} ${tps.toFixed(0)} TPS, machine ${(((a - b) * 10_000) / tx).toFixed(1)} µs/tx\n`);
    }
  }
} finally {
  await hits.stop();
}
