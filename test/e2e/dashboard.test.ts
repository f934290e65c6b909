/**
 * The dashboard end to end: a real gateway, queries run as alice through the PostgreSQL protocol, a budget
 * set through the admin API, then the page in headless Chromium: sign-in errors (wrong password, rate
 * limited), alice's numbers checked against ledger.statements and the budget, the admin's team switch, a
 * screenshot (in the OS temp dir, path in the test's diagnostics), and no request leaving the origin.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { chromium, type Browser, type Page } from 'playwright-core';
import { formatMoney } from '../../src/billing/pricing.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { metastoreClient } from '../helpers/metastore.ts';
import { targetKind } from '../helpers/target.ts';
import { basic } from '../helpers/http.ts';

const CHROMIUM = '/usr/bin/chromium';
const skip =
  targetKind() === 'postgres'
    ? 'tollgate only: the dashboard is served by the gateway'
    : existsSync(CHROMIUM)
      ? undefined
      : `${CHROMIUM} is missing (Debian package chromium): the dashboard cannot be driven in a browser here`;

/** Distinct shapes (fingerprints), the first run twice (a second run may be a cache hit: cache-saved shows it). */
const QUERIES = [
  'SELECT count(*) AS dashboard_probe FROM lake.hotels',
  'SELECT count(*) AS dashboard_probe FROM lake.hotels',
  "SELECT city, count(*) AS hotels, avg(star_rating) AS stars FROM lake.hotels WHERE country <> 'nowhere' GROUP BY city ORDER BY hotels DESC, city LIMIT 20",
  'SELECT channel, device, sum(price_usd) AS revenue, count(*) AS bookings FROM lake.bookings GROUP BY channel, device ORDER BY revenue DESC',
];


async function runAs(gateway: Gateway, user: string, sqls: string[]): Promise<void> {
  const c = new pg.Client(gateway.clientConfig(user));
  await c.connect();
  try {
    for (const sql of sqls) await c.query(sql);
  } finally {
    await c.end();
  }
}

interface Ledger {
  queries: number;
  cost: number;
  saved: number;
  cacheHits: number;
  /** What the budget counts: every statement that ended ok, whatever its kind. */
  budgetSpent: number;
  top: { fingerprint: string; cost: number; queries: number }[];
}

/** Team growth's figures this month (UTC: the demo config's budget time zone), straight from ledger.statements. */
async function ledgerFigures(gateway: Gateway): Promise<Ledger> {
  const db = await metastoreClient(gateway, 'tollgate_ledger');
  try {
    const month = "s.team = 'growth' AND s.started_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'";
    const t = await db.query<{ queries: string; cost: string; saved: string; hits: string; spent: string }>(
      `SELECT count(*) FILTER (WHERE s.kind = 'query') AS queries,
              coalesce(sum(s.cost) FILTER (WHERE s.kind = 'query' AND s.status = 'ok'), 0)::text AS cost,
              coalesce(sum(s.saved_cost) FILTER (WHERE s.kind = 'query' AND s.status = 'ok'), 0)::text AS saved,
              count(*) FILTER (WHERE s.kind = 'query' AND s.status = 'ok' AND s.cache_hit) AS hits,
              coalesce(sum(s.cost) FILTER (WHERE s.status = 'ok'), 0)::text AS spent
         FROM ledger.statements s WHERE ${month}`,
    );
    const top = await db.query<{ fingerprint: string; cost: string; queries: string }>(
      `SELECT s.fingerprint, coalesce(sum(s.cost) FILTER (WHERE s.status = 'ok'), 0)::text AS cost, count(*) AS queries
         FROM ledger.statements s WHERE ${month} AND s.kind = 'query' AND s.fingerprint IS NOT NULL
        GROUP BY s.fingerprint ORDER BY 2::numeric DESC, 3 DESC, 1`,
    );
    const r = t.rows[0]!;
    return {
      queries: Number(r.queries),
      cost: Number(r.cost),
      saved: Number(r.saved),
      cacheHits: Number(r.hits),
      budgetSpent: Number(r.spent),
      top: top.rows.map((x) => ({ fingerprint: x.fingerprint, cost: Number(x.cost), queries: Number(x.queries) })),
    };
  } finally {
    await db.end();
  }
}

