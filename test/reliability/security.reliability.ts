/**
 * Security (issue 10): a user of team A cannot read team B's ledger rows through SQL or HTTP; failed
 * sign-ins are rate limited per user and address (HTTP: 429, when that side has it; PostgreSQL: 28000
 * after 5 failures a minute); passwords and tokens never reach the gateway's log, even at debug level;
 * TLS works with psql sslmode=verify-full against a CA of our own, and fails against another CA.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BudgetStore } from '../../src/budgets/index.ts';
import { createScramVerifier } from '../../src/wire/password.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { embeddedLedger } from '../helpers/ledger.ts';
import { run } from '../helpers/proc.ts';
import { MODE, sleep } from './lib/mode.ts';
import { makeCerts } from './lib/tls-certs.ts';

const tag = `s${process.pid}`;
/** dave (team growth) has a password that cannot be confused with anything else in the log. */
const DAVE_PASSWORD = `Dave-Pw-${randomBytes(9).toString('hex')}`;
const WRONG_PASSWORD = `Wrong-Pw-${randomBytes(9).toString('hex')}`;

type SqlOutcome = { ok: true; rows: Record<string, unknown>[] } | { ok: false; code: string; message: string };

async function sql(gw: Gateway, user: string, text: string, password?: string): Promise<SqlOutcome> {
  const c = new pg.Client(gw.clientConfig(user, password));
  try {
    await c.connect();
    return { ok: true, rows: (await c.query(text)).rows };
  } catch (e) {
    return { ok: false, code: (e as { code?: string }).code ?? '', message: (e as Error).message };
  } finally {
    await c.end().catch(() => {});
  }
}

function basic(user: string, password: string): string {
  return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
}

