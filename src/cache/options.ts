/** The `cache:` section of the config, resolved (see src/config/schema.ts for the defaults and meanings). */
export interface CacheOptions {
  enabled: boolean;
  /** Bytes all entries may take together; least recently used entries are evicted past it. */
  maxBytes: number;
  /** How long an entry lives when every table it read has a data version. */
  ttlSeconds: number;
  /** Larger results are not cached (the stream is passed through, its recording dropped past this). */
  maxEntryBytes: number;
  /** How long an entry lives when an engine cannot give a table's data version (0: not cached). */
  unknownVersionTtlSeconds: number;
  /** Reuse a table's data version checked at most this long ago (ms; 0: every statement checks). */
  versionRecheckMs: number;
}

export const CACHE_DEFAULTS: CacheOptions = {
  enabled: false,
  maxBytes: 256 * 2 ** 20,
  ttlSeconds: 24 * 3600,
  maxEntryBytes: 16 * 2 ** 20,
  unknownVersionTtlSeconds: 60,
  versionRecheckMs: 0,
};
