/**
 * estimateParquetTable over small files written by DuckDB: which files and row groups each kind of predicate
 * keeps, and the bytes: the chunk sizes of exactly the kept row groups' needed columns, plus footers.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { estimateParquetReads, estimateParquetTable, FooterCache, type ParquetTable, type TableScanEstimate } from '../../../src/estimate/index.ts';
import { chunkPages } from '../../../src/estimate/cache.ts';
import type { Predicate } from '../../../src/parser/analysis/types.ts';
import { day, makeLake, sumChunks, tableRead, ts, type ChunkRow, type Lake } from './helpers.ts';

const RG = 2048;

describe('row groups and bytes of a single file', () => {
  let lake: Lake;
  let file: string;
  let meta: ChunkRow[];
  let footerSize: number;
  let table: ParquetTable;
  before(async () => {
    lake = await makeLake('tollgate-estimate-');
    file = await lake.write(
      'flat/data.parquet',
      `SELECT i::BIGINT AS id, TIMESTAMP '2024-01-01' + to_minutes(i) AS ts, DATE '2024-01-01' + (i // 100)::INTEGER AS d,
              'k' || lpad(i::VARCHAR, 5, '0') AS s, (i / 100)::DECIMAL(10,2) AS price, (i * 0.5)::DOUBLE AS f,
              ['red','green','blue'][i % 3 + 1] AS cat, CASE WHEN i < ${RG} THEN NULL ELSE i END::INTEGER AS maybe,
              {'a': i, 'b': 'x' || (i % 7)} AS nested, [i, i + 1] AS l
         FROM range(0, ${4 * RG}) t(i) ORDER BY i`,
      RG,
    );
    meta = await lake.metadata(file);
    footerSize = (await lake.footerSizes(file)).get(file)!;
    table = { schema: 'lake', name: 't', path: file, hivePartitioning: false };
  });
  after(() => lake.close());

  const run = (columns: string[], predicates: Predicate[] = [], viewsBound = false): Promise<TableScanEstimate> =>
    estimateParquetTable(table, tableRead('t', columns, predicates), { cache: new FooterCache(), viewsBound });

  /** The row groups kept and the chunk bytes of `columns` (every leaf under them) in those row groups. */
  const expectRowGroups = async (predicates: Predicate[], kept: number[]): Promise<TableScanEstimate> => {
    const columns = [...new Set(['id', 'price', ...predicates.map((p) => p.column)])];
    const e = await run(columns, predicates);
    assert.equal(e.rowGroups.total, 4);
    assert.equal(e.rowGroups.kept, kept.length, `row groups kept for ${JSON.stringify(predicates, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}: ${e.pruned.join('; ')}`);
    const expected = sumChunks(meta, (m) => kept.includes(m.rowGroup) && columns.includes(m.column.split(', ')[0]!));
    assert.equal(e.chunkBytes, expected);
    // DuckDB reads at least every chunk byte, plus its page-header read-ahead.
    assert.ok(e.dataBytes >= e.chunkBytes);
    assert.equal(e.metadataBytes >= footerSize + 8, true);
    assert.equal(e.bytes, e.dataBytes + e.metadataBytes);
    return e;
  };

  test('comparisons on an integer column', async () => {
    await expectRowGroups([{ column: 'id', op: '=', value: 3000, type: 'int4' }], [1]);
    await expectRowGroups([{ column: 'id', op: '<', value: RG, type: 'int4' }], [0]);
    await expectRowGroups([{ column: 'id', op: '<=', value: RG, type: 'int4' }], [0, 1]);
    await expectRowGroups([{ column: 'id', op: '>', value: 4 * RG - 1, type: 'int4' }], []);
    await expectRowGroups([{ column: 'id', op: '>', value: 3 * RG - 1, type: 'int4' }], [3]);
    await expectRowGroups([{ column: 'id', op: '>=', value: 3 * RG - 1, type: 'int8' }], [2, 3]);
    await expectRowGroups([{ column: 'id', op: '>=', value: 6000n, type: 'int8' }], [2, 3]);
    await expectRowGroups([{ column: 'id', op: '=', value: '3000', type: 'unknown' }], [1]);
  });

  test('<> never prunes; between; IN prunes by the range of its values; a one-value IN is an equality', async () => {
    await expectRowGroups([{ column: 'id', op: '<>', value: 5, type: 'int4' }], [0, 1, 2, 3]);
    await expectRowGroups([{ column: 'id', op: 'between', low: 2100, high: 4100, type: 'int4' }], [1, 2]);
    await expectRowGroups([{ column: 'id', op: 'in', values: [5, 7], type: 'int4' }], [0]);
    await expectRowGroups([{ column: 'id', op: 'in', values: [5, 7000], type: 'int4' }], [0, 1, 2, 3]);
    await expectRowGroups([{ column: 'id', op: 'in', values: [3000], type: 'int4' }], [1]);
    // A fractional literal against an integer column: DuckDB casts the column, no min/max filter.
    const e = await expectRowGroups([{ column: 'id', op: '<', value: '10.5', type: 'numeric' }], [0, 1, 2, 3]);
    assert.match(e.notes.join('\n'), /not comparable/);
  });

  test('timestamps, dates, strings, decimals, doubles', async () => {
    await expectRowGroups([{ column: 'ts', op: '>=', value: ts('2024-01-02 12:00:00'), type: 'timestamp' }], [1, 2, 3]);
    await expectRowGroups([{ column: 'ts', op: '<', value: day('2024-01-02'), type: 'date' }], [0]);
    await expectRowGroups([{ column: 'ts', op: '<', value: '2024-01-01 10:00', type: 'unknown' }], [0]);
    // timestamptz literal vs timestamp column: the column is cast, nothing pruned.
    await expectRowGroups([{ column: 'ts', op: '<', value: ts('2024-01-01 10:00:00'), type: 'timestamptz' }], [0, 1, 2, 3]);
    await expectRowGroups([{ column: 'd', op: '<', value: '2024-01-11', type: 'unknown' }], [0]);
    await expectRowGroups([{ column: 'd', op: '=', value: day('2024-02-20'), type: 'date' }], [2]);
    await expectRowGroups([{ column: 's', op: '>=', value: 'k06144', type: 'unknown' }], [3]);
    await expectRowGroups([{ column: 's', op: '<', value: 'k00001', type: 'text' }], [0]);
    await expectRowGroups([{ column: 'price', op: '>', value: 61, type: 'int4' }], [2, 3]);
    await expectRowGroups([{ column: 'price', op: '>', value: '61.5', type: 'numeric' }], [3]);
    await expectRowGroups([{ column: 'f', op: '<', value: 100, type: 'float8' }], [0]);
  });

  test('IS NULL and IS NOT NULL use the null counts', async () => {
    await expectRowGroups([{ column: 'maybe', op: 'is null' }], [0]);
    await expectRowGroups([{ column: 'maybe', op: 'is not null' }], [1, 2, 3]);
    await expectRowGroups([{ column: 'id', op: 'is null' }], []);
  });

  test('equality on a column with bloom filters: read, and an absent value skips the row groups', async () => {
    const absent = await expectRowGroups([{ column: 'cat', op: '=', value: 'purple', type: 'unknown' }], []);
    assert.match(absent.pruned.join('\n'), /bloom filter/);
    assert.equal(absent.dataBytes, 0);
    assert.ok(absent.metadataBytes > footerSize + 8, 'the bloom filters were read');
    const present = await expectRowGroups([{ column: 'cat', op: '=', value: 'red', type: 'unknown' }], [0, 1, 2, 3]);
    // With a bloom filter read, DuckDB reads the page headers exactly: the data bytes are the chunk bytes.
    assert.equal(present.dataBytes, present.chunkBytes);
    // Statistics prune before any bloom filter is read.
    const both = await expectRowGroups(
      [
        { column: 'cat', op: '=', value: 'red', type: 'unknown' },
        { column: 'id', op: '<', value: RG, type: 'int4' },
      ],
      [0],
    );
    assert.ok(both.metadataBytes < present.metadataBytes);
  });

  test('count(*) reads the footer only; a view bound to the file has it cached', async () => {
    const e = await run([]);
    assert.equal(e.chunkBytes, 0);
    assert.equal(e.dataBytes, 0);
    assert.equal(e.metadataBytes, footerSize + 8);
    assert.equal(e.rowGroups.kept, 4);
    const bound = await run([], [], true);
    assert.equal(bound.bytes, 0);
  });

  test('nested columns: every leaf chunk under the column', async () => {
    const e = await run(['l', 'nested']);
    assert.equal(e.chunkBytes, sumChunks(meta, (m) => m.column.startsWith('nested, ') || m.column.startsWith('l, ')));
    assert.ok(meta.filter((m) => m.column.startsWith('nested, ')).length >= 8, 'two leaves in four row groups');
  });

  test('a predicate on a nested column or a column not in the file is noted and not used', async () => {
    const e = await run(['id', 'nested'], [{ column: 'nested', op: '=', value: 1, type: 'int4' }]);
    assert.equal(e.rowGroups.kept, 4);
    assert.match(e.notes.join('\n'), /not a flat column/);
    const missing = await run(['nope']);
    assert.match(missing.notes.join('\n'), /column nope is not in data\.parquet/);
  });

  test('references the caller does not know are unknown', async () => {
    const est = await estimateParquetReads([tableRead('t', ['id']), tableRead('other', ['x'])], (_s, n) => (n === 't' ? table : undefined), { cache: new FooterCache() });
    assert.equal(est.exact, false);
    assert.equal(est.detail.length, 2);
    assert.ok('unknown' in est.detail[1]!);
    assert.equal(est.bytes, (est.detail[0] as TableScanEstimate).bytes);
  });

  test('two references to the same table in one statement share footer and header reads', async () => {
    const cache = new FooterCache();
    const one = await estimateParquetReads([tableRead('t', ['cat'])], () => table, { cache });
    const two = await estimateParquetReads([tableRead('t', ['cat']), tableRead('t', ['cat'])], () => table, { cache });
    const second = two.detail[1] as TableScanEstimate;
    assert.equal(second.metadataBytes, 0);
    // The second scan reads the page payloads only: the header read-aheads are in DuckDB's cache.
    const entry = (await cache.get(file))!;
    const cat = entry.footer.leaves.findIndex((l) => l.path[0] === 'cat');
    let payloads = 0;
    for (let rg = 0; rg < 4; rg++) for (const p of await chunkPages(entry, rg, cat)) payloads += p.compressedSize;
    assert.equal(second.dataBytes, payloads);
    assert.ok(payloads < second.chunkBytes);
    assert.equal(two.bytes, one.bytes + payloads);
  });
});

