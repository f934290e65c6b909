/** What the result cache did since the gateway started, and what it holds now. */
export interface CacheMetrics {
  hits: number;
  misses: number;
  /** Statements that waited for an identical running one (single flight), whatever came of it. */
  waits: number;
  /** Statements that did not use the cache: uncacheable, bypassed by the session, in a transaction. */
  bypasses: number;
  /** Results stored. */
  stores: number;
  /** Results not stored for being over cache.maxEntryBytes. */
  tooLarge: number;
  /** Entries dropped to make room (the byte bound). */
  evictions: number;
  /** Entries dropped for their age (TTL). */
  expirations: number;
  /** Sum of what the hits would have cost, in the billing currency. */
  savedCost: number;
  entries: number;
  bytes: number;
  maxBytes: number;
}

export function emptyMetrics(): Omit<CacheMetrics, 'entries' | 'bytes' | 'maxBytes'> {
  return { hits: 0, misses: 0, waits: 0, bypasses: 0, stores: 0, tooLarge: 0, evictions: 0, expirations: 0, savedCost: 0 };
}
