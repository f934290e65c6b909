export interface SignInLimiterOptions {
  /** Failures of one user from one address within the window before that pair is held off (default 5). */
  perUser?: number;
  /** Failures from one address, whatever the user, before the address is held off (default 20). */
  perAddress?: number;
  /** The sliding window, ms (default 60 s). */
  windowMs?: number;
  /** At most this many keys are tracked; the oldest go first (default 10 000). */
  maxKeys?: number;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
}

/**
 * Failed sign-ins, remembered in memory for a sliding window, per (user, address) and per address.
 * While either is over its limit, the caller answers 429 without checking the password, so guessing
 * costs the guesser time rather than the server PBKDF2 rounds. Per instance: several gateways each
 * allow their own share, which still bounds guessing to a few attempts per minute.
 */
export class SignInLimiter {
  private readonly failures = new Map<string, number[]>();
  private readonly perUser: number;
  private readonly perAddress: number;
  private readonly windowMs: number;
  private readonly maxKeys: number;
  private readonly now: () => number;

  constructor(opts: SignInLimiterOptions = {}) {
    this.perUser = opts.perUser ?? 5;
    this.perAddress = opts.perAddress ?? 20;
    this.windowMs = opts.windowMs ?? 60_000;
    this.maxKeys = opts.maxKeys ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** Seconds to wait before trying again, or 0 when an attempt may be checked now. User null: the address alone. */
  retryAfter(user: string | null, address: string): number {
    const now = this.now();
    const pair = user === null ? 0 : this.wait(pairKey(user, address), this.perUser, now);
    const wait = Math.max(pair, this.wait(addressKey(address), this.perAddress, now));
    return wait === 0 ? 0 : Math.max(1, Math.ceil(wait / 1000));
  }

  /** A wrong password (user null: a bad API token, counted against the address only). */
  failed(user: string | null, address: string): void {
    const now = this.now();
    if (user !== null) this.push(pairKey(user, address), now);
    this.push(addressKey(address), now);
  }

  /**
   * The right password: that user's count from that address starts again. The address's count stays, or
   * someone who knows one password could clear it between guesses at other users' passwords.
   */
  succeeded(user: string, address: string): void {
    this.failures.delete(pairKey(user, address));
  }

  /** ms until the key is under its limit again (0: it is). */
  private wait(key: string, limit: number, now: number): number {
    const times = this.recent(key, now);
    if (times.length < limit) return 0;
    // The attempt that has to leave the window for the count to drop under the limit.
    return times[times.length - limit]! + this.windowMs - now;
  }

  private recent(key: string, now: number): number[] {
    const times = this.failures.get(key);
    if (times === undefined) return [];
    const kept = times.filter((t) => t > now - this.windowMs);
    if (kept.length === 0) this.failures.delete(key);
    else if (kept.length !== times.length) this.failures.set(key, kept);
    return kept;
  }

  private push(key: string, now: number): void {
    const times = this.recent(key, now);
    times.push(now);
    // The newest attempts are all that matter for the limit; keep memory bounded per key too.
    const bounded = times.slice(-Math.max(this.perUser, this.perAddress));
    this.failures.delete(key);
    this.failures.set(key, bounded);
    while (this.failures.size > this.maxKeys) {
      const oldest = this.failures.keys().next().value;
      if (oldest === undefined) break;
      this.failures.delete(oldest);
    }
  }
}

function pairKey(user: string, address: string): string {
  return `u\u0000${user}\u0000${address}`;
}

function addressKey(address: string): string {
  return `a\u0000${address}`;
}
