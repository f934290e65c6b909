/**
 * The dashboard's static files: what is served, with which headers, and nothing else; and the page's
 * money formatting, which must read like the gateway's own cost notices.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { formatMoney as noticeMoney } from '../../../src/billing/pricing.ts';
import { daysBetween, formatBytes, formatMoney, shortFingerprint, truncateSql } from '../../../src/http/dashboard/format.js';
import { DASHBOARD_CSP, dashboardRoutes } from '../../../src/http/routes/dashboard.ts';
import { testApp } from './helpers.ts';

describe('dashboard routes', () => {
  let app: FastifyInstance;
  before(async () => {
    app = Fastify();
    await app.register(dashboardRoutes);
    await app.ready();
  });
  after(() => app.close());

  const cases = [
    ['/', 'text/html; charset=utf-8', '<form id="signin"'],
    ['/assets/app.js', 'text/javascript; charset=utf-8', "from './format.js'"],
    ['/assets/format.js', 'text/javascript; charset=utf-8', 'export function formatMoney'],
    ['/assets/style.css', 'text/css; charset=utf-8', '.burn'],
    ['/assets/chart.umd.js', 'text/javascript; charset=utf-8', 'Chart'],
  ] as const;

  for (const [url, type, content] of cases) {
    it(`GET ${url}: ${type}, strict CSP, revalidated through its ETag`, async () => {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], type);
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['content-security-policy'], DASHBOARD_CSP);
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      assert.ok(res.body.includes(content), `${url} should contain ${content}`);
      const etag = res.headers.etag;
      assert.match(String(etag), /^"[A-Za-z0-9_-]+"$/);

      const again = await app.inject({ method: 'GET', url, headers: { 'if-none-match': String(etag) } });
      assert.equal(again.statusCode, 304);
      assert.equal(again.body, '');
      const head = await app.inject({ method: 'HEAD', url });
      assert.equal(head.statusCode, 200);
    });
  }

  it('serves chart.js from node_modules as is', async () => {
    const file = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
    const res = await app.inject({ method: 'GET', url: '/assets/chart.umd.js' });
    assert.equal(res.body, await readFile(file, 'utf8'));
  });

  it('serves nothing else: no other file, no path tricks', async () => {
    for (const url of ['/assets/', '/assets/index.html', '/assets/../routes/dashboard.ts', '/assets/%2e%2e/app.js', '/index.html', '/assets/format.d.ts']) {
      const res = await app.inject({ method: 'GET', url });
      assert.equal(res.statusCode, 404, url);
    }
  });

  it('the CSP allows only this origin, no inline code, no frames, no form posts', () => {
    assert.doesNotMatch(DASHBOARD_CSP, /unsafe|https?:|\*/);
    assert.match(DASHBOARD_CSP, /default-src 'none'/);
    assert.match(DASHBOARD_CSP, /script-src 'self'/);
    assert.match(DASHBOARD_CSP, /frame-ancestors 'none'/);
    assert.match(DASHBOARD_CSP, /form-action 'none'/);
  });

  it('the page has no inline script or style and loads nothing from elsewhere', async () => {
    const html = (await app.inject({ method: 'GET', url: '/' })).body;
    assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, 'inline <script>');
    assert.doesNotMatch(html, /\sstyle=|<style/, 'inline style');
    assert.doesNotMatch(html, /\son[a-z]+=/, 'inline event handler');
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//, 'external resource');
  });
});

describe('dashboard in the HTTP app', () => {
  it('is served by build(), without credentials, and is not part of the OpenAPI document', async () => {
    const { app } = await testApp();
    try {
      const page = await app.inject({ method: 'GET', url: '/' });
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['content-security-policy'], DASHBOARD_CSP);
      const doc = await app.inject({ method: 'GET', url: '/docs/openapi.json' });
      assert.equal(doc.statusCode, 200);
      const paths = Object.keys((doc.json() as { paths: Record<string, unknown> }).paths);
      assert.ok(paths.length > 0);
      assert.deepEqual(paths.filter((p) => p === '/' || p.startsWith('/assets')), []);
    } finally {
      await app.close();
    }
  });
});

describe('dashboard formatting', () => {
  it('money reads like the cost notices, with enough decimals for small amounts', () => {
    assert.equal(formatMoney(0.000048, 'USD'), '$0.000048');
    assert.equal(formatMoney(0, 'USD'), '$0.00');
    assert.equal(formatMoney(1234.5, 'USD'), '$1,234.50');
    assert.equal(formatMoney(0.5, 'EUR'), '€0.50');
    assert.equal(formatMoney(2, 'CHF'), 'CHF 2.00');
    assert.equal(formatMoney(Number.NaN, 'USD'), '—');
    for (const amount of [0, 1e-9, 0.000048, 0.00123456, 0.009, 0.0123, 0.5, 0.98765, 1, 12.345, 99999.999]) {
      for (const currency of ['USD', 'EUR', 'CHF']) assert.equal(formatMoney(amount, currency), noticeMoney(amount, currency), `${amount} ${currency}`);
    }
  });

  it('bytes, fingerprints, SQL and days', () => {
    assert.equal(formatBytes(10 * 1024 * 1024), '10 MiB');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(shortFingerprint('0123456789abcdef0123'), '0123456789ab');
    assert.equal(truncateSql('SELECT   1\n  FROM t'), 'SELECT 1 FROM t');
    const long = truncateSql(`SELECT ${'x, '.repeat(100)}y FROM t`, 20);
    assert.equal(long.length, 20);
    assert.ok(long.endsWith('…'));
    assert.deepEqual(daysBetween('2026-02-27', '2026-03-02'), ['2026-02-27', '2026-02-28', '2026-03-01', '2026-03-02']);
    assert.deepEqual(daysBetween('2026-03-02', '2026-03-01'), []);
  });
});
