/**
 * Moving lake.hotels from the lake (DuckDB over Parquet) to PostgreSQL behind the gateway (issue 11):
 * shadow runs compare the two engines off the client's path and report mismatches with their SQL;
 * canary percentages and teams pinned to the new engine are respected; rollback is one state change,
 * effective at once; shadow runs are charged to no team.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { gatewayCliPath, repoRoot, startGateway, type Gateway } from '../helpers/gateway.ts';
import { run } from '../helpers/proc.ts';
import { metastoreClient } from '../helpers/metastore.ts';
import { startPostgres, POSTGRES_ENGINE_ENV, postgresEngine } from '../helpers/postgres.ts';
import { targetKind, type Target } from '../helpers/target.ts';

interface Summary {
  migration: { state: string };
  compared: number;
  matches: number;
  mismatches: number;
  errors: number;
  examples: Array<{ statement: string; reason: string }>;
  old: { engine: string; avgMs: number | null; estimatedBytes: number };
  new: { engine: string; avgMs: number | null; estimatedBytes: number };
}

describe('table migrations: lake.hotels from the lake to PostgreSQL', { skip: targetKind() === 'postgres' ? 'tollgate only' : undefined }, () => {
  let postgres: Target;
  let pgAdmin: pg.Client;
  let gateway: Gateway;
  const admin = 'Basic ' + Buffer.from('admin:admin').toString('base64');

  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const r = await fetch(`http://127.0.0.1:${gateway.httpPort}${path}`, {
      method,
      headers: { authorization: admin, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: r.status, json: r.status === 204 ? null : await r.json() };
  };
  const setState = async (body: Record<string, unknown>): Promise<void> => {
    const r = await api('PUT', '/v1/admin/migrations/lake/hotels', { oldEngine: 'lake', newEngine: 'crm', ...body });
    assert.equal(r.status, 200, JSON.stringify(r.json));
  };
  const summary = async (): Promise<Summary> => {
    const r = await api('GET', '/v1/admin/migrations');
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const s = (r.json as { migrations: Summary[] }).migrations[0];
    assert.ok(s, 'the migration is listed');
    return s;
  };
  /** Waits until `done` holds for the summary (shadow runs end in the background). */
  const until = async (done: (s: Summary) => boolean): Promise<Summary> => {
    let s = await summary();
    for (let i = 0; i < 200 && !done(s); i++) {
      await new Promise((r) => setTimeout(r, 100));
      s = await summary();
    }
    return s;
  };
  const query = async (user: string, sql: string): Promise<unknown[][]> => {
    const c = new pg.Client(gateway.clientConfig(user));
    await c.connect();
    try {
      return (await c.query({ text: sql, rowMode: 'array' })).rows;
    } finally {
      await c.end();
    }
  };
  /** Which engine answered each statement containing `marker`, from the ledger. */
  const enginesOf = async (marker: string): Promise<string[]> => {
    const ledger = await metastoreClient(gateway, 'tollgate_ledger');
    try {
      for (let i = 0; i < 50; i++) {
        const r = await ledger.query<{ engine: string }>("SELECT engine FROM ledger.statements WHERE statement LIKE $1 AND status = 'ok' ORDER BY started_at", [`%${marker}%`]);
        if (r.rows.length > 0) return r.rows.map((x) => x.engine);
        await new Promise((res) => setTimeout(res, 100));
      }
      return [];
    } finally {
      await ledger.end();
    }
  };

  before(async () => {
    postgres = await startPostgres();
    pgAdmin = new pg.Client(postgres.clientConfig('admin'));
    await pgAdmin.connect();
    gateway = await startGateway({
      env: POSTGRES_ENGINE_ENV,
      configPatch: (doc) => {
        (doc.engines as unknown[]).push(postgresEngine(postgres, { name: 'crm', tables: [{ schema: 'lake', name: 'hotels' }] }));
        // The replica is created below, after the start: the catalog picks it up within a second.
        doc.catalog = { refreshIntervalSeconds: 1 };
      },
    });
    // The new engine gets a copy of the lake's hotels, read through the gateway (from the lake: config order).
    const rows = await query('alice', 'SELECT hotel_id, name, city, country, star_rating, chain FROM lake.hotels');
    await pgAdmin.query('CREATE SCHEMA lake');
    await pgAdmin.query('CREATE TABLE lake.hotels (hotel_id integer, name text, city text, country text, star_rating smallint, chain text)');
    await pgAdmin.query(
      'INSERT INTO lake.hotels SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::text[], $5::int2[], $6::text[])',
      [0, 1, 2, 3, 4, 5].map((c) => rows.map((r) => r[c])),
    );
    await pgAdmin.query('GRANT USAGE ON SCHEMA lake TO alice');
    await pgAdmin.query('GRANT SELECT ON lake.hotels TO alice');
    // The catalog picks the new replica up at its next refresh; the API refuses an engine that does not serve the table.
    for (let i = 0; i < 100; i++) {
      const r = await api('PUT', '/v1/admin/migrations/lake/hotels', { oldEngine: 'lake', newEngine: 'crm', state: 'old-only' });
      if (r.status === 200) break;
      await new Promise((res) => setTimeout(res, 200));
    }
  });
  after(async () => {
    await gateway?.stop();
    await pgAdmin?.end();
    await postgres?.stop();
  });

  it('shadow: identical data gives zero mismatches; the client is answered by the old engine', async () => {
    await setState({ state: 'shadow', shadowSampleRate: 1 });
    const sqls = [
      'SELECT count(*) AS shadow_1 FROM lake.hotels',
      // Not avg(): DuckDB's avg(smallint) is float8 where PostgreSQL's is numeric, a difference the shadow
      // run reports as a column type mismatch (as it should).
      'SELECT city, count(*) AS shadow_2, max(star_rating) AS stars FROM lake.hotels GROUP BY city',
      "SELECT hotel_id, name AS shadow_3 FROM lake.hotels WHERE country = 'DE' ORDER BY hotel_id",
    ];
    for (const sql of sqls) await query('alice', sql);
    const s = await until((x) => x.compared >= 3);
    assert.deepEqual([s.compared, s.matches, s.mismatches, s.errors], [3, 3, 0, 0], JSON.stringify(s));
    assert.deepEqual([s.old.engine, s.new.engine], ['lake', 'crm']);
    assert.ok(s.old.avgMs !== null && s.new.avgMs !== null);
    assert.deepEqual(await enginesOf('shadow_1'), ['lake']);
  });

  it('after one row changes on the new side, the mismatch is reported with its SQL, and never reaches the client', async () => {
    await pgAdmin.query("UPDATE lake.hotels SET name = name || ' (renamed)' WHERE hotel_id = (SELECT min(hotel_id) FROM lake.hotels)");
    const sql = 'SELECT hotel_id, name AS shadow_4 FROM lake.hotels ORDER BY hotel_id LIMIT 5';
    const rows = await query('alice', sql);
    assert.ok(!String(rows[0]![1]).endsWith('(renamed)'), 'the client got the old engine’s row');
    const s = await until((x) => x.mismatches >= 1);
    assert.equal(s.mismatches, 1, JSON.stringify(s));
    assert.equal(s.examples[0]!.statement, sql);
    assert.match(s.examples[0]!.reason, /different values/);
  });

  it('shadow runs are charged to no team: one ledger row per client statement, the old engine’s', async () => {
    assert.deepEqual(await enginesOf('shadow_2'), ['lake']);
  });

  it('canary: about the configured share of queries goes to the new engine', async () => {
    await setState({ state: 'canary', canaryPercent: 30 });
    for (let i = 0; i < 100; i++) await query('alice', `SELECT count(*) AS canary_${i} FROM lake.hotels WHERE hotel_id <> ${i}`);
    const engines = (await enginesOf('canary_')).filter((e) => e === 'crm' || e === 'lake');
    assert.equal(engines.length, 100);
    const toNew = engines.filter((e) => e === 'crm').length;
    // 100 independent draws at 30%: 15..45 holds with probability > 0.999.
    assert.ok(toNew >= 15 && toNew <= 45, `${toNew} of 100 went to the new engine`);
  });

  it('a team pinned to the new engine gets it; others stay on the old one', async () => {
    await setState({ state: 'canary', canaryPercent: 0, canaryTeams: ['pricing'] });
    await query('bob', 'SELECT count(*) AS pinned_bob FROM lake.hotels');
    await query('alice', 'SELECT count(*) AS pinned_alice FROM lake.hotels');
    assert.deepEqual(await enginesOf('pinned_bob'), ['crm']);
    assert.deepEqual(await enginesOf('pinned_alice'), ['lake']);
  });

  it('new-only, then rollback to old-only: each takes effect for the very next query', async () => {
    await setState({ state: 'new-only' });
    await query('alice', 'SELECT count(*) AS rollback_1 FROM lake.hotels');
    await setState({ state: 'old-only' });
    await query('alice', 'SELECT count(*) AS rollback_2 FROM lake.hotels');
    assert.deepEqual(await enginesOf('rollback_1'), ['crm']);
    assert.deepEqual(await enginesOf('rollback_2'), ['lake']);
    const changes = await api('GET', '/v1/admin/migrations/lake/hotels/changes');
    const list = (changes.json as { changes: Array<{ by: string; after: { state: string } }> }).changes;
    assert.equal(list[0]!.after.state, 'old-only');
    assert.equal(list[0]!.by, 'admin');
    // The audit log has the same changes, newest first, beside budget and token events.
    const audit = await api('GET', '/v1/admin/audit?limit=5');
    assert.equal(audit.status, 200, JSON.stringify(audit.json));
    const events = (audit.json as { events: Array<{ kind: string; subject: string; actor: string; detail: { state?: string } }> }).events;
    assert.deepEqual([events[0]!.kind, events[0]!.subject, events[0]!.actor, events[0]!.detail.state], ['migration', 'lake.hotels', 'admin', 'old-only']);
  });

  it('the CLI: show lists the migration with its comparisons; rollback sets old-only', async () => {
    const cli = (args: string[]) =>
      run(process.execPath, ['--import', 'tsx', gatewayCliPath, 'migrate', ...args, '--url', `http://127.0.0.1:${gateway.httpPort}`], {
        cwd: repoRoot,
        env: { ...process.env, TOLLGATE_USER: 'admin', TOLLGATE_PASSWORD: 'admin' },
      });
    await setState({ state: 'shadow', shadowSampleRate: 1 });
    const shown = await cli(['show']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^lake\.hotels: lake -> crm, shadow \(sample 1\)/m);
    assert.match(shown.stdout, /compared \d+: \d+ match, 1 mismatch/);
    const back = await cli(['rollback', 'lake.hotels']);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /lake\.hotels is now old-only/);
    const asAnalyst = await run(process.execPath, ['--import', 'tsx', gatewayCliPath, 'migrate', 'show', '--url', `http://127.0.0.1:${gateway.httpPort}`], {
      cwd: repoRoot,
      env: { ...process.env, TOLLGATE_USER: 'alice', TOLLGATE_PASSWORD: 'alice' },
    });
    assert.equal(asAnalyst.code, 1);
  });

  it('bad input: an engine that does not serve the table, an unknown state, an unknown team', async () => {
    const wrongEngine = await api('PUT', '/v1/admin/migrations/lake/hotels', { oldEngine: 'lake', newEngine: 'tollgate', state: 'shadow' });
    assert.equal(wrongEngine.status, 400);
    const badState = await api('PUT', '/v1/admin/migrations/lake/hotels', { oldEngine: 'lake', newEngine: 'crm', state: 'half' });
    assert.equal(badState.status, 400);
    const badTeam = await api('PUT', '/v1/admin/migrations/lake/hotels', { oldEngine: 'lake', newEngine: 'crm', state: 'canary', canaryTeams: ['nobody'] });
    assert.equal(badTeam.status, 400);
    const analyst = await fetch(`http://127.0.0.1:${gateway.httpPort}/v1/admin/migrations`, { headers: { authorization: 'Basic ' + Buffer.from('alice:alice').toString('base64') } });
    assert.equal(analyst.status, 403);
  });
});
