/**
 * The dashboard page in headless Chromium against a stub of the /v1 API (fixed answers in the documented
 * shapes), so the page's behaviour is checked without a gateway: sign-in errors, the numbers as shown,
 * the budget burn, the admin's team switch, a part that fails while the rest shows, SQL shown as text.
 * test/e2e/dashboard.test.ts does the same against a real gateway and its ledger.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { chromium, type Browser, type Page } from 'playwright-core';
import { dashboardRoutes } from '../../../src/http/routes/dashboard.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip = existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (Debian package chromium); the page cannot be tested in a browser here`;

const USERS: Record<string, { password: string; team: string; role: 'analyst' | 'admin' }> = {
  alice: { password: 'alice', team: 'growth', role: 'analyst' },
  admin: { password: 'admin', team: 'platform', role: 'admin' },
};
const TEAMS = ['growth', 'platform', 'pricing'];
const LONG_SQL = `SELECT booking_id, '<script>window.pwned = 1</script>' AS x, ${'price_usd, '.repeat(20)}nights FROM lake.bookings WHERE status = 'confirmed'`;

function monthBounds(): { from: string; to: string; second: string } {
  const now = new Date();
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  const day = (d: number) => new Date(Date.UTC(y, m, d)).toISOString().slice(0, 10);
  return { from: day(1), to: day(new Date(Date.UTC(y, m + 1, 0)).getUTCDate()), second: day(2) };
}

interface Row {
  key: string;
  queries: number;
  billedBytes: number;
  cost: number;
  cacheHits: number;
  savedCost: number;
}

function totals(rows: Row[]): Omit<Row, 'key'> {
  const t = { queries: 0, billedBytes: 0, cost: 0, cacheHits: 0, savedCost: 0 };
  for (const r of rows) for (const k of Object.keys(t) as (keyof typeof t)[]) t[k] += r[k];
  return t;
}

/** Per team: its rows by day, engine and user. growth has a budget; pricing does not; platform's top queries fail. */
function spendRows(team: string, by: string): Row[] {
  const { from, second } = monthBounds();
  const mb = 1024 * 1024;
  if (team === 'growth') {
    if (by === 'day') {
      return [
        { key: from, queries: 1, billedBytes: 10 * mb, cost: 0.000024, cacheHits: 0, savedCost: 0 },
        { key: second, queries: 2, billedBytes: 20 * mb, cost: 0.000024, cacheHits: 1, savedCost: 0.000012 },
      ];
    }
    if (by === 'engine') return [{ key: 'lake', queries: 3, billedBytes: 30 * mb, cost: 0.000048, cacheHits: 1, savedCost: 0.000012 }];
    return [{ key: 'alice', queries: 3, billedBytes: 30 * mb, cost: 0.000048, cacheHits: 1, savedCost: 0.000012 }];
  }
  return [{ key: by === 'day' ? from : by === 'engine' ? 'lake' : 'bob', queries: 7, billedBytes: 70 * mb, cost: 12.5, cacheHits: 0, savedCost: 0 }];
}