async function api<T>(gateway: Gateway, path: string, user: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
  const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
    ...init,
    headers: { authorization: basic(user), 'content-type': 'application/json', ...init.headers },
  });
  return { status: res.status, body: (await res.json()) as T };
}

interface BudgetAnswer {
  status: { month: { spent: number; reserved: number } };
}

/** Polls `check` until it returns true: for the ledger and the budget rows, written after the query answers. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const close = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(b));
const ready = (team: string, state = '[data-state="ready"]') => `[data-testid="dashboard"][data-team="${team}"]${state}`;
const settled = (team: string) => ready(team, ':is([data-state="ready"], [data-state="partial"])');

async function signIn(page: Page, user: string, password: string): Promise<void> {
  await page.getByLabel('User', { exact: true }).fill(user);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function numberOf(page: Page, testId: string): Promise<number> {
  const v = await page.getByTestId(testId).getAttribute('data-value');
  assert.ok(v !== null, `${testId} has no data-value`);
  return Number(v);
}

describe('dashboard page on a real gateway (headless Chromium)', { skip }, () => {
  let gateway: Gateway;
  let browser: Browser;
  let page: Page;
  let origin: string;
  let ledger: Ledger;
  /** Screenshots go here (the OS temp dir, never the repo); each test prints its files' paths. */
  let shots: string;
  const foreign: string[] = [];
  const pageErrors: string[] = [];

  before(async () => {
    gateway = await startGateway();
    origin = `http://127.0.0.1:${gateway.httpPort}`;
    const put = await api(gateway, '/v1/admin/teams/growth/budget', 'admin', { method: 'PUT', body: JSON.stringify({ monthly: 1 }) });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await runAs(gateway, 'alice', QUERIES);
    // A budget row is made by the first query that sees the budget (an instance may take a moment to
    // notice a new one), starting from what the ledger billed so far; run one more until it exists.
    await until('the growth budget to count spending', async () => {
      const b = await api<BudgetAnswer>(gateway, '/v1/teams/growth/budget', 'alice');
      if (b.body.status.month.spent > 0) return true;
      await runAs(gateway, 'alice', [QUERIES[0]!]);
      return false;
    });
    // The ledger row of the last statement may land just after its answer: wait until ledger and budget agree.
    await until('ledger.statements and the budget to agree', async () => {
      const b = await api<BudgetAnswer>(gateway, '/v1/teams/growth/budget', 'alice');
      ledger = await ledgerFigures(gateway);
      return b.body.status.month.reserved === 0 && close(b.body.status.month.spent, ledger.budgetSpent) && ledger.queries >= QUERIES.length;
    });

    shots = await mkdtemp(join(tmpdir(), 'tollgate-dashboard-'));
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('request', (r) => {
      if (new URL(r.url()).origin !== origin) foreign.push(r.url());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('console', (m) => {
      if (/Content.Security.Policy|Refused to/i.test(m.text())) pageErrors.push(m.text());
    });
    await page.goto(`${origin}/`);
  });

  after(async () => {
    await browser?.close();
    await gateway?.stop();
  });

  it('refuses a wrong password, and says to wait once sign-ins are rate limited', async () => {
    await signIn(page, 'alice', 'not-her-password');
    await page.getByTestId('signin-error').getByText('wrong user or password').waitFor();

    // Another (unknown) user's failures, until the gateway answers 429; alice is not affected by them.
    await until('sign-ins of "nobody" to be rate limited', async () => (await api(gateway, '/v1/me', 'nobody')).status === 429);
    await signIn(page, 'nobody', 'nobody');
    await page.getByTestId('signin-error').getByText('too many attempts, wait').waitFor();
    assert.equal(await page.getByTestId('dashboard').isVisible(), false);
  });

  it("shows alice's team with the ledger's numbers and the budget", async (t) => {
    await signIn(page, 'alice', 'alice');
    await page.locator(ready('growth')).waitFor();

    assert.equal(await numberOf(page, 'month-queries'), ledger.queries);
    assert.ok(close(await numberOf(page, 'month-cost'), ledger.cost), `month cost ${await numberOf(page, 'month-cost')} vs ledger ${ledger.cost}`);
    assert.equal(await page.getByTestId('month-cost').textContent(), formatMoney(ledger.cost, 'USD'));
    assert.match(String(await page.getByTestId('month-cost').textContent()), /^\$0\.0000\d+$|^\$\d/);
    assert.ok(close(await numberOf(page, 'cache-saved'), ledger.saved));
    assert.equal(await page.getByTestId('cache-saved').textContent(), formatMoney(ledger.saved, 'USD'));
    assert.equal(await numberOf(page, 'cache-hits'), ledger.cacheHits);

    // The budget: $1 a month, spent as the ledger says, nothing reserved, the default 100% hard limit.
    assert.equal(await page.getByTestId('budget-amount').textContent(), '$1.00');
    assert.equal(await page.getByTestId('budget-monthly').textContent(), '$1.00');
    assert.ok(close(await numberOf(page, 'budget-spent'), ledger.budgetSpent));
    assert.equal(await page.getByTestId('budget-spent').textContent(), formatMoney(ledger.budgetSpent, 'USD'));
    assert.equal(await numberOf(page, 'budget-reserved'), 0);
    assert.equal(await page.locator('#burn-marks .mark-hard').count(), 1);
    // Linear forecast to the month's end: at least what is spent already.
    assert.ok((await numberOf(page, 'budget-forecast')) >= ledger.budgetSpent - 1e-9);
    assert.equal(await page.getByTestId('budget-none').isVisible(), false);

    // Top queries: the ledger's costliest shapes, in its order.
    const rows = page.getByTestId('top-query-row');
    assert.equal(await rows.count(), Math.min(10, ledger.top.length));
    for (let i = 0; i < Math.min(10, ledger.top.length); i++) {
      const row = rows.nth(i);
      assert.ok(close(Number(await row.getByTestId('top-query-cost').getAttribute('data-value')), ledger.top[i]!.cost), `top query ${i} cost`);
      assert.equal(Number(await row.getByTestId('top-query-queries').getAttribute('data-value')), ledger.top[i]!.queries);
      assert.equal(await row.locator('code').first().getAttribute('title'), ledger.top[i]!.fingerprint);
    }
    assert.equal(await page.getByTestId('engine-row').count(), 1, 'all queries ran on the lake engine');
    assert.equal(await page.getByTestId('user-row').first().locator('th').textContent(), 'alice');
    assert.equal(await page.getByTestId('team-select').isVisible(), false, 'analysts get no team switcher');

    const shot = join(shots, 'dashboard-alice.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
    // The same at a phone's width: one column, nothing cut off.
    await page.setViewportSize({ width: 390, height: 844 });
    const phone = join(shots, 'dashboard-alice-phone.png');
    await page.screenshot({ path: phone, fullPage: true });
    t.diagnostic(`screenshot (390 px wide): ${phone}`);
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it('lets the admin switch to growth (same numbers) and to a team without budget', async (t) => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signIn(page, 'admin', 'admin');
    await page.locator(settled('platform')).waitFor();
    const select = page.getByTestId('team-select');
    assert.ok((await select.locator('option').allTextContents()).includes('growth'));

    await select.selectOption('growth');
    await page.locator(ready('growth')).waitFor();
    assert.equal(await numberOf(page, 'month-queries'), ledger.queries);
    assert.ok(close(await numberOf(page, 'month-cost'), ledger.cost));

    await select.selectOption('pricing');
    await page.locator(ready('pricing')).waitFor();
    assert.equal(await page.getByTestId('budget-none').isVisible(), true);
    assert.equal(await page.getByTestId('budget-monthly').textContent(), 'no budget');
    const shot = join(shots, 'dashboard-admin-pricing.png');
    await page.screenshot({ path: shot, fullPage: true });
    t.diagnostic(`screenshot: ${shot}`);
  });

  it('loaded everything from the gateway itself, with no CSP violation', () => {
    assert.deepEqual(foreign, []);
    assert.deepEqual(pageErrors, []);
  });
});
