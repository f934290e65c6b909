import type { CacheEntry } from './result-cache.ts';

/** A cached result as it travels between serving processes: the entry and what is left of its TTL. */
export interface SharedEntry {
  entry: CacheEntry;
  /** Milliseconds it may still be served. */
  ttlMs: number;
}

/**
 * The cache another process keeps for all of them (server.processes > 1: the primary's). A process that
 * misses in its own cache asks it before running the statement: it answers with the result if it holds
 * one, else waits for an identical statement running in any process, else hands out a claim (the
 * asking process runs the statement and shares its result, or abandons the claim). So a result is
 * computed once for every process, as within one (single flight).
 */
export interface SharedResults {
  /** The result held there, or `claimId`: run the statement, then `store` or `abandon` under that id. */
  lookup(key: string): Promise<SharedEntry | { claimId: number }>;
  /** A result computed here: under a claim it settles the statements waiting for it there. */
  store(key: string, claimId: number | null, shared: SharedEntry): void;
  abandon(claimId: number): void;
}