function stubApi(app: FastifyInstance): void {
  const authed = (request: FastifyRequest, reply: FastifyReply): (typeof USERS)[string] & { user: string } | undefined => {
    const m = /^Basic (.+)$/.exec(request.headers.authorization ?? '');
    const [user, password] = m ? Buffer.from(m[1]!, 'base64').toString('utf8').split(':') : [];
    if (user === 'flood') {
      void reply.code(429).send({ error: { code: 'TOO_MANY_CONNECTIONS', sqlstate: '53300', message: 'too many failed sign-ins' } });
      return undefined;
    }
    const u = user === undefined ? undefined : USERS[user];
    if (u === undefined || u.password !== password) {
      void reply.code(401).header('www-authenticate', 'Basic realm="tollgate"').send({ error: { code: 'INVALID_PASSWORD', sqlstate: '28P01', message: 'password authentication failed' } });
      return undefined;
    }
    return { ...u, user: user! };
  };
  const team = (request: FastifyRequest<{ Params: { team: string } }>, reply: FastifyReply): string | undefined => {
    const u = authed(request, reply);
    if (u === undefined) return undefined;
    const t = request.params.team;
    if (!TEAMS.includes(t) || (u.role !== 'admin' && u.team !== t)) {
      void reply.code(404).send({ error: { code: 'NOT_FOUND', sqlstate: '42704', message: `team "${t}" not found` } });
      return undefined;
    }
    return t;
  };

  app.get('/v1/me', async (request, reply) => {
    const u = authed(request, reply);
    if (u) return { user: u.user, team: u.team, role: u.role, teams: u.role === 'admin' ? TEAMS : [u.team] };
    return reply;
  });
  app.get<{ Params: { team: string }; Querystring: { by?: string } }>('/v1/teams/:team/spend', async (request, reply) => {
    const t = team(request, reply);
    if (t === undefined) return reply;
    const by = request.query.by ?? 'day';
    const rows = spendRows(t, by);
    return { team: t, currency: 'USD', ...monthBounds(), by, rows, total: totals(rows) };
  });
  app.get<{ Params: { team: string } }>('/v1/teams/:team/budget', async (request, reply) => {
    const t = team(request, reply);
    if (t === undefined) return reply;
    const { from, to } = monthBounds();
    const period = (kind: string) => ({ kind, start: from, spent: 0, reserved: 0, budget: null, limit: null, remaining: null, resetsOn: to, thresholds: [] });
    const status = { timeZone: 'UTC', month: period('month'), day: period('day'), users: [] };
    if (t !== 'growth') return { team: t, currency: 'USD', budget: null, status, forecast: { month: null } };
    const budget = { team: t, monthly: 1, daily: null, softThresholds: [0.5, 0.8], hardLimit: 1.1, userCaps: {}, updatedAt: new Date().toISOString(), updatedBy: 'admin' };
    const month = {
      ...period('month'),
      spent: 0.6,
      reserved: 0.05,
      budget: 1,
      limit: 1.1,
      remaining: 0.45,
      thresholds: [
        { threshold: 0.5, amount: 0.5, crossedAt: new Date().toISOString() },
        { threshold: 0.8, amount: 0.8, crossedAt: null },
      ],
    };
    return { team: t, currency: 'USD', budget, status: { ...status, month }, forecast: { month: 1.23 } };
  });
  app.get('/v1/admin/migrations', async (request, reply) => {
    const u = authed(request, reply);
    if (u === undefined) return reply;
    if (u.role !== 'admin') return reply.code(403).send({ error: { code: 'INSUFFICIENT_PRIVILEGE', sqlstate: '42501', message: 'admins only' } });
    const side = (engine: string, avgMs: number) => ({ engine, avgMs, estimatedBytes: 2048, cost: 0.0001 });
    return {
      migrations: [
        {
          migration: { schema: 'lake', table: 'hotels', oldEngine: 'lake', newEngine: 'crm', state: 'shadow', canaryPercent: 0, canaryTeams: [], shadowSampleRate: 1, updatedAt: new Date().toISOString(), updatedBy: 'admin' },
          compared: 4,
          matches: 3,
          mismatches: 1,
          errors: 0,
          examples: [{ at: new Date().toISOString(), statement: 'SELECT name FROM lake.hotels WHERE hotel_id = 1', reason: 'rows: the same count, different values' }],
          old: side('lake', 12.5),
          new: side('crm', 8.25),
        },
      ],
    };
  });
  app.get<{ Params: { team: string } }>('/v1/teams/:team/top-queries', async (request, reply) => {
    const t = team(request, reply);
    if (t === undefined) return reply;
    if (t === 'platform') return reply.code(500).send({ error: { code: 'INTERNAL', sqlstate: 'XX000', message: 'the ledger is on fire' } });
    const rows = [
      { fingerprint: 'a1b2c3d4e5f60718293a', sample: LONG_SQL, queries: 2, cost: 0.000036, billedBytes: 20 * 1024 * 1024, users: ['alice'], lastRunAt: new Date().toISOString() },
      { fingerprint: 'ffeeddccbbaa99887766', sample: 'SELECT 1', queries: 1, cost: 0.000012, billedBytes: 10 * 1024 * 1024, users: ['alice', 'dave'], lastRunAt: new Date().toISOString() },
    ];
    return { team: t, currency: 'USD', rows: t === 'growth' ? rows : [] };
  });
}

async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

const ready = (team: string) => `[data-testid="dashboard"][data-team="${team}"]:is([data-state="ready"], [data-state="partial"])`;

