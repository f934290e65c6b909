/**
 * The result cache through the wire: a repeated query is a free hit (notice, ledger cache_hit with the
 * cost it saved); adding, replacing or deleting a Parquet file of a table invalidates it; SET
 * tollgate.cache = off bypasses it; teams do not share entries; 20 concurrent identical queries run the
 * engine once; now() and failing queries are never cached.
 */
import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, rename, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { embeddedLedger } from '../helpers/ledger.ts';
import { targetKind } from '../helpers/target.ts';

const HIT = /^tollgate: cache hit, ~\$\d+\.\d+ saved for team (\w+) \(cached \d+ (s|min) ago\)$/;
const COST = /^tollgate: ~.+ on lake, ~\$\d+\.\d+ to team \w+$/;
/**
 * File timestamps have a granularity: a table whose directory changed within the last 2 s has no
 * trustworthy data version yet (estimate/snapshot.ts racyMs), and is neither cached nor served from the
 * cache meanwhile. Tests that want a *new version* (not just no caching) wait until it has one.
 */
const settle = () => new Promise((r) => setTimeout(r, 2300));

describe('the result cache through the wire', { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let gateway: Gateway;
  let dataDir: string;
  let itemsDir: string;
  let duck: DuckDBInstance;
  let ledger: pg.Client;
  const clients: pg.Client[] = [];

  /** Writes lab/items/<name> with ids from..to-1 (v = id), through a temp name renamed into place. */
  const writeItems = async (name: string, from: number, to: number): Promise<void> => {
    const conn = await duck.connect();
    const tmp = join(itemsDir, `${name}.tmp`);
    await conn.run(`COPY (SELECT range::INTEGER AS id, range::BIGINT AS v FROM range(${from}, ${to})) TO '${tmp}' (FORMAT parquet)`);
    conn.closeSync();
    await rename(tmp, join(itemsDir, name));
  };

  const connect = async (user: string): Promise<{ client: pg.Client; notices: string[] }> => {
    const client = new pg.Client(gateway.clientConfig(user));
    const notices: string[] = [];
    client.on('notice', (n) => notices.push(n.message ?? ''));
    await client.connect();
    clients.push(client);
    return { client, notices };
  };

  /** Runs `sql` on its own and says whether it was a hit, with its first row. */
  const query = async (c: { client: pg.Client; notices: string[] }, sql: string): Promise<{ hit: boolean; row: Record<string, unknown> }> => {
    c.notices.length = 0;
    const r = await c.client.query(sql);
    assert.equal(c.notices.length, 1, c.notices.join('\n'));
    const hit = HIT.test(c.notices[0]!);
    if (!hit) assert.match(c.notices[0]!, COST);
    return { hit, row: r.rows[0] };
  };

  const ledgerRows = async (statement: string, n: number): Promise<Array<Record<string, string | boolean>>> => {
    for (let i = 0; i < 100; i++) {
      const r = await ledger.query('SELECT status, cache_hit, cost, billed_bytes, saved_cost FROM ledger.statements WHERE statement = $1 ORDER BY started_at', [statement]);
      if (r.rows.length >= n) return r.rows;
      await new Promise((res) => setTimeout(res, 100));
    }
    throw new Error(`fewer than ${n} ledger rows for ${statement}`);
  };

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'tollgate-cache-test-'));
    await chmod(dataDir, 0o755);
    itemsDir = join(dataDir, 'lab', 'items');
    await mkdir(itemsDir, { recursive: true });
    duck = await DuckDBInstance.create(':memory:');
    await writeItems('a.parquet', 0, 100);
    await writeItems('b.parquet', 100, 200);
    // lab2.items: a table of the same name in another schema (search_path decides which one a statement reads).
    await mkdir(join(dataDir, 'lab2', 'items'), { recursive: true });
    const conn = await duck.connect();
    await conn.run(`COPY (SELECT range::INTEGER AS id, range::BIGINT AS v FROM range(5000, 5010)) TO '${join(dataDir, 'lab2', 'items', 'a.parquet')}' (FORMAT parquet)`);
    conn.closeSync();
    gateway = await startGateway({
      dataDir,
      configPatch: (doc) => {
        const engines = doc.engines as Array<{ name: string; tables: unknown[] }>;
        engines.find((e) => e.name === 'lake')!.tables.push({ schema: 'lab', name: 'items', path: 'lab/items/*.parquet', hivePartitioning: false });
        engines.find((e) => e.name === 'lake')!.tables.push({ schema: 'lab2', name: 'items', path: 'lab2/items/*.parquet', hivePartitioning: false });
        doc.cache = { enabled: true };
      },
    });
    ledger = await embeddedLedger().client(gateway);
    await settle();
  });
  after(async () => {
    for (const c of clients) await c.end().catch(() => {});
    await ledger?.end();
    await gateway?.stop();
    duck?.closeSync();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('a repeated query is a free hit: the notice says what it saved, the ledger records cache_hit, cost 0 and saved_cost', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT count(*) AS n, sum(v) AS total FROM lab.items';
    const first = await query(alice, sql);
    const second = await query(alice, 'select COUNT(*) as n,  sum(v) AS total\n  from LAB.ITEMS;');
    const third = await query(alice, sql);
    assert.deepEqual([first.hit, second.hit, third.hit], [false, true, true]);
    assert.equal(HIT.exec(alice.notices[0]!)![1], 'growth');
    assert.deepEqual(third.row, first.row);
    assert.deepEqual(first.row, { n: '200', total: '19900' });
    const rows = await ledgerRows(sql, 2);
    assert.deepEqual(rows.map((r) => [r.status, r.cache_hit]), [['ok', false], ['ok', true]]);
    const [miss, hit] = rows;
    assert.ok(Number(miss!.cost) > 0);
    assert.deepEqual([hit!.cost, hit!.billed_bytes], ['0', '0']);
    assert.equal(Number(hit!.saved_cost), Number(miss!.cost));
  });

  it('adding, replacing (rename over) and deleting a Parquet file invalidates the table’s results', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT count(*) AS n, sum(v) AS total FROM lab.items WHERE id >= 0';
    await query(alice, sql);
    assert.equal((await query(alice, sql)).hit, true);

    await writeItems('c.parquet', 200, 250);
    // At once: no stale answer, even before the new version can be trusted.
    const added = await query(alice, sql);
    assert.deepEqual([added.hit, added.row], [false, { n: '250', total: String((249 * 250) / 2) }]);
    await settle();
    assert.equal((await query(alice, sql)).hit, false);
    assert.equal((await query(alice, sql)).hit, true);

    await writeItems('a.parquet', 1000, 1010); // renamed over a.parquet: 100 rows become 10
    const replaced = await query(alice, sql);
    assert.deepEqual([replaced.hit, replaced.row.n], [false, '160']);
    await settle();
    assert.equal((await query(alice, sql)).hit, false);
    assert.equal((await query(alice, sql)).hit, true);

    await unlink(join(itemsDir, 'c.parquet'));
    const deleted = await query(alice, sql);
    assert.deepEqual([deleted.hit, deleted.row.n], [false, '110']);
    await settle();
    const again = await query(alice, sql);
    assert.deepEqual([again.hit, again.row.n], [false, '110']);
    assert.deepEqual((await query(alice, sql)).hit, true);
  });

  it('a statement described from the cache is described again once its table changes type (extended protocol)', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT id, v AS shape_probe FROM lab.items ORDER BY id LIMIT 2';
    const run = async () => {
      alice.notices.length = 0;
      const r = await alice.client.query({ text: sql, queryMode: 'extended' } as pg.QueryConfig);
      return { hit: HIT.test(alice.notices[0] ?? ''), type: r.fields[1]!.dataTypeID, rows: r.rows };
    };
    // Parse described from the cache from the second execution on (and kept for the session).
    for (const expected of [false, true, true]) assert.equal((await run()).hit, expected);
    const rewrite = async (v: string): Promise<void> => {
      const conn = await duck.connect();
      for (const f of (await readdir(itemsDir)).filter((name) => name.endsWith('.parquet'))) {
        const tmp = join(itemsDir, `${f}.tmp`);
        await conn.run(`COPY (SELECT id, ${v} AS v FROM read_parquet('${join(itemsDir, f)}')) TO '${tmp}' (FORMAT parquet)`);
        await rename(tmp, join(itemsDir, f));
      }
      conn.closeSync();
      await settle();
    };
    await rewrite("'v' || v::VARCHAR");
    after(() => rewrite('CAST(substr(v, 2) AS BIGINT)'));
    const seen: Array<{ type: number; first: unknown }> = [];
    for (let i = 0; i < 3; i++) {
      const r = await run().catch((e: Error & { code?: string }) => ({ error: e.code ?? e.message }));
      seen.push('error' in r ? { type: -1, first: r.error } : { type: r.type, first: r.rows[0].shape_probe });
    }
    // Never the old type with the new values: the first execution after the change may only fail as
    // PostgreSQL does when a result type changes under a prepared statement (0A000); then the new type.
    assert.ok(seen[0]!.type === 25 || seen[0]!.first === '0A000', JSON.stringify(seen));
    assert.deepEqual(seen.slice(1), [{ type: 25, first: seen[1]!.first }, { type: 25, first: seen[1]!.first }], JSON.stringify(seen));
    assert.match(String(seen[1]!.first), /^v\d+$/);
  });

  it('bound parameters are part of the key (extended protocol)', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT count(*) AS param_probe FROM lab.items WHERE id < $1';
    const run = async (bound: number) => {
      alice.notices.length = 0;
      const r = await alice.client.query(sql, [bound]);
      return { hit: HIT.test(alice.notices[0] ?? ''), n: r.rows[0].param_probe as string };
    };
    // After the test above: ids 100-199 and 1000-1009.
    assert.deepEqual(await run(150), { hit: false, n: '50' });
    assert.deepEqual(await run(150), { hit: true, n: '50' });
    assert.deepEqual(await run(160), { hit: false, n: '60' });
  });

  it('SET tollgate.cache = off bypasses the cache for the session', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT max(v) AS bypass_probe FROM lab.items';
    await query(alice, sql);
    assert.equal((await query(alice, sql)).hit, true);
    await alice.client.query('SET tollgate.cache = off');
    assert.equal((await query(alice, sql)).hit, false);
    await alice.client.query('RESET tollgate.cache');
    assert.equal((await query(alice, sql)).hit, true);
  });

  it('another team does not get the first team’s entry', async () => {
    const alice = await connect('alice');
    const bob = await connect('bob');
    const sql = 'SELECT min(v) AS team_probe FROM lab.items';
    await query(alice, sql);
    assert.equal((await query(alice, sql)).hit, true);
    assert.equal((await query(bob, sql)).hit, false);
    const bobs = await query(bob, sql);
    assert.equal(bobs.hit, true);
    assert.equal(HIT.exec(bob.notices[0]!)![1], 'pricing');
  });

  it('on one session, the same text after a SET of search_path or TimeZone is keyed anew (not the last statement\'s decision)', async () => {
    const c = await connect('alice');
    const sql = 'SELECT min(v) AS settings_probe FROM lab.items';
    await c.client.query('SET search_path = lab');
    const first = await query(c, sql);
    assert.equal(first.hit, false);
    assert.equal((await query(c, sql)).hit, true);
    // Both settings are in the key (they change what some statements mean): a new key, a miss.
    await c.client.query('SET search_path = lab2');
    assert.equal((await query(c, sql)).hit, false, 'after SET search_path');
    assert.equal((await query(c, sql)).hit, true);
    await c.client.query("SET TimeZone = 'Asia/Tokyo'");
    assert.equal((await query(c, sql)).hit, false, 'after SET TimeZone');
    await c.client.query('RESET TimeZone');
    await c.client.query('SET search_path = lab');
    const back = await query(c, sql);
    assert.deepEqual([back.hit, back.row], [true, first.row], 'the first entry again');
  });

  it('an unqualified table follows search_path to the engine; the same text on one session reads the other table after SET search_path', async () => {
    const c = await connect('alice');
    const sql = 'SELECT min(v) AS path_probe FROM items';
    // lab.items' rows depend on the tests before (files added, replaced, deleted): its minimum as read by name.
    const labMin = (await c.client.query('SELECT min(v) AS path_probe FROM lab.items')).rows[0];
    await c.client.query('SET search_path = lab');
    assert.deepEqual((await query(c, sql)).row, labMin);
    const again = await query(c, sql);
    assert.deepEqual([again.hit, again.row], [true, labMin]);
    await c.client.query('SET search_path = lab2, lab');
    const other = await query(c, sql);
    assert.deepEqual([other.hit, other.row], [false, { path_probe: '5000' }], 'neither the route nor the entry of the statement before');
    const joined = await c.client.query('SELECT count(*)::int AS n FROM items a CROSS JOIN (SELECT id FROM lab.items LIMIT 1) b');
    assert.deepEqual(joined.rows, [{ n: 10 }], 'lab2.items through the path, lab.items by name');
    await c.client.query('SET search_path = lab');
    const back = await query(c, sql);
    assert.deepEqual([back.hit, back.row], [true, labMin]);
  });

  it('single flight: 20 concurrent identical queries run the engine once', async () => {
    const sql = 'SELECT id % 7 AS k, count(*) AS flight_probe, sum(v) FROM lab.items GROUP BY 1 ORDER BY 1';
    const many = await Promise.all(Array.from({ length: 20 }, () => connect('carol')));
    const results = await Promise.all(many.map((c) => c.client.query(sql)));
    for (const r of results) assert.deepEqual(r.rows, results[0]!.rows);
    const rows = await ledgerRows(sql, 20);
    assert.equal(rows.length, 20);
    assert.equal(rows.filter((r) => r.cache_hit === false).length, 1);
    assert.ok(rows.every((r) => r.status === 'ok'));
  });

  it('GET /v1/admin/cache and /metrics show what the cache holds and did; DELETE empties it; analysts get 403', async () => {
    const http = (method: string, path: string, user: string) =>
      fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, { method, headers: { authorization: `Basic ${Buffer.from(`${user}:${user}`).toString('base64')}` } });
    const alice = await connect('alice');
    const sql = 'SELECT max(v) AS admin_cache_probe FROM lab.items';
    await query(alice, sql);
    assert.equal((await query(alice, sql)).hit, true);
    const res = await http('GET', '/v1/admin/cache', 'admin');
    assert.equal(res.status, 200);
    const status = (await res.json()) as Record<string, number | boolean | null>;
    assert.equal(status.enabled, true);
    assert.ok((status.entries as number) >= 1 && (status.bytes as number) > 0, JSON.stringify(status));
    assert.ok((status.hits as number) >= 1 && (status.misses as number) >= 1 && (status.stores as number) >= 1, JSON.stringify(status));
    assert.ok((status.savedCost as number) > 0 && (status.hitRatio as number) > 0 && (status.hitRatio as number) < 1, JSON.stringify(status));
    const text = await (await fetch(`http://127.0.0.1:${gateway.httpPort}/metrics`)).text();
    assert.match(text, new RegExp(`^tollgate_cache_entries ${status.entries}$`, 'm'));
    assert.match(text, /^tollgate_cache_misses_total [1-9]\d*$/m);
    assert.match(text, /^tollgate_cache_saved_cost_total 0\.\d+/m);
    assert.equal((await http('GET', '/v1/admin/cache', 'alice')).status, 403);
    assert.equal((await http('DELETE', '/v1/admin/cache', 'alice')).status, 403);
    assert.equal((await query(alice, sql)).hit, true, 'a refused DELETE leaves the cache as it was');
    const cleared = await http('DELETE', '/v1/admin/cache', 'admin');
    assert.equal(cleared.status, 200);
    assert.equal(((await cleared.json()) as { entriesDropped: number }).entriesDropped, status.entries);
    assert.equal((await query(alice, sql)).hit, false, 'emptied: the next run is a miss');
    assert.equal((await query(alice, sql)).hit, true);
  });

  it('a query with now() is never a hit', async () => {
    const alice = await connect('alice');
    const sql = 'SELECT count(*) AS now_probe, now() AS at FROM lab.items';
    for (let i = 0; i < 3; i++) assert.equal((await query(alice, sql)).hit, false);
  });

  it('a failing query is not cached', async () => {
    const alice = await connect('alice');
    const sql = "SELECT CAST('x' || v AS INTEGER) AS fail_probe FROM lab.items";
    for (let i = 0; i < 2; i++) await assert.rejects(alice.client.query(sql));
    const rows = await ledgerRows(sql, 2);
    assert.deepEqual(rows.map((r) => [r.status, r.cache_hit]), [['error', false], ['error', false]]);
  });
});
