/**
 * What a query costs, as the user sees it and as the ledger bills it: a notice before the rows, the
 * estimate in the ledger (billed only when the query succeeds), EXPLAIN (COST) and tollgate.dry_run
 * that run nothing, and tollgate.max_bytes_billed that refuses before any engine is asked.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerVariants } from '../helpers/ledger.ts';
import { run } from '../helpers/proc.ts';
import { targetKind } from '../helpers/target.ts';

const MiB = 2 ** 20;

for (const variant of ledgerVariants()) {
describe(`costs: notices, the ledger, dry runs, byte limits (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let gateway: Gateway;
  let client: pg.Client;
  let ledger: pg.Client;
  const notices: string[] = [];
  const app = `costs-test-${process.pid}`;

  const ledgerRow = async (marker: string): Promise<Record<string, string | null>> => {
    for (let i = 0; i < 50; i++) {
      const r = await ledger.query('SELECT * FROM ledger.statements WHERE application_name = $1 AND statement LIKE $2', [app, `%${marker}%`]);
      if (r.rows[0]) return r.rows[0];
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`no ledger row for ${marker}`);
  };

  before(async () => {
    gateway = await startGateway(await variant.gatewayOptions());
    client = new pg.Client({ ...gateway.clientConfig('alice'), application_name: app });
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.connect();
    ledger = await variant.client(gateway);
  });
  after(async () => {
    await client?.end();
    await ledger?.end();
    await gateway?.stop();
  });

  it('a notice before the rows says what the query scans, where, and what it costs whom', async () => {
    notices.length = 0;
    await client.query("SELECT count(*) AS c1, sum(price_usd) FROM lake.bookings WHERE booking_month = '2024-03'");
    assert.equal(notices.length, 1, notices.join('\n'));
    assert.match(notices[0]!, /^tollgate: ~\d+(\.\d+)? (B|KiB|MiB|GiB) on lake, ~\$\d+\.\d+ to team growth$/);
  });

  it('psql shows the notice; client_min_messages = warning silences it, as PostgreSQL filters notices', async () => {
    const env = { ...gateway.libpqEnv('alice'), LC_ALL: 'C.UTF-8' };
    const shown = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT count(*) FROM lake.hotels'], { env, timeoutMs: 30_000 });
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stderr, /^NOTICE: {2}tollgate: ~.+ on lake, ~\$[\d.]+ to team growth$/m);
    const quiet = await run('psql', ['-X', '-A', '-t', '-c', 'SELECT count(*) FROM lake.hotels'], { env: { ...env, PGOPTIONS: '-c client_min_messages=warning' }, timeoutMs: 30_000 });
    assert.equal(quiet.stderr, '');
    assert.equal(quiet.stdout.trim(), shown.stdout.trim());
  });

  it('a statement that reads no table gets no notice', async () => {
    notices.length = 0;
    await client.query('SELECT 1 AS one');
    assert.deepEqual(notices, []);
  });

  it('the ledger bills a successful query: estimate, billed bytes (10 MiB minimum per table), cost', async () => {
    const r = await ledgerRow('c1');
    assert.ok(Number(r.estimated_bytes) > 0, `estimated ${r.estimated_bytes}`);
    assert.ok(Number(r.billed_bytes) >= 10 * MiB && Number(r.billed_bytes) % MiB === 0, `billed ${r.billed_bytes}`);
    assert.ok(Number(r.cost) > 0);
  });

  it('partition pruning shows in the estimate: one month scans less than all of them', async () => {
    const one = (await client.query("EXPLAIN (COST) SELECT sum(price_usd) FROM lake.bookings WHERE booking_month = '2024-03'")).rows.at(-1);
    const all = (await client.query('EXPLAIN (COST) SELECT sum(price_usd) FROM lake.bookings')).rows.at(-1);
    assert.equal(one.table_name, 'total');
    assert.ok(Number(one.estimated_bytes) > 0 && Number(one.estimated_bytes) * 5 < Number(all.estimated_bytes), `${one.estimated_bytes} vs ${all.estimated_bytes}`);
  });

  it('a failed query is estimated but not billed', async () => {
    await assert.rejects(client.query('SELECT price_usd / 0 AS c2 FROM lake.bookings'));
    const r = await ledgerRow('c2');
    assert.equal(r.status, 'error');
    assert.ok(Number(r.estimated_bytes) > 0);
    assert.deepEqual([r.billed_bytes, r.cost], ['0', '0']);
  });

  it('EXPLAIN (COST) and tollgate.dry_run return the estimate without running anything, at no cost', async () => {
    const rows = (await client.query('EXPLAIN (COST) SELECT hotel_id AS c3 FROM lake.hotels')).rows;
    assert.deepEqual(Object.keys(rows[0]), ['table_name', 'engine', 'estimated_bytes', 'billed_bytes', 'cost', 'detail']);
    assert.deepEqual(rows.map((r) => r.table_name), ['lake.hotels', 'total']);
    assert.equal(rows[1].billed_bytes, String(10 * MiB));
    await client.query('SET tollgate.dry_run = on');
    const dry = (await client.query('SELECT hotel_id AS c4 FROM lake.hotels')).rows;
    await client.query('RESET tollgate.dry_run');
    assert.deepEqual(dry.map((r) => r.table_name), ['lake.hotels', 'total']);
    const r = await ledgerRow('c4');
    assert.deepEqual([r.billed_bytes, r.cost], ['0', '0']);
  });

  it('tollgate.max_bytes_billed refuses a query over it before it runs (53400), recorded as refused', async () => {
    await client.query("SET tollgate.max_bytes_billed = '1MB'");
    await assert.rejects(client.query('SELECT count(*) AS c5 FROM lake.hotels'), (e: { code?: string; message: string }) =>
      e.code === '53400' && /would bill 10\.0 MiB, over this session's tollgate\.max_bytes_billed of 1\.00 MiB/.test(e.message),
    );
    await client.query('RESET tollgate.max_bytes_billed');
    const r = await ledgerRow('c5');
    assert.deepEqual([r.status, r.sqlstate, r.billed_bytes], ['refused', '53400', '0']);
  });

  it('reading the ledger costs nothing', async () => {
    notices.length = 0;
    await client.query('SELECT count(*) AS c6 FROM tollgate.queries');
    assert.match(notices[0] ?? '', /~\$0\.00 to team growth/);
    const r = await ledgerRow('c6');
    assert.deepEqual([r.billed_bytes, r.cost], ['0', '0']);
  });
});

describe(`storage charges: each owned table, once a day, to its team (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway(await variant.gatewayOptions());
  });
  after(async () => {
    await gateway?.stop();
    await variant.stop();
  });

  const asUser = async (user: string, sql: string): Promise<Array<Record<string, string>>> => {
    const c = new pg.Client(gateway.clientConfig(user));
    await c.connect();
    try {
      // The job runs at start, in the background: wait for its rows rather than for a fixed time.
      for (let i = 0; i < 50; i++) {
        const rows = (await c.query(sql)).rows as Array<Record<string, string>>;
        if (rows.length > 0) return rows;
        await new Promise((r) => setTimeout(r, 100));
      }
      return [];
    } finally {
      await c.end();
    }
  };

  it('charges the size of each table’s files to its owner (config/demo.yaml: lake to platform, searches to growth)', async () => {
    const rows = await asUser('admin', 'SELECT team, schema_name, table_name, bytes, cost FROM tollgate.storage_daily ORDER BY table_name');
    assert.deepEqual(rows.map((r) => [r.table_name, r.team]), [['bookings', 'platform'], ['hotels', 'platform'], ['searches', 'growth']]);
    for (const r of rows) assert.ok(Number(r.bytes) > 0 && Number(r.cost) > 0, `${r.table_name}: ${r.bytes} bytes, ${r.cost}`);
    const growth = await asUser('alice', 'SELECT table_name FROM tollgate.storage_daily');
    assert.deepEqual(growth.map((r) => r.table_name), ['searches']);
  });

  it('a second run the same day charges nothing more', async () => {
    const ledger = await variant.client(gateway);
    try {
      const before = (await ledger.query('SELECT count(*)::int AS n FROM ledger.storage_charges')).rows[0].n;
      const again = await ledger.query(
        "INSERT INTO ledger.storage_charges (day, schema_name, table_name, engine, team, bytes, cost) SELECT day, schema_name, table_name, engine, team, bytes, cost FROM ledger.storage_charges ON CONFLICT DO NOTHING",
      );
      assert.equal(again.rowCount, 0);
      assert.equal((await ledger.query('SELECT count(*)::int AS n FROM ledger.storage_charges')).rows[0].n, before);
    } finally {
      await ledger.end();
    }
  });
});
}
