import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createConnection, createServer, type Socket } from 'node:net';
import { delimiter, join } from 'node:path';
import { run, type RunResult } from './proc.ts';

/**
 * unixODBC (isql, iusql) driving Debian's psqlODBC (odbc-postgresql), configured entirely in a temp dir:
 * ODBCSYSINI / ODBCINI point at our own odbcinst.ini and odbc.ini, /etc/odbc*.ini are never read or written.
 */

/**
 * The driver name our odbcinst.ini registers (a DSN's Driver= refers to it). psqlodbcw.so reads its Logdir
 * from the odbcinst.ini section of this exact name (its DBMS_NAME).
 */
export const ODBC_DRIVER = 'PostgreSQL Unicode';

/** `prog` on $PATH, or undefined. */
export function findOnPath(prog: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, prog))) return join(dir, prog);
  }
  return undefined;
}

/**
 * psqlODBC's shared library: psqlodbcw.so (Unicode, what Tableau and Power BI load) or psqlodbca.so (ANSI),
 * in Debian's /usr/lib/<multiarch>/odbc/. TOLLGATE_TEST_PSQLODBC_DRIVER overrides.
 */
export function findPsqlOdbcDriver(file = 'psqlodbcw.so'): string | undefined {
  const override = process.env.TOLLGATE_TEST_PSQLODBC_DRIVER;
  if (override) return existsSync(override) ? override : undefined;
  let dirs: string[] = [];
  try {
    dirs = readdirSync('/usr/lib').map((d) => join('/usr/lib', d, 'odbc'));
  } catch {
    /* no /usr/lib */
  }
  for (const dir of ['/usr/lib/odbc', ...dirs.sort()]) {
    if (existsSync(join(dir, file))) return join(dir, file);
  }
  return undefined;
}

/** Why the ODBC test cannot run here, or undefined. */
export function odbcSkipReason(): string | undefined {
  const missing: string[] = [];
  if (!findOnPath('isql')) missing.push('isql (apt-get install unixodbc)');
  if (!findPsqlOdbcDriver()) missing.push('psqlODBC psqlodbcw.so under /usr/lib/*/odbc/ (apt-get install odbc-postgresql)');
  return missing.length === 0 ? undefined : `not installed: ${missing.join(', ')}`;
}

/** The installed psqlODBC package version (dpkg), e.g. "1:13.02.0000-2+b1", or undefined. */
export async function psqlOdbcPackageVersion(): Promise<string | undefined> {
  const r = await run('dpkg-query', ['-W', '-f=${Version}', 'odbc-postgresql']).catch(() => undefined);
  return r?.code === 0 && r.stdout ? r.stdout : undefined;
}

export type DsnSettings = Record<string, string | number>;

export interface OdbcConfig {
  /** Environment for isql: inherited ODBC* variables removed, ODBCSYSINI/ODBCINI set, UTF-8 locale. */
  readonly env: NodeJS.ProcessEnv;
  /** Where psqlODBC writes its CommLog files (psqlodbc_<program>_<user><pid>.log). */
  readonly logDir: string;
}

/**
 * Write <dir>/odbcinst.ini (one driver, ODBC_DRIVER, with Logdir=<dir>/log) and <dir>/odbc.ini (the DSNs,
 * each with Driver=ODBC_DRIVER and CommLog=1 so the statements psqlODBC sends can be shown).
 */
