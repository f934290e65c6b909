import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Metrics } from '../../../src/metrics/index.ts';
import { basic, testApp } from './helpers.ts';

/** Every API route, as OpenAPI names it; the document must list each (the dashboard's own files aside). */
const ROUTES = [
  ['get', '/health'],
  ['get', '/metrics'],
  ['get', '/v1/me'],
  ['get', '/v1/admin/teams/{team}/budget'],
  ['put', '/v1/admin/teams/{team}/budget'],
  ['delete', '/v1/admin/teams/{team}/budget'],
  ['get', '/v1/admin/teams/{team}/budget/changes'],
  ['post', '/v1/admin/teams/{team}/overrides'],
  ['post', '/v1/admin/tokens'],
  ['get', '/v1/admin/tokens'],
  ['delete', '/v1/admin/tokens/{id}'],
  ['get', '/v1/teams/{team}/budget'],
  ['get', '/v1/teams/{team}/spend'],
  ['get', '/v1/teams/{team}/top-queries'],
  ['get', '/v1/teams/{team}/queries'],
] as const;

const METRIC_NAMES = [
  'tollgate_queries_total',
  'tollgate_bytes_estimated_total',
  'tollgate_bytes_billed_total',
  'tollgate_cost_total',
  'tollgate_cache_hits_total',
  'tollgate_budget_refusals_total',
  'tollgate_active_sessions',
  'tollgate_query_duration_seconds',
];

describe('OpenAPI document', () => {
  let app: FastifyInstance;
  before(async () => {
    ({ app } = await testApp());
  });
  after(async () => {
    await app?.close();
  });

  it('is served without credentials and lists every route with its schemas', async () => {
    const r = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
    assert.equal(r.statusCode, 200, r.body);
    const doc = r.json();
    assert.match(doc.openapi, /^3\./);
    assert.ok(Array.isArray(doc.servers) && doc.servers.length > 0);
    assert.deepEqual(doc.components.securitySchemes.basic, { type: 'http', scheme: 'basic', description: doc.components.securitySchemes.basic.description });
    assert.equal(doc.components.securitySchemes.bearer.scheme, 'bearer');
    assert.deepEqual(doc.security, [{ basic: [] }, { bearer: [] }]);
    for (const [method, path] of ROUTES) {
      const op = doc.paths[path]?.[method];
      assert.ok(op, `${method.toUpperCase()} ${path} is documented`);
      assert.ok(Object.keys(op.responses ?? {}).length > 0, `${method} ${path} has responses`);
    }
    assert.deepEqual(doc.paths['/health'].get.security, [], '/health needs no credentials');
    assert.equal(doc.paths['/docs/openapi.json'], undefined, 'the document does not list itself');
    const spend = doc.paths['/v1/teams/{team}/spend'].get;
    assert.deepEqual(spend.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`).sort(), ['path:team', 'query:by', 'query:from', 'query:to']);
    const row = spend.responses['200'].content['application/json'].schema.properties.rows.items;
    assert.deepEqual(Object.keys(row.properties).sort(), ['billedBytes', 'cacheHits', 'cost', 'key', 'queries', 'savedCost']);
    assert.ok(doc.paths['/v1/admin/tokens'].post.requestBody.content['application/json'].schema.properties.expiresInDays);
  });
});

describe('metrics', () => {
  let app: FastifyInstance;
  const metrics = new Metrics();
  before(async () => {
    ({ app } = await testApp({ extra: { metrics } }));
  });
  after(async () => {
    await app?.close();
  });

  it('counts what the executor reports, on a registry of its own', async () => {
    metrics.sessionOpened();
    metrics.sessionOpened();
    metrics.sessionClosed();
    metrics.statementFinished({ kind: 'query', engine: 'duck', status: 'ok', estimatedBytes: 1000, billedBytes: 2048, cost: 0.5, team: 'growth', cacheHit: false, durationMs: 30 });
    metrics.statementFinished({ kind: 'query', engine: 'duck', status: 'ok', estimatedBytes: 1000, billedBytes: 0, cost: 0, team: 'growth', cacheHit: true, durationMs: 1 });
    metrics.statementFinished({ kind: 'query', engine: null, status: 'refused', estimatedBytes: null, billedBytes: 0, cost: 0, team: 'pricing', cacheHit: false, durationMs: 2 });
    metrics.budgetRefused('pricing');
    const text = await metrics.render();
    for (const name of METRIC_NAMES) assert.match(text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    assert.match(text, /^tollgate_queries_total\{engine="duck",status="ok",kind="query"\} 2$/m);
    assert.match(text, /^tollgate_queries_total\{engine="none",status="refused",kind="query"\} 1$/m);
    assert.match(text, /^tollgate_bytes_estimated_total 2000$/m);
    assert.match(text, /^tollgate_bytes_billed_total 2048$/m);
    assert.match(text, /^tollgate_cost_total\{team="growth"\} 0.5$/m);
    assert.match(text, /^tollgate_cache_hits_total 1$/m);
    assert.match(text, /^tollgate_budget_refusals_total\{team="pricing"\} 1$/m);
    assert.match(text, /^tollgate_active_sessions 1$/m);
    assert.match(text, /^tollgate_query_duration_seconds_count\{kind="query"\} 3$/m);
    // The process's own figures are on the instance's registry too (prom-client's defaults).
    assert.match(text, /^process_resident_memory_bytes \d+$/m);
    assert.match(text, /^nodejs_heap_size_used_bytes \d+$/m);
    const fresh = (await new Metrics().render()).split('\n').filter((l) => l.startsWith('tollgate_'));
    assert.ok(fresh.length > 0);
    assert.deepEqual(fresh.filter((l) => / [1-9][\d.e+]*$/.test(l)), [], 'another instance starts at zero');
  });

  it('GET /metrics: Prometheus text from this host without credentials', async () => {
    const r = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(r.statusCode, 200, r.body);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    for (const name of METRIC_NAMES) assert.ok(r.body.includes(`# TYPE ${name} `), name);
  });

  it('from another host it is an admin\'s: plain HTTP is refused before credentials are read', async () => {
    const remote = (headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: '/metrics', headers, remoteAddress: '10.2.3.4' });
    const plain = await remote({ authorization: basic('root') });
    assert.equal(plain.statusCode, 403);
    assert.equal(plain.json().error.code, 'INSECURE_TRANSPORT');
  });

  it('over TLS from another host: an admin (Basic or Bearer), not an analyst, not nobody', async () => {
    const { app: tlsApp } = await testApp({ extra: { metrics } });
    // inject has no TLS: mark the fake socket as encrypted, as a TLS socket is, before the routes' hooks run.
    tlsApp.addHook('onRequest', async (request) => {
      (request.raw.socket as unknown as { encrypted: boolean }).encrypted = true;
    });
    try {
      const remote = (headers: Record<string, string> = {}) => tlsApp.inject({ method: 'GET', url: '/metrics', headers, remoteAddress: '10.2.3.4' });
      assert.equal((await remote()).statusCode, 401);
      assert.equal((await remote({ authorization: basic('alice') })).statusCode, 403);
      const ok = await remote({ authorization: basic('root') });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.ok(ok.body.includes('# TYPE tollgate_queries_total counter'));
    } finally {
      await tlsApp.close();
    }
  });
});
