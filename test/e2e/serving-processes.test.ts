/**
 * Several serving processes (server.processes = 2), through `tollgate serve` and real clients: new
 * connections are spread over both processes and each answers correctly; a CancelRequest reaches the
 * session it names whichever process accepted it; /metrics, GET /v1/admin/cache and DELETE sum or act
 * on both; a user created over HTTP signs in on both and, disabled, loses the sessions on both; the
 * ledger holds the statements of both; a worker that dies is started again; stop ends every process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { backendKey, connectClient, connectError, queryError, sendCancelRequest } from '../helpers/pg-client.ts';
import { LONG_QUERY } from '../helpers/sql.ts';
import { basic } from '../helpers/http.ts';
import { targetKind } from '../helpers/target.ts';
import { RSA_SHA256_CERT, RSA_SHA256_KEY } from '../unit/wire/tls-fixtures.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;
const PROCESSES = 2;
const DASHBOARD = "SELECT channel, count(*) AS n FROM lake.bookings GROUP BY channel ORDER BY channel";
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function api(gw: Gateway, method: string, path: string, body?: unknown, auth = basic('admin')): Promise<{ status: number; body: any }> {
  const r = await fetch(`http://${gw.host}:${gw.httpPort}${path}`, {
    method,
    headers: { authorization: auth, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await r.text();
  return { status: r.status, body: text === '' ? null : JSON.parse(text) };
}

/** Opens clients until at least one is served by each process (process ids: pid % processes is the slot). */
async function clientsOnEveryProcess(gw: Gateway, user = 'alice', password?: string): Promise<pg.Client[]> {
  const clients: pg.Client[] = [];
  const slots = new Set<number>();
  while (slots.size < PROCESSES) {
    if (clients.length >= 4 * PROCESSES) throw new Error(`connections reached only processes ${[...slots]}`);
    const c = new pg.Client(gw.clientConfig(user, password));
    c.on('error', () => {});
    await c.connect();
    clients.push(c);
    slots.add(backendKey(c).processID % PROCESSES);
  }
  return clients;
}

const slotOf = (c: pg.Client) => backendKey(c).processID % PROCESSES;

