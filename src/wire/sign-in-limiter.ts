import { FailureWindows } from '../limits/index.ts';

export interface WireSignInLimiterOptions {
  /** Failed sign-ins of one user from one address within the window before that pair is held off (default 5). */
  maxFailures?: number;
  /** The sliding window, ms (default 60 s). */
  windowMs?: number;
  /** At most this many (user, address) pairs are tracked; the least recently failed go first (default 10 000). */
  maxKeys?: number;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
  /** Told of every failure and success counted here, so other serving processes can count them too (serving/). */
  observe?: (event: SignInEvent) => void;
}

/** A sign-in outcome that counts: shared between the serving processes of one gateway. */
export interface SignInEvent {
  kind: 'failed' | 'succeeded';
  user: string;
  address: string;
}

/**
 * Failed PostgreSQL sign-ins per (user, client address), in memory for a sliding window. While a pair is
 * over the limit the session refuses it before the SCRAM exchange (no PBKDF2 work spent on a guesser).
 * A success clears the pair. The map is bounded: a flood of made-up user names evicts the oldest pairs
 * rather than growing memory. Per gateway instance, like the HTTP side's limiter: the serving processes of
 * one gateway tell each other what they count (observe/apply).
 */
export class WireSignInLimiter {
  private readonly failures: FailureWindows;
  private readonly maxFailures: number;
  private readonly now: () => number;
  private readonly observe: ((event: SignInEvent) => void) | undefined;

  constructor(opts: WireSignInLimiterOptions = {}) {
    this.maxFailures = opts.maxFailures ?? 5;
    this.observe = opts.observe;
    this.failures = new FailureWindows({ windowMs: opts.windowMs ?? 60_000, keepPerKey: this.maxFailures, maxKeys: opts.maxKeys ?? 10_000 });
    this.now = opts.now ?? Date.now;
  }

  /** Whole seconds until this pair may try again (at least 1), or 0 when it may try now. */
  retryAfter(user: string, address: string): number {
    const waitMs = this.failures.wait(key(user, address), this.maxFailures, this.now());
    return waitMs === 0 ? 0 : Math.max(1, Math.ceil(waitMs / 1000));
  }

  failed(user: string, address: string): void {
    this.failures.failed(key(user, address), this.now());
    this.observe?.({ kind: 'failed', user, address });
  }

  succeeded(user: string, address: string): void {
    this.failures.forget(key(user, address));
    this.observe?.({ kind: 'succeeded', user, address });
  }

  /** Counts an outcome another serving process saw (not passed on again). */
  apply(event: SignInEvent): void {
    if (event.kind === 'failed') this.failures.failed(key(event.user, event.address), this.now());
    else this.failures.forget(key(event.user, event.address));
  }

  /** Pairs tracked now (for tests). */
  get size(): number {
    return this.failures.size;
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
