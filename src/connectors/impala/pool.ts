/**
 * The engine sessions: at most `max` Impala sessions (each on its own HS2 connection, since Impala
 * serves one connection's calls one after another), leased first come first served, reused while
 * sound, closed (CloseSession) after `idleTimeoutMs` unused.
 *
 * A wait for a lease ends when its statement is canceled; opening a session is bounded by the
 * connect timeout. A lease goes back to the pool only when its statement ended cleanly (its operation
 * closed) and the connection is sound; otherwise the session is closed and a new one opened when needed.
 */
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { canceledError, mapImpalaError } from './errors.ts';
import { Hs2Session } from './session.ts';
import type { Endpoint } from './transport.ts';

/** A session on loan. */
export interface Lease {
  readonly session: Hs2Session;
  /** The connector is shutting down: the statement must fail, not end. */
  readonly shuttingDown: boolean;
  /** The pool closed the session underneath the lease: never touch it again. */
  readonly revoked: boolean;
  /** Called once when the connector shuts down while the lease is out (the statement cancels itself). */
  onShutdown: (() => void) | null;
  /** Gives the session back (or closes it when it broke). Idempotent. */
  release(): void;
  /** Closes the session instead of giving it back. Idempotent. */
  destroy(reason: string): void;
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class PoolLease implements Lease {
  shuttingDown = false;
  revoked = false;
  onShutdown: (() => void) | null = null;
  private done = false;

  constructor(
    readonly session: Hs2Session,
    private readonly owner: SessionPool,
  ) {}

  release(): void {
    if (this.done) return;
    if (this.session.broken || this.shuttingDown) {
      this.destroy(this.session.broken ? 'the session broke' : 'the connector shuts down');
      return;
    }
    this.done = true;
    this.owner.returned(this, true);
  }

  destroy(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.owner.logger.debug({ reason }, 'impala session closed instead of pooled');
    this.session.markBroken();
    void this.session.close();
    this.owner.returned(this, false);
  }

  shutdown(): void {
    this.shuttingDown = true;
    const fn = this.onShutdown;
    this.onShutdown = null;
    fn?.();
  }
}

export class SessionPool {
  /** Leases out plus sessions being opened for one. */
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly busy = new Set<PoolLease>();
  private idle: Hs2Session[] = [];
  private closed = false;
  private drainedListeners: Array<() => void> = [];
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly endpoint: Endpoint,
    readonly max: number,
    private readonly idleTimeoutMs: number,
    readonly logger: Logger,
  ) {
    this.sweeper = setInterval(() => this.sweep(), Math.max(1000, Math.floor(idleTimeoutMs / 2)));
    this.sweeper.unref();
  }

  get engine(): string {
    return this.endpoint.engine;
  }

  get inUse(): number {
    return this.busy.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  /** Waits for a lease; an abort while waiting rejects with 57014, a failure to open with the mapped error. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw this.closedError();
    if (signal?.aborted) throw canceledError();
    if (this.active < this.max) this.active++;
    else await this.waitTurn(signal);
    let session: Hs2Session | undefined;
    while ((session = this.idle.pop()) !== undefined && session.broken) void session.close();
    if (session === undefined) {
      try {
        session = await Hs2Session.open(this.endpoint);
      } catch (e) {
        this.slotFreed();
        throw this.closed ? this.closedError() : mapImpalaError(e, this.engine);
      }
    }
    const lease = new PoolLease(session, this);
    this.busy.add(lease);
    if (this.closed) {
      lease.destroy('the connector shut down');
      throw this.closedError();
    }
    if (signal?.aborted) {
      lease.release();
      throw canceledError();
    }
    return lease;
  }

  private waitTurn(signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      if (signal) {
        waiter.signal = signal;
        waiter.onAbort = () => {
          const i = this.waiters.indexOf(waiter);
          if (i >= 0) this.waiters.splice(i, 1);
          reject(canceledError());
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.waiters.push(waiter);
    });
  }

  /** A lease ended: its session goes back to the idle list (when `reusable`) and its slot to the first waiter. */
  returned(lease: PoolLease, reusable: boolean): void {
    if (!this.busy.delete(lease)) return;
    if (reusable && !this.closed) {
      lease.session.lastUsed = Date.now();
      this.idle.push(lease.session);
    } else if (reusable) {
      void lease.session.close();
    }
    this.slotFreed();
    if (this.busy.size === 0) for (const fn of this.drainedListeners.splice(0)) fn();
  }

  private slotFreed(): void {
    const waiter = this.waiters.shift();
    if (waiter === undefined) {
      this.active--;
      return;
    }
    if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
    waiter.resolve();
  }

  /** Closes sessions idle for longer than idleTimeoutMs, and broken ones. */
  private sweep(): void {
    const cutoff = Date.now() - this.idleTimeoutMs;
    const keep: Hs2Session[] = [];
    for (const s of this.idle) {
      if (s.broken || s.lastUsed < cutoff) void s.close();
      else keep.push(s);
    }
    this.idle = keep;
  }

  private closedError(): GatewayError {
    return new GatewayError('ENGINE_UNAVAILABLE', `the impala connector "${this.engine}" is shut down`);
  }

  /**
   * Refuses new work, cancels running statements, waits up to `graceMs` for their streams to give the
   * sessions back, then closes everything.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.sweeper);
    for (const w of this.waiters.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(this.closedError());
    }
    if (this.busy.size > 0) {
      for (const lease of this.busy) lease.shutdown();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref?.();
        this.drainedListeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      for (const lease of [...this.busy]) {
        lease.revoked = true;
        lease.destroy('the connector shut down');
      }
    }
    const idle = this.idle.splice(0);
    await Promise.all(idle.map((s) => s.close()));
  }
}
