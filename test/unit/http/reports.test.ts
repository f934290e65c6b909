import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type pg from 'pg';
import { FakeClock, startLedgerDb, type LedgerDb } from '../../budgets/ledger-db.ts';
import { basic, testApp } from './helpers.ts';
import { insertStatements, type StatementRow } from './ledger-rows.ts';

/**
 * The analyst reports (spend, top queries, history) and /v1/me against a real, migrated ledger with
 * rows inserted here. Dates are in Europe/Berlin: a statement at 23:30 UTC belongs to the next local day.
 */

/** February 2026 for team growth (Berlin is UTC+1 all month), plus rows that must not count. */
const FEB: StatementRow[] = [
  // 0: 2026-02-01 00:30 in Berlin, still January in UTC.
  { startedAt: '2026-01-31T23:30:00Z', user: 'alice', team: 'growth', engine: 'duck', billedBytes: 8, cost: 0.125, tags: { env: 'dev' }, fingerprint: 'f3', statement: "SELECT '50%_off' FROM lake.deals" },
  // 1
  { startedAt: '2026-02-10T10:00:00Z', user: 'alice', team: 'growth', engine: 'duck', billedBytes: 100, cost: 1.5, tags: { dash: 'a', env: 'prod' }, fingerprint: 'f1', statement: 'SELECT * FROM lake.hotels' },
  // 2: 2026-02-11 00:30 in Berlin.
  { startedAt: '2026-02-10T23:30:00Z', user: 'alice', team: 'growth', engine: 'pg', billedBytes: 200, cost: 2.25, tags: { dash: 'b' }, fingerprint: 'f2', statement: 'SELECT 50 FROM lake.bookings' },
  // 3: a cache hit: billed nothing, saved 3.
  { startedAt: '2026-02-11T08:00:00Z', user: 'dave', team: 'growth', engine: 'duck', billedBytes: 50, cost: 0.25, cacheHit: true, savedCost: 3, fingerprint: 'f1', statement: 'select count(*) from LAKE.HOTELS' },
  // 4: failed: a query, but no money.
  { startedAt: '2026-02-11T09:00:00Z', user: 'dave', team: 'growth', engine: 'duck', status: 'error', sqlstate: '42703', billedBytes: 0, cost: 0, fingerprint: 'f1', statement: 'SELECT broken FROM lake.hotels', rows: null },
  // 5: a catalog statement: not in spend at all.
  { startedAt: '2026-02-11T09:30:00Z', user: 'dave', team: 'growth', kind: 'catalog', engine: null, statement: 'SELECT 1 FROM pg_catalog.pg_class' },
  // 6: a COPY costs money but is not a query.
  { startedAt: '2026-02-11T10:00:00Z', user: 'alice', team: 'growth', kind: 'copy', engine: 'duck', billedBytes: 10, cost: 0.5, statement: 'COPY x TO STDOUT' },
  // Not counted: another team, and 2026-03-01 00:30 in Berlin.
  { startedAt: '2026-02-10T12:00:00Z', user: 'bob', team: 'pricing', engine: 'duck', billedBytes: 999, cost: 100, fingerprint: 'f1' },
  { startedAt: '2026-02-28T23:30:00Z', user: 'alice', team: 'growth', engine: 'duck', billedBytes: 7, cost: 7, fingerprint: 'f1' },
];

const FIGURES = ['queries', 'billedBytes', 'cost', 'cacheHits', 'savedCost'] as const;
type Row = Record<string, unknown>;
const pick = (r: Row, keys: readonly string[]) => Object.fromEntries(keys.map((k) => [k, r[k]]));

