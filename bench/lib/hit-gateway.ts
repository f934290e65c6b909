import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startGateway, type Gateway } from '../../test/helpers/gateway.ts';
import { run } from '../../test/helpers/proc.ts';
import { CACHE_BENCH_QUERY } from '../cache.ts';

/** A gateway with the result cache on and bench/cache.ts's dashboard query cached, and pgbench against it. */
export interface HitGateway {
  gateway: Gateway;
  /** pgbench -M extended, 8 clients over 2 threads, running the cached query; `limit` is `-T secs` or `-t transactions`. */
  pgbench(limit: ['-T' | '-t', number]): Promise<{ stdout: string }>;
  stop(): Promise<void>;
}

/** For the hit-path tools (hit-cpu.ts, hit-promises.ts); `processes` serving processes (default 1). */
export async function startHitGateway(processes = 1): Promise<HitGateway> {
  const gateway = await startGateway({
    configPatch: (doc) => {
      doc.cache = { enabled: true };
      doc.logLevel = 'warn';
      doc.server = { ...(doc.server as object | undefined), processes };
    },
  });
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-hit-'));
  const client = new pg.Client(gateway.clientConfig('alice'));
  await client.connect();
  await client.query(CACHE_BENCH_QUERY);
  await client.end();
  const script = join(dir, 'query.sql');
  await writeFile(script, `${CACHE_BENCH_QUERY};\n`);
  return {
    gateway,
    // stderr (a NOTICE per hit) into a file, as bench/lib/pgbench.ts does, not through this process.
    pgbench: async ([flag, n]) => {
      const stderr = await open(join(dir, 'stderr'), 'w');
      try {
        return await run('pgbench', ['-n', '-M', 'extended', '-c', '8', '-j', '2', flag, String(n), '-f', script], { env: gateway.libpqEnv('alice'), timeoutMs: 600_000, stderrFd: stderr.fd });
      } finally {
        await stderr.close();
      }
    },
    stop: async () => {
      await rm(dir, { recursive: true, force: true });
      await gateway.stop();
    },
  };
}
