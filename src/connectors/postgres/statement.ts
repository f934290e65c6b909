/**
 * One statement on one leased session, from BEGIN TRANSACTION READ ONLY to the lease's return.
 *
 * cancel() sends PostgreSQL a CancelRequest while the statement executes on the server (being
 * described, or a read in flight); between reads the portal is suspended and the backend idle, and
 * there is nothing to cancel there. finish() ends it cleanly: it waits for the CancelRequest to have
 * been delivered (so that it cannot hit whatever the session runs next), for the read in flight,
 * closes the portal if it is still open, rolls the transaction back (which also undoes any setting the
 * statement changed), and gives the session back. If any step fails, the connection broke, or it all
 * takes longer than CLEANUP_TIMEOUT_MS, the connection is destroyed instead of pooled.
 */
import type { Logger } from '../../log/index.ts';
import type { StatementCursor, RawRow } from './cursor.ts';
import type { Lease } from './pool.ts';

const CLEANUP_TIMEOUT_MS = 10_000;
const noop = (): void => {};

export class RunningStatement {
  private pendingRead: Promise<unknown> | null = null;
  private cancelSent: Promise<void> | null = null;
  private finished: Promise<void> | null = null;

  constructor(
    readonly lease: Lease,
    readonly cursor: StatementCursor,
    private readonly logger: Logger,
  ) {}

  /** Whether PostgreSQL may be executing for this statement right now. */
  get executing(): boolean {
    const phase = this.cursor.phase;
    return phase === 'submitted' || phase === 'busy';
  }

  /** Reads up to `rows` rows (one read at a time). */
  read(rows: number): Promise<RawRow[]> {
    const p = this.cursor.read(rows);
    const pending = p.then(noop, noop);
    this.pendingRead = pending;
    void pending.then(() => {
      if (this.pendingRead === pending) this.pendingRead = null;
    });
    return p;
  }

  /** Cancels what the statement executes now, once. */
  cancel(): void {
    if (this.cancelSent !== null || this.finished !== null || this.lease.revoked || !this.executing) return;
    this.cancelSent = this.lease.cancel();
  }

  /** Ends the statement and gives the session back (or closes it). Idempotent; never rejects. */
  finish(): Promise<void> {
    this.finished ??= this.cleanup();
    return this.finished;
  }

  private async cleanup(): Promise<void> {
    const { lease, cursor } = this;
    if (lease.revoked) return;
    const client = lease.client;
    let lost: (e: Error) => void = noop;
    const connectionLost = new Promise<never>((_, reject) => {
      lost = reject;
    });
    connectionLost.catch(noop);
    const onEnd = (): void => lost(new Error('the connection ended'));
    client.on('end', onEnd);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), CLEANUP_TIMEOUT_MS);
      timer.unref?.();
    });
    const work = (async (): Promise<'done'> => {
      if (this.cancelSent !== null) await this.cancelSent;
      await Promise.race([Promise.all([cursor.described.catch(noop), this.pendingRead]), connectionLost]);
      const phase = cursor.phase;
      if (phase === 'idle' || phase === 'submitted') await Promise.race([cursor.close(), connectionLost]);
      // After an error the cursor has already sent Sync; the client waits for ReadyForQuery itself.
      await Promise.race([client.query('ROLLBACK'), connectionLost]);
      return 'done';
    })();
    work.catch(noop);
    try {
      const outcome = await Promise.race([work, timedOut]);
      if (outcome === 'timeout') {
        this.logger.warn({ ms: CLEANUP_TIMEOUT_MS }, 'postgres statement did not end in time; its connection is closed');
        if (this.executing) await lease.cancel();
        lease.destroy('the statement did not end in time');
        return;
      }
      lease.release();
    } catch (e) {
      lease.destroy(`the statement could not be ended cleanly: ${(e as Error).message}`);
    } finally {
      clearTimeout(timer);
      client.removeListener('end', onEnd);
    }
  }
}