describe('analyst report API', () => {
  let db: LedgerDb;
  let pool: pg.Pool;
  let app: FastifyInstance;
  let utcApp: FastifyInstance;
  let bare: FastifyInstance;
  let ids: string[];
  const clock = new FakeClock(new Date('2026-02-20T12:00:00Z'));
  const alice = { authorization: basic('alice') };
  const bob = { authorization: basic('bob') };
  const root = { authorization: basic('root') };

  before(async () => {
    db = await startLedgerDb();
    pool = db.pool();
    ids = await insertStatements(pool, FEB);
    const extra = { ledgerPool: () => pool, now: clock.now };
    ({ app } = await testApp({ extra: { ...extra, timeZone: 'Europe/Berlin' } }));
    ({ app: utcApp } = await testApp({ extra }));
    ({ app: bare } = await testApp());
  });
  after(async () => {
    await app?.close();
    await utcApp?.close();
    await bare?.close();
    await db?.stop();
  });

  const get = (url: string, headers: Record<string, string> = alice, on: FastifyInstance = app) => on.inject({ method: 'GET', url, headers });
  const spend = async (by: string, on: FastifyInstance = app) => {
    const r = await get(`/v1/teams/growth/spend?from=2026-02-01&to=2026-02-28&by=${by}`, alice, on);
    assert.equal(r.statusCode, 200, r.body);
    return r.json();
  };

  it('GET /v1/me: the user, team, role and readable teams', async () => {
    assert.deepEqual((await get('/v1/me')).json(), { user: 'alice', team: 'growth', role: 'analyst', teams: ['growth'] });
    assert.deepEqual((await get('/v1/me', root)).json(), { user: 'root', team: 'platform', role: 'admin', teams: ['growth', 'pricing', 'platform'] });
    assert.equal((await get('/v1/me', {})).statusCode, 401);
  });

  it('spend by day: local days in the zone, ascending, exact sums; the header fields', async () => {
    const s = await spend('day');
    assert.deepEqual(pick(s, ['team', 'currency', 'from', 'to', 'by']), { team: 'growth', currency: 'EUR', from: '2026-02-01', to: '2026-02-28', by: 'day' });
    assert.deepEqual(s.rows, [
      { key: '2026-02-01', queries: 1, billedBytes: 8, cost: 0.125, cacheHits: 0, savedCost: 0 },
      { key: '2026-02-10', queries: 1, billedBytes: 100, cost: 1.5, cacheHits: 0, savedCost: 0 },
      // rows 2 (23:30 UTC the day before), 3, 4 (failed: counted, costs nothing) and 6 (COPY: costs, not a query).
      { key: '2026-02-11', queries: 3, billedBytes: 260, cost: 3, cacheHits: 1, savedCost: 3 },
    ]);
    assert.deepEqual(s.total, { queries: 5, billedBytes: 368, cost: 4.625, cacheHits: 1, savedCost: 3 });
  });

  it('in UTC the same statements fall on other days', async () => {
    const s = await spend('day', utcApp);
    assert.deepEqual(s.rows.map((r: Row) => [r.key, r.queries, r.cost]), [
      ['2026-02-10', 2, 3.75],
      ['2026-02-11', 2, 0.75],
      // 2026-02-28 23:30 UTC is in February in UTC.
      ['2026-02-28', 1, 7],
    ]);
  });

  it('spend by engine and by user: costliest first, adding up to the total', async () => {
    const engine = await spend('engine');
    assert.deepEqual(engine.rows, [
      { key: 'duck', queries: 4, billedBytes: 168, cost: 2.375, cacheHits: 1, savedCost: 3 },
      { key: 'pg', queries: 1, billedBytes: 200, cost: 2.25, cacheHits: 0, savedCost: 0 },
    ]);
    const user = await spend('user');
    assert.deepEqual(user.rows, [
      { key: 'alice', queries: 3, billedBytes: 318, cost: 4.375, cacheHits: 0, savedCost: 0 },
      { key: 'dave', queries: 2, billedBytes: 50, cost: 0.25, cacheHits: 1, savedCost: 3 },
    ]);
    for (const s of [engine, user]) {
      for (const f of FIGURES) assert.equal(s.rows.reduce((a: number, r: Row) => a + (r[f] as number), 0), s.total[f], f);
    }
  });

  it('spend by tag: one row per name=value', async () => {
    const s = await spend('tag');
    assert.deepEqual(s.rows.map((r: Row) => pick(r, ['key', 'queries', 'cost'])), [
      { key: 'dash=b', queries: 1, cost: 2.25 },
      { key: 'dash=a', queries: 1, cost: 1.5 },
      { key: 'env=prod', queries: 1, cost: 1.5 },
      { key: 'env=dev', queries: 1, cost: 0.125 },
    ]);
    assert.equal(s.total.cost, 4.625, 'the total is every statement, tagged or not');
  });

  it('defaults: by=day, from the first of the month to today in the zone', async () => {
    // 2026-02-28 23:30 UTC is 2026-03-01 in Berlin: "today" there.
    clock.set('2026-02-28T23:45:00Z');
    const r = await get('/v1/teams/growth/spend');
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual(pick(r.json(), ['from', 'to', 'by']), { from: '2026-03-01', to: '2026-03-01', by: 'day' });
    assert.deepEqual(r.json().rows, [{ key: '2026-03-01', queries: 1, billedBytes: 7, cost: 7, cacheHits: 0, savedCost: 0 }]);
    clock.set('2026-02-20T12:00:00Z');
  });

  it('top queries by cost, with the latest text, the users and the last run', async () => {
    const r = await get('/v1/teams/growth/top-queries?from=2026-02-01&to=2026-02-28');
    assert.equal(r.statusCode, 200, r.body);
    const t = r.json();
    assert.equal(t.team, 'growth');
    assert.equal(t.currency, 'EUR');
    assert.deepEqual(t.rows, [
      { fingerprint: 'f2', sample: 'SELECT 50 FROM lake.bookings', queries: 1, cost: 2.25, billedBytes: 200, users: ['alice'], lastRunAt: '2026-02-10T23:30:00.000Z' },
      { fingerprint: 'f1', sample: 'SELECT broken FROM lake.hotels', queries: 3, cost: 1.75, billedBytes: 150, users: ['alice', 'dave'], lastRunAt: '2026-02-11T09:00:00.000Z' },
      { fingerprint: 'f3', sample: "SELECT '50%_off' FROM lake.deals", queries: 1, cost: 0.125, billedBytes: 8, users: ['alice'], lastRunAt: '2026-01-31T23:30:00.000Z' },
    ]);
    const one = await get('/v1/teams/growth/top-queries?from=2026-02-01&to=2026-02-28&limit=1');
    assert.deepEqual(one.json().rows.map((x: Row) => x.fingerprint), ['f2']);
    for (const limit of ['0', '101', 'x', '-1']) {
      const bad = await get(`/v1/teams/growth/top-queries?limit=${limit}`);
      assert.equal(bad.statusCode, 400, limit);
      assert.match(bad.json().error.message, /^limit must match pattern/);
    }
  });

  it('history: newest first, every field, filters by user and status', async () => {
    const r = await get('/v1/teams/growth/queries?from=2026-02-01&to=2026-02-28');
    assert.equal(r.statusCode, 200, r.body);
    const h = r.json();
    assert.equal(h.team, 'growth');
    assert.equal(h.next, null);
    assert.deepEqual(h.rows.map((x: Row) => x.id), [6, 5, 4, 3, 2, 1, 0].map((i) => ids[i]));
    assert.deepEqual(h.rows[2], {
      id: ids[4], startedAt: '2026-02-11T09:00:00.000Z', user: 'dave', kind: 'query', engine: 'duck', status: 'error', sqlstate: '42703',
      statement: 'SELECT broken FROM lake.hotels', rows: null, durationMs: 5, estimatedBytes: null, billedBytes: 0, cost: 0, cacheHit: false,
    });
    assert.equal(h.rows[1].engine, null);
    const dave = await get('/v1/teams/growth/queries?from=2026-02-01&to=2026-02-28&user=dave');
    assert.deepEqual(dave.json().rows.map((x: Row) => x.id), [5, 4, 3].map((i) => ids[i]));
    const errors = await get('/v1/teams/growth/queries?from=2026-02-01&to=2026-02-28&status=error');
    assert.deepEqual(errors.json().rows.map((x: Row) => x.id), [ids[4]]);
  });

  it('history search: case-insensitive substring, with % and _ taken literally', async () => {
    const search = async (s: string) => (await get(`/v1/teams/growth/queries?from=2026-02-01&to=2026-02-28&search=${encodeURIComponent(s)}`)).json().rows.map((x: Row) => x.id);
    assert.deepEqual(await search('HOTELS'), [4, 3, 1].map((i) => ids[i]));
    assert.deepEqual(await search('%_'), [ids[0]], 'not "anything"');
    assert.deepEqual(await search('0%'), [ids[0]], 'not "50 FROM"');
    assert.deepEqual(await search('nothing like it'), []);
  });

  it('history pages with a keyset cursor, also through rows of the same millisecond', async () => {
    const pages = async (url: string, limit: number, who: Record<string, string> = alice) => {
      const seen: string[] = [];
      let next: string | null = null;
      let count = 0;
      do {
        const r = await get(`${url}&limit=${limit}${next === null ? '' : `&before=${encodeURIComponent(next)}`}`, who);
        assert.equal(r.statusCode, 200, r.body);
        const page = r.json();
        assert.ok(page.rows.length <= limit);
        seen.push(...page.rows.map((x: Row) => x.id));
        next = page.next;
        assert.ok(++count < 20, 'pagination ends');
      } while (next !== null);
      return { seen, count };
    };
    const feb = await pages('/v1/teams/growth/queries?from=2026-02-01&to=2026-02-28', 3);
    assert.deepEqual(feb.seen, [6, 5, 4, 3, 2, 1, 0].map((i) => ids[i]));
    assert.equal(feb.count, 3);

    // Microseconds apart, and two at the very same instant: ordered by id.
    const same = await insertStatements(pool, [
      { startedAt: '2026-04-05T12:00:00.000100Z', user: 'root', team: 'platform' },
      { startedAt: '2026-04-05T12:00:00.000300Z', user: 'root', team: 'platform' },
      { startedAt: '2026-04-05T12:00:00.000200Z', user: 'root', team: 'platform', id: '00000000-0000-4000-8000-000000000001' },
      { startedAt: '2026-04-05T12:00:00.000200Z', user: 'root', team: 'platform', id: '00000000-0000-4000-8000-000000000002' },
    ]);
    const april = await pages('/v1/teams/platform/queries?from=2026-04-01&to=2026-04-30', 1, root);
    assert.deepEqual(april.seen, [same[1], same[3], same[2], same[0]]);

    const bad = await get('/v1/teams/growth/queries?before=yesterday');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /^before must match pattern/);
  });

  it('another team is 404 for analysts (as an unknown one); admins read any team', async () => {
    for (const path of ['spend', 'top-queries', 'queries', 'budget']) {
      for (const [who, team] of [[alice, 'pricing'], [bob, 'growth'], [alice, 'nope']] as const) {
        const r = await get(`/v1/teams/${team}/${path}`, who);
        assert.equal(r.statusCode, 404, `${path} ${team}`);
        assert.equal(r.json().error.message, `team "${team}" not found`);
      }
      if (path !== 'budget') assert.equal((await get(`/v1/teams/pricing/${path}`, root)).statusCode, 200, path);
    }
    const pricing = await get('/v1/teams/pricing/spend?from=2026-02-01&to=2026-02-28', root);
    assert.equal(pricing.json().total.cost, 100);
  });

  it("budget forecast: the month's spend so far over the elapsed part of the month, in the zone", async () => {
    const store = db.store({ timeZone: 'Europe/Berlin' });
    const { app: withBudgets } = await testApp({ budgets: store, extra: { ledgerPool: () => pool, now: clock.now, timeZone: 'Europe/Berlin' } });
    try {
      const forecast = async (team: string, who: Record<string, string>) => {
        const r = await get(`/v1/teams/${team}/budget`, who, withBudgets);
        assert.equal(r.statusCode, 200, r.body);
        return r.json().forecast;
      };
      await store.setBudget('growth', { monthly: 100 }, 'root');
      await store.setBudget('platform', { monthly: 100 }, 'root');
      await pool.query("INSERT INTO ledger.budget_usage (team, user_name, period_kind, period_start, spent) VALUES ('growth', '', 'month', '2026-02-01', 10)");
      // 2026-02-15 00:00 in Berlin: 14 of February's 28 days are over.
      clock.set('2026-02-14T23:00:00Z');
      assert.deepEqual(await forecast('growth', alice), { month: 20 });
      // A quarter of the month: 7 days.
      clock.set('2026-02-07T23:00:00Z');
      assert.deepEqual(await forecast('growth', alice), { month: 40 });
      assert.deepEqual(await forecast('platform', root), { month: null }, 'nothing spent yet');
      assert.deepEqual(await forecast('pricing', root), { month: null }, 'no budget');
    } finally {
      clock.set('2026-02-20T12:00:00Z');
      await withBudgets.close();
    }
  });

  it('bad periods and parameters are 400 naming them; no ledger is 503', async () => {
    const cases: Array<[string, RegExp]> = [
      ['/v1/teams/growth/spend?from=2026-02-30', /^from must be a date YYYY-MM-DD/],
      ['/v1/teams/growth/spend?from=2026-2-1', /^from must match pattern/],
      ['/v1/teams/growth/spend?from=2026-02-10&to=2026-02-01', /^from \(2026-02-10\) is after to \(2026-02-01\)/],
      ['/v1/teams/growth/spend?by=week', /^by must be equal to one of the allowed values|^by /],
      ['/v1/teams/growth/spend?color=red', /^unknown field "color"/],
      ['/v1/teams/growth/queries?status=fine', /^status /],
      ['/v1/teams/growth/queries?limit=0', /^limit must match pattern/],
    ];
    for (const [url, message] of cases) {
      const r = await get(url);
      assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
      assert.match(r.json().error.message, message, url);
    }
    const none = await get('/v1/teams/growth/spend', alice, bare);
    assert.equal(none.statusCode, 503);
    assert.equal(none.json().error.code, 'LEDGER_UNAVAILABLE');
  });
});
