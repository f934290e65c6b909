/**
 * Teams and users managed through the admin API, against real gateways: a user created over HTTP signs
 * in over the PostgreSQL protocol (a real `pg` client, SCRAM) and over HTTP; a team move changes what the
 * user sees through tollgate.* and the API; a password reset retires the old password; disabling ends
 * the user's open sessions (57P01) and refuses new ones (28000, 403); config users and teams are
 * read-only; bad input is a 4xx, never a 500; the audit log names every change and no secret. Each suite
 * runs on the embedded ledger and on an external one (where two instances follow each other's changes).
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { gatewayCliPath, repoRoot, startGateway, startGateways, type Gateway } from '../helpers/gateway.ts';
import { run } from '../helpers/proc.ts';
import { basic } from '../helpers/http.ts';
import { externalLedger, ledgerVariants, type LedgerVariant } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;
const MARK = `admin_users_probe_${process.pid}`;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
}

async function api(gateway: Gateway, method: string, path: string, opts: { auth?: string; body?: unknown; rawBody?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { authorization: opts.auth ?? basic('admin') };
  let body: string | undefined;
  if (opts.rawBody !== undefined) {
    headers['content-type'] = 'application/json';
    body = opts.rawBody;
  } else if (opts.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === '' ? null : JSON.parse(text) };
}

/** Connects as `user`; resolves to the client, or rejects with the server's error. */
async function connect(gateway: Gateway, user: string, password: string): Promise<pg.Client> {
  const c = new pg.Client({ ...gateway.clientConfig(user, password), application_name: `admin-users-${process.pid}` });
  await c.connect();
  return c;
}

async function signInError(gateway: Gateway, user: string, password: string): Promise<{ code?: string; message: string }> {
  try {
    const c = await connect(gateway, user, password);
    await c.end();
  } catch (e) {
    return e as { code?: string; message: string };
  }
  assert.fail(`${user} signed in`);
}

