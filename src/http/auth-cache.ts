import { createHmac, randomBytes } from 'node:crypto';

export interface VerifiedCacheOptions {
  /** How long a successful verification is trusted (default 60 s). */
  ttlMs?: number;
  /** At most this many entries; the oldest goes first (default 10 000). */
  maxEntries?: number;
  /** Milliseconds clock; tests pass a fake one. */
  now?: () => number;
}

/**
 * Remembers successful password verifications for a short while, since each one is a PBKDF2 of several
 * milliseconds and HTTP clients send the password on every request. Only a keyed hash of user and
 * password is kept: the key is random per process, so the entries are useless to anyone reading memory
 * or a heap dump, even for guessing passwords offline. Failed verifications are never cached.
 */
export class VerifiedCache {
  private readonly key = randomBytes(32);
  private readonly entries = new Map<string, number>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(opts: VerifiedCacheOptions = {}) {
    this.ttlMs = opts.ttlMs ?? 60_000;
    this.maxEntries = opts.maxEntries ?? 10_000;
    this.now = opts.now ?? Date.now;
  }

  /** The verifier is part of the key, so a changed password stops matching at once. */
  private digest(user: string, verifier: string, password: string): string {
    return createHmac('sha256', this.key).update(JSON.stringify([user, verifier, password]), 'utf8').digest('base64');
  }

  has(user: string, verifier: string, password: string): boolean {
    const k = this.digest(user, verifier, password);
    const expires = this.entries.get(k);
    if (expires === undefined) return false;
    if (expires <= this.now()) {
      this.entries.delete(k);
      return false;
    }
    return true;
  }

  add(user: string, verifier: string, password: string): void {
    const k = this.digest(user, verifier, password);
    this.entries.delete(k);
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
    this.entries.set(k, this.now() + this.ttlMs);
  }

  get size(): number {
    return this.entries.size;
  }
}