describe('hive partitions', () => {
  let lake: Lake;
  let glob: string;
  const days = ['2024-01-01', '2024-01-02', '2024-01-03', '2024-01-04'];
  before(async () => {
    lake = await makeLake('tollgate-hive-');
    for (const d of days) {
      for (const n of [1, 2]) await lake.write(`hive/day=${d}/n=${n}/data.parquet`, `SELECT i AS v FROM range(0, 100) t(i)`, RG);
    }
    await lake.write('hive/day=NULL/n=1/data.parquet', 'SELECT i AS v FROM range(0, 100) t(i)', RG);
    glob = `${lake.dir}/hive/*/*/*.parquet`;
  });
  after(() => lake.close());

  const cases: Array<[string, Predicate[], string]> = [
    ['day = text', [{ column: 'day', op: '=', value: '2024-01-02', type: 'unknown' }], "day = DATE '2024-01-02'"],
    ['day >= date', [{ column: 'day', op: '>=', value: day('2024-01-03'), type: 'date' }], "day >= DATE '2024-01-03'"],
    ['day between', [{ column: 'day', op: 'between', low: '2024-01-02', high: '2024-01-03', type: 'unknown' }], "day BETWEEN DATE '2024-01-02' AND DATE '2024-01-03'"],
    ['day in (exact membership)', [{ column: 'day', op: 'in', values: ['2024-01-01', '2024-01-04'], type: 'unknown' }], "day IN (DATE '2024-01-01', DATE '2024-01-04')"],
    ['day <> (NULL partition out)', [{ column: 'day', op: '<>', value: '2024-01-01', type: 'unknown' }], "day <> DATE '2024-01-01'"],
    ['day is null', [{ column: 'day', op: 'is null' }], 'day IS NULL'],
    ['day is not null', [{ column: 'day', op: 'is not null' }], 'day IS NOT NULL'],
    ['n = 2', [{ column: 'n', op: '=', value: 2, type: 'int4' }], 'n = 2'],
    ['n in (2)', [{ column: 'n', op: 'in', values: [2], type: 'int4' }], 'n IN (2)'],
    [
      'n > 1 and day = ...',
      [
        { column: 'n', op: '>', value: 1, type: 'int4' },
        { column: 'day', op: '=', value: '2024-01-04', type: 'unknown' },
      ],
      "n > 1 AND day = DATE '2024-01-04'",
    ],
  ];

  test('partition types as DuckDB detects them', async () => {
    const r = await lake.conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet('${glob}', hive_partitioning = true))`);
    const types = Object.fromEntries(r.getRows().map((row) => [String(row[0]), String(row[1])]));
    assert.equal(types.day, 'DATE');
    assert.equal(types.n, 'BIGINT');
  });

  for (const withTypes of [false, true]) {
    for (const [name, predicates, where] of cases) {
      test(`${name}${withTypes ? ' (types from DuckDB)' : ' (types detected)'}: the files DuckDB reads`, async () => {
        const table: ParquetTable = { schema: 'lake', name: 'h', path: glob, hivePartitioning: true, ...(withTypes && { columnTypes: { v: 'BIGINT', day: 'DATE', n: 'BIGINT' } }) };
        const e = await estimateParquetTable(table, tableRead('h', ['v'], predicates), { cache: new FooterCache() });
        const r = await lake.conn.runAndReadAll(`SELECT count(DISTINCT filename) FROM read_parquet('${glob}', hive_partitioning = true, filename = true) WHERE ${where}`);
        assert.equal(e.files.total, 9);
        assert.equal(e.files.kept, Number(r.getRows()[0]![0]), e.pruned.join('; '));
        const meta = await lake.metadata(glob);
        assert.equal(e.rowGroups.kept, e.files.kept);
        const keptFiles = new Set(meta.map((m) => m.file));
        assert.ok(e.chunkBytes <= sumChunks(meta, (m) => keptFiles.has(m.file)));
      });
    }
  }
});

describe('the footer cache follows the files', () => {
  let lake: Lake;
  let glob: string;
  before(async () => {
    lake = await makeLake('tollgate-cache-');
    await lake.write('inv/a.parquet', 'SELECT i AS v FROM range(0, 100) t(i)', RG);
    await lake.write('inv/b.parquet', 'SELECT i AS v FROM range(0, 100) t(i)', RG);
    glob = `${lake.dir}/inv/*.parquet`;
  });
  after(() => lake.close());

  test('replaced, added and deleted files', async () => {
    const cache = new FooterCache();
    const table: ParquetTable = { schema: 'lake', name: 'inv', path: glob, hivePartitioning: false };
    const count = () => estimateParquetTable(table, tableRead('inv', []), { cache });
    const footers = async () => [...(await lake.footerSizes(glob)).values()].reduce((a, n) => a + n + 8, 0);

    let e = await count();
    assert.equal(e.files.total, 2);
    assert.equal(e.metadataBytes, await footers());
    assert.deepEqual(cache.stats, { hits: 0, misses: 2, invalidations: 0 });
    await count();
    assert.deepEqual(cache.stats, { hits: 2, misses: 2, invalidations: 0 });

    // Replaced by a file with another schema, so another footer size.
    const before = statSync(`${lake.dir}/inv/a.parquet`).size;
    await lake.write('inv/a.parquet', "SELECT i AS v, 'some text ' || i AS w, i * 2 AS x FROM range(0, 300) t(i)", RG);
    assert.notEqual(statSync(`${lake.dir}/inv/a.parquet`).size, before);
    e = await count();
    assert.equal(cache.stats.invalidations, 1);
    assert.equal(cache.stats.misses, 3);
    assert.equal(e.metadataBytes, await footers());
    const wide = await estimateParquetTable(table, tableRead('inv', ['w']), { cache });
    assert.ok(wide.chunkBytes > 0, 'the new column is seen');

    await lake.write('inv/c.parquet', 'SELECT i AS v FROM range(0, 10) t(i)', RG);
    e = await count();
    assert.equal(e.files.total, 3);
    assert.equal(e.metadataBytes, await footers());
    assert.equal(cache.size, 3);

    const { rm } = await import('node:fs/promises');
    await rm(`${lake.dir}/inv/b.parquet`);
    e = await count();
    assert.equal(e.files.total, 2);
    assert.equal(e.metadataBytes, await footers());
    assert.equal(cache.size, 2, 'the deleted file left the cache');
  });
});

test('hive partition values: every key=value directory, percent-decoded like DuckDB', async () => {
  const { hivePartitions } = await import('../../../src/estimate/index.ts');
  assert.deepEqual(
    [...hivePartitions('/lake/t/region=eu/k=a%20b/day=2024-01-01/data_0.parquet')],
    [
      ['region', 'eu'],
      ['k', 'a b'],
      ['day', '2024-01-01'],
    ],
  );
  assert.deepEqual([...hivePartitions('/lake/t/x=1/file=2.parquet')], [['x', '1']]);
  assert.deepEqual([...hivePartitions('/lake/t/bad=%zz/f.parquet')], [['bad', '%zz']]);
});
