import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { FakeClock, startLedgerDb, type LedgerDb } from '../../budgets/ledger-db.ts';
import { basic, testApp, type LogCapture } from './helpers.ts';

const DAY = 24 * 60 * 60 * 1000;

/** API tokens: issued and revoked by admins, used as `Authorization: Bearer tg_…`, stored as SHA-256 only. */
describe('API tokens', () => {
  let db: LedgerDb;
  let pool: pg.Pool;
  let app: FastifyInstance;
  let logs: LogCapture;
  const clock = new FakeClock(new Date('2026-05-10T12:00:00Z'));
  const root = { authorization: basic('root') };

  before(async () => {
    db = await startLedgerDb();
    pool = db.pool();
    ({ app, logs } = await testApp({ extra: { ledgerPool: () => pool, now: clock.now } }));
  });
  after(async () => {
    await app?.close();
    await db?.stop();
  });

  const issue = async (body: object, headers: Record<string, string> = root) => app.inject({ method: 'POST', url: '/v1/admin/tokens', headers, payload: body });
  const me = (token: string, remoteAddress?: string) =>
    app.inject({ method: 'GET', url: '/v1/me', headers: { authorization: `Bearer ${token}` }, ...(remoteAddress && { remoteAddress }) });

  it('issues a token once, which then authenticates as its user', async () => {
    const r = await issue({ user: 'alice', name: 'notebook', expiresInDays: 30 });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.headers['cache-control'], 'no-store');
    const t = r.json();
    assert.match(t.token, /^tg_[A-Za-z0-9_-]{40,}$/);
    assert.deepEqual({ ...t, id: undefined, token: undefined }, { id: undefined, token: undefined, user: 'alice', name: 'notebook', expiresAt: new Date(clock.t.getTime() + 30 * DAY).toISOString() });
    assert.ok(!logs.text().includes(t.token), 'the token is not logged');
    const stored = await pool.query('SELECT token_hash FROM ledger.api_tokens WHERE id = $1', [t.id]);
    assert.equal(stored.rows[0].token_hash.length, 32, 'only a SHA-256');
    assert.ok(!stored.rows[0].token_hash.toString('utf8').includes(t.token.slice(3)));

    const who = await me(t.token);
    assert.equal(who.statusCode, 200, who.body);
    assert.deepEqual(who.json(), { user: 'alice', team: 'growth', role: 'analyst', teams: ['growth'] });
    // The analyst's own team, not another one, and no admin routes.
    assert.equal((await app.inject({ method: 'GET', url: '/v1/teams/growth/spend', headers: { authorization: `Bearer ${t.token}` } })).statusCode, 200);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/teams/pricing/spend', headers: { authorization: `Bearer ${t.token}` } })).statusCode, 404);
    assert.equal((await app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: { authorization: `Bearer ${t.token}` } })).statusCode, 403);
  });

  it('lists tokens without secrets, with when they were last used', async () => {
    const t = (await issue({ user: 'bob', name: 'cron' })).json();
    assert.equal(t.expiresAt, null);
    clock.advance(1000);
    assert.equal((await me(t.token)).statusCode, 200);
    const r = await app.inject({ method: 'GET', url: '/v1/admin/tokens?user=bob', headers: root });
    assert.equal(r.statusCode, 200, r.body);
    const tokens = r.json().tokens;
    assert.deepEqual(tokens, [{ id: t.id, user: 'bob', name: 'cron', createdBy: 'root', createdAt: '2026-05-10T12:00:00.000Z', expiresAt: null, revokedAt: null, lastUsedAt: '2026-05-10T12:00:01.000Z' }]);
    assert.ok(!r.body.includes(t.token));
    const all = await app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: root });
    assert.ok(all.json().tokens.length >= 2);
    clock.set('2026-05-10T12:00:00Z');
  });

  it('a revoked token stops working at once; revoking twice is 404', async () => {
    const t = (await issue({ user: 'alice', name: 'to revoke' })).json();
    assert.equal((await me(t.token)).statusCode, 200);
    const del = await app.inject({ method: 'DELETE', url: `/v1/admin/tokens/${t.id}`, headers: root });
    assert.equal(del.statusCode, 204, del.body);
    const after = await me(t.token);
    assert.equal(after.statusCode, 401);
    assert.equal(after.json().error.message, 'invalid, expired or revoked API token');
    assert.equal((await app.inject({ method: 'DELETE', url: `/v1/admin/tokens/${t.id}`, headers: root })).statusCode, 404);
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/admin/tokens/not-a-uuid', headers: root })).statusCode, 400);
    const listed = (await app.inject({ method: 'GET', url: '/v1/admin/tokens?user=alice', headers: root })).json().tokens.find((x: { id: string }) => x.id === t.id);
    assert.equal(listed.revokedAt, clock.t.toISOString());
  });

  it('an expired token is refused', async () => {
    const t = (await issue({ user: 'alice', name: 'short', expiresInDays: 1 })).json();
    clock.advance(DAY - 1000);
    assert.equal((await me(t.token)).statusCode, 200);
    clock.advance(1000);
    assert.equal((await me(t.token)).statusCode, 401);
    clock.set('2026-05-10T12:00:00Z');
  });

  it("takes role and team from the users as configured; a disabled user's token is 403", async () => {
    const admin = (await issue({ user: 'root', name: 'ops' })).json();
    const r = await app.inject({ method: 'GET', url: '/v1/admin/tokens', headers: { authorization: `Bearer ${admin.token}` } });
    assert.equal(r.statusCode, 200, 'an admin token is an admin');
    const disabled = (await issue({ user: 'mallory', name: 'old' })).json();
    const refused = await me(disabled.token);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.message, 'user "mallory" is disabled');
  });

  it('unknown and malformed tokens are 401; plain HTTP from another host is 403 before the token is read', async () => {
    for (const token of ['tg_unknownunknownunknownunknownunknown', 'abc', 'tg_ with space']) {
      assert.equal((await me(token)).statusCode, 401, token);
    }
    const t = (await issue({ user: 'alice', name: 'remote' })).json();
    const remote = await me(t.token, '10.1.2.3');
    assert.equal(remote.statusCode, 403);
    assert.equal(remote.json().error.code, 'INSECURE_TRANSPORT');
  });

  it('only admins issue tokens, for configured users, with valid fields', async () => {
    assert.equal((await issue({ user: 'alice', name: 'x' }, { authorization: basic('alice') })).statusCode, 403);
    assert.equal((await issue({ user: 'alice', name: 'x' }, {})).statusCode, 401);
    const cases: Array<[object, RegExp]> = [
      [{ user: 'nobody', name: 'x' }, /^user: "nobody" is not a configured user$/],
      [{ user: 'alice' }, /^name is required/],
      [{ user: 'alice', name: 'x', expiresInDays: 0 }, /^expiresInDays must be >= 1/],
      [{ user: 'alice', name: 'x', expiresInDays: 1.5 }, /^expiresInDays must be integer/],
      [{ user: 'alice', name: 'x', token: 'mine' }, /^unknown field "token"/],
    ];
    for (const [body, message] of cases) {
      const r = await issue(body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.match(r.json().error.message, message);
    }
  });

  it('without a ledger, Bearer and the token routes answer 503', async () => {
    const { app: bare } = await testApp();
    try {
      const r = await bare.inject({ method: 'GET', url: '/v1/me', headers: { authorization: 'Bearer tg_whatever' } });
      assert.equal(r.statusCode, 503);
      assert.equal(r.json().error.code, 'LEDGER_UNAVAILABLE');
      assert.equal((await bare.inject({ method: 'GET', url: '/v1/admin/tokens', headers: root })).statusCode, 503);
    } finally {
      await bare.close();
    }
  });
});
