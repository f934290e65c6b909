import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PG_BIN } from '../../helpers/postgres.ts';
import { runOk, type RunOptions } from '../../helpers/proc.ts';

/** The data directory of the postmaster listening on this port (its `-D dir -p port` arguments in /proc). */
export function clusterDataDir(port: number): string | null {
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('/postgres')) continue;
    const p = argv.indexOf('-p');
    const d = argv.indexOf('-D');
    if (p >= 0 && d >= 0 && argv[p + 1] === String(port)) return argv[d + 1]!;
  }
  return null;
}

/**
 * pg_ctl stop -m immediate of a throwaway cluster started by startPostgres: the server dies at once (as
 * in a crash), and its sessions' sockets close mid-stream.
 */
export async function killCluster(port: number): Promise<void> {
  const data = clusterDataDir(port);
  if (data === null) throw new Error(`no PostgreSQL listening on port ${port} found in /proc`);
  const opts: RunOptions = { timeoutMs: 60_000, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  if (process.getuid?.() === 0) {
    const uid = Number((await runOk('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await runOk('id', ['-g', 'postgres'])).stdout.trim());
    Object.assign(opts, { uid, gid });
  }
  await runOk(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dirname(data), 'postgres.log'), '-m', 'immediate', '-w', 'stop'], opts);
}
