/**
 * Team budgets through the PostgreSQL protocol: the cost notice says how much of the month is used, a
 * query that does not fit is refused (53400) before it runs and recorded as refused, a failed query gives
 * its reservation back, soft thresholds warn once, override tokens let a query past, and under 50
 * concurrent clients (on one instance, and on two instances sharing an external ledger) exactly the
 * queries that fit run.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { BudgetStore } from '../../src/budgets/index.ts';
import { startGateway, startGateways, type Gateway } from '../helpers/gateway.ts';
import { externalLedger, ledgerVariants, type LedgerVariant } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;
/** Billed at the 10 MiB minimum (one table), whatever the scale of the demo data. */
const QUERY = 'SELECT count(*) AS budget_probe FROM lake.hotels';

interface Outcome {
  ok: boolean;
  code?: string;
  message?: string;
  notices: string[];
}

async function run(gateway: Gateway, user: string, sql: string, setup: string[] = [], opts: { cache?: boolean } = {}): Promise<Outcome> {
  const c = new pg.Client({ ...gateway.clientConfig(user), application_name: `budgets-test-${process.pid}` });
  const notices: string[] = [];
  c.on('notice', (n) => notices.push(n.message ?? ''));
  await c.connect();
  try {
    // The same statement repeats: without this the repeats would be (free) cache hits, not billed runs.
    if (!opts.cache) await c.query('SET tollgate.cache = off');
    for (const s of setup) await c.query(s);
    await c.query(sql);
    return { ok: true, notices };
  } catch (e) {
    const err = e as { code?: string; message: string };
    return { ok: false, code: err.code ?? '', message: err.message, notices };
  } finally {
    await c.end();
  }
}

/** The cost of one QUERY, as the ledger billed it. */
async function costOfOne(gateway: Gateway, ledger: LedgerVariant): Promise<number> {
  const r = await run(gateway, 'bob', QUERY);
  assert.ok(r.ok, r.message);
  const client = await ledger.client(gateway);
  try {
    const row = await client.query<{ cost: string }>("SELECT cost FROM ledger.statements WHERE statement = $1 AND status = 'ok' LIMIT 1", [QUERY]);
    const cost = Number(row.rows[0]!.cost);
    assert.ok(cost > 0);
    return cost;
  } finally {
    await client.end();
  }
}

