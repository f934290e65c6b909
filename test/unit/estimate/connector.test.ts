/** DuckDBConnector.estimate: the lake tables' estimates, partition types asked from DuckDB, unknown references. */
import assert from 'node:assert/strict';
import { readdir, utimes } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Connector } from '../../../src/connectors/contract.ts';
import { DuckDBConnector } from '../../../src/connectors/duckdb/index.ts';
import { estimateParquetReads, FooterCache, type TableScanEstimate } from '../../../src/estimate/index.ts';
import { makeLake, tableRead, type Lake } from './helpers.ts';

describe('DuckDBConnector.estimate', () => {
  let lake: Lake;
  let connector: DuckDBConnector;
  before(async () => {
    lake = await makeLake('tollgate-connector-estimate-');
    for (const month of ['2024-01', '2024-02', '2024-03']) {
      await lake.write(`events/month=${month}/data_0.parquet`, `SELECT i::BIGINT AS id, 'e' || (i % 5) AS kind FROM range(0, 5000) t(i) ORDER BY i`, 2048);
    }
    await lake.write('dims/dims.parquet', `SELECT i AS k, 'n' || i AS label FROM range(0, 100) t(i)`, 2048);
    connector = await DuckDBConnector.create({
      name: 'lake',
      dataDir: lake.dir,
      tables: [
        { schema: 'lake', name: 'events', path: 'events/*/*.parquet' },
        { schema: 'lake', name: 'dims', path: 'dims/dims.parquet', hivePartitioning: false },
      ],
      threads: 1,
    });
  });
  after(async () => {
    await connector.close();
    await lake.close();
  });

  test('is an optional member of the contract the connector implements', () => {
    const c: Connector = connector;
    assert.equal(typeof c.estimate, 'function');
  });

  test('estimates like the library with the views bound, partition pruning by DuckDB types', async () => {
    const reads = [
      tableRead('events', ['id', 'month'], [{ column: 'month', op: '>=', value: '2024-02', type: 'unknown' }, { column: 'id', op: '<', value: 100, type: 'int4' }]),
      tableRead('dims', []),
    ];
    const est = await connector.estimate(reads);
    assert.equal(est.exact, true);
    const events = est.detail[0] as TableScanEstimate;
    assert.deepEqual(events.files, { total: 3, kept: 2 });
    assert.deepEqual(events.rowGroups, { total: 6, kept: 2 });
    // dims is one file: its footer was read when the view was created.
    const dims = est.detail[1] as TableScanEstimate;
    assert.equal(dims.bytes, 0);
    const lib = await estimateParquetReads(
      reads,
      (_s, n) =>
        n === 'events'
          ? { schema: 'lake', name: 'events', path: `${lake.dir}/events/*/*.parquet`, hivePartitioning: true, columnTypes: { id: 'BIGINT', kind: 'VARCHAR', month: 'VARCHAR' } }
          : { schema: 'lake', name: 'dims', path: `${lake.dir}/dims/dims.parquet`, hivePartitioning: false },
      { cache: new FooterCache(), viewsBound: true },
    );
    assert.deepEqual(est, lib);
  });

  test('references to other tables are unknown; the connector still runs statements', async () => {
    const est = await connector.estimate([tableRead('nope', ['x'])]);
    assert.equal(est.exact, false);
    assert.ok('unknown' in est.detail[0]!);
    const stream = await connector.execute({ sql: 'SELECT count(*) AS n FROM lake.events', params: [], paramTypes: [] }, { signal: new AbortController().signal });
    let n: unknown;
    for await (const batch of stream) n = batch.columns[0]![0];
    assert.equal(n, 15000n);
  });

  test('dataVersion: one per lake table, unchanged until its files change, none while they are too fresh', async () => {
    const events = path.join(lake.dir, 'events');
    const aged = async () => {
      const t = new Date(Date.now() - 3_600_000);
      for (const month of await readdir(events)) {
        for (const f of await readdir(path.join(events, month))) await utimes(path.join(events, month, f), t, t);
        await utimes(path.join(events, month), t, t);
      }
      await utimes(events, t, t);
    };
    await aged();
    const refs = [
      { schema: 'lake', name: 'events' },
      { schema: 'lake', name: 'nope' },
    ];
    const first = await connector.dataVersion(refs);
    assert.deepEqual([...first.keys()], ['lake.events']);
    assert.deepEqual(await connector.dataVersion(refs), first);
    await lake.write('events/month=2024-04/data_0.parquet', `SELECT 1::BIGINT AS id, 'e' AS kind`, 2048);
    // Just written: its mtime could still hide a second write in the same tick.
    assert.equal((await connector.dataVersion(refs)).has('lake.events'), false);
    await aged();
    const later = await connector.dataVersion(refs);
    assert.notEqual(later.get('lake.events'), first.get('lake.events'));
    // Known without I/O once a check started with the directories watched; never for other tables.
    await connector.dataVersion(refs);
    assert.equal(connector.knownDataVersion(refs[0]!), later.get('lake.events'));
    for (const other of refs.slice(1)) assert.equal(connector.knownDataVersion(other), undefined, `${other.schema}.${other.name}`);
    const est = await connector.estimate([tableRead('events', ['id'])]);
    assert.equal((est.detail[0] as TableScanEstimate).files.total, 4);
  });
});
