/**
 * Every query, catalog statement and COPY a client runs is recorded in the ledger, successes and
 * failures alike, with who ran it and how it ended. Catalog traffic is recorded as such, so its volume
 * is visible. Each suite runs twice: with the ledger in the embedded PostgreSQL (tollgate_ledger) and on
 * an external PostgreSQL server (test/helpers/ledger.ts).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import Cursor from 'pg-cursor';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { ledgerVariants } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

interface Row {
  tags: Record<string, unknown>;
  fingerprint: string;
  billed_bytes: string;
  cost: string;
  user_name: string;
  team: string;
  application_name: string | null;
  kind: string;
  status: string;
  sqlstate: string | null;
  statement: string;
  rows: string | null;
  engine: string | null;
}

for (const variant of ledgerVariants()) {
describe(`the ledger records what clients run (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let gateway: Gateway;
  let ledger: pg.Client;
  let rows: Row[];
  const tag = `ledger-test-${process.pid}`;
  const find = (marker: string, kind?: string): Row => {
    const r = rows.find((x) => x.statement.includes(marker) && (kind === undefined || x.kind === kind));
    assert.ok(r, `no ledger row for ${marker}; rows:\n${rows.map((x) => `${x.kind} ${x.status} ${x.statement}`).join('\n')}`);
    return r;
  };

  before(async () => {
    gateway = await startGateway(await variant.gatewayOptions());
    const client = new pg.Client({ ...gateway.clientConfig('bob'), application_name: tag });
    await client.connect();
    await client.query("SELECT count(*) AS m1 FROM lake.hotels");
    await client.query('SELECT nspname AS m2 FROM pg_catalog.pg_namespace WHERE nspname = $1', ['lake']);
    await assert.rejects(client.query('SELECT m3 FROM lake.no_such_table'));
    await assert.rejects(client.query('SELECT h.hotel_id AS m4 FROM lake.hotels h, pg_class c LIMIT 1'), /both the PostgreSQL catalog and served tables/);
    await assert.rejects(client.query('SELECT 1/0 AS m5 FROM lake.hotels LIMIT 1'));
    await client.query('BEGIN');
    await client.query('DECLARE c_m6 CURSOR FOR SELECT hotel_id AS m6 FROM lake.hotels LIMIT 7');
    await client.query('FETCH 5 FROM c_m6');
    await client.query('CLOSE c_m6');
    await client.query('COMMIT');
    const cursor = client.query(new Cursor('SELECT hotel_id AS m7 FROM lake.hotels LIMIT 25'));
    await cursor.read(10);
    await cursor.close();
    await client.query("SET tollgate.tag = 'q3-review'");
    await client.query('-- Metabase:: userID: 12 queryType: MBQL queryHash: abc123\nSELECT count(*) AS m8 FROM lake.hotels');
    await assert.rejects(client.query("INSERT INTO lake.hotels (hotel_id) /* m9 */ VALUES (1)"), /read-only/);
    await client.query('SELECT count(*) AS m10 FROM lake.hotels WHERE hotel_id < 5');
    await client.query('SELECT count(*) AS m10 FROM lake.hotels WHERE hotel_id < 900');
    await client.query('SET search_path = lake');
    await client.end();
    ledger = await variant.client(gateway);
    // Records are written in batches off the query path; wait for them rather than for a fixed time.
    for (let i = 0; i < 100; i++) {
      const r = await ledger.query<Row>('SELECT * FROM ledger.statements WHERE application_name = $1 ORDER BY started_at', [tag]);
      rows = r.rows;
      if (rows.some((x) => x.statement.includes('search_path'))) break;
      await new Promise((res) => setTimeout(res, 100));
    }
  });
  after(async () => {
    await ledger?.end();
    await gateway?.stop();
  });

  it('a query: user, team, engine, rows', () => {
    const r = find('m1');
    assert.deepEqual([r.user_name, r.team, r.kind, r.status, r.sqlstate, r.rows, r.engine], ['bob', 'pricing', 'query', 'ok', null, '1', 'lake']);
  });

  it('a catalog statement, as catalog traffic with no engine', () => {
    const r = find('m2');
    assert.deepEqual([r.kind, r.status, r.rows, r.engine], ['catalog', 'ok', '1', null]);
  });

  it('a failed query, with its SQLSTATE', () => {
    assert.deepEqual([find('m3').status, find('m3').sqlstate], ['error', '42P01']);
    assert.deepEqual([find('m5').status, find('m5').sqlstate], ['error', '22012']);
  });

  it('a refused statement', () => {
    assert.deepEqual([find('m4').status, find('m4').sqlstate], ['error', '0A000']);
  });

  it('a cursor query, with the rows it gave', () => {
    const r = find('m6', 'query');
    assert.deepEqual([r.kind, r.status, r.rows], ['query', 'ok', '5']);
    assert.equal(find('m6', 'session').statement, 'DECLARE c_m6 CURSOR FOR SELECT hotel_id AS m6 FROM lake.hotels LIMIT 7');
    assert.equal(find('m7').rows, '10');
  });

  it('session statements are recorded as such, at no cost', () => {
    const r = find('search_path');
    assert.deepEqual([r.kind, r.status, r.engine, r.billed_bytes, r.cost], ['session', 'ok', null, '0', '0']);
    assert.ok(rows.some((x) => x.kind === 'session' && /^FETCH/.test(x.statement)));
  });

  it('tags: application_name, SET tollgate.tag and the Metabase comment', () => {
    assert.deepEqual(find('m1').tags, { application: tag });
    assert.deepEqual(find('m8').tags, { tag: 'q3-review', application: tag, metabase: { userId: 12, queryType: 'MBQL', queryHash: 'abc123' } });
  });

  it('a write refused by policy is "refused", not an error', () => {
    assert.deepEqual([find('m9').status, find('m9').sqlstate], ['refused', '0A000']);
  });

  it('statements of one shape share a fingerprint', () => {
    const m10 = rows.filter((x) => x.statement.includes('m10'));
    assert.equal(m10.length, 2);
    assert.match(m10[0]!.fingerprint, /^[0-9a-f]{16}$/);
    assert.equal(m10[0]!.fingerprint, m10[1]!.fingerprint);
    assert.notEqual(find('m1').fingerprint, m10[0]!.fingerprint);
  });
});