describe(`security (${MODE})`, () => {
  let dir: string;
  let gw: Gateway;
  let certs: Awaited<ReturnType<typeof makeCerts>>;
  let pool: pg.Pool;
  const http = (path: string, auth: string, init: RequestInit = {}) =>
    fetch(`http://127.0.0.1:${gw.httpPort}${path}`, { ...init, headers: { authorization: auth, ...(init.body ? { 'content-type': 'application/json' } : {}) } });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'tollgate-sec-'));
    await chmod(dir, 0o711);
    certs = await makeCerts(dir);
    gw = await startGateway({
      // Debug level: the most the log ever says.
      env: { TOLLGATE_LOG_LEVEL: 'debug' },
      configPatch: (doc) => {
        doc.server = { ...(doc.server as Record<string, unknown>), tls: { cert: certs.cert, key: certs.key } };
        (doc.users as unknown[]).push({ name: 'dave', team: 'growth', password: { scram: createScramVerifier(DAVE_PASSWORD) } });
      },
    });
    pool = new pg.Pool({ ...(await embeddedLedger().connection(gw)), max: 2 });
    const store = new BudgetStore({ pool, timeZone: 'UTC' });
    await store.setBudget('growth', { monthly: 1_000_000 }, 'reliability');
    await store.setBudget('pricing', { monthly: 1_000_000 }, 'reliability');
    await sleep(2100);
  });
  after(async () => {
    await pool?.end();
    await gw?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("team A cannot read team B's ledger rows through SQL", async () => {
    assert.ok((await sql(gw, 'alice', `SELECT count(*) AS ${tag}_alice FROM lake.hotels`)).ok);
    assert.ok((await sql(gw, 'bob', `SELECT count(*) AS ${tag}_bob FROM lake.hotels`)).ok);
    const seenByAlice = await sql(gw, 'alice', `SELECT user_name, team FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS ${tag}_%'`);
    assert.ok(seenByAlice.ok, JSON.stringify(seenByAlice));
    assert.deepEqual(seenByAlice.rows.map((r) => r.user_name), ['alice'], 'alice sees her own statement and not bob’s');
    const seenByAdmin = await sql(gw, 'admin', `SELECT user_name FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS ${tag}_%' ORDER BY user_name`);
    assert.ok(seenByAdmin.ok);
    assert.deepEqual(seenByAdmin.rows.map((r) => r.user_name), ['alice', 'bob'], 'the admin sees both');
    for (const text of ['SELECT * FROM ledger.statements', `SELECT statement FROM ledger.statements WHERE team = 'pricing'`, 'SELECT * FROM ledger.budget_usage']) {
      const r = await sql(gw, 'alice', text);
      assert.ok(!r.ok, `alice read the raw ledger: ${text}`);
      assert.match(r.code, /^[0-9A-Z]{5}$/);
      assert.notEqual(r.code, 'XX000');
    }
  });

  it("team A cannot read team B's budget through HTTP", async () => {
    const own = await http('/v1/teams/growth/budget', basic('alice', 'alice'));
    assert.equal(own.status, 200, await own.text());
    const other = await http('/v1/teams/pricing/budget', basic('alice', 'alice'));
    assert.equal(other.status, 404, await other.text());
    const bob = await http('/v1/teams/pricing/budget', basic('bob', 'bob'));
    assert.equal(bob.status, 200, await bob.text());
  });

  it('SQL sign-ins: 5 failures of a user from an address, then 28000 until the window passes; other users unaffected', async () => {
    for (let i = 0; i < 5; i++) {
      const r = await sql(gw, 'carol', 'SELECT 1', WRONG_PASSWORD);
      assert.ok(!r.ok && r.code === '28P01', JSON.stringify(r));
    }
    const held = await sql(gw, 'carol', 'SELECT 1', 'carol');
    assert.ok(!held.ok && held.code === '28000', JSON.stringify(held));
    assert.match(held.message, /^too many failed sign-ins for user "carol" from 127\.0\.0\.1; try again in \d+ s$/);
    // psql shows the refusal as it is, and does not retry.
    const viaPsql = await run('psql', ['-X', '-A', '-t', '-c', 'select 1'], { env: gw.libpqEnv('carol', 'carol') });
    assert.notEqual(viaPsql.code, 0);
    assert.match(viaPsql.stderr, /too many failed sign-ins for user "carol"/);
    // Another user from the same address is not affected.
    const bob = await sql(gw, 'bob', 'SELECT 1 AS one');
    assert.ok(bob.ok);
  });

  it('HTTP sign-ins: repeated wrong passwords get 429', async (t) => {
    // Another person is adding this to src/http; until it answers 429, say so rather than fail.
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await http('/v1/me', basic('carol', WRONG_PASSWORD));
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    if (!statuses.includes(429)) {
      t.skip(`no HTTP sign-in rate limiting yet (answers: ${statuses.join(', ')})`);
      return;
    }
    assert.deepEqual(statuses.slice(0, 5), [401, 401, 401, 401, 401]);
    assert.equal(statuses[5], 429);
  });

  it('passwords and tokens never appear in the log', async () => {
    // Right and wrong passwords over SQL (SCRAM), psql, and HTTP Basic.
    assert.ok((await sql(gw, 'dave', 'SELECT 1', DAVE_PASSWORD)).ok);
    assert.ok(!(await sql(gw, 'dave', 'SELECT 1', WRONG_PASSWORD)).ok);
    assert.equal((await run('psql', ['-X', '-c', 'select 1'], { env: gw.libpqEnv('dave', DAVE_PASSWORD) })).code, 0);
    await (await http('/v1/me', basic('dave', DAVE_PASSWORD))).arrayBuffer();
    await (await http('/v1/me', basic('dave', WRONG_PASSWORD))).arrayBuffer();
    // An override token, set in a session and used by a query, and one that is not valid.
    const store = new BudgetStore({ pool, timeZone: 'UTC' });
    const { token: override } = await store.issueOverride({ team: 'growth', actor: 'reliability', validUntil: new Date(Date.now() + 3_600_000), uses: 1 });
    const bogus = `${override.slice(0, -6)}zzzzzz`;
    const c = new pg.Client(gw.clientConfig('dave', DAVE_PASSWORD));
    await c.connect();
    await c.query(`SET tollgate.budget_override = '${override}'`);
    await c.query('SELECT count(*) FROM lake.hotels');
    await c.query(`SET tollgate.budget_override = '${bogus}'`).catch(() => {});
    await c.query('SELECT count(*) FROM lake.bookings').catch(() => {});
    await c.end();
    // An API token, issued by the admin and used.
    const issued = await http('/v1/admin/tokens', basic('admin', 'admin'), { method: 'POST', body: JSON.stringify({ user: 'dave', name: 'reliability' }) });
    const apiToken = issued.status === 201 ? ((await issued.json()) as { token: string }).token : null;
    if (apiToken) await (await http('/v1/me', `Bearer ${apiToken}`)).arrayBuffer();
    await sleep(500); // let the log lines reach the pipe

    const log = gw.output();
    const secrets = { DAVE_PASSWORD, WRONG_PASSWORD, override, bogus, ...(apiToken && { apiToken }) };
    for (const [name, secret] of Object.entries(secrets)) {
      const at = log.indexOf(secret);
      assert.equal(at, -1, `${name} is in the log: …${log.slice(Math.max(0, at - 300), at + 100)}…`);
    }
    assert.ok(log.length > 1000, 'the gateway logged (the check above would be empty otherwise)');
  });

  it('TLS works with psql sslmode=verify-full against our CA, and fails against another CA', async () => {
    const env = { ...gw.libpqEnv('alice'), PGHOST: 'localhost', PGSSLMODE: 'verify-full', PGSSLROOTCERT: certs.ca };
    const good = await run('psql', ['-X', '-A', '-t', '-c', 'select 1'], { env });
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout.trim(), '1');
    const info = await run('psql', ['-X', '-c', '\\conninfo'], { env });
    assert.match(info.stdout, /SSL connection/);
    const byIp = await run('psql', ['-X', '-A', '-t', '-c', 'select 2'], { env: { ...env, PGHOST: '127.0.0.1' } });
    assert.equal(byIp.code, 0, byIp.stderr);
    const wrong = await run('psql', ['-X', '-A', '-t', '-c', 'select 1'], { env: { ...env, PGSSLROOTCERT: certs.wrongCa } });
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /certificate verify failed|SSL error/i);
  });
});
