import { LRUCache } from 'lru-cache';
import type { RecordedResult } from './streams.ts';
import { CACHE_DEFAULTS, type CacheOptions } from './options.ts';
import { emptyMetrics, type CacheMetrics } from './metrics.ts';
import { VersionGate } from './version-gate.ts';
import type { SharedEntry, SharedResults } from './shared.ts';

/**
 * What an entry costs beyond its values and key: the entry and result objects, the arrays of batches and
 * columns, the LRU's own slots (~600 bytes), and each column's description. Measured with --expose-gc on
 * Node 20 against the heap actually used by 10,000 small entries: without these the count was 40-60% of
 * the real size for one-row results (a soak filled the cache with 30,000 of them, and the heap grew by
 * the 30 MB the count missed); with them it errs a little high, as a memory bound should.
 */
const ENTRY_OVERHEAD = 600;
const COLUMN_OVERHEAD = 64;

/** A cached result and what serving it saves. */
export interface CacheEntry extends RecordedResult {
  /** When it was stored (ms since the epoch). */
  cachedAt: number;
  /** What running the statement costs (its priced estimate when it ran; the data has not changed since). */
  cost: number;
}

/** What a statement that was not a hit does: runs, then `store`s its result or `abandon`s (exactly once). */
export interface Claim {
  store(result: RecordedResult, meta: { cost: number; ttlMs: number }): void;
  abandon(): void;
}

export type Lookup = { hit: CacheEntry } | { claim: Claim };

/** Where a claim's result goes besides this cache: the shared tier, under its claim there (if any). */
interface SharedLink {
  shared: SharedResults;
  claimId: number | null;
}

/**
 * Results by key (key.ts), in an LRU bounded by their bytes and by TTL, with single flight: while one
 * statement runs for a key, others with the key wait for its result instead of running the engine too.
 */
export class ResultCache {
  private readonly lru: LRUCache<string, CacheEntry>;
  /** Keys being computed, and the promise of their entry (null: not cacheable after all). */
  private readonly inflight = new Map<string, Promise<CacheEntry | null>>();
  private readonly counts = emptyMetrics();
  readonly options: CacheOptions;
  /** Data-version checks, shared by concurrent statements reading the same tables. */
  readonly versions: VersionGate;
  private changes = 0;
  /** Another process's cache asked on a miss here (serving workers; shared.ts). */
  private shared: SharedResults | null = null;

  constructor(options: Partial<CacheOptions> = {}, private readonly now: () => number = Date.now) {
    this.options = { ...CACHE_DEFAULTS, ...options };
    this.versions = new VersionGate(this.options.versionRecheckMs, now);
    this.lru = new LRUCache<string, CacheEntry>({
      maxSize: Math.max(1, this.options.maxBytes),
      maxEntrySize: Math.max(1, Math.min(this.options.maxEntryBytes, this.options.maxBytes)),
      sizeCalculation: (e, key) => Math.max(1, e.bytes + 2 * key.length + ENTRY_OVERHEAD + COLUMN_OVERHEAD * e.columns.length),
      ttl: Math.max(1, this.options.ttlSeconds * 1000),
      // The cache's clock is ours (tests move it); lru-cache only needs now().
      perf: { now },
      ttlResolution: 0,
      dispose: (_e, _k, reason) => {
        this.changes++;
        if (reason === 'evict') this.counts.evictions++;
        else if (reason === 'expire') this.counts.expirations++;
      },
    });
  }

  /**
   * A hit, or a claim to run the statement (after waiting for an identical one already running). A hit
   * and a new claim are answered at once; only waiting for a running one takes a promise.
   */
  lookup(key: string): Lookup | Promise<Lookup> {
    const hit = this.lru.get(key);
    if (hit) return this.hit(hit);
    const running = this.inflight.get(key);
    if (running) return this.follow(key, running);
    let settle!: (e: CacheEntry | null) => void;
    this.inflight.set(key, new Promise((resolve) => (settle = resolve)));
    if (this.shared) return this.lookupShared(key, this.shared, settle);
    this.counts.misses++;
    return { claim: this.claim(key, settle, null) };
  }

  /**
   * Makes another process's cache the second tier of this one: a miss here asks it before running the
   * statement, and results computed here are shared with it (server.processes > 1; see shared.ts).
   */
  shareWith(shared: SharedResults): void {
    this.shared = shared;
  }

  /**
   * lookup() on behalf of another process (this one keeps the shared tier): its entry and remaining TTL,
   * or a claim whose store comes from that process. Not counted here: the asking process counts its
   * statement's hit or miss.
   */
  async lookupForPeer(key: string): Promise<SharedEntry | { claim: Claim }> {
    const held = this.lru.get(key);
    if (held) return { entry: held, ttlMs: this.remainingTtl(key) };
    const running = this.inflight.get(key);
    if (running) {
      const entry = await running;
      if (entry) return { entry, ttlMs: this.remainingTtl(key) };
      return { claim: this.claim(key, null, null, true) };
    }
    let settle!: (e: CacheEntry | null) => void;
    this.inflight.set(key, new Promise((resolve) => (settle = resolve)));
    return { claim: this.claim(key, settle, null, true) };
  }