export async function writeOdbcConfig(dir: string, driverPath: string, dsns: Record<string, DsnSettings>): Promise<OdbcConfig> {
  const logDir = join(dir, 'log');
  await mkdir(logDir, { recursive: true });
  const section = (name: string, kv: DsnSettings) => `[${name}]\n${Object.entries(kv).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
  await writeFile(
    join(dir, 'odbcinst.ini'),
    section(ODBC_DRIVER, { Description: 'psqlODBC for the tollgate tests', Driver: driverPath, Logdir: logDir }),
  );
  await writeFile(
    join(dir, 'odbc.ini'),
    Object.entries(dsns)
      .map(([name, kv]) => section(name, { Driver: ODBC_DRIVER, CommLog: 1, ...kv }))
      .join('\n'),
  );
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('ODBC') && !k.startsWith('PG')) env[k] = v;
  // psqlODBC connects through libpq, which reads PGOPTIONS: without tollgate's cost notices the driver's output
  // is the same as against PostgreSQL (a notice turns SQL_SUCCESS into SQL_SUCCESS_WITH_INFO).
  Object.assign(env, { ODBCSYSINI: dir, ODBCINI: join(dir, 'odbc.ini'), LC_ALL: 'C.UTF-8', PGOPTIONS: '-c client_min_messages=warning' });
  return { env, logDir };
}

export interface IsqlResult extends RunResult {
  /** stdout split into lines, the final empty one dropped. */
  lines: string[];
  /** The psqlODBC CommLog of this run (what it sent, what came back). */
  commLog: string;
  /** Every statement psqlODBC sent (PQsendQuery / PQprepare), in order. */
  sent: string[];
}

export interface IsqlOptions {
  /** Run iusql (the wide-character API, as Tableau and Power BI use it) instead of isql. */
  unicode?: boolean;
  /** -c: the first line is the column names. */
  headers?: boolean;
  /** Overrides the DSN's Username / Password. */
  user?: string;
  password?: string;
  /** Extra environment (e.g. another LC_ALL). */
  env?: NodeJS.ProcessEnv;
}

/**
 * `isql -v -b -d, DSN [user password]` (or iusql) with one statement per line on stdin, in batch mode: rows
 * as comma-separated values, errors as `[SQLSTATE]message` on stdout, exit 1 only when the connection fails.
 */
export async function isql(config: OdbcConfig, dsn: string, statements: readonly string[], opts: IsqlOptions = {}): Promise<IsqlResult> {
  for (const s of statements) if (s.includes('\n')) throw new Error(`isql reads one statement per line: ${JSON.stringify(s)}`);
  const before = new Set(await readdir(config.logDir));
  const args = ['-v', '-b', '-d,', ...(opts.headers ? ['-c'] : []), dsn];
  if (opts.user !== undefined || opts.password !== undefined) args.push(opts.user ?? 'alice', opts.password ?? '');
  const r = await run(opts.unicode ? 'iusql' : 'isql', args, {
    env: { ...config.env, ...opts.env },
    input: statements.map((s) => `${s}\n`).join(''),
    timeoutMs: 120_000,
  });
  const fresh = (await readdir(config.logDir)).filter((f) => f.startsWith('psqlodbc_') && !before.has(f)).sort();
  const commLog = (await Promise.all(fresh.map((f) => readFile(join(config.logDir, f), 'utf8')))).join('\n');
  const sent: string[] = [];
  for (const line of commLog.split('\n')) {
    const m = /^(?:PQsendQuery|PQprepare): \S+ '(.*)'(?: plan=\S+ nParams=\d+)?$/.exec(line);
    if (m) sent.push(m[1]!);
  }
  const lines = r.stdout.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return { ...r, lines, commLog, sent };
}

/** One isql run, for assertion messages. */
export function describeRun(r: IsqlResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}\npsqlODBC CommLog:\n${r.commLog.slice(-20_000)}`;
}

export interface ErrorResponse {
  severity: string | undefined;
  code: string | undefined;
  message: string | undefined;
}

export interface RecordingRelay {
  readonly port: number;
  /** The ErrorResponse messages the server sent, on every connection so far. */
  errors(): ErrorResponse[];
  close(): Promise<void>;
}

/**
 * A TCP relay on 127.0.0.1 in front of host:port that keeps what the server sends (plaintext protocol only:
 * the client must not ask for SSL). psqlODBC reports a failed connection as SQLSTATE 08001 with libpq's
 * text, so the SQLSTATE the server sent (28P01 for a wrong password) is read off the wire here.
 */
export async function recordingRelay(host: string, port: number): Promise<RecordingRelay> {
  const streams: Buffer[][] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const chunks: Buffer[] = [];
    streams.push(chunks);
    const upstream = createConnection(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
      s.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on('data', (d: Buffer) => chunks.push(d));
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((res, rej) => {
    server.once('error', rej);
    server.listen(0, '127.0.0.1', () => res());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('relay: no TCP address');
  return {
    port: address.port,
    errors: () => streams.flatMap((chunks) => errorResponses(Buffer.concat(chunks))),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}

/** The ErrorResponse ('E') messages in a server-to-client byte stream of the plaintext protocol. */
export function errorResponses(stream: Buffer): ErrorResponse[] {
  const out: ErrorResponse[] = [];
  let off = 0;
  while (off + 5 <= stream.length) {
    const type = String.fromCharCode(stream[off]!);
    const len = stream.readInt32BE(off + 1);
    const end = off + 1 + len;
    if (len < 4 || end > stream.length) break;
    if (type === 'E') {
      const fields = new Map<string, string>();
      let p = off + 5;
      while (p < end && stream[p] !== 0) {
        const z = stream.indexOf(0, p + 1);
        if (z < 0 || z >= end) break;
        fields.set(String.fromCharCode(stream[p]!), stream.toString('utf8', p + 1, z));
        p = z + 1;
      }
      out.push({ severity: fields.get('V') ?? fields.get('S'), code: fields.get('C'), message: fields.get('M') });
    }
    off = end;
  }
  return out;
}
