import { Type, type Static } from '@sinclair/typebox';

const Count = Type.Integer({ minimum: 0 });

/** GET /v1/admin/cache: the result cache's bounds, contents and tally since the gateway started. */
export const CacheStatus = Type.Object({
  enabled: Type.Boolean(),
  maxBytes: Count,
  processes: Type.Integer({ minimum: 1, description: 'Serving processes, each with a cache of its own bounded by maxBytes; the other figures are their sums.' }),
  maxEntryBytes: Count,
  ttlSeconds: Count,
  unknownVersionTtlSeconds: Count,
  entries: Count,
  bytes: Type.Integer({ minimum: 0, description: 'the cache\'s estimate of what its results and keys take in memory' }),
  hits: Count,
  misses: Count,
  waits: Type.Integer({ minimum: 0, description: 'statements that waited for an identical running one (single flight)' }),
  bypasses: Type.Integer({ minimum: 0, description: 'statements that did not use the cache (non-deterministic, SET tollgate.cache = off, in a transaction block, ...)' }),
  stores: Count,
  tooLarge: Type.Integer({ minimum: 0, description: 'results not kept for being over maxEntryBytes' }),
  evictions: Count,
  expirations: Count,
  hitRatio: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], { description: 'hits / (hits + misses); null before either' }),
  savedCost: Type.Number({ minimum: 0, description: 'what the hits would have cost' }),
  currency: Type.String(),
});
export type CacheStatus = Static<typeof CacheStatus>;

export const CacheCleared = Type.Object({ entriesDropped: Count, bytesFreed: Count });