async function queryAs<T>(gateway: Gateway, user: string, password: string, sql: string): Promise<T[]> {
  const c = await connect(gateway, user, password);
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Ledger writes are batched: wait until a statement is there (bounded, so a bug fails, not hangs). */
async function waitForStatement(ledger: LedgerVariant, gateway: Gateway, like: string): Promise<void> {
  const client = await ledger.client(gateway);
  try {
    for (let i = 0; i < 300; i++) {
      const r = await client.query('SELECT 1 FROM ledger.statements WHERE statement LIKE $1', [like]);
      if (r.rowCount !== 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  } finally {
    await client.end();
  }
  assert.fail(`the ledger never got ${like}`);
}

/** Retries until `check` passes (bounded): for effects that reach another instance through NOTIFY. */
async function eventually(check: () => Promise<void>): Promise<void> {
  let last: unknown;
  for (let i = 0; i < 200; i++) {
    try {
      await check();
      return;
    } catch (e) {
      last = e;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw last;
}

/**
 * Resolves with the first error that ends the connection (the server's FATAL). The listener stays: pg
 * emits a second error when the socket then closes, which must not go unhandled.
 */
function nextError(client: pg.Client): Promise<{ code?: string; message: string }> {
  return new Promise((resolve) => client.on('error', (e) => resolve(e as { code?: string; message: string })));
}

for (const ledger of ledgerVariants()) {
  describe(`admin management of teams and users (${ledger.name} ledger)`, { skip }, () => {
    let gateway: Gateway;
    let dataDir: string;
    const davePassword = 'dave-first-password-1';
    const daveChosen = 'dave-chosen-password-2';
    const secrets: string[] = [davePassword];

    before(async () => {
      // Our own data directory, kept across the restart below (the embedded ledger lives in it).
      dataDir = await mkdtemp(join(tmpdir(), 'tollgate-admin-users-'));
      await chmod(dataDir, 0o711);
      gateway = await startGateway({ ...(await ledger.gatewayOptions()), dataDir });
    });
    after(async () => {
      await gateway?.stop();
      await ledger.stop();
      await rm(dataDir, { recursive: true, force: true });
    });

    it('lists the config teams and users as read-only (source config)', async () => {
      const teams = await api(gateway, 'GET', '/v1/admin/teams');
      assert.equal(teams.status, 200);
      assert.deepEqual(
        teams.body.teams.map((t: { name: string; source: string }) => [t.name, t.source]),
        [['growth', 'config'], ['pricing', 'config'], ['ml', 'config'], ['platform', 'config']],
      );
      const alice = await api(gateway, 'GET', '/v1/admin/users/alice');
      assert.equal(alice.status, 200);
      assert.deepEqual(alice.body, { name: 'alice', team: 'growth', role: 'analyst', disabled: false, source: 'config', createdAt: null, createdBy: null, updatedAt: null, updatedBy: null });
    });

    it('refuses analysts (403), bad input (400), unknown names (404) and conflicts (409), never with a 500', async () => {
      const cases: Array<[string, string, { body?: unknown; rawBody?: string; auth?: string }, number, RegExp?]> = [
        ['GET', '/v1/admin/users', { auth: basic('alice') }, 403],
        ['POST', '/v1/admin/teams', { auth: basic('alice'), body: { name: 'x' } }, 403],
        ['POST', '/v1/admin/users', { auth: basic('alice'), body: { name: 'x', team: 'growth' } }, 403],
        ['GET', '/v1/admin/users', { auth: basic('admin', 'wrong') }, 401],
        ['POST', '/v1/admin/teams', { body: { name: 'x', owner: 'me' } }, 400, /unknown field "owner"/],
        ['POST', '/v1/admin/teams', { body: { name: 7 } }, 400],
        ['POST', '/v1/admin/teams', { body: { name: '' } }, 400],
        ['POST', '/v1/admin/teams', { body: { name: 'x'.repeat(64) } }, 400],
        ['POST', '/v1/admin/teams', { rawBody: '{"name": ' }, 400],
        ['POST', '/v1/admin/teams', { body: { name: 'growth' } }, 409, /already exists/],
        ['PATCH', '/v1/admin/teams/growth', { body: { description: 'x' } }, 409, /config file/],
        ['DELETE', '/v1/admin/teams/platform', {}, 409, /config file/],
        ['GET', '/v1/admin/teams/nosuch', {}, 404],
        ['PATCH', '/v1/admin/teams/nosuch', { body: { description: 'x' } }, 404],
        ['DELETE', '/v1/admin/teams/nosuch', {}, 404],
        ['POST', '/v1/admin/users', { body: { name: 'eve', team: 'growth', password: 'short' } }, 400, /password/],
        ['POST', '/v1/admin/users', { body: { name: 'eve', team: 'growth', role: 'root' } }, 400],
        ['POST', '/v1/admin/users', { body: { name: 'eve', team: 'growth', admin: true } }, 400, /unknown field "admin"/],
        ['POST', '/v1/admin/users', { body: { name: 'eve' } }, 400, /team is required/],
        ['POST', '/v1/admin/users', { body: { name: 'eve', team: 'nosuch' } }, 400, /team "nosuch" does not exist/],
        ['POST', '/v1/admin/users', { body: { name: 'pg_eve', team: 'growth' } }, 400, /reserved/],
        ['POST', '/v1/admin/users', { body: { name: 'tollgate_users', team: 'growth' } }, 400, /reserved/],
        ['POST', '/v1/admin/users', { body: { name: 'public', team: 'growth' } }, 400, /reserved/],
        ['POST', '/v1/admin/users', { body: { name: 'tollgate_metastore', team: 'growth' } }, 400, /reserved/],
        ['POST', '/v1/admin/users', { body: { name: 'alice', team: 'growth' } }, 409, /already exists/],
        ['PATCH', '/v1/admin/users/alice', { body: { disabled: true } }, 409, /config file/],
        ['PATCH', '/v1/admin/users/nosuch', { body: { disabled: true } }, 404],
        ['PATCH', '/v1/admin/users/nosuch', { body: {} }, 400],
        ['PATCH', '/v1/admin/users/nosuch', { body: { disabled: 'yes' } }, 400],
        ['POST', '/v1/admin/users/alice/password', {}, 409, /config file/],
        ['POST', '/v1/admin/users/nosuch/password', { body: { password: 'long-enough-password' } }, 404],
        ['POST', '/v1/admin/users/nosuch/password', { body: { password: 'short' } }, 400],
        ['GET', '/v1/admin/users/nosuch', {}, 404],
        ['DELETE', '/v1/admin/users/alice', {}, 404],
      ];
      for (const [method, path, opts, status, message] of cases) {
        const r = await api(gateway, method, path, opts);
        const label = `${method} ${path} ${JSON.stringify(opts.body ?? opts.rawBody ?? '')}`;
        assert.equal(r.status, status, `${label}: ${JSON.stringify(r.body)}`);
        assert.equal(typeof r.body.error.message, 'string', label);
        if (message) assert.match(r.body.error.message, message, label);
      }
      // The external ledger's owner is a role of its server too: no user may take its name.
      if (ledger.name === 'external') {
        const owner = (await ledger.connection(gateway)).user!;
        const r = await api(gateway, 'POST', '/v1/admin/users', { body: { name: owner, team: 'growth' } });
        assert.equal(r.status, 400, JSON.stringify(r.body));
      }
      // None of the refused creations left anything behind.
      const users = await api(gateway, 'GET', '/v1/admin/users');
      assert.deepEqual(users.body.users.map((u: { name: string }) => u.name).sort(), ['admin', 'alice', 'bob', 'carol']);
    });

    it('a created user signs in over the wire (SCRAM) and over HTTP at once', async () => {
      const team = await api(gateway, 'POST', '/v1/admin/teams', { body: { name: 'data', description: 'The data team' } });
      assert.equal(team.status, 201, JSON.stringify(team.body));
      assert.equal(team.body.source, 'api');
      assert.equal(team.body.createdBy, 'admin');
      const dave = await api(gateway, 'POST', '/v1/admin/users', { body: { name: 'dave', team: 'growth', password: davePassword } });
      assert.equal(dave.status, 201, JSON.stringify(dave.body));
      assert.equal(dave.body.password, undefined, 'a given password is not echoed');
      assert.deepEqual({ ...dave.body.user, createdAt: 'x', updatedAt: 'x' }, {
        name: 'dave', team: 'growth', role: 'analyst', disabled: false, source: 'api', createdAt: 'x', createdBy: 'admin', updatedAt: 'x', updatedBy: 'admin',
      });
      assert.equal((await api(gateway, 'POST', '/v1/admin/users', { body: { name: 'dave', team: 'growth' } })).status, 409);
      assert.equal((await api(gateway, 'POST', '/v1/admin/teams', { body: { name: 'data' } })).status, 409);

      const rows = await queryAs<{ who: string }>(gateway, 'dave', davePassword, `SELECT current_user AS who, count(*) AS ${MARK}_growth FROM lake.hotels`);
      assert.equal(rows[0]!.who, 'dave');
      const me = await api(gateway, 'GET', '/v1/me', { auth: basic('dave', davePassword) });
      assert.equal(me.status, 200);
      assert.deepEqual(me.body, { user: 'dave', team: 'growth', role: 'analyst', teams: ['growth'] });
      // The new team is a team like the config's: admins see it, its (empty) reports answer.
      assert.ok((await api(gateway, 'GET', '/v1/me')).body.teams.includes('data'));
      assert.equal((await api(gateway, 'GET', '/v1/teams/data/spend?from=2000-01-01&to=2100-12-31')).status, 200);
    });

    it("a user moved to another team sees only the new team's rows (SQL and HTTP)", async () => {
      await waitForStatement(ledger, gateway, `%${MARK}_growth%`);
      const before = await queryAs<{ team: string }>(gateway, 'dave', davePassword, `SELECT DISTINCT team FROM tollgate.queries WHERE statement LIKE '%${MARK}%'`);
      assert.deepEqual(before.map((r) => r.team), ['growth']);

      const moved = await api(gateway, 'PATCH', '/v1/admin/users/dave', { body: { team: 'data' } });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));
      assert.equal(moved.body.team, 'data');
      await queryAs(gateway, 'dave', davePassword, `SELECT count(*) AS ${MARK}_data FROM lake.hotels`);
      await waitForStatement(ledger, gateway, `%${MARK}_data%`);
      const after = await queryAs<{ team: string }>(gateway, 'dave', davePassword, `SELECT DISTINCT team FROM tollgate.queries WHERE statement LIKE '%${MARK}%'`);
      assert.deepEqual(after.map((r) => r.team), ['data']);

      assert.equal((await api(gateway, 'GET', '/v1/teams/growth/spend?from=2000-01-01&to=2100-12-31', { auth: basic('dave', davePassword) })).status, 404);
      const data = await api(gateway, 'GET', '/v1/teams/data/queries?from=2000-01-01&to=2100-12-31', { auth: basic('dave', davePassword) });
      assert.equal(data.status, 200, JSON.stringify(data.body));
      assert.deepEqual((await api(gateway, 'GET', '/v1/me', { auth: basic('dave', davePassword) })).body.teams, ['data']);

      // The ledger's visibility table follows, and a role change too.
      const owner = await ledger.client(gateway);
      try {
        assert.deepEqual((await owner.query('SELECT team, admin FROM ledger.users WHERE name = $1', ['dave'])).rows, [{ team: 'data', admin: false }]);
        assert.equal((await api(gateway, 'PATCH', '/v1/admin/users/dave', { body: { role: 'admin' } })).status, 200);
        assert.deepEqual((await owner.query('SELECT team, admin FROM ledger.users WHERE name = $1', ['dave'])).rows, [{ team: 'data', admin: true }]);
        assert.equal((await api(gateway, 'GET', '/v1/admin/users', { auth: basic('dave', davePassword) })).status, 200, 'now an admin');
        assert.equal((await api(gateway, 'PATCH', '/v1/admin/users/dave', { body: { role: 'analyst' } })).status, 200);
        assert.equal((await api(gateway, 'GET', '/v1/admin/users', { auth: basic('dave', davePassword) })).status, 403);
      } finally {
        await owner.end();
      }
    });

    it('a team with users cannot be deleted; an empty one can', async () => {
      const r = await api(gateway, 'DELETE', '/v1/admin/teams/data');
      assert.equal(r.status, 409, JSON.stringify(r.body));
      assert.match(r.body.error.message, /still has users/);
      assert.equal((await api(gateway, 'POST', '/v1/admin/teams', { body: { name: 'short-lived' } })).status, 201);
      assert.equal((await api(gateway, 'PATCH', '/v1/admin/teams/short-lived', { body: { description: 'soon gone' } })).body.description, 'soon gone');
      assert.equal((await api(gateway, 'DELETE', '/v1/admin/teams/short-lived')).status, 204);
      assert.equal((await api(gateway, 'GET', '/v1/admin/teams/short-lived')).status, 404);
      assert.equal((await api(gateway, 'POST', '/v1/admin/users', { body: { name: 'eve', team: 'short-lived' } })).status, 400);
    });

    it('a password reset: the new one works over the wire and HTTP, the old one no longer', async () => {
      const r = await api(gateway, 'POST', '/v1/admin/users/dave/password');
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.headers.get('cache-control'), 'no-store');
      const generated = r.body.password as string;
      assert.ok(generated.length >= 20, 'a strong generated password');
      secrets.push(generated);
      const c = await connect(gateway, 'dave', generated);
      await c.end();
      assert.equal((await signInError(gateway, 'dave', davePassword)).code, '28P01');
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: basic('dave', generated) })).status, 200);
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: basic('dave', davePassword) })).status, 401);

      const chosen = daveChosen;
      secrets.push(chosen);
      const set = await api(gateway, 'POST', '/v1/admin/users/dave/password', { body: { password: chosen } });
      assert.equal(set.status, 200);
      assert.deepEqual(set.body, { name: 'dave' });
      await (await connect(gateway, 'dave', chosen)).end();
      assert.equal((await signInError(gateway, 'dave', generated)).code, '28P01');
    });

    it("disabling ends the user's open sessions (57P01) and refuses sign-in (28000), HTTP Basic and tokens; enabling restores them", async () => {
      const password = daveChosen;
      const token = await api(gateway, 'POST', '/v1/admin/tokens', { body: { user: 'dave', name: 'notebook' } });
      assert.equal(token.status, 201);
      secrets.push(token.body.token);
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: `Bearer ${token.body.token}` })).status, 200);
      const open = await connect(gateway, 'dave', password);
      const ended = nextError(open);
      assert.equal((await open.query('SELECT 1 AS still_here')).rowCount, 1);

      const r = await api(gateway, 'PATCH', '/v1/admin/users/dave', { body: { disabled: true } });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      assert.equal(r.body.disabled, true);
      const fatal = await ended;
      assert.equal(fatal.code, '57P01');
      await open.end().catch(() => {});

      const refused = await signInError(gateway, 'dave', password);
      assert.equal(refused.code, '28000');
      assert.match(refused.message, /user "dave" is disabled/);
      // A wrong password still says only that the password is wrong.
      assert.equal((await signInError(gateway, 'dave', 'not-the-password')).code, '28P01');
      const viaBasic = await api(gateway, 'GET', '/v1/me', { auth: basic('dave', password) });
      assert.equal(viaBasic.status, 403);
      assert.match(viaBasic.body.error.message, /disabled/);
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: `Bearer ${token.body.token}` })).status, 403);

      assert.equal((await api(gateway, 'PATCH', '/v1/admin/users/dave', { body: { disabled: false } })).status, 200);
      await (await connect(gateway, 'dave', password)).end();
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: `Bearer ${token.body.token}` })).status, 200);
    });

    it('the audit log names every change and its actor, and no password or verifier is in it or in the logs', async () => {
      const audit = await api(gateway, 'GET', '/v1/admin/audit?limit=1000');
      assert.equal(audit.status, 200);
      const events = (audit.body.events as Array<{ actor: string; kind: string; subject: string; action: string }>).filter((e) => e.kind === 'team' || e.kind === 'user');
      const seen = events.map((e) => `${e.actor} ${e.kind} ${e.subject} ${e.action}`).reverse();
      assert.deepEqual(seen, [
        'admin team data created',
        'admin user dave created',
        'admin user dave updated',
        'admin user dave updated',
        'admin user dave updated',
        'admin team short-lived created',
        'admin team short-lived updated',
        'admin team short-lived deleted',
        'admin user dave password-reset',
        'admin user dave password-reset',
        'admin user dave disabled',
        'admin user dave enabled',
      ]);
      const owner = await ledger.client(gateway);
      let verifier: string;
      try {
        verifier = (await owner.query<{ v: string }>('SELECT scram_verifier AS v FROM ledger.managed_users WHERE name = $1', ['dave'])).rows[0]!.v;
      } finally {
        await owner.end();
      }
      const text = JSON.stringify(audit.body);
      const logs = gateway.output();
      assert.match(logs, /user created/, 'the log does record the change');
      for (const secret of [...secrets, verifier, 'SCRAM-SHA-256']) {
        assert.ok(!text.includes(secret), `the audit log must not contain ${secret.slice(0, 6)}…`);
        if (secret !== 'SCRAM-SHA-256') assert.ok(!logs.includes(secret), `the gateway log must not contain ${secret.slice(0, 6)}…`);
      }
      assert.ok(!logs.includes(verifier.split('$')[2]!), 'no part of the verifier is logged');
    });

    it('tollgate user list|create|set|password drive the same API', { skip: ledger.name !== 'embedded' && 'run once, on the embedded ledger' }, async () => {
      const cli = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
        run(process.execPath, ['--import', 'tsx', gatewayCliPath, 'user', ...args, '--url', `http://127.0.0.1:${gateway.httpPort}`], {
          cwd: repoRoot,
          env: { ...process.env, TOLLGATE_USER: 'admin', TOLLGATE_PASSWORD: 'admin', ...extraEnv },
        });
      const created = await cli(['create', 'gina', '--team', 'data', '--password-env', 'GINA_PW'], { GINA_PW: 'gina-password-1234' });
      assert.equal(created.code, 0, created.stderr);
      assert.match(created.stdout, /User gina created: team data, analyst\./);
      assert.doesNotMatch(created.stdout, /gina-password-1234/);
      await (await connect(gateway, 'gina', 'gina-password-1234')).end();

      const set = await cli(['set', 'gina', '--role', 'admin', '--disable']);
      assert.equal(set.code, 0, set.stderr);
      assert.match(set.stdout, /User gina: team data, admin, disabled\./);
      const list = await cli(['list']);
      assert.equal(list.code, 0, list.stderr);
      assert.match(list.stdout, /^gina +data +admin +disabled +api$/m);
      assert.match(list.stdout, /^alice +growth +analyst +active +config$/m);

      const reset = await cli(['password', 'gina']);
      assert.equal(reset.code, 0, reset.stderr);
      const generated = reset.stdout.trim().split('\n').at(-1)!;
      secrets.push(generated);
      assert.equal((await api(gateway, 'GET', '/v1/me', { auth: basic('gina', generated) })).status, 403, 'right password, still disabled');

      const refused = await cli(['set', 'alice', '--disable']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /user "alice" is declared in the config file/);
      assert.match(refused.stderr, /hint: Edit users in the config file/);
    });

    it('a created user is still there after a restart, with the ledger as the only record', async () => {
      const password = daveChosen;
      await gateway.stop();
      gateway = await startGateway({ ...(await ledger.gatewayOptions()), dataDir });
      const rows = await queryAs<{ who: string }>(gateway, 'dave', password, 'SELECT current_user AS who');
      assert.deepEqual(rows, [{ who: 'dave' }]);
      const teams = await api(gateway, 'GET', '/v1/admin/teams');
      assert.deepEqual(teams.body.teams.filter((t: { source: string }) => t.source === 'api').map((t: { name: string }) => t.name), ['data']);
    });
  });
}