  /** A result another process computed without a claim here (it ran alone after a failed leader): kept if new. */
  storeFromPeer(key: string, shared: SharedEntry): void {
    if (!this.lru.has(key)) this.keep(key, shared.entry, shared.ttlMs);
  }

  /**
   * Changes whenever what a peek could answer may have changed: an entry stored, replaced, dropped or
   * expired, the cache emptied, or a table found at a new data version.
   */
  get generation(): number {
    return this.changes + this.versions.generation;
  }

  /** An entry if one is cached (no single flight, no counting): for tests and tools. */
  peek(key: string): CacheEntry | undefined {
    return this.lru.get(key, { updateAgeOnGet: false });
  }

  /** Counted when a statement skips the cache altogether (uncacheable, bypassed). */
  countBypass(): void {
    this.counts.bypasses++;
  }

  metrics(): CacheMetrics {
    return { ...this.counts, entries: this.lru.size, bytes: this.lru.calculatedSize, maxBytes: this.options.maxBytes };
  }

  /** Empties the cache; returns its figures as they were just before (what was dropped). */
  clear(): CacheMetrics {
    const before = this.metrics();
    this.lru.clear();
    this.changes++;
    return before;
  }

  private async follow(key: string, running: Promise<CacheEntry | null>): Promise<Lookup> {
    this.counts.waits++;
    const entry = await running;
    if (entry) return this.hit(entry);
    // The leader failed or its result was not cacheable: run alone (and store if this one is).
    this.counts.misses++;
    return { claim: this.claim(key, null, this.shared && { shared: this.shared, claimId: null }) };
  }

  /** A miss here with a shared tier: its entry (kept here too), or a claim there to run the statement. */
  private async lookupShared(key: string, shared: SharedResults, settle: (e: CacheEntry | null) => void): Promise<Lookup> {
    let answer: SharedEntry | { claimId: number } | null;
    try {
      answer = await shared.lookup(key);
    } catch {
      // The shared tier is gone (the primary stopping): this process runs it alone.
      answer = null;
    }
    if (answer && 'entry' in answer) {
      const entry = answer.entry;
      this.keep(key, entry, answer.ttlMs);
      this.inflight.delete(key);
      settle(entry);
      return this.hit(entry);
    }
    this.counts.misses++;
    return { claim: this.claim(key, settle, { shared, claimId: answer ? answer.claimId : null }) };
  }

  /** An entry made elsewhere, kept for what is left of its TTL (nothing counted: it was stored where it ran). */
  private keep(key: string, entry: CacheEntry, ttlMs: number): void {
    if (ttlMs <= 0 || entry.bytes > this.options.maxEntryBytes) return;
    this.lru.set(key, entry, { ttl: Math.min(ttlMs, this.options.ttlSeconds * 1000) });
    this.changes++;
  }

  /** What is left of a held entry's TTL (0 if it is not held: too large for the bounds, or gone). */
  private remainingTtl(key: string): number {
    const left = this.lru.getRemainingTTL(key);
    return Number.isFinite(left) ? Math.max(0, left) : this.options.ttlSeconds * 1000;
  }

  private hit(entry: CacheEntry): Lookup {
    this.counts.hits++;
    this.counts.savedCost += entry.cost;
    return { hit: entry };
  }

  /**
   * `link`: the shared tier to give the result to (and the claim there to settle). `forPeer`: the
   * statement runs in another process, which counts it.
   */
  private claim(key: string, settle: ((e: CacheEntry | null) => void) | null, link: SharedLink | null, forPeer = false): Claim {
    let done = false;
    const finish = (entry: CacheEntry | null, ttlMs = 0) => {
      if (done) return;
      done = true;
      if (settle) {
        this.inflight.delete(key);
        settle(entry);
      }
      if (link && entry) link.shared.store(key, link.claimId, { entry, ttlMs });
      else if (link?.claimId != null) link.shared.abandon(link.claimId);
    };
    return {
      store: (result, meta) => {
        if (done) return;
        if (result.bytes > this.options.maxEntryBytes || meta.ttlMs <= 0) {
          if (!forPeer) this.counts.tooLarge += result.bytes > this.options.maxEntryBytes ? 1 : 0;
          return finish(null);
        }
        const entry: CacheEntry = { ...result, cachedAt: this.now(), cost: meta.cost };
        const ttlMs = Math.min(meta.ttlMs, this.options.ttlSeconds * 1000);
        this.lru.set(key, entry, { ttl: ttlMs });
        this.changes++;
        if (!forPeer) this.counts.stores++;
        // Waiters get the entry even if it was too large for the LRU's bounds: it is complete.
        finish(entry, ttlMs);
      },
      abandon: () => finish(null),
    };
  }
}
