/**
 * The engine sessions: a pg pool behind a first-come first-served, abortable queue of at most `max`
 * leases. The queue is ours, not pg-pool's, because pg-pool's connection timeout also bounds the wait
 * for a free connection: behind long statements, a waiting one would fail instead of waiting its turn.
 * Here the timeout only bounds opening a connection, and a wait ends when its statement is canceled.
 *
 * A leased client keeps an 'error' listener (pg-pool removes its own while a client is out), so a
 * connection that dies mid-statement marks the lease broken instead of crashing the process. A lease
 * goes back to the pool only when its session is idle (no transaction open) and never broke; otherwise
 * the connection is closed and the pool opens a new one when needed.
 */
import pg from 'pg';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { sendCancelRequest, type CancelTarget } from './cancel.ts';
import { canceledError, unavailableError } from './errors.ts';

/** A connection on loan. */
export interface Lease {
  readonly client: pg.PoolClient;
  /** The connector is shutting down and canceled the statement: its stream must fail, not end. */
  readonly shuttingDown: boolean;
  /** The pool closed the connection underneath the lease: never touch it again. */
  readonly revoked: boolean;
  /** The connection failed while on loan (socket error, FATAL): it will not be reused. */
  readonly broken: Error | undefined;
  /** Sends a CancelRequest for what the session runs now; resolves once delivered or given up. */
  cancel(): Promise<void>;
  /** Gives the connection back: to the pool when its session is idle and sound, else it is closed. Idempotent. */
  release(): void;
  /** Closes the connection instead of giving it back (a session in an unknown state). Idempotent. */
  destroy(reason: string): void;
}

interface Waiter {
  resolve(): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

/** What pg's Client knows but its type declarations do not show. */
interface ClientInternals {
  processID: number | null;
  secretKey: number | null;
}

class PoolLease implements Lease {
  shuttingDown = false;
  revoked = false;
  broken: Error | undefined;
  private done = false;
  private readonly onError = (err: Error): void => {
    this.broken ??= err;
    this.owner.logger.debug({ err: err.message }, 'postgres engine session failed while leased');
  };

  constructor(
    readonly client: pg.PoolClient,
    private readonly owner: SessionPool,
  ) {
    client.on('error', this.onError);
  }

  cancel(): Promise<void> {
    const { processID, secretKey } = this.client as unknown as ClientInternals;
    if (this.done || processID === null || secretKey === null) return Promise.resolve();
    return sendCancelRequest(this.owner.cancelTarget, processID, secretKey).then((delivered) => {
      if (!delivered) this.owner.logger.warn('postgres cancel request could not be delivered');
    });
  }

  release(): void {
    if (this.done) return;
    const status = this.broken === undefined ? this.client.getTransactionStatus() : null;
    if (status !== 'I') {
      this.destroy(this.broken ? 'the connection failed' : `the session is not idle (transaction status ${String(status)})`);
      return;
    }
    this.done = true;
    this.client.removeListener('error', this.onError);
    this.client.release();
    this.owner.returned(this);
  }

  destroy(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.owner.logger.debug({ reason }, 'postgres engine session closed instead of pooled');
    // pg-pool's own listener is back once released; keep ours for errors raised while it closes.
    this.client.release(this.broken ?? new Error(reason));
    this.owner.returned(this);
  }
}

export class SessionPool {
  private readonly pool: pg.Pool;
  /** Leases out plus connections being opened for one. */
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly busy = new Set<PoolLease>();
  private closed = false;
  private drainedListeners: Array<() => void> = [];

  constructor(
    config: pg.PoolConfig,
    readonly max: number,
    readonly engine: string,
    readonly cancelTarget: CancelTarget,
    readonly logger: Logger,
  ) {
    this.pool = new pg.Pool({ ...config, max });
    // An idle pooled connection that dies (server restart, pg_terminate_backend) is dropped by pg-pool,
    // which then emits 'error' here: without a listener that would crash the process.
    this.pool.on('error', (err) => this.logger.warn({ err: err.message }, 'idle postgres engine connection failed; it is dropped'));
  }

  get inUse(): number {
    return this.busy.size;
  }

  /** Waits for a lease; an abort while waiting rejects with QUERY_CANCELED, a connection failure with ENGINE_UNAVAILABLE. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw this.closedError();
    if (signal?.aborted) throw canceledError();
    if (this.active < this.max) this.active++;
    else await this.waitTurn(signal);
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (e) {
      this.slotFreed();
      throw this.closed ? this.closedError() : unavailableError(this.engine, e, 'connecting');
    }
    const lease = new PoolLease(client, this);
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

  /** A lease ended (given back or destroyed): its slot goes to the first waiter. */
  returned(lease: PoolLease): void {
    if (!this.busy.delete(lease)) return;
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

  private closedError(): GatewayError {
    return new GatewayError('ENGINE_UNAVAILABLE', `the postgres connector "${this.engine}" is shut down`);
  }

  /**
   * Refuses new work, cancels running statements, waits up to `graceMs` for their streams to give the
   * connections back, then closes the rest and the pool.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(this.closedError());
    }
    if (this.busy.size > 0) {
      for (const lease of this.busy) {
        lease.shuttingDown = true;
        void lease.cancel();
      }
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
    await this.pool.end();
  }
}
