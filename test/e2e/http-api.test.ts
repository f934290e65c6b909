/**
 * The HTTP API against a real gateway: queries run through the PostgreSQL protocol, then the analyst
 * routes read them back from the ledger (its owner's pool, the configured time zone) and must agree
 * with the ledger rows.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { embeddedLedger } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const skip = targetKind() === 'postgres' ? 'tollgate only' : undefined;
const ZONE = 'Europe/Berlin';
const MARK = `http_api_probe_${process.pid}`;
const QUERIES = [
  `SELECT count(*) AS ${MARK} FROM lake.hotels`,
  `SELECT count(*) AS ${MARK} FROM lake.hotels WHERE 2 > 1`,
  `SELECT max(${MARK}) FROM (SELECT 1 AS ${MARK}) t`,
];

/** Ledger writes are batched: wait until the statements are there (bounded, so a bug fails, not hangs). */
async function waitForRows(client: pg.Client, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const r = await client.query<{ n: string }>('SELECT count(*) AS n FROM ledger.statements WHERE statement LIKE $1', [`%${MARK}%`]);
    if (Number(r.rows[0]!.n) >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`the ledger did not get ${count} statements`);
}

describe('HTTP API against a gateway', { skip }, () => {
  const ledger = embeddedLedger();
  let gateway: Gateway;
  let client: pg.Client;

  const api = async (path: string, user: string) => {
    const res = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, { headers: { authorization: `Basic ${Buffer.from(`${user}:${user}`).toString('base64')}` } });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & { rows: Array<Record<string, unknown>> } };
  };

  before(async () => {
    gateway = await startGateway({
      configPatch: (doc) => {
        doc.budgets = { ...((doc.budgets as object | undefined) ?? {}), timeZone: ZONE };
      },
    });
    for (const [user, sql] of [['alice', QUERIES[0]], ['alice', QUERIES[1]], ['alice', QUERIES[2]], ['bob', QUERIES[0]]] as const) {
      const c = new pg.Client(gateway.clientConfig(user));
      await c.connect();
      try {
        await c.query(sql!);
      } finally {
        await c.end();
      }
    }
    client = await ledger.client(gateway);
    await waitForRows(client, 4);
  });
  after(async () => {
    await client?.end();
    await gateway?.stop();
  });

  it('GET /v1/me as alice', async () => {
    const r = await api('/v1/me', 'alice');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { user: 'alice', team: 'growth', role: 'analyst', teams: ['growth'] });
  });

  it("GET /v1/teams/growth/spend matches the ledger's rows, by local day", async () => {
    const r = await api('/v1/teams/growth/spend?from=2000-01-01&to=2100-12-31', 'alice');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    const expected = await client.query<{ day: string; queries: string; billed: string; cost: string; hits: string }>(
      `SELECT to_char((started_at AT TIME ZONE $1)::date, 'YYYY-MM-DD') AS day,
              count(*) FILTER (WHERE kind = 'query') AS queries,
              coalesce(sum(billed_bytes) FILTER (WHERE status = 'ok'), 0) AS billed,
              coalesce(sum(cost) FILTER (WHERE status = 'ok'), 0) AS cost,
              count(*) FILTER (WHERE cache_hit AND status = 'ok') AS hits
         FROM ledger.statements
        WHERE team = 'growth' AND (kind = 'query' OR (status = 'ok' AND cost <> 0))
        GROUP BY 1 ORDER BY 1`,
      [ZONE],
    );
    assert.deepEqual(
      r.body.rows.map((x) => [x.key, x.queries, x.billedBytes, x.cost, x.cacheHits]),
      expected.rows.map((x) => [x.day, Number(x.queries), Number(x.billed), Number(x.cost), Number(x.hits)]),
    );
    const total = r.body.total as { queries: number; cost: number };
    assert.ok(total.queries >= 3, `alice's queries are counted: ${total.queries}`);
    assert.ok(total.cost > 0, 'and cost something');
    // bob's query is in the ledger, under pricing: the exact match above shows it is not counted here.
    const bob = await client.query("SELECT 1 FROM ledger.statements WHERE team = 'pricing' AND user_name = 'bob' AND status = 'ok' AND cost > 0");
    assert.equal(bob.rowCount, 1);
  });

  it("history finds alice's statements; pricing is 404 for her", async () => {
    const r = await api(`/v1/teams/growth/queries?from=2000-01-01&to=2100-12-31&search=${MARK}`, 'alice');
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.deepEqual(r.body.rows.map((x) => x.statement).sort(), [...QUERIES].sort());
    assert.ok(r.body.rows.every((x) => x.user === 'alice'));
    assert.equal((await api('/v1/teams/pricing/spend', 'alice')).status, 404);
    const top = await api('/v1/teams/growth/top-queries?from=2000-01-01&to=2100-12-31', 'alice');
    assert.equal(top.status, 200);
    assert.ok(top.body.rows.length >= 1);
  });
});
