/**
 * cache/: the result cache. A statement's key (key.ts) is its normalized text, parameters, engines, the
 * data version of every table it reads, the team and the settings that change its meaning; decide.ts
 * says whether a statement may be cached at all. Results are kept as compact RowBatches (encoding.ts)
 * in an LRU bounded by bytes and TTL, with single flight (result-cache.ts), recorded as they stream
 * to the client and replayed through the same wire encoder (streams.ts).
 */
export { ResultCache, type CacheEntry, type Claim, type Lookup } from './result-cache.ts';
export type { SharedEntry, SharedResults } from './shared.ts';
export { CACHE_DEFAULTS, type CacheOptions } from './options.ts';
export type { CacheMetrics } from './metrics.ts';
export { decideCaching, type CacheCandidate, type CacheDecision } from './decide.ts';
export { cacheKey, type KeyParts } from './key.ts';
export { cacheText } from './normalize.ts';
export { uncacheableReason } from './volatile.ts';
export { tableVersions, type TableOnEngine, type Versions } from './versions.ts';
export { BatchSource, recordingStream, replayStream, type RecordedResult } from './streams.ts';
export { compactBatch } from './encoding.ts';
export { hitNotice } from './notice.ts';
