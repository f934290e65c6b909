/**
 * Routing through `tollgate serve` with two real engines: the demo lake on DuckDB and a PostgreSQL 15
 * holding a CRM-style table (crm.hotel_owners) and a replica of lake.hotels. Statements go whole to the
 * engine that holds their tables, replicas follow SET tollgate.engine, statements spanning both engines
 * are federated (each result checked against the same query run on one engine), EXPLAIN shows the
 * route, and writes are refused before any engine sees them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { startPostgres, POSTGRES_ENGINE_ENV, postgresEngine } from '../helpers/postgres.ts';
import type { Target } from '../helpers/target.ts';

describe('routing across DuckDB and PostgreSQL', () => {
  let postgres: Target;
  let gateway: Gateway;
  let client: pg.Client;
  let pgAdmin: pg.Client;
  const q = async (sql: string, params: unknown[] = []) => (await client.query(sql, params)).rows;

  before(async () => {
    postgres = await startPostgres();
    pgAdmin = new pg.Client(postgres.clientConfig('admin'));
    pgAdmin.on('error', () => {}); // the last test stops the server under it
    await pgAdmin.connect();
    await pgAdmin.query('CREATE SCHEMA crm');
    await pgAdmin.query(`CREATE TABLE crm.hotel_owners (hotel_id integer PRIMARY KEY, owner text NOT NULL, since date, stake numeric(5,2))`);
    await pgAdmin.query(`COMMENT ON TABLE crm.hotel_owners IS 'Who owns each hotel (CRM).'`);
    await pgAdmin.query(`INSERT INTO crm.hotel_owners SELECT i, 'owner ' || (i % 7), DATE '2015-01-01' + i, (i % 100) + 0.5 FROM generate_series(1, 300) i`);
    // A replica of lake.hotels with only three rows, so the answer shows which engine gave it.
    await pgAdmin.query('CREATE SCHEMA lake');
    await pgAdmin.query('CREATE TABLE lake.hotels (hotel_id integer, name text, city text)');
    await pgAdmin.query("INSERT INTO lake.hotels VALUES (1, 'a', 'x'), (2, 'b', 'y'), (3, 'c', 'z')");
    // A second PostgreSQL engine (same server, another schema): a join of crm and erp reads no DuckDB table.
    await pgAdmin.query('CREATE SCHEMA erp');
    await pgAdmin.query('CREATE TABLE erp.contracts (hotel_id integer, amount numeric(10,2))');
    await pgAdmin.query('INSERT INTO erp.contracts SELECT i % 50 + 1, i * 1.25 FROM generate_series(1, 200) i');
    for (const schema of ['crm', 'lake', 'erp']) {
      await pgAdmin.query(`GRANT USAGE ON SCHEMA ${schema} TO alice`);
      await pgAdmin.query(`GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO alice`);
    }
    gateway = await startGateway({
      env: POSTGRES_ENGINE_ENV,
      configPatch: (doc) => {
        (doc.engines as unknown[]).push(postgresEngine(postgres, { name: 'crm', schemas: ['crm'], tables: [{ schema: 'lake', name: 'hotels' }] }));
        (doc.engines as unknown[]).push(postgresEngine(postgres, { name: 'erp', schemas: ['erp'] }));
        doc.routing = { rules: [{ name: 'replica readers', priority: 5, application: 'replica-reader*', engine: 'crm' }] };
      },
    });
    client = new pg.Client(gateway.clientConfig('alice'));
    await client.connect();
  });
  after(async () => {
    await client?.end();
    await pgAdmin?.end().catch(() => {});
    await gateway?.stop();
    await postgres?.stop();
  });

  it('a PostgreSQL table is served, with its comment in the catalog', async () => {
    assert.deepEqual(await q('SELECT count(*)::int AS n, min(owner) AS o FROM crm.hotel_owners'), [{ n: 300, o: 'owner 0' }]);
    const [row] = await q("SELECT obj_description('crm.hotel_owners'::regclass, 'pg_class') AS c");
    assert.equal(row.c, 'Who owns each hotel (CRM).');
  });

  it('EXPLAIN shows the single-engine route and the SQL the engine receives', async () => {
    const plan = (await q('EXPLAIN SELECT owner FROM crm.hotel_owners WHERE hotel_id = 5')).map((r) => r['QUERY PLAN'] as string);
    assert.match(plan[0]!, /^Route: engine crm \(only crm holds crm\.hotel_owners\)$/);
    assert.ok(plan.includes('  Reads crm.hotel_owners: hotel_id, owner'), plan.join('\n'));
    assert.ok(plan.includes('    Pruning: hotel_id = 5'), plan.join('\n'));
  });

  it('a join across engines is federated and gives the same rows as the lake alone would', async () => {
    const sql = `SELECT o.owner, count(*)::int AS bookings, round(sum(b.price_usd)::numeric, 2) AS revenue
      FROM lake.bookings b JOIN lake.hotels h ON h.hotel_id = b.hotel_id JOIN crm.hotel_owners o ON o.hotel_id = h.hotel_id
      WHERE o.stake >= 10 AND b.status = 'confirmed'
      GROUP BY o.owner ORDER BY o.owner`;
    const federated = await q(sql);
    assert.equal(federated.length, 7);
    // The same computation with the owners recomputed on the lake side (owner = hotel_id % 7, stake = hotel_id % 100 + 0.5).
    const local = await q(`SELECT 'owner ' || (h.hotel_id % 7) AS owner, count(*)::int AS bookings, round(sum(b.price_usd)::numeric, 2) AS revenue
      FROM lake.bookings b JOIN lake.hotels h ON h.hotel_id = b.hotel_id
      WHERE h.hotel_id BETWEEN 1 AND 300 AND (h.hotel_id % 100) + 0.5 >= 10 AND b.status = 'confirmed'
      GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(federated, local);
    const plan = (await q(`EXPLAIN ${sql}`)).map((r) => r['QUERY PLAN'] as string).join('\n');
    assert.match(plan, /^Route: federated .*joined on engine lake$/m);
    assert.match(plan, /Part tollgate_part_1 from crm\.hotel_owners on engine crm:\n {4}SELECT hotel_id, owner, stake FROM crm\.hotel_owners WHERE stake >= \$1/);
  });

  it('a join of two engines that are not DuckDB is joined on the DuckDB engine, every table a part', async () => {
    const sql = `SELECT o.owner, count(*)::int AS contracts, sum(c.amount) AS amount
      FROM crm.hotel_owners o JOIN erp.contracts c ON c.hotel_id = o.hotel_id WHERE c.amount > 10 GROUP BY o.owner ORDER BY o.owner`;
    const federated = await q(sql);
    const direct = (await pgAdmin.query(sql)).rows;
    assert.equal(federated.length, 7);
    assert.deepEqual(federated, direct);
    const plan = (await q(`EXPLAIN ${sql}`)).map((r) => r['QUERY PLAN'] as string).join('\n');
    assert.match(plan, /^Route: federated .*joined on engine lake$/m);
    assert.match(plan, /Part tollgate_part_1 from crm\.hotel_owners on engine crm:/);
    assert.match(plan, /Part tollgate_part_2 from erp\.contracts on engine erp:\n {4}SELECT amount, hotel_id FROM erp\.contracts WHERE amount > \$1/);
  });

  it('tables named through search_path reach every engine with their schema, single-engine and federated', async () => {
    const c = new pg.Client(gateway.clientConfig('alice'));
    await c.connect();
    try {
      await c.query('SET search_path = crm, lake, erp');
      const same = async (unqualified: string, qualified: string) => {
        const got = (await c.query(unqualified)).rows;
        assert.ok(got.length > 0, unqualified);
        assert.deepEqual(got, (await c.query(qualified)).rows, unqualified);
      };
      // On the PostgreSQL engine, whose own search_path for alice knows no crm.
      await same('SELECT count(*)::int AS n FROM hotel_owners', 'SELECT count(*)::int AS n FROM crm.hotel_owners');
      // Federated: tables on the host (lake) stay in its statement, the other engine's become parts.
      await same(
        'SELECT o.owner, count(*)::int AS bookings FROM bookings b JOIN hotel_owners o ON o.hotel_id = b.hotel_id GROUP BY o.owner ORDER BY o.owner',
        'SELECT o.owner, count(*)::int AS bookings FROM lake.bookings b JOIN crm.hotel_owners o ON o.hotel_id = b.hotel_id GROUP BY o.owner ORDER BY o.owner',
      );
      // A subquery of one other engine sent to it whole.
      await same(
        'SELECT count(*)::int AS n FROM bookings WHERE hotel_id IN (SELECT hotel_id FROM contracts WHERE amount > 100)',
        'SELECT count(*)::int AS n FROM lake.bookings WHERE hotel_id IN (SELECT hotel_id FROM erp.contracts WHERE amount > 100)',
      );
      const plan = (await c.query('EXPLAIN SELECT owner FROM hotel_owners WHERE hotel_id = 5')).rows.map((r) => r['QUERY PLAN'] as string);
      assert.ok(plan.some((l) => l.includes('FROM crm.hotel_owners WHERE hotel_id = 5')), plan.join('\n'));
    } finally {
      await c.end();
    }
  });

  it('a federated statement with a bound parameter pushes it to the part', async () => {
    const sql = 'SELECT count(*)::int AS n, min(o.owner) AS owner FROM lake.bookings b JOIN crm.hotel_owners o USING (hotel_id) WHERE o.hotel_id = $1';
    const [row] = await q(sql, [42]);
    const [local] = await q('SELECT count(*)::int AS n FROM lake.bookings WHERE hotel_id = 42');
    assert.deepEqual(row, { n: local.n, owner: local.n > 0 ? 'owner 0' : null });
    const plan = (await q(`EXPLAIN ${sql}`, [42])).map((r) => r['QUERY PLAN'] as string).join('\n');
    assert.match(plan, /SELECT hotel_id, owner FROM crm\.hotel_owners WHERE hotel_id = \$1\n {4}with \$1 = '42'/);
  });

  it('writes are refused with 0A000 before reaching an engine', async () => {
    await assert.rejects(q("INSERT INTO crm.hotel_owners VALUES (999, 'x', NULL, 1)"), (e: { code?: string; message: string }) =>
      e.code === '0A000' && /INSERT is not supported: tollgate is read-only/.test(e.message),
    );
    assert.deepEqual((await pgAdmin.query('SELECT count(*)::int AS n FROM crm.hotel_owners')).rows, [{ n: 300 }]);
  });

  it('replicas: config order by default, SET tollgate.engine and routing rules choose another', async () => {
    const count = async (c: pg.Client = client) => (await c.query('SELECT count(*)::int AS n FROM lake.hotels')).rows[0].n as number;
    assert.ok((await count()) > 3);
    await q('SET tollgate.engine = crm');
    assert.equal(await count(), 3);
    await q('RESET tollgate.engine');
    assert.ok((await count()) > 3);
    const reader = new pg.Client({ ...gateway.clientConfig('alice'), application_name: 'replica-reader v2' });
    await reader.connect();
    try {
      assert.equal(await count(reader), 3);
      const plan = (await reader.query('EXPLAIN SELECT count(*) FROM lake.hotels')).rows.map((r) => r['QUERY PLAN'] as string);
      assert.equal(plan[0], 'Route: engine crm (routing rule "replica readers")');
    } finally {
      await reader.end();
    }
    await assert.rejects(q('SET tollgate.engine = vertica').then(() => count()), (e: { code?: string; message: string }) =>
      e.code === '22023' && /"vertica", which is not a configured engine/.test(e.message),
    );
    await q('RESET tollgate.engine');
  });

  it('an unknown table is 42P01 with its position, PostgreSQL-style', async () => {
    await assert.rejects(q('SELECT * FROM crm.nope'), (e: { code?: string; message: string; position?: string }) =>
      e.code === '42P01' && e.message === 'relation "crm.nope" does not exist' && e.position === '15',
    );
  });

  // Last: stops the PostgreSQL engine.
  it('an engine that goes down: its replicas are skipped, its own tables fail fast with 08006 naming it', async () => {
    await postgres.stop();
    // The first statement finds it unreachable (and marks it down); later ones do not wait for a timeout.
    await assert.rejects(q('SELECT count(*) FROM crm.hotel_owners'), (e: { code?: string }) => e.code === '08006');
    await assert.rejects(q('SELECT count(*) FROM crm.hotel_owners'), (e: { code?: string; message: string }) =>
      e.code === '08006' && e.message === 'crm.hotel_owners cannot be read: engine "crm" is down',
    );
    await q('SET tollgate.engine = crm');
    assert.ok((await q('SELECT count(*)::int AS n FROM lake.hotels'))[0].n > 3);
    await q('RESET tollgate.engine');
  });
});
