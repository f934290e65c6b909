/**
 * Metabase cannot run here, so every card of dashboards/ runs through tollgate as Metabase would run it
 * (as a PostgreSQL client, simple and prepared statements), as an analyst and as an admin, against a real
 * ledger holding statements, budgets and cache hits; for both ledger variants (embedded and external).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { periodsAt } from '../../src/budgets/index.ts';
import { loadDashboards, type CardSpec } from '../../src/dashboards/index.ts';
import { repoRoot, startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerVariants } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const spec = await loadDashboards(`${repoRoot}/dashboards`);

/** Cards that may rightly be empty for an analyst of growth in this ledger. */
const MAY_BE_EMPTY_FOR_ANALYST = new Set(['failed-statements']);

for (const variant of ledgerVariants()) {
  describe(`every dashboard card runs through tollgate (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
    let gateway: Gateway;
    const tag = `dashboards-sql-${process.pid}`;

    before(async () => {
      gateway = await startGateway(await variant.gatewayOptions());
      // Statements by analysts of two teams (alice: growth, bob: pricing), one of them failing.
      for (const user of ['alice', 'bob']) {
        const c = new pg.Client({ ...gateway.clientConfig(user), application_name: tag });
        await c.connect();
        await c.query('SELECT count(*) AS n FROM lake.hotels');
        await c.query('SELECT city, count(*) AS n FROM lake.hotels GROUP BY city');
        await assert.rejects(c.query('SELECT no_such_column FROM lake.hotels'));
        await c.end();
      }
      const owner = await variant.client(gateway);
      try {
        // Records are written in batches off the query path; wait for them rather than for a fixed time.
        for (let i = 0; i < 100; i++) {
          const r = await owner.query<{ n: string }>("SELECT count(*) AS n FROM ledger.statements WHERE application_name = $1 AND status = 'error'", [tag]);
          if (Number(r.rows[0]!.n) === 2) break;
          await new Promise((res) => setTimeout(res, 100));
        }
        // Budgets and their usage in the current periods, as reserve() writes them (config: budgets in UTC).
        const p = periodsAt(new Date(), 'UTC');
        await owner.query(
          `INSERT INTO ledger.budgets (team, monthly, daily, soft_thresholds, hard_limit, updated_at, updated_by)
           VALUES ('growth', 100, 10, '{0.5,0.8}', 1.1, now(), 'test'), ('pricing', 50, NULL, '{0.9}', 1, now(), 'test')`,
        );
        await owner.query(
          `INSERT INTO ledger.budget_usage (team, user_name, period_kind, period_start, spent, reserved)
           VALUES ('growth', '', 'month', $1, 42.5, 1), ('growth', '', 'day', $2, 3, 0), ('growth', 'alice', 'month', $1, 42.5, 1),
                  ('pricing', '', 'month', $1, 7, 0)
           ON CONFLICT (team, period_kind, period_start, user_name) DO UPDATE SET spent = excluded.spent, reserved = excluded.reserved`,
          [p.monthStart, p.dayStart],
        );
        // A cache hit of alice's, as the result cache records one: billed nothing.
        await owner.query(
          `INSERT INTO ledger.statements (id, started_at, ended_at, duration_ms, instance, session_id, user_name, team, application_name, kind, status, statement, fingerprint, rows, engine, cache_hit, cost, billed_bytes)
           VALUES (gen_random_uuid(), now(), now(), 1, 'test', 0, 'alice', 'growth', $1, 'query', 'ok', 'SELECT count(*) AS n FROM lake.hotels', 'cafe0000cafe0000', 1, 'lake', true, 0, 0)`,
          [tag],
        );
      } finally {
        await owner.end();
      }
    });
    after(async () => {
      await gateway?.stop();
      await variant.stop();
    });

    /**
     * Runs a card's SQL as `user`, once as a simple query and once prepared (as JDBC does), with the same
     * columns (not always the same rows: reading the ledger is itself recorded in it).
     */
    const runCard = async (user: string, card: CardSpec): Promise<{ fields: string[]; rows: Record<string, unknown>[] }> => {
      const c = new pg.Client(gateway.clientConfig(user));
      await c.connect();
      try {
        const simple = await c.query(card.query);
        const prepared = await c.query({ name: `card_${card.key}`, text: card.query });
        assert.deepEqual(prepared.fields.map((f) => f.name), simple.fields.map((f) => f.name));
        return { fields: simple.fields.map((f) => f.name), rows: simple.rows };
      } catch (e) {
        throw new Error(`card ${card.key} as ${user}: ${(e as Error).message}\n${card.query}`);
      } finally {
        await c.end();
      }
    };

    for (const card of spec.cards) {
      it(`${card.key}: the expected columns, rows for an admin, only growth for alice`, async () => {
        const admin = await runCard('admin', card);
        assert.deepEqual(admin.fields, card.columns);
        assert.ok(admin.rows.length > 0, `${card.key}: no rows for admin`);

        const alice = await runCard('alice', card);
        assert.deepEqual(alice.fields, card.columns);
        if (!MAY_BE_EMPTY_FOR_ANALYST.has(card.key)) assert.ok(alice.rows.length > 0, `${card.key}: no rows for alice`);
        if (card.columns.includes('team')) {
          assert.deepEqual([...new Set(alice.rows.map((r) => r.team))].filter((t) => t !== 'growth'), [], `${card.key}: alice sees other teams`);
        }
      });
    }

    it('budget status: each budgeted team\'s month and day, limits from the budget, usage from the ledger', async () => {
      const c = new pg.Client(gateway.clientConfig('admin'));
      await c.connect();
      try {
        const r = await c.query<Record<string, string | null>>(
          'SELECT team, period_kind, period_start::text AS period_start, period_end::text AS period_end, budget, hard_limit_amount, spent, reserved, remaining, spent_fraction FROM tollgate.budget_status ORDER BY team, period_kind',
        );
        const p = periodsAt(new Date(), 'UTC');
        const rows = r.rows.map((x) => [x.team, x.period_kind, x.period_start, Number(x.budget ?? NaN), Number(x.hard_limit_amount ?? NaN), Number(x.spent), Number(x.reserved), x.remaining === null ? null : Number(x.remaining)]);
        assert.deepEqual(rows, [
          ['growth', 'day', p.dayStart, 10, 11, 3, 0, 8],
          ['growth', 'month', p.monthStart, 100, 110, 42.5, 1, 66.5],
          ['pricing', 'day', p.dayStart, NaN, NaN, 0, 0, null],
          ['pricing', 'month', p.monthStart, 50, 50, 7, 0, 43],
        ]);
      } finally {
        await c.end();
      }
      const a = new pg.Client(gateway.clientConfig('bob'));
      await a.connect();
      try {
        const r = await a.query<{ team: string }>('SELECT DISTINCT team FROM tollgate.budget_status');
        assert.deepEqual(r.rows.map((x) => x.team), ['pricing']);
      } finally {
        await a.end();
      }
    });
  });
}
