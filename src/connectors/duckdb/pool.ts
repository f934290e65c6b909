/**
 * A small pool of DuckDB connections on one instance: one connection per running statement, created
 * lazily up to `max`, handed out first-come first-served. A connection runs one statement at a time
 * (DuckDB's client context is single-threaded), so sessions get parallelism from separate connections
 * while DuckDB's own threads parallelize inside each statement.
 */
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { GatewayError } from '../../errors/index.ts';
import { canceledError } from './errors.ts';

/** A connection on loan. */
export interface Lease {
  readonly connection: DuckDBConnection;
  /** The pool is shutting down and interrupted the statement: its stream must fail, not end. */
  readonly shuttingDown: boolean;
  /** The pool closed the connection underneath the lease: never touch it again. */
  readonly revoked: boolean;
  /** Gives the connection back (idempotent). */
  release(): void;
}

interface Waiter {
  resolve(lease: Lease): void;
  reject(e: unknown): void;
  signal?: AbortSignal;
  onAbort?: () => void;
}

class PoolLease implements Lease {
  shuttingDown = false;
  revoked = false;
  released = false;
  constructor(
    readonly connection: DuckDBConnection,
    private readonly pool: ConnectionPool,
  ) {}
  release(): void {
    if (this.released) return;
    this.released = true;
    this.pool.giveBack(this);
  }
}

function closedError(): GatewayError {
  return new GatewayError('ENGINE_UNAVAILABLE', 'the DuckDB connector is shut down');
}

export class ConnectionPool {
  private readonly idle: DuckDBConnection[] = [];
  private readonly busy = new Set<PoolLease>();
  private readonly waiters: Waiter[] = [];
  private creating = 0;
  private closed = false;
  private drainedListeners: Array<() => void> = [];

  constructor(
    private readonly instance: DuckDBInstance,
    readonly max: number,
  ) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError('maxConnections must be a positive integer');
  }

  get size(): number {
    return this.idle.length + this.busy.size + this.creating;
  }

  get inUse(): number {
    return this.busy.size;
  }

  /** Waits for a connection; an abort while waiting rejects with QUERY_CANCELED. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw closedError();
    if (signal?.aborted) throw canceledError();
    const conn = this.idle.pop();
    if (conn !== undefined) return this.lend(conn);
    if (this.size < this.max) {
      this.creating++;
      try {
        const created = await this.instance.connect();
        if (this.closed) {
          created.closeSync();
          throw closedError();
        }
        return this.lend(created);
      } finally {
        this.creating--;
      }
    }
    return new Promise<Lease>((resolve, reject) => {
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

  private lend(conn: DuckDBConnection): PoolLease {
    const lease = new PoolLease(conn, this);
    this.busy.add(lease);
    return lease;
  }

  /** Called by PoolLease.release. */
  giveBack(lease: PoolLease): void {
    this.busy.delete(lease);
    if (lease.revoked) {
      this.notifyIfDrained();
      return;
    }
    if (this.closed) {
      lease.connection.closeSync();
      this.notifyIfDrained();
      return;
    }
    const waiter = this.waiters.shift();
    if (waiter !== undefined) {
      if (waiter.signal && waiter.onAbort) waiter.signal.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(this.lend(lease.connection));
      return;
    }
    this.idle.push(lease.connection);
  }

  private notifyIfDrained(): void {
    if (this.busy.size === 0) {
      for (const fn of this.drainedListeners.splice(0)) fn();
    }
  }

  /**
   * Refuses new work, interrupts running statements, waits up to `graceMs` for their streams to give
   * the connections back, then revokes the rest and disconnects everything.
   */
  async close(graceMs = 2000): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const w of this.waiters.splice(0)) {
      if (w.signal && w.onAbort) w.signal.removeEventListener('abort', w.onAbort);
      w.reject(closedError());
    }
    for (const conn of this.idle.splice(0)) conn.closeSync();
    if (this.busy.size > 0) {
      for (const lease of this.busy) {
        lease.shuttingDown = true;
        lease.connection.interrupt();
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        timer.unref?.();
        this.drainedListeners.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      for (const lease of this.busy) {
        lease.revoked = true;
        lease.connection.closeSync();
      }
      this.busy.clear();
    }
  }
}
