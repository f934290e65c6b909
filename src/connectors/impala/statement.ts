/**
 * One statement on one leased session, from ExecuteStatement to the lease's return.
 *
 * - `waitReady()` polls GetOperationStatus (at once, then backing off from 10 ms to 500 ms) until
 *   Impala reports FINISHED_STATE — in Impala that means "rows can be fetched", not "all rows are
 *   computed", so streaming starts as soon as the first rows exist.
 * - `cancel()` sends CancelOperation on a new connection (cancel.ts), once; the statement's own
 *   connection may be held by a FetchResults. The poll loop wakes up at once. An RPC still waiting
 *   CANCEL_GRACE_MS later (a hung engine or network) has its connection dropped, which ends it.
 * - `finish()` ends it in every case (done, error, cancel, close, shutdown): it waits for the cancel to
 *   have been answered and for the RPC in flight, sends CloseOperation (which also cancels the query if it
 *   still runs), and gives the session back — or closes it when the connection broke, an RPC failed
 *   at the transport level, or the clean-up took longer than CLEANUP_TIMEOUT_MS.
 */
import type { Logger } from '../../log/index.ts';
import { sendCancelOperation } from './cancel.ts';
import { canceledError, Hs2StatusError } from './errors.ts';
import type { Lease } from './pool.ts';
import { TOperationState, type TFetchResultsResp, type TOperationHandle, type TTableSchema } from './thrift.ts';
import type { Endpoint } from './transport.ts';

const CLEANUP_TIMEOUT_MS = 10_000;
/** After CancelOperation, an RPC still waiting this long means Impala (or the network) hangs: the connection is dropped. */
const CANCEL_GRACE_MS = 5_000;
const POLL_FIRST_MS = 10;
const POLL_MAX_MS = 500;
const noop = (): void => {};

const STATE_NAMES: Record<number, string> = {
  [TOperationState.CLOSED]: 'closed',
  [TOperationState.UKNOWN]: 'in an unknown state',
  [TOperationState.TIMEDOUT]: 'timed out',
};

export class RunningStatement {
  /** The RPC in flight on the session's connection, if any. */
  private inflight: Promise<unknown> | null = null;
  private cancelSent: Promise<boolean> | null = null;
  private finished: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private closedOperation = false;
  private cancelGrace: NodeJS.Timeout | undefined;

  constructor(
    readonly lease: Lease,
    readonly op: TOperationHandle,
    private readonly endpoint: Endpoint,
    private readonly logger: Logger,
  ) {}

  get canceled(): boolean {
    return this.cancelSent !== null;
  }

  /** Whether an RPC for the statement is waiting for Impala now. */
  get busy(): boolean {
    return this.inflight !== null;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    const settled = p.then(noop, noop);
    this.inflight = settled;
    void settled.then(() => {
      if (this.inflight === settled) this.inflight = null;
    });
    return p;
  }

  /** Cancels the statement on the engine, once. */
  cancel(): void {
    if (this.cancelSent !== null || this.finished !== null || this.lease.revoked || this.closedOperation) return;
    this.cancelSent = sendCancelOperation(this.endpoint, this.op, this.logger);
    this.wake?.();
    this.cancelGrace = setTimeout(() => {
      if (this.inflight === null || this.lease.revoked) return;
      this.logger.warn({ ms: CANCEL_GRACE_MS }, 'impala did not answer a canceled statement in time; its connection is dropped');
      this.lease.session.connection.destroy('the canceled statement did not stop in time');
    }, CANCEL_GRACE_MS);
    this.cancelGrace.unref();
  }

  private sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    }).finally(() => {
      this.wake = null;
    });
  }

  /** Polls until rows can be fetched; rejects with the statement's error, or 57014 once canceled. */
  async waitReady(): Promise<void> {
    let delay = 0;
    for (;;) {
      if (this.canceled) throw canceledError();
      const resp = await this.track(this.lease.session.status(this.op));
      if (this.canceled) throw canceledError();
      const state = resp.operationState ?? TOperationState.UKNOWN;
      switch (state) {
        case TOperationState.FINISHED:
          return;
        case TOperationState.ERROR:
          throw new Hs2StatusError('GetOperationStatus', {
            errorMessage: resp.errorMessage || resp.status.errorMessage || 'the statement failed without a message',
            ...(resp.sqlState != null && { sqlState: resp.sqlState }),
            ...(resp.errorCode != null && { errorCode: resp.errorCode }),
          });
        case TOperationState.CANCELED:
          // Canceled on the engine, not by us (an administrator, a timeout).
          throw new Hs2StatusError('GetOperationStatus', { errorMessage: resp.errorMessage || 'Cancelled' });
        case TOperationState.INITIALIZED:
        case TOperationState.PENDING:
        case TOperationState.RUNNING:
          break;
        default:
          throw new Hs2StatusError('GetOperationStatus', { errorMessage: resp.errorMessage || `the statement is ${STATE_NAMES[state] ?? `in state ${state}`}` });
      }
      await this.sleep(delay);
      delay = delay === 0 ? POLL_FIRST_MS : Math.min(delay * 2, POLL_MAX_MS);
    }
  }

  metadata(): Promise<TTableSchema> {
    return this.track(this.lease.session.metadata(this.op));
  }

  fetch(maxRows: number): Promise<TFetchResultsResp> {
    return this.track(this.lease.session.fetch(this.op, maxRows));
  }

  /** Waits `ms` unless canceled first (between empty fetches of a statement that has no rows ready yet). */
  pause(ms: number): Promise<void> {
    return this.canceled ? Promise.resolve() : this.sleep(ms);
  }

  /** Ends the statement and gives the session back (or closes it). Idempotent; never rejects. */
  finish(): Promise<void> {
    this.finished ??= this.cleanup();
    return this.finished;
  }

  private async cleanup(): Promise<void> {
    const { lease } = this;
    this.wake?.();
    if (lease.revoked) return;
    const session = lease.session;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLEANUP_TIMEOUT_MS);
      timer.unref?.();
    });
    const work = (async (): Promise<'done'> => {
      if (this.cancelSent !== null) await this.cancelSent;
      if (this.inflight !== null) await this.inflight;
      if (session.broken) return 'done';
      try {
        await session.closeOperation(this.op);
      } catch (e) {
        // Impala answers an error for an operation it already dropped (canceled and closed on its side):
        // the session is fine. Anything else is the connection's fault.
        if (!(e instanceof Hs2StatusError)) throw e;
        this.logger.debug({ err: e.message }, 'impala CloseOperation answered an error');
      }
      this.closedOperation = true;
      return 'done';
    })();
    work.catch(noop);
    try {
      const outcome = await Promise.race([work, timedOut]);
      if (outcome === 'timeout') {
        this.logger.warn({ ms: CLEANUP_TIMEOUT_MS }, 'impala statement did not end in time; its session is closed');
        lease.destroy('the statement did not end in time');
        return;
      }
      if (session.broken) lease.destroy('the connection broke');
      else lease.release();
    } catch (e) {
      lease.destroy(`the statement could not be ended cleanly: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
      clearTimeout(this.cancelGrace);
    }
  }
}
