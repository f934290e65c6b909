/**
 * One statement on one leased session, from submission to the lease's return.
 *
 * cancel() sends Vertica a cancel request while the statement executes (rows not all received).
 * finish() ends it cleanly, whatever state it is in:
 *
 *   1. rows still coming (the reader stopped early, or a cancel): stop keeping them, let the socket run,
 *      and cancel the statement so Vertica stops producing; wait for the cancel request to have been
 *      delivered (so that it cannot hit the session's next statement) and for ReadyForQuery;
 *   2. a prepared statement left open by an error or a cancel: Close it (Close + Sync);
 *   3. a transaction left open (ReadyForQuery not 'I'): ROLLBACK;
 *   4. give the session back.
 *
 * If a step fails, the session broke, or it all takes longer than CLEANUP_TIMEOUT_MS (Vertica keeps
 * streaming a result it was asked to cancel, say), the session is closed instead of pooled: v-pool
 * ends it, destroying the socket when a statement is still active, which Vertica sees as the client
 * going away.
 */
import type { Logger } from '../../log/index.ts';
import type { Lease } from './pool.ts';
import { runSimple } from './pool.ts';
import { VerticaQuery } from './query.ts';

const CLEANUP_TIMEOUT_MS = 10_000;
const noop = (): void => {};

export class RunningStatement {
  private cancelSent: Promise<void> | null = null;
  private finished: Promise<void> | null = null;

  constructor(
    readonly lease: Lease,
    readonly query: VerticaQuery,
    private readonly logger: Logger,
  ) {}

  /** Cancels what the statement executes now, once. */
  cancel(): void {
    if (this.cancelSent !== null || this.finished !== null || this.lease.revoked || !this.query.executing) return;
    this.cancelSent = this.lease.cancel();
  }

  get canceled(): boolean {
    return this.cancelSent !== null;
  }

  /** Ends the statement and gives the session back (or closes it). Idempotent; never rejects. */
  finish(): Promise<void> {
    this.finished ??= this.cleanup();
    return this.finished;
  }

  private async cleanup(): Promise<void> {
    const { lease, query } = this;
    if (lease.revoked) return;
    const lost = lease.lost.then((e) => {
      throw e;
    });
    lost.catch(noop);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLEANUP_TIMEOUT_MS);
      timer.unref?.();
    });
    const work = (async (): Promise<'done'> => {
      if (!query.isSettled) {
        query.discard();
        if (query.executing && this.cancelSent === null) this.cancelSent = lease.cancel();
      }
      await Promise.race([Promise.all([this.cancelSent, query.settled]), lost]);
      const client = lease.client;
      if (query.statementOpen) {
        const close = new VerticaQuery({ mode: 'close', text: '', statementName: query.statementName });
        client.query(close);
        await Promise.race([close.settled, lost]);
      }
      if (client.txStatus !== 'I') await Promise.race([runSimple(client, 'ROLLBACK'), lost]);
      return 'done';
    })();
    work.catch(noop);
    try {
      const outcome = await Promise.race([work, timedOut]);
      if (outcome === 'timeout') {
        this.logger.warn({ ms: CLEANUP_TIMEOUT_MS }, 'vertica statement did not end in time; its session is closed');
        lease.destroy('the statement did not end in time');
        return;
      }
      lease.release();
    } catch (e) {
      lease.destroy(`the statement could not be ended cleanly: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}
