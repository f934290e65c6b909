/**
 * Failed attempts per key (a user and address, an address), remembered in memory for a sliding window:
 * what sign-in limiters count. Bounded twice: each key keeps only its newest `keepPerKey` times (the
 * newest are all a limit looks at), and at most `maxKeys` keys are tracked, the least recently failed
 * going first, so a flood of made-up names evicts old keys rather than growing memory.
 */
export class FailureWindows {
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly opts: { windowMs: number; keepPerKey: number; maxKeys: number }) {}

  /** ms until `key` has fewer than `limit` failures in the window (0: it has already). */
  wait(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    // The failure that has to leave the window for the count to drop under the limit.
    return times[times.length - limit]! + this.opts.windowMs - now;
  }

  failed(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    this.failures.delete(key);
    this.failures.set(key, times.slice(-this.opts.keepPerKey));
    while (this.failures.size > this.opts.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }

  forget(key: string): void {
    this.failures.delete(key);
  }

  /** Keys tracked now. */
  get size(): number {
    return this.failures.size;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const kept = times.filter((t) => t > now - this.opts.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }
}