describe('two instances on one external ledger follow each other’s user changes', { skip }, () => {
  const ledger = externalLedger();
  const gateways: Gateway[] = [];
  after(async () => {
    await Promise.all(gateways.map((g) => g.stop()));
    await ledger.stop();
  });

  it('a user created on one signs in on the other; disabled on one, their session on the other ends', async () => {
    const options = await ledger.gatewayOptions();
    gateways.push(...(await startGateways(2, options)));
    const [a, b] = gateways as [Gateway, Gateway];
    const password = 'frank-password-123';
    assert.equal((await api(a, 'POST', '/v1/admin/teams', { body: { name: 'ops' } })).status, 201);
    assert.equal((await api(a, 'POST', '/v1/admin/users', { body: { name: 'frank', team: 'ops', password } })).status, 201);

    // Instance b learns of frank through NOTIFY: its catalog role and its directory.
    await eventually(async () => {
      const rows = await queryAs<{ who: string }>(b, 'frank', password, 'SELECT current_user AS who, count(*) AS n FROM pg_catalog.pg_class');
      assert.equal(rows[0]!.who, 'frank');
    });
    await eventually(async () => assert.equal((await api(b, 'GET', '/v1/me', { auth: basic('frank', password) })).body.team, 'ops'));

    const open = await connect(b, 'frank', password);
    const ended = nextError(open);
    assert.equal((await api(a, 'PATCH', '/v1/admin/users/frank', { body: { disabled: true } })).status, 200);
    assert.equal((await ended).code, '57P01');
    await open.end().catch(() => {});
    assert.equal((await signInError(b, 'frank', password)).code, '28000');
  });
});
