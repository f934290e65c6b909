import { loadConfig } from '../../../src/config/index.ts';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  DEMO_COLUMN_TYPES,
  DEMO_TABLES,
  MARKER_FILE,
  demoMonths,
  ensureDemoData,
  readDemoMarker,
  type DemoResult,
  type ProgressEvent,
} from '../../../src/demo/index.ts';

const SCALE = 0.001; // 500 hotels, 5,000 bookings, 10,000 searches
const SEED = 7;

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(relative(dir, join(entry.parentPath, entry.name)));
  }
  return out.sort();
}

async function sha256All(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir)) out[f] = createHash('sha256').update(await readFile(join(dir, f))).digest('hex');
  return out;
}

describe('demo data generator', () => {
  let root: string;
  let dataA: string;
  let dataB: string;
  let first: DemoResult;
  let events: ProgressEvent[];
  let db: DuckDBInstance;
  let con: DuckDBConnection;

  const rows = async (sql: string): Promise<Record<string, unknown>[]> =>
    (await con.runAndReadAll(sql)).getRowObjectsJS() as Record<string, unknown>[];
  const one = async (sql: string): Promise<Record<string, unknown>> => (await rows(sql))[0]!;

  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'tollgate-demo-test-'));
    dataA = join(root, 'a');
    dataB = join(root, 'b');
    events = [];
    first = await ensureDemoData(dataA, { seed: SEED, scale: SCALE, threads: 2, onProgress: (e) => events.push(e) });
    db = await DuckDBInstance.create(':memory:', { threads: '1' });
    con = await db.connect();
    for (const t of DEMO_TABLES) {
      const hive = t.partitionColumn ? ', hive_partitioning = true' : '';
      await con.run(`CREATE VIEW ${t.name} AS SELECT * FROM read_parquet('${join(dataA, t.path)}'${hive})`);
    }
  });

  after(async () => {
    con?.closeSync();
    db?.closeSync();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('generates the lake with the expected row counts and a marker', async () => {
    assert.equal(first.generated, true);
    assert.equal(first.dir, join(dataA, 'lake'));
    const counts: Record<string, number> = first.rowCounts;
    assert.deepEqual({ ...counts }, { hotels: 500, bookings: 5000, searches: 10000 });
    const marker = await readDemoMarker(first.dir);
    assert.ok(marker);
    assert.equal(marker.seed, SEED);
    assert.equal(marker.scale, SCALE);
    assert.deepEqual(marker.rowCounts, first.rowCounts);
    for (const t of DEMO_TABLES) {
      const { n } = await one(`SELECT count(*)::INTEGER AS n FROM ${t.name}`);
      assert.equal(n, counts[t.name], t.name);
    }
  });

  test('reports progress per table, ending with done === total', () => {
    assert.deepEqual(events[0], { table: 'all', step: 'start', done: 0, total: 15500 });
    assert.deepEqual(events[events.length - 1], { table: 'all', step: 'done', done: 15500, total: 15500 });
    for (const table of ['hotels', 'bookings', 'searches']) {
      const mine = events.filter((e) => e.table === table);
      assert.ok(mine.length >= 2, table);
      const last = mine[mine.length - 1]!;
      assert.equal(last.step, 'done');
      assert.equal(last.done, last.total);
      assert.equal(last.total, first.rowCounts[table]);
      for (let k = 1; k < mine.length; k++) assert.ok(mine[k]!.done >= mine[k - 1]!.done, `${table} progress goes backwards`);
    }
  });

  test('same seed, same bytes (also with another thread count)', async () => {
    const second = await ensureDemoData(dataB, { seed: SEED, scale: SCALE, threads: 1 });
    assert.equal(second.generated, true);
    const a = await sha256All(join(dataA, 'lake'));
    const b = await sha256All(join(dataB, 'lake'));
    assert.ok(Object.keys(a).filter((f) => f.endsWith('.parquet')).length === 49, 'hotels + 2 x 24 partitions');
    assert.deepEqual(b, a);
  });

  test('has the documented tables, columns and types', async () => {
    for (const t of DEMO_TABLES) {
      const described = await rows(`DESCRIBE ${t.name}`);
      const actual = Object.fromEntries(described.map((r) => [r.column_name as string, r.column_type as string]));
      assert.deepEqual(actual, DEMO_COLUMN_TYPES[t.name], t.name);
      assert.deepEqual(Object.keys(actual), [...t.columns], `${t.name}: columns in order`);
    }
  });

  test('is hive-partitioned by month over 24 fixed months, one sorted file per partition', async () => {
    const months = demoMonths();
    assert.equal(months.length, 24);
    assert.equal(months[0], '2024-01');
    assert.equal(months[23], '2025-12');
    const lake = join(dataA, 'lake');
    assert.deepEqual((await readdir(join(lake, 'bookings'))).sort(), months.map((m) => `booking_month=${m}`));
    assert.deepEqual((await readdir(join(lake, 'searches'))).sort(), months.map((m) => `search_month=${m}`));
    assert.deepEqual(await readdir(join(lake, 'hotels')), ['hotels.parquet']);
    const b = await one(`SELECT count(DISTINCT booking_month)::INTEGER AS n,
      count(*) FILTER (WHERE strftime(booked_at, '%Y-%m') <> booking_month)::INTEGER AS wrong FROM bookings`);
    assert.deepEqual(b, { n: 24, wrong: 0 });
    const s = await one(`SELECT count(DISTINCT search_month)::INTEGER AS n,
      count(*) FILTER (WHERE strftime(searched_at, '%Y-%m') <> search_month)::INTEGER AS wrong FROM searches`);
    assert.deepEqual(s, { n: 24, wrong: 0 });
    // In file order, ids increase and timestamps never go back (so row-group min/max pruning on time works).
    for (const [table, id, ts] of [['bookings', 'booking_id', 'booked_at'], ['searches', 'search_id', 'searched_at']] as const) {
      const bad = await one(`
        SELECT count(*)::INTEGER AS n FROM (
          SELECT ${id} AS id, ${ts} AS ts,
            lag(${id}) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev_id,
            lag(${ts}) OVER (PARTITION BY filename ORDER BY file_row_number) AS prev_ts
          FROM read_parquet('${join(lake, table, '*', '*.parquet')}', filename = true, file_row_number = true))
        WHERE id <= prev_id OR ts < prev_ts`);
      assert.equal(bad.n, 0, `${table} rows out of order`);
    }
  });

  test('looks like a real business: skewed cities, cancellations, prices by star rating', async () => {
    const cities = await rows(`
      SELECT h.city, count(*)::DOUBLE / sum(count(*)) OVER () AS share
      FROM bookings b JOIN hotels h USING (hotel_id) GROUP BY 1 ORDER BY 2 DESC`);
    assert.ok(cities.length >= 50, 'most of the ~100 cities get bookings');
    assert.equal(cities[0]!.city, 'London');
    assert.ok((cities[0]!.share as number) > 0.1, 'the top city gets over 10% of bookings');
    const top10 = cities.slice(0, 10).reduce((a, c) => a + (c.share as number), 0);
    assert.ok(top10 > 0.4 && top10 < 0.75, `top 10 cities share ${top10}`);
    const { hotelCities } = await one(`SELECT count(DISTINCT city)::INTEGER AS hotelCities FROM hotels`);
    assert.ok((hotelCities as number) >= 95, 'every city has hotels');

    const { cancel } = await one(`SELECT avg((status = 'cancelled')::INTEGER) AS cancel FROM bookings`);
    assert.ok((cancel as number) >= 0.15 && (cancel as number) <= 0.25, `cancellation rate ${cancel}`);
    const statuses = await rows(`SELECT DISTINCT status FROM bookings ORDER BY 1`);
    assert.deepEqual(statuses.map((r) => r.status), ['cancelled', 'confirmed']);

    const byStar = await rows(`
      SELECT h.star_rating AS star, avg(price_usd / (nights * rooms))::DOUBLE AS nightly
      FROM bookings b JOIN hotels h USING (hotel_id) GROUP BY 1 ORDER BY 1`);
    assert.deepEqual(byStar.map((r) => r.star), [1, 2, 3, 4, 5]);
    for (let k = 1; k < byStar.length; k++) {
      assert.ok((byStar[k]!.nightly as number) > (byStar[k - 1]!.nightly as number), 'price increases with star rating');
    }

    const { chains, independents } = await one(`SELECT count(chain)::INTEGER AS chains,
      count(*) FILTER (WHERE chain IS NULL)::INTEGER AS independents FROM hotels`);
    assert.ok((chains as number) > 100 && (independents as number) > 100, 'chains and independents');
    const { dupNames } = await one(`SELECT (count(*) - count(DISTINCT (city, name)))::INTEGER AS dupNames FROM hotels`);
    assert.equal(dupNames, 0, 'hotel names are unique within a city');

    const { summer, winter } = await one(`SELECT
      count(*) FILTER (WHERE month(booked_at) IN (7, 8))::INTEGER AS summer,
      count(*) FILTER (WHERE month(booked_at) IN (2, 3))::INTEGER AS winter FROM bookings`);
    assert.ok((summer as number) > 1.2 * (winter as number), 'summer peak');
  });

  test('searches: nullable clicks within the destination, long-tailed latency', async () => {
    const c = await one(`SELECT count(*) FILTER (WHERE clicked_hotel_id IS NULL)::INTEGER AS nulls,
      count(clicked_hotel_id)::INTEGER AS clicks FROM searches`);
    assert.ok((c.nulls as number) > 1000 && (c.clicks as number) > 1000, JSON.stringify(c));
    const { outside } = await one(`SELECT count(*)::INTEGER AS outside FROM searches s JOIN hotels h ON h.hotel_id = s.clicked_hotel_id
      WHERE h.city <> s.destination_city`);
    assert.equal(outside, 0);
    const { noResultClicks } = await one(`SELECT count(*)::INTEGER AS noResultClicks FROM searches
      WHERE results_shown = 0 AND clicked_hotel_id IS NOT NULL`);
    assert.equal(noResultClicks, 0);
    const l = await one(`SELECT quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.99) AS p99,
      min(latency_ms) AS lo FROM searches`);
    assert.ok((l.lo as number) > 0);
    assert.ok((l.p99 as number) > 4 * (l.p50 as number), `long tail: ${JSON.stringify(l)}`);
  });

  test('returns quickly without touching the files when the marker matches', async () => {
    const lake = join(dataA, 'lake');
    const before = await stat(join(lake, 'bookings', 'booking_month=2024-01', 'data_0.parquet'));
    const calls: ProgressEvent[] = [];
    const again = await ensureDemoData(dataA, { seed: SEED, scale: SCALE, onProgress: (e) => calls.push(e) });
    assert.equal(again.generated, false);
    assert.deepEqual(again.rowCounts, first.rowCounts);
    assert.ok(again.elapsedMs < 1000, `took ${again.elapsedMs} ms`);
    assert.equal(calls.length, 0);
    const afterStat = await stat(join(lake, 'bookings', 'booking_month=2024-01', 'data_0.parquet'));
    assert.equal(afterStat.mtimeMs, before.mtimeMs);
  });

  test('regenerates after an interrupted run (no marker), cleaning up partial output', async () => {
    const lake = join(dataB, 'lake');
    const expected = await sha256All(lake);
    // Simulate a crash: marker never written, a half-written partition, a temp dir of a dead process.
    await rm(join(lake, MARKER_FILE));
    await rm(join(lake, 'searches', 'search_month=2025-12'), { recursive: true });
    await writeFile(join(lake, 'bookings', 'booking_month=2024-01', 'data_1.parquet'), 'partial');
    const stale = join(dataB, '.lake-demo-tmp-999999999-x');
    await mkdir(join(stale, 'bookings'), { recursive: true });
    const again = await ensureDemoData(dataB, { seed: SEED, scale: SCALE, threads: 2 });
    assert.equal(again.generated, true);
    assert.deepEqual(await sha256All(lake), expected);
    assert.deepEqual((await readdir(dataB)).sort(), ['lake']);
  });

  test('rejects invalid options', async () => {
    await assert.rejects(ensureDemoData(join(root, 'x'), { scale: 0 }), /scale/);
    await assert.rejects(ensureDemoData(join(root, 'x'), { seed: -1 }), /seed/);
  });
});

test('the demo config describes every demo table and column, at the path the generator writes', async () => {
  const config = await loadConfig(new URL('../../../config/demo.yaml', import.meta.url).pathname);
  const tables = config.engines.flatMap((e) => (e.kind === 'duckdb' ? e.tables : []));
  for (const t of DEMO_TABLES) {
    const declared = tables.find((d) => d.schema === t.schema && d.name === t.name);
    assert.ok(declared, `${t.schema}.${t.name} is declared`);
    assert.equal(declared.path, t.path);
    assert.ok((declared.comment ?? '').length > 10, `${t.name} comment`);
    assert.deepEqual(Object.keys(declared.columns ?? {}), [...t.columns], `${t.name}: a comment for every column, in order`);
    for (const [col, comment] of Object.entries(declared.columns ?? {})) assert.ok(comment.length > 10, `${t.name}.${col} comment`);
  }
});
