import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { BudgetStore } from '../../../src/budgets/index.ts';
import { startLedgerDb, type LedgerDb } from '../../budgets/ledger-db.ts';
import { basic, testApp, type LogCapture } from './helpers.ts';

/**
 * The budget routes against a real BudgetStore on a throwaway, migrated ledger database. Each test uses
 * its own team of the configured ones (growth, pricing, platform) or resets it first.
 */
describe('budget HTTP API', () => {
  let db: LedgerDb;
  let store: BudgetStore;
  let app: FastifyInstance;
  let logs: LogCapture;
  before(async () => {
    db = await startLedgerDb();
    store = db.store();
    ({ app, logs } = await testApp({ budgets: store }));
  });
  after(async () => {
    await app?.close();
    await db?.stop();
  });

  const root = { authorization: basic('root') };
  const alice = { authorization: basic('alice') };
  const req = (method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, headers: Record<string, string>, payload?: unknown) =>
    app.inject({ method, url, headers, ...(payload !== undefined && { payload: payload as object }) });

  it('PUT then GET: the stored budget comes back, with the actor and the status', async () => {
    const body = { monthly: 200, daily: 20, softThresholds: [0.8, 0.5], hardLimit: 1.1, userCaps: { alice: { monthly: 50, daily: null } }, webhookUrl: 'https://hooks.example.com/t' };
    const put = await req('PUT', '/v1/admin/teams/growth/budget', root, body);
    assert.equal(put.statusCode, 200, put.body);
    const stored = put.json();
    assert.equal(stored.team, 'growth');
    assert.equal(stored.monthly, 200);
    assert.deepEqual(stored.softThresholds, [0.5, 0.8]);
    assert.equal(stored.updatedBy, 'root');
    assert.equal(stored.webhookUrl, 'https://hooks.example.com/t');
    assert.ok(!Number.isNaN(Date.parse(stored.updatedAt)));

    const get = await req('GET', '/v1/admin/teams/growth/budget', root);
    assert.equal(get.statusCode, 200, get.body);
    const g = get.json();
    assert.equal(g.team, 'growth');
    assert.equal(g.currency, 'EUR');
    assert.deepEqual(g.budget, stored);
    assert.equal(g.status.timeZone, 'UTC');
    assert.equal(g.status.month.budget, 200);
    assert.ok(Math.abs(g.status.month.limit - 220) < 1e-9);
    assert.equal(g.status.month.spent, 0);
    assert.deepEqual(g.status.month.thresholds.map((t: { threshold: number; crossedAt: unknown }) => [t.threshold, t.crossedAt]), [[0.5, null], [0.8, null]]);
    assert.deepEqual(g.status.users.map((u: { user: string }) => u.user), ['alice']);
  });

  it('a team without a budget reads as null; an unconfigured team is 404', async () => {
    const r = await req('GET', '/v1/admin/teams/pricing/budget', root);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().budget, null);
    assert.equal(r.json().status.month.limit, null);
    for (const [method, url] of [['GET', '/v1/admin/teams/nope/budget'], ['PUT', '/v1/admin/teams/nope/budget'], ['DELETE', '/v1/admin/teams/nope/budget'], ['GET', '/v1/admin/teams/nope/budget/changes'], ['POST', '/v1/admin/teams/nope/overrides']] as const) {
      const x = await req(method, url, root, method === 'PUT' ? { monthly: 1 } : method === 'POST' ? {} : undefined);
      assert.equal(x.statusCode, 404, `${method} ${url}: ${x.body}`);
      assert.deepEqual(x.json().error, { code: 'NOT_FOUND', sqlstate: '42704', message: 'team "nope" not found' });
    }
    assert.equal(await store.getBudget('nope'), null);
  });

  it('refuses bad budgets with 400 naming the field, and changes nothing', async () => {
    await store.setBudget('pricing', { monthly: 10 }, 'seed');
    const before = (await store.listChanges('pricing')).length;
    const cases: Array<[unknown, RegExp]> = [
      [{ monthly: -5 }, /^monthly must be >= 0/],
      [{ monthly: 1e13 }, /^monthly must be <= /],
      [{ monthly: '200' }, /^monthly must be number/],
      [{}, /^monthly is required/],
      [{ monthly: 1, dayly: 2 }, /^unknown field "dayly"/],
      [{ monthly: 1, daily: -1 }, /^daily /],
      [{ monthly: 1, hardLimit: 0 }, /^hardLimit must be > 0/],
      [{ monthly: 1, softThresholds: [0.5, 'x'] }, /^softThresholds\.1 must be number/],
      [{ monthly: 1, softThresholds: [0.9], hardLimit: 0.8 }, /soft threshold .* at most the hard limit/],
      [{ monthly: 1, userCaps: { alice: { monthly: 5 } } }, /^userCaps\.alice\.daily is required/],
      // alice is in growth, not pricing; nobody is nobody.
      [{ monthly: 1, userCaps: { alice: { monthly: 5, daily: null } } }, /^userCaps: "alice" is not a user of team "pricing"$/],
      [{ monthly: 1, userCaps: { nobody: { monthly: 5, daily: null } } }, /^userCaps: "nobody" is not a user of team "pricing"$/],
      [{ monthly: 1, webhookUrl: 'ftp://x' }, /webhookUrl must be an http or https URL/],
      [[1, 2], /must be object/],
    ];
    for (const [body, message] of cases) {
      const r = await req('PUT', '/v1/admin/teams/pricing/budget', root, body);
      assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
      assert.equal(r.json().error.code, 'INVALID_PARAMETER_VALUE');
      assert.equal(r.json().error.sqlstate, '22023');
      assert.match(r.json().error.message, message, JSON.stringify(body));
    }
    const malformed = await app.inject({ method: 'PUT', url: '/v1/admin/teams/pricing/budget', headers: { ...root, 'content-type': 'application/json' }, payload: '{"monthly": ' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await store.getBudget('pricing'))?.monthly, 10, 'nothing changed');
    assert.equal((await store.listChanges('pricing')).length, before, 'no change recorded');
  });

  it('records every change with its actor; the list is newest first', async () => {
    await req('PUT', '/v1/admin/teams/platform/budget', root, { monthly: 100 });
    await req('PUT', '/v1/admin/teams/platform/budget', root, { monthly: 150, daily: 10 });
    const r = await req('GET', '/v1/admin/teams/platform/budget/changes', root);
    assert.equal(r.statusCode, 200, r.body);
    const { team, changes } = r.json();
    assert.equal(team, 'platform');
    assert.deepEqual(changes.map((c: { action: string; changedBy: string }) => [c.action, c.changedBy]), [['set', 'root'], ['set', 'root']]);
    assert.equal(changes[0].before.monthly, 100);
    assert.equal(changes[0].after.monthly, 150);
    assert.equal(changes[1].before, null);
    const one = await req('GET', '/v1/admin/teams/platform/budget/changes?limit=1', root);
    assert.equal(one.json().changes.length, 1);
    const bad = await req('GET', '/v1/admin/teams/platform/budget/changes?limit=lots', root);
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /^limit must match pattern/);
  });

  it('DELETE answers 204, then 404 when there is nothing left to delete', async () => {
    await store.setBudget('pricing', { monthly: 10 }, 'seed');
    const del = await req('DELETE', '/v1/admin/teams/pricing/budget', root);
    assert.equal(del.statusCode, 204);
    assert.equal(del.body, '');
    assert.equal(await store.getBudget('pricing'), null);
    const again = await req('DELETE', '/v1/admin/teams/pricing/budget', root);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().error.message, 'team "pricing" has no budget');
    const changes = await store.listChanges('pricing');
    assert.equal(changes[0].action, 'delete');
    assert.equal(changes[0].changedBy, 'root');
  });

  it('issues an override token once, with defaults and with a window of any number of uses', async () => {
    const r = await req('POST', '/v1/admin/teams/growth/overrides', root);
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.headers['cache-control'], 'no-store');
    const o = r.json();
    assert.match(o.token, /^tgo_[A-Za-z0-9_-]{20,}$/);
    assert.equal(o.uses, 1);
    assert.equal(o.team, 'growth');
    assert.equal(Date.parse(o.validUntil) - Date.parse(o.validFrom), 60 * 60_000);
    assert.ok(!logs.text().includes(o.token), 'the token is not logged');

    const window = await req('POST', '/v1/admin/teams/growth/overrides', root, { validForMinutes: 15, uses: null });
    assert.equal(window.statusCode, 201, window.body);
    assert.equal(window.json().uses, null);
    assert.equal(Date.parse(window.json().validUntil) - Date.parse(window.json().validFrom), 15 * 60_000);

    const changes = await store.listChanges('growth', 2);
    assert.deepEqual(changes.map((c) => [c.action, c.changedBy]), [['override', 'root'], ['override', 'root']]);

    for (const [body, message] of [[{ validForMinutes: 0 }, /^validForMinutes must be >= 1/], [{ uses: 0 }, /^uses /], [{ uses: 1.5 }, /^uses /], [{ token: 'x' }, /unknown field "token"/]] as const) {
      const bad = await req('POST', '/v1/admin/teams/growth/overrides', root, body);
      assert.equal(bad.statusCode, 400, JSON.stringify(body));
      assert.match(bad.json().error.message, message);
    }
  });

  it('analysts read their own team (without the webhook URL); another team is 404, admin routes 403', async () => {
    await store.setBudget('growth', { monthly: 300, webhookUrl: 'https://hooks.example.com/secret' }, 'root');
    const mine = await req('GET', '/v1/teams/growth/budget', alice);
    assert.equal(mine.statusCode, 200, mine.body);
    assert.equal(mine.json().budget.monthly, 300);
    assert.equal(mine.json().currency, 'EUR');
    assert.equal('webhookUrl' in mine.json().budget, false);
    assert.ok(!mine.body.includes('secret'));
    assert.equal(mine.json().status.month.budget, 300);

    for (const team of ['pricing', 'platform', 'nope']) {
      const other = await req('GET', `/v1/teams/${team}/budget`, alice);
      assert.equal(other.statusCode, 404, team);
      assert.equal(other.json().error.message, `team "${team}" not found`, 'the same answer for a team that exists and one that does not');
    }
    assert.equal((await req('GET', '/v1/admin/teams/growth/budget', alice)).statusCode, 403);
    assert.equal((await req('GET', '/v1/admin/teams/growth/budget/changes', alice)).statusCode, 403);
    assert.equal((await req('POST', '/v1/admin/teams/growth/overrides', alice, {})).statusCode, 403);
    assert.equal((await req('DELETE', '/v1/admin/teams/growth/budget', alice)).statusCode, 403);
    assert.equal((await store.getBudget('growth'))?.monthly, 300);

    const admin = await req('GET', '/v1/teams/pricing/budget', root);
    assert.equal(admin.statusCode, 200, 'admins read any team');
  });
});
