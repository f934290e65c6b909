import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from './ports.ts';
import { cleanupWhenGone, run, runOk, type RunOptions } from './proc.ts';
import { DEMO_USERS, DATABASE, makeTarget, type Target } from './target.ts';

/** Where Debian's postgresql-15 package puts the server programs. */
export const PG_BIN = process.env.TOLLGATE_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface StartPostgresOptions {
  /** Extra postgresql.conf settings, e.g. { log_statement: 'all' }. */
  settings?: Record<string, string>;
  /** SQL run as the superuser after start instead of making the demo users and database. */
  setupSql?: string;
}

/**
 * A real PostgreSQL 15 to check the client tests against.
 *
 * With TOLLGATE_TEST_PG_URL set (postgresql://host:port, users and database already made) that server is
 * used and left running. Otherwise a throwaway cluster: initdb in a temp dir (owned by the `postgres` OS user
 * when we are root, since PostgreSQL refuses to run as root), a free port on 127.0.0.1, its socket in the temp
 * dir, scram-sha-256 for host connections, users alice/bob/carol/admin (password = name), database tollgate,
 * UTC and C messages so output is deterministic. stop() shuts it down and removes the directory.
 * TOLLGATE_TEST_PG_LOG=1 logs every statement (handy to see what a client driver sends).
 */
export async function startPostgres(opts: StartPostgresOptions = {}): Promise<Target> {
  const external = process.env.TOLLGATE_TEST_PG_URL;
  if (external) {
    const u = new URL(external);
    return makeTarget({
      kind: 'postgres',
      host: u.hostname || '127.0.0.1',
      port: Number(u.port || 5432),
      diagnostics: () => `(external PostgreSQL at ${external})`,
      stop: async () => {},
    });
  }

  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`startPostgres: ${PG_BIN}/initdb not found; install postgresql-15 (apt-get install postgresql-15) or set TOLLGATE_TEST_PG_BIN`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'tollgate-pg-'));
  const data = join(dir, 'data');
  const logFile = join(dir, 'postgres.log');
  const asUser: RunOptions = { cwd: dir, timeoutMs: 60_000, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  if (process.getuid?.() === 0) {
    const uid = Number((await runOk('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await runOk('id', ['-g', 'postgres'])).stdout.trim());
    await runOk('chown', ['-R', `${uid}:${gid}`, dir]);
    Object.assign(asUser, { uid, gid });
  }

  let started = false;
  const killSync = () => {
    // Last resort if the test process exits without stop(): immediate shutdown, then remove the files.
    try {
      if (started) {
        const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) process.kill(pid, 'SIGQUIT');
      }
    } catch {
      /* already gone */
    }
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  };
  process.once('exit', killSync);

  try {
    await runOk(join(PG_BIN, 'initdb'), [
      '-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--no-sync',
      '--auth-local=trust', '--auth-host=scram-sha-256',
    ], asUser);

    const settings: Record<string, string> = {
      listen_addresses: "'127.0.0.1'",
      unix_socket_directories: `'${dir}'`,
      timezone: "'UTC'",
      log_timezone: "'UTC'",
      lc_messages: "'C'",
      datestyle: "'ISO, MDY'",
      password_encryption: "'scram-sha-256'",
      ssl: 'off',
      fsync: 'off',
      synchronous_commit: 'off',
      full_page_writes: 'off',
      shared_buffers: "'32MB'",
      max_connections: '40',
      logging_collector: 'off',
      ...(process.env.TOLLGATE_TEST_PG_LOG ? { log_statement: "'all'", log_connections: 'on' } : {}),
      ...opts.settings,
    };
    await appendFile(join(data, 'postgresql.conf'), Object.entries(settings).map(([k, v]) => `${k} = ${v}\n`).join(''));

    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      const r = await run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', `-p ${port}`, '-w', '-t', '60', 'start'], asUser);
      if (r.code === 0) break;
      const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '';
      if (attempt < 3 && /could not (bind|create)|in use/i.test(log)) continue;
      throw new Error(`pg_ctl start failed (${r.code}): ${r.stderr}\n${log}`);
    }
    started = true;
    const watchdog = startWatchdog(dir, data);

    const roles = DEMO_USERS.map((u) => `create role ${u} login password '${u}';`).join('\n');
    await runOk(join(PG_BIN, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-h', dir, '-p', String(port), '-U', 'postgres', '-d', 'postgres'], {
      ...asUser,
      // admin owns the database, as tollgate's admin would own its metadata store (tests create schemas).
      input: opts.setupSql ?? `${roles}\ncreate database ${DATABASE} owner admin;\n`,
    });

    return makeTarget({
      kind: 'postgres',
      host: '127.0.0.1',
      port,
      diagnostics: (maxChars = 20_000) => (existsSync(logFile) ? readFileSync(logFile, 'utf8').slice(-maxChars) : ''),
      stop: async () => {
        watchdog.kill('SIGKILL');
        if (started) {
          await run(join(PG_BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'], asUser);
          started = false;
        }
        await rm(dir, { recursive: true, force: true });
        process.removeListener('exit', killSync);
      },
    });
  } catch (err) {
    killSync();
    process.removeListener('exit', killSync);
    throw err;
  }
}

/** Shut the cluster down (SIGQUIT = immediate) and remove its directory once this process is gone. */
function startWatchdog(dir: string, data: string) {
  return cleanupWhenGone(`
    pid=$(head -n 1 '${data}/postmaster.pid' 2>/dev/null) && [ -n "$pid" ] && kill -QUIT "$pid" 2>/dev/null
    sleep 2
    rm -rf '${dir}'
  `);
}

/** The data directory of the postmaster listening on this port (its `-D dir -p port` arguments in /proc). */
function clusterDataDir(port: number): string {
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
  throw new Error(`no PostgreSQL postmaster found listening on port ${port} (only a cluster started by startPostgres can be controlled)`);
}

/**
 * pg_ctl on a throwaway cluster started by startPostgres, found by its port: `restart` (same options, so
 * the same port) or `stop`; mode `immediate` is a crash (sessions' sockets close mid-stream).
 */
export async function controlCluster(port: number, action: 'restart' | 'stop', mode: 'fast' | 'immediate'): Promise<void> {
  const data = clusterDataDir(port);
  const asUser: RunOptions = { timeoutMs: 90_000, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  if (process.getuid?.() === 0) {
    const uid = Number((await runOk('id', ['-u', 'postgres'])).stdout.trim());
    const gid = Number((await runOk('id', ['-g', 'postgres'])).stdout.trim());
    Object.assign(asUser, { uid, gid });
  }
  // -l: pg_ctl must not hand its stdout to the server, or run() would wait for the server to exit.
  await runOk(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', join(dirname(data), 'postgres.log'), '-m', mode, '-w', '-t', '60', action], asUser);
}

/** The gateway's environment for postgresEngine entries: the variable alice's password is read from. */
export const POSTGRES_ENGINE_ENV = { TOLLGATE_TEST_CRM_PASSWORD: 'alice' };

/** A `kind: postgres` engine for a gateway's config, on a throwaway cluster, connecting as alice. */
export function postgresEngine(
  target: Target,
  engine: { name: string; schemas?: string[]; tables?: Array<{ schema: string; name: string }> },
): Record<string, unknown> {
  return {
    ...engine,
    kind: 'postgres',
    connection: { host: target.host, port: target.port, database: target.database, user: 'alice', password: { env: 'TOLLGATE_TEST_CRM_PASSWORD' } },
  };
}
