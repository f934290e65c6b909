import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { KindHistogram } from './kind-histogram.ts';

/** One finished statement, as the executor records it in the ledger. */
export interface FinishedStatement {
  kind: string;
  /** The engine that ran it; null when none did (catalog statements, refusals before routing). */
  engine: string | null;
  status: 'ok' | 'error' | 'refused' | 'cancelled';
  estimatedBytes: number | null;
  billedBytes: number;
  cost: number;
  team: string;
  cacheHit: boolean;
  durationMs: number;
}

/** What observeCache reads (cache/metrics.ts CacheMetrics has these and more). */
export interface CacheFigures {
  entries: number;
  bytes: number;
  maxBytes: number;
  misses: number;
  evictions: number;
  expirations: number;
  savedCost: number;
}

/** Seconds; statements range from sub-millisecond catalog reads to minutes-long scans. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300];

/**
 * The gateway's Prometheus metrics, on a registry of their own (not prom-client's global one), so two
 * gateways in one process (tests) do not share counters and a library's metrics do not leak in.
 * Label values are bounded: engines and teams come from the config, kinds and statuses are fixed sets.
 */
export class Metrics {
  readonly registry = new Registry();
  /**
   * Statements by engine, status and kind, counted here and handed to the counter when it is read:
   * prom-client hashes the labels of every increment (a cache hit's CPU, once per statement).
   */
  private readonly finished = new Map<string, { labels: { engine: string; status: string; kind: string }; n: number }>();
  private readonly queries: Counter<'engine' | 'status' | 'kind'> = new Counter({
    name: 'tollgate_queries_total',
    help: 'Statements finished, by engine, status and kind.',
    labelNames: ['engine', 'status', 'kind'] as const,
    registers: [this.registry],
    collect: () => {
      for (const f of this.finished.values())
        if (f.n > 0) {
          this.queries.inc(f.labels, f.n);
          f.n = 0;
        }
    },
  });
  private readonly bytesEstimated = new Counter({ name: 'tollgate_bytes_estimated_total', help: 'Bytes the statements were estimated to scan.', registers: [this.registry] });
  private readonly bytesBilled = new Counter({ name: 'tollgate_bytes_billed_total', help: 'Bytes billed.', registers: [this.registry] });
  private readonly cost = new Counter({ name: 'tollgate_cost_total', help: 'Cost charged, in the billing currency, by team.', labelNames: ['team'] as const, registers: [this.registry] });
  private readonly cacheHits = new Counter({ name: 'tollgate_cache_hits_total', help: 'Statements answered from the result cache.', registers: [this.registry] });
  private readonly refusals = new Counter({ name: 'tollgate_budget_refusals_total', help: 'Statements refused by a team budget, by team.', labelNames: ['team'] as const, registers: [this.registry] });
  private readonly sessions = new Gauge({ name: 'tollgate_active_sessions', help: 'Open PostgreSQL sessions.', registers: [this.registry] });
  private readonly duration = new KindHistogram('tollgate_query_duration_seconds', 'Statement duration in seconds, by kind.', DURATION_BUCKETS, this.registry);

  /**
   * The process's own figures (prom-client's defaults: resident memory, V8 heap by space, external
   * memory, event loop lag, GC, handles), which tell a leak in JavaScript from native memory (DuckDB).
   */
  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Call once per statement, when its ledger row is written (any status). */
  statementFinished(s: FinishedStatement): void {
    const engine = s.engine ?? 'none';
    const key = `${engine}\u0000${s.status}\u0000${s.kind}`;
    const counted = this.finished.get(key);
    if (counted) counted.n++;
    else this.finished.set(key, { labels: { engine, status: s.status, kind: s.kind }, n: 1 });
    // Counters refuse negative increments (they throw); a bad number must not fail a statement.
    if (s.estimatedBytes !== null && s.estimatedBytes > 0) this.bytesEstimated.inc(s.estimatedBytes);
    if (s.billedBytes > 0) this.bytesBilled.inc(s.billedBytes);
    if (s.cost > 0) this.cost.inc({ team: s.team }, s.cost);
    if (s.cacheHit) this.cacheHits.inc();
    if (s.durationMs >= 0) this.duration.observe(s.kind, s.durationMs / 1000);
  }

  /** A statement refused because it did not fit its team's budget (in addition to statementFinished). */
  budgetRefused(team: string): void {
    this.refusals.inc({ team });
  }

  /** A PostgreSQL session authenticated / ended. */
  sessionOpened(): void {
    this.sessions.inc();
  }

  sessionClosed(): void {
    this.sessions.dec();
  }

  /**
   * The result cache's own figures, read at each scrape: what it holds (entries, bytes, its bound) and
   * what it did (misses, evictions, expirations, the cost its hits saved). Call once.
   */
  observeCache(read: () => CacheFigures): void {
    const registers = [this.registry];
    const gauge = (name: string, help: string, pick: (c: CacheFigures) => number) =>
      new Gauge({ name, help, registers, collect() { this.set(pick(read())); } });
    // Monotonic since start: exposed as counters, set from the cache's own tally at each scrape.
    const counter = (name: string, help: string, pick: (c: CacheFigures) => number) =>
      new Counter({ name, help, registers, collect() { this.reset(); this.inc(pick(read())); } });
    gauge('tollgate_cache_entries', 'Results held by the result cache.', (c) => c.entries);
    gauge('tollgate_cache_bytes', 'Bytes held by the result cache (its estimate of the results and keys).', (c) => c.bytes);
    gauge('tollgate_cache_max_bytes', 'The result cache\'s bound (cache.maxBytes).', (c) => c.maxBytes);
    counter('tollgate_cache_misses_total', 'Statements the cache could serve but had no result for.', (c) => c.misses);
    counter('tollgate_cache_evictions_total', 'Results dropped to stay under cache.maxBytes.', (c) => c.evictions);
    counter('tollgate_cache_expirations_total', 'Results dropped for their age (cache.ttlSeconds, or the short TTL of unknown data versions).', (c) => c.expirations);
    counter('tollgate_cache_saved_cost_total', 'What the cache hits would have cost, in the billing currency.', (c) => c.savedCost);
  }

  /** The exposition text for GET /metrics. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