describe(`the ledger as tables: tollgate.queries and tollgate.costs_daily (${variant.name} ledger)`, { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let gateway: Gateway;
  before(async () => {
    gateway = await startGateway(await variant.gatewayOptions());
    // Statements by users of two teams: alice (growth), bob (pricing).
    for (const user of ['alice', 'bob']) {
      const c = new pg.Client(gateway.clientConfig(user));
      await c.connect();
      await c.query(`SELECT count(*) AS by_${user} FROM lake.hotels`);
      await c.end();
    }
  });
  after(async () => {
    await gateway?.stop();
    await variant.stop();
  });

  const asUser = async <T>(user: string, sql: string): Promise<T[]> => {
    const c = new pg.Client(gateway.clientConfig(user));
    await c.connect();
    try {
      return (await c.query(sql)).rows as T[];
    } finally {
      await c.end();
    }
  };

  it('an analyst sees only their team\'s rows', async () => {
    const rows = await asUser<{ user_name: string; team: string; statement: string }>('alice', "SELECT user_name, team, statement FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS by_%'");
    assert.deepEqual(rows.map((r) => [r.user_name, r.team]), [['alice', 'growth']]);
    const bob = await asUser<{ team: string }>('bob', 'SELECT DISTINCT team FROM tollgate.queries');
    assert.deepEqual(bob.map((r) => r.team), ['pricing']);
  });

  it('an admin sees every team', async () => {
    const rows = await asUser<{ team: string }>('admin', "SELECT DISTINCT team FROM tollgate.queries WHERE statement LIKE 'SELECT count(*) AS by_%' ORDER BY 1");
    assert.deepEqual(rows.map((r) => r.team), ['growth', 'pricing']);
  });

  it('no query widens the filter: the base table is out of reach, and functions cannot see filtered rows', async () => {
    await assert.rejects(asUser('alice', 'SELECT * FROM ledger.statements'), (e: { code?: string }) => e.code === '42P01');
    const rows = await asUser<{ n: string }>('alice', "SELECT count(*) AS n FROM tollgate.queries WHERE team = 'pricing' OR user_name = 'bob'");
    assert.equal(Number(rows[0]!.n), 0);
  });

  it('reading the ledger leaves nothing behind: writes and settings are rolled back, session locks refused', async () => {
    const c = new pg.Client(gateway.clientConfig('alice'));
    await c.connect();
    try {
      // A large object made while reading is rolled back with the read (where EXECUTE was not revoked).
      const made = await c.query<{ o: number }>("SELECT lo_from_bytea(0, 'x'::bytea) AS o FROM tollgate.queries LIMIT 1").then(
        (r) => r.rows[0]?.o,
        () => undefined,
      );
      const owner = await variant.client(gateway);
      try {
        if (made !== undefined) assert.equal((await owner.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [made])).rowCount, 0);
        // A session-level advisory lock would outlive the read's transaction on the pooled connection
        // (and could block the ledger's migrations): the gateway does not send pg_* functions to engines.
        await assert.rejects(c.query('SELECT pg_advisory_lock(4242) AS l FROM tollgate.queries LIMIT 1'), /PostgreSQL catalog/);
      } finally {
        await owner.end();
      }
      await c.query("SELECT set_config('default_transaction_read_only', 'off', false) AS s FROM tollgate.queries LIMIT 1");
      const after = await c.query<{ s: string }>("SELECT current_setting('default_transaction_read_only') AS s FROM tollgate.queries LIMIT 1");
      assert.equal(after.rows[0]?.s, 'on');
    } finally {
      await c.end();
    }
  });

  it('costs per day, team and engine', async () => {
    const rows = await asUser<{ team: string; engine: string; statements: string }>('alice', 'SELECT team, engine, statements FROM tollgate.costs_daily');
    assert.ok(rows.length >= 1);
    assert.ok(rows.every((r) => r.team === 'growth'));
  });

  it('the views are in the catalog, with their comments', async () => {
    const rows = await asUser<{ c: string }>('alice', "SELECT obj_description('tollgate.queries'::regclass, 'pg_class') AS c");
    assert.match(rows[0]!.c, /Every statement run through tollgate/);
  });
});
}
