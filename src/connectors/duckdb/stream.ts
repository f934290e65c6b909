/**
 * A running DuckDB statement as a ResultStream.
 *
 * Pull-based: a chunk is fetched when the reader asks for a batch, plus at most one chunk fetched
 * ahead (the native fetch runs on a libuv thread while JavaScript converts the previous chunk), so a
 * slow reader slows DuckDB down and memory stays at two chunks per statement.
 *
 * Cancellation: the AbortSignal interrupts the connection. DuckDB then either rejects the pending
 * fetch ('INTERRUPT Error') or ends the stream early with an empty chunk; either way the stream
 * rejects with QUERY_CANCELED and gives the connection back.
 */
import type { DuckDBDataChunk, DuckDBResult } from '@duckdb/node-api';
import type { ColumnInfo, ResultStream, ResultSummary, RowBatch } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import { raw } from './bindings.ts';
import { canceledError, mapDuckDBError, type ErrorContext } from './errors.ts';
import type { Lease } from './pool.ts';
import type { VectorReader } from './vectors.ts';

export interface StreamInit {
  lease: Lease;
  result: DuckDBResult;
  columns: ColumnInfo[];
  readers: VectorReader[];
  signal: AbortSignal;
  /** performance.now() when execute() was called. */
  startedAt: number;
  errorContext: ErrorContext;
  logger: Logger;
}

type State = 'streaming' | 'done' | 'failed' | 'closed';

const noop = (): void => {};

function revokedError(): GatewayError {
  return new GatewayError('ENGINE_UNAVAILABLE', 'the DuckDB connector was shut down while the statement ran');
}

/** Converts one DuckDB chunk to a RowBatch with the column readers. */
export function chunkToBatch(chunk: DuckDBDataChunk, readers: readonly VectorReader[]): RowBatch {
  const rowCount = chunk.rowCount;
  const columns = new Array<ArrayLike<PgValue>>(readers.length);
  for (let c = 0; c < readers.length; c++) {
    columns[c] = readers[c]!(raw.data_chunk_get_vector(chunk.chunk, c), rowCount, false);
  }
  return { rowCount, columns };
}

export class DuckDBResultStream implements ResultStream {
  readonly columns: readonly ColumnInfo[];
  private state: State = 'streaming';
  private error: GatewayError | undefined;
  private canceled = false;
  private iterated = false;
  private finished = false;
  private rowCount = 0;
  private endedAt: number | undefined;
  /** The one fetch in flight (awaited by next() or fetched ahead), if any. */
  private inflight: Promise<DuckDBDataChunk | null> | null = null;
  private readonly init: StreamInit;
  private readonly onAbort = (): void => {
    if (this.state !== 'streaming') return;
    this.canceled = true;
    if (!this.init.lease.revoked) this.init.lease.connection.interrupt();
  };

  constructor(init: StreamInit) {
    this.init = init;
    this.columns = init.columns;
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

  private fetch(): Promise<DuckDBDataChunk | null> {
    const p = this.init.result.fetchChunk();
    p.catch(noop); // a fetch ahead may fail before anyone awaits it; next() or close() observes it
    this.inflight = p;
    return p;
  }

  private async next(): Promise<IteratorResult<RowBatch>> {
    if (this.state === 'failed') throw this.error!;
    if (this.state !== 'streaming') return { done: true, value: undefined };
    let chunk: DuckDBDataChunk | null;
    try {
      if (this.canceled) throw canceledError();
      if (this.init.lease.shuttingDown) throw revokedError();
      const p = this.inflight ?? this.fetch();
      try {
        chunk = await p;
      } finally {
        if (this.inflight === p) this.inflight = null;
      }
      // close() may have run while we waited: it owns the ending then.
      if ((this.state as State) !== 'streaming') return { done: true, value: undefined };
      // An interrupted stream can end with an empty chunk instead of an error.
      if (this.canceled) throw canceledError();
      if (this.init.lease.shuttingDown) throw revokedError();
      if (chunk === null || chunk.rowCount === 0) {
        this.finish('done');
        return { done: true, value: undefined };
      }
      this.fetch();
      const batch = chunkToBatch(chunk, this.init.readers);
      this.rowCount += batch.rowCount;
      return { done: false, value: batch };
    } catch (e) {
      const now = this.state as State;
      if (now !== 'streaming') {
        if (now === 'failed') throw this.error!;
        return { done: true, value: undefined };
      }
      const err = this.canceled
        ? canceledError(e)
        : this.init.lease.shuttingDown
          ? revokedError()
          : mapDuckDBError(e, this.init.errorContext);
      await this.settle();
      this.finish('failed', err);
      throw err;
    }
  }

  /** Waits for the fetch in flight, ignoring its outcome. */
  private async settle(): Promise<void> {
    const p = this.inflight;
    if (p !== null) {
      try {
        await p;
      } catch {
        // the statement is ending anyway
      }
      if (this.inflight === p) this.inflight = null;
    }
  }

  private finish(state: Exclude<State, 'streaming'>, error?: GatewayError): void {
    if (this.finished) return;
    this.finished = true;
    this.state = state;
    this.error = error;
    this.endedAt = performance.now();
    this.init.signal.removeEventListener('abort', this.onAbort);
    this.init.lease.release();
    const { logger } = this.init;
    if (logger.isLevelEnabled('debug')) {
      logger.debug(
        { rows: this.rowCount, ms: Math.round(this.endedAt - this.init.startedAt), outcome: state, code: error?.code },
        'duckdb statement ended',
      );
    }
  }

  /** Stops the statement if it still runs and gives the connection back. Safe to call at any time. */
  async close(): Promise<void> {
    if (this.state !== 'streaming') return;
    const { lease } = this.init;
    // Mark first so that a concurrent next() returns done instead of racing us.
    this.state = 'closed';
    if (!lease.revoked) lease.connection.interrupt();
    await this.settle();
    this.finish('closed');
  }
}
