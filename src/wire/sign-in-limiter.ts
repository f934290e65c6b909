export interface WireSignInLimiterOptions {
  /** Failed sign-ins of one user from one address within the window before that pair is held off (default 5). */
  maxFailures?: number;
  /** The sliding window, ms (default 60 s). */
  windowMs?: number;
  /** At most this many (user, address) pairs are tracked; the least recently failed go first (default 10 000). */
  maxKeys?: number;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
}

/**
 * Failed PostgreSQL sign-ins per (user, client address), in memory for a sliding window. While a pair is
 * over the limit the session refuses it before the SCRAM exchange (no PBKDF2 work spent on a guesser).
 * A success clears the pair. The map is bounded: a flood of made-up user names evicts the oldest pairs
 * rather than growing memory. Per gateway instance, like the HTTP side's limiter.
 */
export class WireSignInLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly maxFailures: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: WireSignInLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Whole seconds until this pair may try again (at least 1), or 0 when it may try now. */
  retryAfter(user: string, address: string): number {
    const now = this.now();
    const times = this.recent(key(user, address), now);
    if (times.length < this.maxFailures) return 0;
    // The failure that has to leave the window for the count to drop under the limit.
    const waitMs = times[times.length - this.maxFailures]! + this.windowMs - now;
    return Math.max(1, Math.ceil(waitMs / 1000));
  }

  failed(user: string, address: string): void {
    const now = this.now();
    const k = key(user, address);
    const times = this.recent(k, now);
    times.push(now);
    // Only the newest maxFailures matter for the limit; keeping no more bounds memory per pair.
    this.failures.delete(k);
    this.failures.set(k, times.slice(-this.maxFailures));
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  succeeded(user: string, address: string): void {
    this.failures.delete(key(user, address));
  }

  /** Pairs tracked now (for tests). */
  get size(): number {
    return this.failures.size;
  }

  private recent(k: string, now: number): number[] {
    const times = this.failures.get(k);
    if (times === undefined) return [];
    const kept = times.filter((t) => t > now - this.windowMs);
    if (kept.length === 0) this.failures.delete(k);
    else if (kept.length !== times.length) this.failures.set(k, kept);
    return kept;
  }
}

function key(user: string, address: string): string {
  return `${user}\u0000${address}`;
}

/** The address part of 'host:port' / '[v6]:port' / bare host; the limiter counts per host, not per source port. */
export function hostOf(remoteAddress: string): string {
  const v6 = /^\[(.*)\]:\d+$/.exec(remoteAddress);
  if (v6) return v6[1]!;
  const m = /^(.*):\d+$/.exec(remoteAddress);
  // A bare IPv6 address has several colons and no port.
  if (m && !m[1]!.includes(':')) return m[1]!;
  return remoteAddress;
}
