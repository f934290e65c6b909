import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregatorRegistry, Histogram, Registry } from 'prom-client';
import { Metrics } from '../../../src/metrics/index.ts';
import { KindHistogram } from '../../../src/metrics/kind-histogram.ts';

const BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];
/** Values on, between, below and above the bounds, for three kinds; NaN and Infinity, which are not observations. */
const OBSERVATIONS: Array<[string, number]> = [
  ['query', 0.0002], ['query', 0.001], ['query', 0.0011], ['query', 0.05], ['query', 299.9], ['query', 301], ['query', 0],
  ['catalog', 0.004], ['catalog', 0.004], ['catalog', 12],
  ['copy', 7.5],
];

function both(): { ours: Registry; theirs: Registry; kh: KindHistogram; h: Histogram<'kind'> } {
  const ours = new Registry();
  const theirs = new Registry();
  const kh = new KindHistogram('d_seconds', 'Durations.', BUCKETS, ours);
  const h = new Histogram({ name: 'd_seconds', help: 'Durations.', labelNames: ['kind'], buckets: BUCKETS, registers: [theirs] });
  return { ours, theirs, kh, h };
}

describe('KindHistogram', () => {
  it('exposes exactly what prom-client\'s Histogram exposes for the same observations', async () => {
    const { ours, theirs, kh, h } = both();
    for (const [kind, v] of OBSERVATIONS) {
      kh.observe(kind, v);
      h.observe({ kind }, v);
    }
    assert.equal(await ours.metrics(), await theirs.metrics());
  });

  it('gives the same JSON to the registry that sums serving processes, and sums like it', async () => {
    const { ours, theirs, kh, h } = both();
    for (const [kind, v] of OBSERVATIONS) {
      kh.observe(kind, v);
      h.observe({ kind }, v);
    }
    const sorted = (json: Awaited<ReturnType<Registry['getMetricsAsJSON']>>) =>
      json.map((m) => ({ ...m, values: [...m.values].map((v) => ({ metricName: (v as { metricName?: string }).metricName, labels: v.labels, value: v.value })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))) }));
    const ourJson = await ours.getMetricsAsJSON();
    const theirJson = await theirs.getMetricsAsJSON();
    assert.deepEqual(sorted(ourJson), sorted(theirJson));
    // Two processes' figures, summed as the primary sums them (app/gateway.ts).
    assert.equal(await AggregatorRegistry.aggregate([ourJson, ourJson]).metrics(), await AggregatorRegistry.aggregate([theirJson, theirJson]).metrics());
  });

  it('ignores a value that is not a number, and starts again from nothing after reset', async () => {
    const { ours, kh } = both();
    kh.observe('query', Number.NaN);
    kh.observe('query', Infinity);
    assert.doesNotMatch(await ours.metrics(), /d_seconds_count/);
    kh.observe('query', 1);
    assert.match(await ours.metrics(), /^d_seconds_count\{kind="query"\} 1$/m);
    ours.resetMetrics();
    assert.doesNotMatch(await ours.metrics(), /d_seconds_count/);
  });
});

describe('Metrics: statements counted by engine, status and kind', () => {
  it('hands its tallies to the counter whenever it is read, each counted once', async () => {
    const m = new Metrics();
    const finished = (engine: string | null, status: 'ok' | 'error') => m.statementFinished({ kind: 'query', engine, status, estimatedBytes: null, billedBytes: 0, cost: 0, team: 'growth', cacheHit: false, durationMs: 1 });
    finished('duck', 'ok');
    finished('duck', 'ok');
    finished(null, 'error');
    let text = await m.render();
    assert.match(text, /^tollgate_queries_total\{engine="duck",status="ok",kind="query"\} 2$/m);
    assert.match(text, /^tollgate_queries_total\{engine="none",status="error",kind="query"\} 1$/m);
    finished('duck', 'ok');
    text = await m.render();
    assert.match(text, /^tollgate_queries_total\{engine="duck",status="ok",kind="query"\} 3$/m);
    assert.match(text, /^tollgate_queries_total\{engine="none",status="error",kind="query"\} 1$/m);
    // The JSON a serving process sends the primary counts the same.
    const json = await m.registry.getMetricsAsJSON();
    const queries = json.find((x) => x.name === 'tollgate_queries_total')!;
    assert.deepEqual(queries.values.map((v) => v.value).sort(), [1, 3]);
  });
});
