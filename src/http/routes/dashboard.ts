import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifySchema } from 'fastify';

/**
 * The cost dashboard: static files under src/http/dashboard plus chart.js from node_modules, read once
 * and served from memory. No authentication here: the page holds no data, it fetches everything from the
 * /v1 API with the credentials the user types in.
 */

/**
 * Only this origin's scripts, styles and fetches; no inline code, no frames, no form posts (the sign-in
 * form is handled by app.js: without it, a submit goes nowhere instead of posting the password).
 * Chart.js styles its canvas through the CSSOM, which style-src does not restrict.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
}

const dir = (name: string): string => fileURLToPath(new URL(`../dashboard/${name}`, import.meta.url));

/** URL path → file. Nothing else is served: no directory walking, no path from the request reaches the file system. */
function files(): Record<string, { file: string; type: string }> {
  const js = 'text/javascript; charset=utf-8';
  return {
    '/': { file: dir('index.html'), type: 'text/html; charset=utf-8' },
    '/assets/app.js': { file: dir('app.js'), type: js },
    '/assets/format.js': { file: dir('format.js'), type: js },
    '/assets/style.css': { file: dir('style.css'), type: 'text/css; charset=utf-8' },
    '/assets/chart.umd.js': { file: chartUmd(), type: js },
  };
}

/** @fastify/swagger leaves routes marked `hide` out of the OpenAPI document: these are not API. */
const HIDDEN = { hide: true } as FastifySchema;

/**
 * chart.js's UMD build (it defines window.Chart). Its package "exports" do not list dist/chart.umd.js,
 * so resolving that subpath fails; its CommonJS entry (dist/chart.cjs) sits in the same directory.
 */
function chartUmd(): string {
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.js');
}

let cached: Map<string, Asset> | undefined;

/** Read on first use, then kept: a few hundred KiB, the same for every app built in this process. */
function assets(): Map<string, Asset> {
  if (cached === undefined) {
    const m = new Map<string, Asset>();
    for (const [path, { file, type }] of Object.entries(files())) {
      const body = readFileSync(file);
      m.set(path, { body, type, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"` });
    }
    cached = m;
  }
  return cached;
}

function send(asset: Asset, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  // URLs carry no content hash, so browsers revalidate each time; the ETag makes that a 304 with no body.
  void reply
    .header('content-type', asset.type)
    .header('cache-control', 'no-cache')
    .header('etag', asset.etag)
    .header('content-security-policy', DASHBOARD_CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'no-referrer')
    .header('x-frame-options', 'DENY');
  const inm = request.headers['if-none-match'];
  if (inm !== undefined && inm.split(',').some((t) => t.trim() === asset.etag)) return reply.code(304).send();
  return reply.send(asset.body);
}

export async function dashboardRoutes(app: FastifyInstance): Promise<void> {
  for (const [path, asset] of assets()) {
    app.get(path, { logLevel: 'warn', schema: HIDDEN }, async (request, reply) => send(asset, request, reply));
  }
}
