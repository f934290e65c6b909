/**
 * The engine sessions: a v-pool (vertica-nodejs's pool) of contained clients (driver.ts) behind a
 * first-come first-served, abortable queue of at most `max` leases. The queue is ours because v-pool's
 * connection timeout also bounds the wait for a free session: behind long statements, a waiting one
 * would fail instead of waiting its turn. Here the timeout only bounds opening a session, and a wait
 * ends when its statement is canceled.
 *
 * A new session runs SESSION_SETUP (options.ts) before its first statement. A lease goes back to the
 * pool only when its session is idle (ReadyForQuery 'I') and never failed; otherwise it is closed and
 * the pool opens a new one when needed. Idle sessions that fail are dropped by v-pool (its 'error'
 * event is handled here).
 */
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { sendCancelRequest, type CancelTarget } from './cancel.ts';
import { createDriverPool, type DriverPool, type DriverPoolConfig, type VerticaClient } from './driver.ts';
import { canceledError, unavailableError } from './errors.ts';
import { SESSION_SETUP } from './options.ts';
import { VerticaQuery } from './query.ts';

type PooledClient = VerticaClient & { release(err?: Error | boolean): void };

/** A session on loan. */
export interface Lease {
  readonly client: VerticaClient;
  /** The connector is shutting down and canceled the statement: its stream must fail, not end. */
  readonly shuttingDown: boolean;
  /** The pool closed the session underneath the lease: never touch it again. */
  readonly revoked: boolean;
  /** The session failed while on loan (socket error, FATAL, driver fault): it will not be reused. */
  readonly broken: Error | undefined;
  /** Resolves with the failure when the session fails while on loan. */
  readonly lost: Promise<Error>;
  /** Sends a cancel request for what the session runs now; resolves once delivered or given up. */
  cancel(): Promise<void>;
  /** Gives the session back: to the pool when idle and sound, else it is closed. Idempotent. */
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
  broken: Error | undefined;
  readonly lost: Promise<Error>;
  private done = false;
  private markLost!: (e: Error) => void;
  private readonly onError = (err: Error): void => {
    this.broken ??= err;
    this.markLost(err);
    this.owner.logger.debug({ err: err.message }, 'vertica engine session failed while leased');
  };
  private readonly onEnd = (): void => this.onError(new Error('Connection terminated unexpectedly'));

  constructor(
    readonly client: PooledClient,
    private readonly owner: SessionPool,
  ) {
    this.lost = new Promise((resolve) => {
      this.markLost = resolve;
    });
    client.on('error', this.onError);
    client.connection.on('end', this.onEnd);
    if (client.failure !== undefined) this.onError(client.failure);
  }

  cancel(): Promise<void> {
    const { processID, secretKey } = this.client;
    if (this.done || processID === null || secretKey === null) return Promise.resolve();
    return sendCancelRequest(this.owner.cancelTarget, processID, secretKey).then((delivered) => {
      if (!delivered) this.owner.logger.warn('vertica cancel request could not be delivered');
    });
  }

  release(): void {
    if (this.done) return;
    if (this.broken !== undefined || this.client.dead || this.client.txStatus !== 'I') {
      this.destroy(this.broken ? 'the session failed' : `the session is not idle (transaction status ${this.client.txStatus})`);
      return;
    }
    this.done = true;
    this.detach();
    this.client.release();
    this.owner.returned(this);
  }

  destroy(reason: string): void {
    if (this.done) return;
    this.done = true;
    this.owner.logger.debug({ reason }, 'vertica engine session closed instead of pooled');
    this.detach();
    // v-pool ends the client (Terminate, or the socket destroyed when a statement is still active).
    this.client.release(this.broken ?? new Error(reason));
    this.owner.returned(this);
  }

  private detach(): void {
    this.client.removeListener('error', this.onError);
    this.client.connection.removeListener('end', this.onEnd);
  }
}

/** Runs one simple statement to its end; rejects with its error. */
export async function runSimple(client: VerticaClient, text: string): Promise<void> {
  const q = new VerticaQuery({ mode: 'simple', text });
  client.query(q);
  await q.settled;
  if (q.failure !== undefined) throw q.failure;
}

export class SessionPool {
  private readonly pool: DriverPool;
  /** Leases out plus sessions being opened for one. */
  private active = 0;
  private readonly waiters: Waiter[] = [];
  private readonly busy = new Set<PoolLease>();
  private closed = false;
  private drainedListeners: Array<() => void> = [];

  constructor(
    config: Omit<DriverPoolConfig, 'verify'>,
    readonly max: number,
    readonly engine: string,
    readonly cancelTarget: CancelTarget,
    readonly logger: Logger,
  ) {
    this.pool = createDriverPool({
      ...config,
      max,
      verify: (client, done) => {
        client.onFailure = (err) => this.logger.debug({ err: err.message, session: client.id }, 'vertica engine session reported an error');
        void (async () => {
          for (const statement of SESSION_SETUP) await runSimple(client, statement);
          client.prepared = true;
        })().then(
          () => done(),
          (e: unknown) => done(e instanceof Error ? e : new Error(String(e))),
        );
      },
    });
    // An idle session that dies (server restart, CLOSE_SESSION) is dropped by v-pool, which then emits
    // 'error' here: without a listener that would crash the process.
    this.pool.on('error', (err: Error) => this.logger.warn({ err: err.message }, 'idle vertica engine session failed; it is dropped'));
  }

  get inUse(): number {
    return this.busy.size;
  }

  /** Waits for a lease; an abort while waiting rejects with QUERY_CANCELED, a connection failure with 08006. */
  async acquire(signal?: AbortSignal): Promise<Lease> {
    if (this.closed) throw this.closedError();
    if (signal?.aborted) throw canceledError();
    if (this.active < this.max) this.active++;
    else await this.waitTurn(signal);
    let client: PooledClient;
    try {
      client = (await this.pool.connect()) as PooledClient;
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
    return new GatewayError('ENGINE_UNAVAILABLE', `the vertica connector "${this.engine}" is shut down`);
  }

  /**
   * Refuses new work, cancels running statements, waits up to `graceMs` for their streams to give the
   * sessions back, then closes the rest and the pool.
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
