/**
 * A running Impala statement as a ResultStream.
 *
 * Pull-based: each next() is one FetchResults of at most `batchRows` rows, sent only when the reader
 * asks, so a slow reader leaves the rows on the engine (Impala buffers a bounded amount per query and
 * then pauses the query) and tollgate holds one batch per statement. Impala's columns arrive as
 * TColumns and are read column by column into canonical values (types.ts).
 *
 * A FetchResults may return no rows while `hasMoreRows` is true (Impala's fetch timeout: rows not ready
 * yet); the stream then fetches again, pausing a little longer each time. It ends with the batch for
 * which Impala says `hasMoreRows = false`.
 *
 * Cancellation: the AbortSignal sends CancelOperation (on a new connection); the stream rejects with
 * QUERY_CANCELED at the reader's next call, or at once when a fetch was in flight. Ending in any way
 * (done, error, cancel, close) runs the statement's finish(): CloseOperation, session given back.
 */
import type { ColumnInfo, ResultStream, ResultSummary, RowBatch } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import { canceledError, mapImpalaError, shutdownError } from './errors.ts';
import type { RunningStatement } from './statement.ts';
import { readBatch, readerFor, type ColumnReader } from './types.ts';

export interface StreamInit {
  engine: string;
  statement: RunningStatement;
  columns: ColumnInfo[];
  batchRows: number;
  signal: AbortSignal;
  /** performance.now() when execute() was called. */
  startedAt: number;
  logger: Logger;
}

type State = 'streaming' | 'done' | 'failed' | 'closed';

const MAX_EMPTY_PAUSE_MS = 200;

export class ImpalaResultStream implements ResultStream {
  readonly columns: readonly ColumnInfo[];
  private readonly readers: ColumnReader[];
  private state: State = 'streaming';
  private error: GatewayError | undefined;
  private iterated = false;
  private ended = false;
  private rowCount = 0;
  private endedAt: number | undefined;
  private readonly init: StreamInit;
  private readonly onAbort = (): void => {
    if (this.state !== 'streaming') return;
    this.init.statement.cancel();
  };

  constructor(init: StreamInit) {
    this.init = init;
    this.columns = init.columns;
    this.readers = init.columns.map((c) => readerFor(c));
    if (init.signal.aborted) this.onAbort();
    else init.signal.addEventListener('abort', this.onAbort, { once: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<RowBatch> {
    if (this.iterated) throw new Error('a ResultStream can be iterated only once');
    this.iterated = true;
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  summary(): ResultSummary {
    return { rowCount: this.rowCount, elapsedMs: (this.endedAt ?? performance.now()) - this.init.startedAt };
  }

  private get shuttingDown(): boolean {
    const { lease } = this.init.statement;
    return lease.shuttingDown || lease.revoked;
  }

  private async next(): Promise<IteratorResult<RowBatch>> {
    if (this.state === 'failed') throw this.error!;
    if (this.state !== 'streaming') return { done: true, value: undefined };
    const { statement } = this.init;
    try {
      for (let empty = 0; ; empty++) {
        if (this.shuttingDown) throw shutdownError(this.init.engine);
        if (statement.canceled) throw canceledError();
        const resp = await statement.fetch(this.init.batchRows);
        // close() may have run while we waited: it owns the ending then.
        if ((this.state as State) !== 'streaming') return { done: true, value: undefined };
        if (statement.canceled) throw canceledError();
        const more = resp.hasMoreRows !== false;
        const batch = resp.results ? readBatch(resp.results, this.columns, this.readers) : { rowCount: 0, columns: this.columns.map(() => []) };
        if (batch.rowCount === 0) {
          if (!more) {
            await this.end('done');
            return { done: true, value: undefined };
          }
          await statement.pause(Math.min(2 ** empty, MAX_EMPTY_PAUSE_MS));
          continue;
        }
        this.rowCount += batch.rowCount;
        // The last rows: close the operation and give the session back now rather than at the next call.
        if (!more) await this.end('done');
        return { done: false, value: batch };
      }
    } catch (e) {
      const now = this.state as State;
      if (now !== 'streaming') {
        if (now === 'failed') throw this.error!;
        return { done: true, value: undefined };
      }
      const err = statement.canceled && !this.shuttingDown ? canceledError(e) : this.shuttingDown ? shutdownError(this.init.engine) : mapImpalaError(e, this.init.engine);
      await this.end('failed', err);
      throw err;
    }
  }

  private async end(state: Exclude<State, 'streaming'>, error?: GatewayError): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.state = state;
    this.error = error;
    this.endedAt = performance.now();
    this.init.signal.removeEventListener('abort', this.onAbort);
    await this.init.statement.finish();
    const { logger } = this.init;
    if (logger.isLevelEnabled('debug')) {
      logger.debug({ rows: this.rowCount, ms: Math.round(this.endedAt - this.init.startedAt), outcome: state, code: error?.code }, 'impala statement ended');
    }
  }

  /** Stops the statement if it still runs and gives the session back. Safe to call at any time. */
  async close(): Promise<void> {
    if (this.state !== 'streaming') {
      await this.init.statement.finish();
      return;
    }
    // Mark first so that a concurrent next() returns done instead of racing us.
    this.state = 'closed';
    // CloseOperation cancels the query too, but it would wait behind a fetch Impala is holding.
    if (this.init.statement.busy) this.init.statement.cancel();
    await this.end('closed');
  }
}
