/**
 * `tollgate dashboards push` as a user runs it (a child process) against the Metabase stand-in
 * (test/fixtures/metabase-standin), which checks each request against Metabase's documented shapes: the
 * first run creates everything, the next ones create nothing and update only what changed in the files.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import YAML from 'yaml';
import { loadDashboards, type DashboardsSpec } from '../../src/dashboards/index.ts';
import { startMetabaseStandin, type MetabaseStandin } from '../fixtures/metabase-standin/server.ts';
import { gatewayCliPath, repoRoot } from '../helpers/gateway.ts';
import { run, type RunResult } from '../helpers/proc.ts';

const API_KEY = 'mb_test_key_0123456789';

describe('tollgate dashboards push (CLI → Metabase stand-in)', () => {
  let mb: MetabaseStandin;
  let dir: string;
  let spec: DashboardsSpec;

  before(async () => {
    mb = await startMetabaseStandin({ apiKey: API_KEY });
    // A copy of dashboards/, so that a test can change a card's SQL.
    dir = await mkdtemp(join(tmpdir(), 'tollgate-dashboards-'));
    await cp(join(repoRoot, 'dashboards'), dir, { recursive: true });
    spec = await loadDashboards(dir);
  });
  after(async () => {
    await mb?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const push = (apiKey = API_KEY): Promise<RunResult> =>
    run(
      process.execPath,
      ['--import', 'tsx', gatewayCliPath, 'dashboards', 'push', '--metabase', mb.url, '--api-key', apiKey, '--dir', dir, '--gateway-host', 'tollgate.internal', '--gateway-port', '5433', '--gateway-user', 'admin'],
      { cwd: repoRoot, env: { ...process.env, TOLLGATE_PASSWORD: 'admin-secret' } },
    );
  const writes = (from: number) => mb.requests.slice(from).filter((r) => r.method !== 'GET');
  const cardNamed = (name: string) => mb.state.cards.find((c) => c.name === name)!;

  it('the first run creates the database, the collection, every card and the five dashboards', async () => {
    const r = await push();
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    assert.ok(mb.requests.every((q) => q.status < 400), JSON.stringify(mb.requests.filter((q) => q.status >= 400)));

    assert.equal(mb.state.databases.length, 1);
    const db = mb.state.databases[0]!;
    assert.deepEqual([db.name, db.engine], ['tollgate', 'postgres']);
    assert.deepEqual(db.details, { host: 'tollgate.internal', port: 5433, dbname: 'tollgate', user: 'admin', password: 'admin-secret', ssl: false, 'tunnel-enabled': false });

    assert.deepEqual(mb.state.collections.map((c) => c.name), ['tollgate']);
    const collection = mb.state.collections[0]!.id;

    assert.equal(mb.state.cards.length, spec.cards.length);
    for (const card of spec.cards) {
      const got = cardNamed(card.name);
      assert.ok(got, `card ${card.name}`);
      assert.equal(got.collection_id, collection);
      assert.equal(got.display, card.display);
      assert.deepEqual(got.dataset_query, { type: 'native', native: { query: card.query, 'template-tags': {} }, database: db.id });
      assert.deepEqual(got.visualization_settings, card.visualizationSettings);
    }

    assert.deepEqual(mb.state.dashboards.map((d) => d.name).sort(), ['Budget status', 'Cache savings', 'Engine usage', 'Team spend', 'Top queries']);
    for (const dash of spec.dashboards) {
      const got = mb.state.dashboards.find((d) => d.name === dash.name)!;
      assert.equal(got.collection_id, collection);
      const cardIds = dash.cards.map((p) => cardNamed(spec.cards.find((c) => c.key === p.card)!.name).id);
      assert.deepEqual(got.dashcards.map((d) => d.card_id), cardIds, dash.name);
      assert.deepEqual(got.dashcards.map((d) => [d.row, d.col, d.size_x, d.size_y]), dash.cards.map((p) => [p.row, p.col, p.sizeX, p.sizeY]));
    }
    assert.match(r.stdout, /created\s+dashboard "Team spend"/);
  });

  it('a second run creates nothing and writes nothing', async () => {
    const before = { requests: mb.requests.length, state: JSON.stringify(mb.state) };
    const r = await push();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(writes(before.requests), []);
    assert.equal(JSON.stringify(mb.state), before.state);
    assert.match(r.stdout, /^0 created, 0 updated, \d+ unchanged$/m);
  });

  it('a changed card is updated in place, keeping its id and its places on dashboards', async () => {
    const file = join(dir, 'cards', 'spend-per-day.yaml');
    const doc = YAML.parse(await readFile(file, 'utf8')) as { name: string; query: string };
    const query = doc.query.replace('current_date - 90', 'current_date - 60');
    await writeFile(file, YAML.stringify({ ...doc, query }));
    const old = { id: cardNamed(doc.name).id, cards: mb.state.cards.length, dashboards: JSON.stringify(mb.state.dashboards) };
    const from = mb.requests.length;

    const r = await push();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(writes(from).map((w) => `${w.method} ${w.path}`), [`PUT /api/card/${old.id}`]);
    assert.equal(mb.state.cards.length, old.cards);
    assert.equal(cardNamed(doc.name).id, old.id);
    assert.equal((cardNamed(doc.name).dataset_query as { native: { query: string } }).native.query, query.trim());
    assert.equal(JSON.stringify(mb.state.dashboards), old.dashboards);
    assert.match(r.stdout, /updated\s+card "Spend per day"/);
  });

  it('a moved dashcard updates the dashboard, keeping the dashcard ids', async () => {
    const file = join(dir, 'dashboards', 'budget-status.yaml');
    const doc = YAML.parse(await readFile(file, 'utf8')) as { cards: Array<{ size_y: number }> };
    doc.cards[2]!.size_y += 2;
    await writeFile(file, YAML.stringify(doc));
    const dash = mb.state.dashboards.find((d) => d.name === 'Budget status')!;
    const ids = dash.dashcards.map((d) => d.id);
    const from = mb.requests.length;

    const r = await push();
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(writes(from).map((w) => `${w.method} ${w.path}`), [`PUT /api/dashboard/${dash.id}`]);
    assert.deepEqual(dash.dashcards.map((d) => d.id), ids);
    assert.equal(dash.dashcards[2]!.size_y, doc.cards[2]!.size_y);
  });

  it('a wrong API key fails with a clear message, exit 1, and changes nothing', async () => {
    const before = JSON.stringify(mb.state);
    const r = await push('not-the-key');
    assert.equal(r.code, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /Metabase refused the API key \(GET \/api\/database answered HTTP 401\)/);
    assert.match(r.stderr, /hint: Create an API key in Metabase/);
    assert.equal(JSON.stringify(mb.state), before);
  });

  it('a card reading anything but the tollgate.* views is refused before Metabase is asked (exit 2)', async () => {
    const file = join(dir, 'cards', 'zz-bad.yaml');
    await writeFile(file, YAML.stringify({ name: 'Bad', display: 'table', query: 'SELECT * FROM ledger.statements', columns: ['id'] }));
    const from = mb.requests.length;
    try {
      const r = await push();
      assert.equal(r.code, 2);
      assert.match(r.stderr, /zz-bad\.yaml: the query reads ledger\.statements; cards read only the tollgate\.\* views/);
      assert.equal(mb.requests.length, from);
    } finally {
      await rm(file);
    }
  });

  it('the stand-in refuses what Metabase would: unknown ids, missing fields, bad dashcards', async () => {
    const call = async (method: string, path: string, body?: unknown, key = API_KEY) => {
      const res = await fetch(new URL(path, mb.url), {
        method,
        headers: { 'x-api-key': key, ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return { status: res.status, text: await res.text() };
    };
    assert.equal((await call('GET', '/api/dashboard/99999')).status, 404);
    assert.equal((await call('PUT', '/api/card/99999', { name: 'x' })).status, 404);
    assert.equal((await call('GET', '/api/nothing')).status, 404);
    assert.equal((await call('GET', '/api/card', undefined, 'wrong')).status, 401);
    const noDisplay = await call('POST', '/api/card', { name: 'x', dataset_query: {}, visualization_settings: {} });
    assert.equal(noDisplay.status, 400);
    assert.match(noDisplay.text, /display/);
    const dash = mb.state.dashboards[0]!;
    const dup = await call('PUT', `/api/dashboard/${dash.id}`, { dashcards: [{ id: -1, card_id: mb.state.cards[0]!.id, row: 0, col: 0, size_x: 4, size_y: 4 }, { id: -1, card_id: mb.state.cards[0]!.id, row: 0, col: 4, size_x: 4, size_y: 4 }] });
    assert.equal(dup.status, 400);
    const zero = await call('PUT', `/api/dashboard/${dash.id}`, { dashcards: [{ id: -1, card_id: mb.state.cards[0]!.id, row: 0, col: 0, size_x: 0, size_y: 4 }] });
    assert.equal(zero.status, 400);
  });
});
