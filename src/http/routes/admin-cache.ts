import type { FastifyInstance } from 'fastify';
import type { CacheMetrics, CacheOptions } from '../../cache/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { principalOf } from '../auth.ts';
import type { RouteContext } from '../context.ts';
import { errorResponses } from '../errors.ts';
import { CacheCleared, CacheStatus } from '../schemas/cache.ts';

/**
 * The result cache as the API sees it: with several serving processes (server.processes), each has its
 * own, and the figures are their sums (each process's bound is options.maxBytes).
 */
export interface CacheAdmin {
  readonly options: CacheOptions;
  /** Serving processes, each with a cache of its own. */
  readonly processes: number;
  metrics(): Promise<CacheMetrics>;
  /** Empties every process's cache; resolves to what they held. */
  clear(): Promise<CacheMetrics>;
}

/**
 * The result cache, under /v1/admin: what it holds and did (GET), and emptying it (DELETE) for data an
 * engine cannot version (Vertica, Impala) that was changed and must not be served until its TTL ends.
 */
export async function adminCacheRoutes(app: FastifyInstance, opts: { ctx: RouteContext; cache: () => CacheAdmin | undefined }): Promise<void> {
  const { ctx } = opts;
  app.addHook('onRequest', ctx.auth.requireAdmin);
  const cache = (): CacheAdmin => {
    const c = opts.cache();
    if (!c) throw new GatewayError('ENGINE_UNAVAILABLE', 'the result cache is not up yet: the gateway is still starting', { hint: 'Try again once GET /health answers 200.' });
    return c;
  };

  app.get('/cache', { schema: { response: { 200: CacheStatus, ...errorResponses } } }, async () => {
    const c = cache();
    const m = await c.metrics();
    const o = c.options;
    const looked = m.hits + m.misses;
    return {
      enabled: o.enabled,
      maxBytes: o.maxBytes,
      processes: c.processes,
      maxEntryBytes: o.maxEntryBytes,
      ttlSeconds: o.ttlSeconds,
      unknownVersionTtlSeconds: o.unknownVersionTtlSeconds,
      entries: m.entries,
      bytes: m.bytes,
      hits: m.hits,
      misses: m.misses,
      waits: m.waits,
      bypasses: m.bypasses,
      stores: m.stores,
      tooLarge: m.tooLarge,
      evictions: m.evictions,
      expirations: m.expirations,
      hitRatio: looked === 0 ? null : m.hits / looked,
      savedCost: m.savedCost,
      currency: ctx.currency,
    };
  });

  app.delete('/cache', { schema: { response: { 200: CacheCleared, ...errorResponses } } }, async (request) => {
    const c = cache();
    const before = await c.clear();
    request.log.info({ actor: principalOf(request).user, entries: before.entries, bytes: before.bytes }, 'result cache cleared');
    return { entriesDropped: before.entries, bytesFreed: before.bytes };
  });
}
