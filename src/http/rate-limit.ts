import { FailureWindows } from '../limits/index.ts';

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
  private readonly failures: FailureWindows;
  private readonly perUser: number;
  private readonly perAddress: number;
  private readonly now: () => number;

  constructor(opts: SignInLimiterOptions = {}) {
    this.perUser = opts.perUser ?? 5;
    this.perAddress = opts.perAddress ?? 20;
    this.failures = new FailureWindows({ windowMs: opts.windowMs ?? 60_000, keepPerKey: Math.max(this.perUser, this.perAddress), maxKeys: opts.maxKeys ?? 10_000 });
    this.now = opts.now ?? Date.now;
  }

  /** Seconds to wait before trying again, or 0 when an attempt may be checked now. User null: the address alone. */
  retryAfter(user: string | null, address: string): number {
    const now = this.now();
    const pair = user === null ? 0 : this.failures.wait(pairKey(user, address), this.perUser, now);
    const wait = Math.max(pair, this.failures.wait(addressKey(address), this.perAddress, now));
    return wait === 0 ? 0 : Math.max(1, Math.ceil(wait / 1000));
  }

  /** A wrong password (user null: a bad API token, counted against the address only). */
  failed(user: string | null, address: string): void {
    const now = this.now();
    if (user !== null) this.failures.failed(pairKey(user, address), now);
    this.failures.failed(addressKey(address), now);
  }

  /**
   * The right password: that user's count from that address starts again. The address's count stays, or
   * someone who knows one password could clear it between guesses at other users' passwords.
   */
  succeeded(user: string, address: string): void {
    this.failures.forget(pairKey(user, address));
  }
}

function pairKey(user: string, address: string): string {
  return `u\u0000${user}\u0000${address}`;
}

function addressKey(address: string): string {
  return `a\u0000${address}`;
}