describe('dashboard page (stub API, headless Chromium)', { skip }, () => {
  let app: FastifyInstance;
  let browser: Browser;
  let page: Page;
  let origin: string;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    app = Fastify();
    await app.register(dashboardRoutes);
    stubApi(app);
    origin = await app.listen({ host: '127.0.0.1', port: 0 });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) foreign.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // CSP violations are reported on the console; app.js logs failed requests there too (expected here).
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto(`${origin}/`);
  });
  after(async () => {
    await browser?.close();
    await app?.close();
  });

  it('says which sign-in failed: wrong password, rate limited', async () => {
    await signIn(page, 'alice', 'nope');
    await page.getByTestId('signin-error').getByText('wrong user or password').waitFor();
    await signIn(page, 'flood', 'x');
    await page.getByTestId('signin-error').getByText('too many attempts, wait').waitFor();
    assert.equal(await page.getByTestId('dashboard').isVisible(), false);
  });

  it("shows an analyst's team: totals, budget burn, breakdowns, top queries", async () => {
    await signIn(page, 'alice', 'alice');
    await page.locator(ready('growth')).waitFor();
    assert.equal(await page.getByTestId('dashboard').getAttribute('data-state'), 'ready');
    assert.equal(await page.getByTestId('month-cost').textContent(), '$0.000048');
    assert.equal(await page.getByTestId('month-cost').getAttribute('data-value'), '0.000048');
    assert.equal(await page.locator('#migrations-card').isVisible(), false, 'analysts do not see table migrations');
    assert.equal(await page.getByTestId('month-queries').textContent(), '3');
    assert.equal(await page.getByTestId('month-bytes').textContent(), '30 MiB');
    assert.equal(await page.getByTestId('cache-saved').textContent(), '$0.000012');
    assert.equal(await page.getByTestId('cache-hits').textContent(), '1');

    assert.equal(await page.getByTestId('budget-used').textContent(), '65%');
    assert.equal(await page.getByTestId('budget-spent').textContent(), '$0.60');
    assert.equal(await page.getByTestId('budget-reserved').textContent(), '$0.05');
    assert.equal(await page.getByTestId('budget-amount').textContent(), '$1.00');
    assert.equal(await page.getByTestId('budget-limit').textContent(), '$1.10 (110%)');
    assert.equal(await page.getByTestId('budget-forecast').textContent(), '$1.23');
    assert.match(String(await page.getByTestId('budget-thresholds').textContent()), /^50% \(\$0\.50, crossed\), 80% \(\$0\.80\)$/);
    assert.equal(await page.locator('#burn-marks .mark-soft').count(), 2);
    assert.equal(await page.locator('#burn-marks .mark-hard').count(), 1);
    assert.equal(await page.locator('#burn').getAttribute('data-level'), 'warn');
    assert.match(String(await page.locator('#burn').getAttribute('aria-label')), /Spent \$0\.60 .* forecast \$1\.23/);
    assert.equal(await page.getByTestId('budget-none').isVisible(), false);

    assert.equal(await page.getByTestId('engine-row').count(), 1);
    assert.equal(await page.getByTestId('user-row').first().locator('th').textContent(), 'alice');
    // One row per day of the month up to today (days without queries are zeros).
    assert.ok((await page.locator('#daily-rows tr').count()) >= 1);
    assert.equal(await page.locator('#daily-chart').isVisible(), true);

    const rows = page.getByTestId('top-query-row');
    assert.equal(await rows.count(), 2);
    assert.equal(await rows.first().getByTestId('top-query-cost').textContent(), '$0.000036');
    assert.equal(await rows.first().locator('code').first().textContent(), 'a1b2c3d4e5f6');
    // Long SQL: truncated, the whole text on hover and in the expanded details, as text (never as markup).
    const summary = rows.first().locator('summary');
    assert.ok(String(await summary.textContent()).endsWith('…'));
    assert.equal(await summary.getAttribute('title'), LONG_SQL);
    await summary.click();
    assert.equal(await rows.first().locator('pre').textContent(), LONG_SQL);
    assert.equal(await page.evaluate('window.pwned === undefined && document.querySelectorAll("#top-rows script").length === 0'), true);

    assert.equal(await page.getByTestId('team-select').isVisible(), false, 'analysts get no team switcher');
    assert.equal(await page.evaluate('localStorage.length + sessionStorage.length + document.cookie.length'), 0, 'credentials stay in memory');
  });

  it('lets an admin switch teams; a team without budget says so; a failing part shows its error', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('User', { exact: true }).waitFor();
    await signIn(page, 'admin', 'admin');
    await page.locator(ready('platform')).waitFor();
    // platform's top queries answer 500: that part says so, the rest is shown.
    assert.equal(await page.getByTestId('dashboard').getAttribute('data-state'), 'partial');
    assert.match(String(await page.getByTestId('top-error').textContent()), /the ledger is on fire/);
    assert.equal(await page.getByTestId('month-cost').textContent(), '$12.50');

    // Admins see the table migrations, with the latest mismatch's SQL.
    const migration = page.getByTestId('migration-row');
    assert.equal(await migration.count(), 1);
    assert.equal(await page.getByTestId('migration-mismatches').getAttribute('data-value'), '1');
    assert.match(String(await migration.textContent()), /lake\.hotels.*shadow.*different values/);

    const select = page.getByTestId('team-select');
    assert.deepEqual(await select.locator('option').allTextContents(), TEAMS);
    await select.selectOption('pricing');
    await page.locator(ready('pricing')).waitFor();
    assert.equal(await page.getByTestId('dashboard').getAttribute('data-state'), 'ready');
    assert.equal(await page.getByTestId('budget-none').isVisible(), true);
    assert.equal(await page.getByTestId('budget-monthly').textContent(), 'no budget');
    assert.equal(await page.getByTestId('top-error').textContent(), '');

    await select.selectOption('growth');
    await page.locator(ready('growth')).waitFor();
    assert.equal(await page.getByTestId('month-cost').textContent(), '$0.000048');
  });

  it('made no request outside its origin and no CSP violation', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