describe('several serving processes (server.processes = 2)', { skip }, () => {
  let gw: Gateway;
  before(async () => {
    gw = await startGateway({
      configPatch: (d) => {
        d.server = { ...(d.server as object), processes: PROCESSES };
        d.cache = { enabled: true };
      },
    });
  });
  after(async () => {
    await gw?.stop();
  });

  it('spreads connections over both processes, and each answers the same', async () => {
    const clients = await clientsOnEveryProcess(gw);
    try {
      const answers = await Promise.all(clients.map(async (c) => ({ slot: slotOf(c), rows: (await c.query('SELECT count(*)::int8 AS n, min(booking_id) AS first FROM lake.bookings')).rows })));
      assert.equal(new Set(answers.map((a) => a.slot)).size, PROCESSES);
      for (const a of answers) assert.deepEqual(a.rows, answers[0]!.rows);
      const pids = await Promise.all(clients.map(async (c) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid));
      assert.deepEqual(pids, clients.map((c) => backendKey(c).processID), 'pg_backend_pid() is the BackendKeyData process id');
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a CancelRequest stops the statement it names, whichever process accepts the cancel connection', async () => {
    const clients = await clientsOnEveryProcess(gw);
    try {
      for (const c of clients) {
        const { processID, secretKey } = backendKey(c);
        const running = queryError(c, LONG_QUERY);
        await sleep(300);
        // Several cancel connections: the balancer places them on either process; a wrong key is ignored.
        await sendCancelRequest(gw.host, gw.port, processID, secretKey ^ 0x1234);
        await sendCancelRequest(gw.host, gw.port, processID, secretKey);
        const err = await running;
        assert.equal(err.code, '57014', err.message);
        assert.deepEqual((await c.query('SELECT 1::int4 AS a')).rows, [{ a: 1 }]);
      }
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('the cache is shared: a result computed in one process is a hit in the other; figures and /metrics are the sums; DELETE empties both', async () => {
    assert.equal((await api(gw, 'DELETE', '/v1/admin/cache')).status, 200);
    const before = (await api(gw, 'GET', '/v1/admin/cache')).body;
    assert.equal(before.processes, PROCESSES);
    assert.equal(before.entries, 0);
    const clients = await clientsOnEveryProcess(gw);
    try {
      // The first run computes it; every other, in either process, is a hit (from the primary's cache
      // the first time in the worker, then from its own).
      for (const c of clients) for (let i = 0; i < 2; i++) await c.query(DASHBOARD);
      const now = (await api(gw, 'GET', '/v1/admin/cache')).body;
      assert.equal(now.misses - before.misses, 1, 'the engine ran once for both processes');
      assert.equal(now.stores - before.stores, 1);
      assert.equal(now.hits - before.hits, clients.length * 2 - 1);
      assert.equal(now.entries, PROCESSES, 'each process holds the entry');
      const metrics = await (await fetch(`http://${gw.host}:${gw.httpPort}/metrics`)).text();
      assert.equal(Number(/^tollgate_cache_entries (\d+)/m.exec(metrics)?.[1]), PROCESSES);
      assert.equal(Number(/^tollgate_active_sessions (\d+)/m.exec(metrics)?.[1]), clients.length);
      const cleared = (await api(gw, 'DELETE', '/v1/admin/cache')).body;
      assert.equal(cleared.entriesDropped, PROCESSES);
      assert.equal((await api(gw, 'GET', '/v1/admin/cache')).body.entries, 0);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('identical statements arriving at once in both processes run the engine once (single flight across processes)', async () => {
    assert.equal((await api(gw, 'DELETE', '/v1/admin/cache')).status, 200);
    const before = (await api(gw, 'GET', '/v1/admin/cache')).body;
    const clients = await clientsOnEveryProcess(gw);
    while (clients.length < 10) {
      const c = new pg.Client(gw.clientConfig('alice'));
      c.on('error', () => {});
      await c.connect();
      clients.push(c);
    }
    try {
      // A statement no other test runs, so that nothing is cached for it; a slow one, so that all overlap.
      const sql = `SELECT channel, count(*) AS n_${process.pid} FROM lake.bookings b1 CROSS JOIN (SELECT 1 FROM range(40)) r GROUP BY channel ORDER BY channel`;
      const answers = await Promise.all(clients.map((c) => c.query(sql)));
      for (const a of answers) assert.deepEqual(a.rows, answers[0]!.rows);
      const now = (await api(gw, 'GET', '/v1/admin/cache')).body;
      assert.equal(now.misses - before.misses, 1, `engine runs: ${now.misses - before.misses}`);
      assert.equal(now.hits - before.hits, clients.length - 1);
      assert.ok(new Set(clients.map(slotOf)).size === PROCESSES);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });

  it('a user created over HTTP signs in on both processes and, disabled, loses the sessions on both', async () => {
    const name = `procs_user_${process.pid}`;
    const password = 'a long enough password';
    const created = await api(gw, 'POST', '/v1/admin/users', { name, team: 'growth', password });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const clients = await clientsOnEveryProcess(gw, name, password);
    const ended = clients.map((c) => new Promise<Error & { code?: string }>((resolve) => c.once('error', resolve)));
    try {
      // The catalog and the ledger's views need the user's roles, made by the primary: both processes can use them.
      for (const c of clients) {
        assert.equal((await c.query("SELECT count(*)::int4 AS n FROM pg_catalog.pg_tables WHERE schemaname = 'lake'")).rows[0].n > 0, true);
        await c.query('SELECT count(*) FROM tollgate.queries');
      }
      assert.equal((await api(gw, 'PATCH', `/v1/admin/users/${name}`, { disabled: true })).status, 200);
      for (const err of await Promise.all(ended)) assert.equal(err.code, '57P01', err.message);
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => {})));
    }
  });

  it('failed sign-ins count in every process: a guesser spread over both meets one limit', async () => {
    const name = `procs_guess_${process.pid}`;
    assert.equal((await api(gw, 'POST', '/v1/admin/users', { name, team: 'growth', password: 'the right password!' })).status, 201);
    const slots = new Set<number>();
    // Five wrong passwords: the balancer spreads the connections (none stays open, so they alternate).
    for (let i = 0; i < 5; i++) {
      const err = await connectError(gw.clientConfig(name, `wrong ${i}`));
      assert.equal(err.code, '28P01', err.message);
    }
    for (const line of gw.output().split('\n')) if (line.includes(`"user":"${name}"`) && line.includes('password authentication failed')) slots.add(line.includes('"process":1') ? 1 : 0);
    assert.equal(slots.size, PROCESSES, 'the failures were seen by both processes');
    // Now even the right password is held off, on whichever process the next two connections land.
    for (let i = 0; i < PROCESSES; i++) {
      const err = await connectError(gw.clientConfig(name, 'the right password!'));
      assert.equal(err.code, '28000', err.message);
      assert.match(err.message, /too many failed sign-ins/);
    }
  });

  it('the ledger holds the statements served by both processes', async () => {
    const mark = `procs_${process.pid}_${Date.now()}`;
    const clients = await clientsOnEveryProcess(gw);
    try {
      // A text of its own per client: a cache hit (recorded without being waited for) would not be billable.
      for (const [i, c] of clients.entries()) await c.query(`SELECT count(*) AS ${mark}_${i} FROM lake.bookings WHERE channel = $1`, ['direct']);
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
    const admin = await connectClient(gw, 'admin');
    try {
      // A billable statement's record is committed before its CommandComplete, whichever process served it.
      const r = await admin.query("SELECT count(*)::int4 AS n FROM tollgate.queries WHERE statement LIKE $1 AND status = 'ok' AND kind = 'query'", [`%${mark}%`]);
      assert.equal(r.rows[0].n, clients.length);
    } finally {
      await admin.end();
    }
  });

  it('a serving process that dies is started again, and new connections are served meanwhile', async () => {
    const ready = (gw.output().match(/"slot":1,"pid":(\d+),"msg":"serving process ready"/g) ?? []).length;
    const workerPid = Number(/"slot":1,"pid":(\d+),"msg":"serving process ready"/.exec(gw.output())![1]);
    const exits = (gw.output().match(/serving process exited; starting it again/g) ?? []).length;
    process.kill(workerPid, 'SIGKILL');
    // Once the primary knows (a connection handed over in the instant the worker dies is lost with it, as
    // with a crashed PostgreSQL backend), every new connection is served, by the first process meanwhile.
    while ((gw.output().match(/serving process exited; starting it again/g) ?? []).length === exits) await sleep(20);
    for (let i = 0; i < 3; i++) {
      const c = await connectClient(gw);
      assert.deepEqual((await c.query('SELECT 1::int4 AS a')).rows, [{ a: 1 }]);
      await c.end();
    }
    const deadline = Date.now() + 30_000;
    while ((gw.output().match(/"slot":1,"pid":(\d+),"msg":"serving process ready"/g) ?? []).length === ready) {
      assert.ok(Date.now() < deadline, 'the worker was not started again within 30 s');
      await sleep(200);
    }
    const clients = await clientsOnEveryProcess(gw);
    await Promise.all(clients.map((c) => c.end()));
  });

  it('stops every process on SIGTERM, with exit code 0', async () => {
    const workerPids = [...gw.output().matchAll(/"slot":\d+,"pid":(\d+),"msg":"serving process ready"/g)].map((m) => Number(m[1]));
    await gw.stop();
    assert.equal(gw.exitCode(), 0, gw.output().slice(-3000));
    const alive = workerPids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], 'no serving process outlives the gateway');
  });
});

describe('several serving processes: TLS and the connection limit', { skip }, () => {
  let dir: string;
  let gw: Gateway;
  const MAX = 3;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-procs-tls-'));
    await writeFile(join(dir, 'server.crt'), RSA_SHA256_CERT);
    await writeFile(join(dir, 'server.key'), RSA_SHA256_KEY, { mode: 0o600 });
    gw = await startGateway({
      configPatch: (d) => {
        d.server = { ...(d.server as object), processes: PROCESSES, maxConnections: MAX, tls: { cert: join(dir, 'server.crt'), key: join(dir, 'server.key') } };
      },
    });
  });
  after(async () => {
    await gw?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('negotiates TLS in the process a connection is handed to, and bounds connections across processes', async () => {
    const clients: pg.Client[] = [];
    try {
      for (let i = 0; i < MAX; i++) {
        const c = new pg.Client({ ...gw.clientConfig('alice'), ssl: { rejectUnauthorized: false } });
        await c.connect();
        clients.push(c);
        const stream = (c as unknown as { connection: { stream: { encrypted?: boolean } } }).connection.stream;
        assert.equal(stream.encrypted, true);
        assert.deepEqual((await c.query('SELECT 42::int4 AS answer')).rows, [{ answer: 42 }]);
      }
      assert.equal(new Set(clients.map(slotOf)).size, PROCESSES, 'TLS sessions on both processes');
      // server.maxConnections counts the connections of every process.
      const err = await connectError({ ...gw.clientConfig('alice'), ssl: { rejectUnauthorized: false } });
      assert.equal(err.code, '53300', err.message);
      await clients.pop()!.end();
      const again = await connectClient(gw, 'alice', { ssl: { rejectUnauthorized: false } });
      await again.end();
    } finally {
      await Promise.all(clients.map((c) => c.end()));
    }
  });
});