for (const ledger of ledgerVariants()) {
  describe(`budgets through the wire (${ledger.name} ledger)`, { skip }, () => {
    let gateway: Gateway;
    let pool: pg.Pool;
    let store: BudgetStore;
    let cost: number;
    before(async () => {
      gateway = await startGateway(await ledger.gatewayOptions());
      pool = new pg.Pool({ ...(await ledger.connection(gateway)), max: 4 });
      store = new BudgetStore({ pool, timeZone: 'UTC' });
      cost = await costOfOne(gateway, ledger);
      // Both demo teams get a budget now (amounts set by each test); an instance trusts its list of
      // budgeted teams for up to 2 s, so wait once for it to see them.
      await store.setBudget('growth', { monthly: 1000 }, 'test');
      await store.setBudget('pricing', { monthly: 1000 }, 'test');
      await new Promise((r) => setTimeout(r, 2100));
    });
    after(async () => {
      await pool?.end();
      await gateway?.stop();
      await ledger.stop();
    });

    it('the notice says how much of the month is used; a query over budget is refused with 53400 and recorded as refused', async () => {
      // growth (alice, carol) gets room for 3 queries and a half.
      await store.setBudget('growth', { monthly: cost * 3.5, softThresholds: [0.5] }, 'test');
      const seen: Outcome[] = [];
      for (let i = 0; i < 4; i++) seen.push(await run(gateway, 'alice', QUERY));
      assert.deepEqual(seen.map((o) => o.ok), [true, true, true, false]);
      assert.match(seen[0]!.notices.join('\n'), /to team growth \(month: \$[\d.]+ of \$[\d.]+\)/);
      // The 50% threshold is crossed by the second query, once.
      const warned = seen.map((o) => o.notices.some((n) => /team growth has used 50% of its/.test(n)));
      assert.deepEqual(warned, [false, true, false, false]);
      const refused = seen[3]!;
      assert.equal(refused.code, '53400');
      assert.match(refused.message!, /^query refused: team growth has \$[\d.]+ left of its \$[\d.]+ monthly budget and this query is estimated at \$[\d.]+; ask a tollgate admin/);
      const status = await store.status('growth');
      assert.equal(status.month.reserved, 0);
      assert.ok(status.month.spent <= cost * 3.5 + 1e-12);
      const client = await ledger.client(gateway);
      try {
        const rows = await client.query<{ status: string; cost: string }>(
          "SELECT status, cost FROM ledger.statements WHERE team = 'growth' AND statement = $1 ORDER BY started_at",
          [QUERY],
        );
        assert.deepEqual(rows.rows.map((r) => r.status), ['ok', 'ok', 'ok', 'refused']);
        assert.equal(Number(rows.rows[3]!.cost), 0, 'a refused query costs nothing');
      } finally {
        await client.end();
      }
    });

    it('a failed query gives its reservation back', async () => {
      const failing = 'SELECT 1 / (count(*) - count(*)) AS budget_fail FROM lake.hotels';
      const first = await run(gateway, 'bob', failing);
      assert.equal(first.code, '22012');
      const before = await store.status('pricing');
      const again = await run(gateway, 'bob', failing);
      assert.equal(again.code, '22012');
      const after = await store.status('pricing');
      assert.deepEqual([after.month.spent, after.month.reserved], [before.month.spent, 0]);
    });

    it('an override token lets one query past the budget, once', async () => {
      const { token } = await store.issueOverride({ team: 'growth', actor: 'test', validUntil: new Date(Date.now() + 3600_000), uses: 1 });
      const first = await run(gateway, 'alice', QUERY, [`SET tollgate.budget_override = '${token}'`]);
      assert.ok(first.ok, first.message);
      const second = await run(gateway, 'alice', QUERY, [`SET tollgate.budget_override = '${token}'`]);
      assert.equal(second.code, '53400');
    });

    it('a cache hit is free: it runs even when the budget is spent, and holds nothing', async () => {
      const sql = 'SELECT count(*) AS budget_cached FROM lake.hotels';
      await store.setBudget('growth', { monthly: 1000 }, 'test');
      const first = await run(gateway, 'alice', sql, [], { cache: true });
      assert.ok(first.ok, first.message);
      const spent = (await store.status('growth')).month.spent;
      await store.setBudget('growth', { monthly: spent }, 'test');
      assert.equal((await run(gateway, 'alice', QUERY)).code, '53400', 'the budget is spent');
      const again = await run(gateway, 'alice', sql, [], { cache: true });
      assert.ok(again.ok, again.message);
      assert.match(again.notices.join('\n'), /cache hit/);
      const after = await store.status('growth');
      assert.deepEqual([after.month.spent, after.month.reserved], [spent, 0]);
    });

    it('50 concurrent clients with budget for 10: exactly 10 run, the rest are refused, nothing is left reserved', async () => {
      // bob's team: budget for 10 queries and a half.
      const team = 'pricing';
      const spentBefore = (await store.status(team)).month.spent;
      await store.setBudget(team, { monthly: spentBefore + cost * 10.5 }, 'test');
      const outcomes = await Promise.all(Array.from({ length: 50 }, () => run(gateway, 'bob', QUERY)));
      const ok = outcomes.filter((o) => o.ok).length;
      const refused = outcomes.filter((o) => o.code === '53400').length;
      assert.deepEqual([ok, refused], [10, 40], JSON.stringify(outcomes.filter((o) => !o.ok && o.code !== '53400')));
      const status = await store.status(team);
      assert.equal(status.month.reserved, 0);
      assert.ok(status.month.spent <= spentBefore + cost * 10.5 + 1e-12);
    });
  });
}

describe('two instances on one external ledger share a budget', { skip }, () => {
  const ledger = externalLedger();
  const gateways: Gateway[] = [];
  let pool: pg.Pool;
  after(async () => {
    await pool?.end();
    await Promise.all(gateways.map((g) => g.stop()));
    await ledger.stop();
  });

  it('25 clients on each, budget for 10: exactly 10 run in all', async () => {
    const options = await ledger.gatewayOptions();
    gateways.push(...(await startGateways(2, options)));
    const [a, b] = gateways as [Gateway, Gateway];
    const cost = await costOfOne(a, ledger);
    await costOfOne(b, ledger); // both instances have served a query before the budget exists
    pool = new pg.Pool({ ...(await ledger.connection(a)), max: 4 });
    const store = new BudgetStore({ pool, timeZone: 'UTC' });
    await store.setBudget('growth', { monthly: 1000 }, 'test');
    const spentBefore = (await store.status('growth')).month.spent;
    await store.setBudget('growth', { monthly: spentBefore + cost * 10.5 }, 'test');
    // Each instance trusts its list of budgeted teams for up to 2 s; let both see the new budget.
    await new Promise((r) => setTimeout(r, 2100));
    // alice (growth) on both instances, 25 clients each.
    const outcomes = await Promise.all(Array.from({ length: 50 }, (_, i) => run(i % 2 === 0 ? a : b, 'alice', QUERY)));
    const ok = outcomes.filter((o) => o.ok).length;
    const refused = outcomes.filter((o) => o.code === '53400').length;
    assert.deepEqual([ok, refused], [10, 40], JSON.stringify({ others: outcomes.filter((o) => !o.ok && o.code !== '53400'), status: await store.status('growth'), cost, spentBefore }));
    const status = await store.status('growth');
    assert.equal(status.month.reserved, 0);
    assert.ok(status.month.spent <= spentBefore + cost * 10.5 + 1e-12);
  });
});
