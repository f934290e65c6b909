/**
 * A running PostgreSQL statement as a ResultStream.
 *
 * Pull-based: each batch is one pg-cursor read (an Execute of at most `batchRows` rows; the portal
 * stays suspended on the server between reads), plus at most one read issued ahead while the previous
 * batch is converted, so a slow reader slows PostgreSQL down and memory stays at two batches.
 * Rows arrive as PostgreSQL's text and are decoded column by column into column-major batches.
 *
 * Cancellation: the AbortSignal sends a CancelRequest when a read is executing; either way the stream
 * then rejects with QUERY_CANCELED. Ending in any way (done, error, cancel, close) runs the statement's
 * finish(): portal closed, transaction rolled back, session given back or destroyed.
 */
import type pg from 'pg';
import type { ColumnInfo, ResultStream, ResultSummary, RowBatch } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { ValueTextDecoder } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import type { RawRow } from './cursor.ts';
import { canceledError, mapPgError } from './errors.ts';
import type { RunningStatement } from './statement.ts';
import { decoderFor, servedType } from './types.ts';

export interface StreamInit {
  engine: string;
  statement: RunningStatement;
  fields: readonly pg.FieldDef[];
  batchRows: number;
  signal: AbortSignal;
  /** performance.now() when execute() was called. */
  startedAt: number;
  logger: Logger;
}

type State = 'streaming' | 'done' | 'failed' | 'closed';

const noop = (): void => {};

/** The result columns of a RowDescription, as tollgate serves them. */
export function columnsOf(fields: readonly pg.FieldDef[]): ColumnInfo[] {
  return fields.map((f) => ({ name: f.name, ...servedType(f.dataTypeID, f.dataTypeModifier) }));
}

/** Rows of PostgreSQL text → one column-major batch of canonical values. */
export function rowsToBatch(rows: readonly RawRow[], columns: readonly ColumnInfo[], decoders: readonly ValueTextDecoder[]): RowBatch {
  const rowCount = rows.length;
  const out = new Array<ArrayLike<PgValue>>(decoders.length);
  for (let c = 0; c < decoders.length; c++) {
    const decode = decoders[c]!;
    const values = new Array<PgValue>(rowCount);
    let r = 0;
    try {
      for (; r < rowCount; r++) {
        const text = rows[r]![c];
        values[r] = text === null || text === undefined ? null : decode(text);
      }
    } catch (e) {
      const col = columns[c]!;
      throw new GatewayError('ENGINE_ERROR', `cannot read the value of column "${col.name}" (type OID ${col.typeOid}) that PostgreSQL sent`, {
        cause: e,
        detail: e instanceof Error ? e.message : String(e),
      });
    }
    out[c] = values;
  }
  return { rowCount, columns: out };
}

function shutdownError(engine: string): GatewayError {
  return new GatewayError('ENGINE_UNAVAILABLE', `the postgres connector "${engine}" was shut down while the statement ran`);
}

export class PostgresResultStream implements ResultStream {
  readonly columns: readonly ColumnInfo[];
  private readonly decoders: ValueTextDecoder[];
  private state: State = 'streaming';
  private error: GatewayError | undefined;
  private canceled = false;
  private iterated = false;
  private ended = false;
  private rowCount = 0;
  private endedAt: number | undefined;
  /** The one read in flight (awaited by next() or issued ahead), if any. */
  private inflight: Promise<RawRow[]> | null = null;
  private readonly init: StreamInit;
  private readonly onAbort = (): void => {
    if (this.state !== 'streaming') return;
    this.canceled = true;
    this.init.statement.cancel();
  };

  constructor(init: StreamInit) {
    this.init = init;
    this.columns = columnsOf(init.fields);
    this.decoders = this.columns.map((c) => decoderFor(c.typeOid));
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

  private fetch(): Promise<RawRow[]> {
    const p = this.init.statement.read(this.init.batchRows);
    p.catch(noop); // a read ahead may fail before anyone awaits it; next() or close() observes it
    this.inflight = p;
    return p;
  }

  private async next(): Promise<IteratorResult<RowBatch>> {
    if (this.state === 'failed') throw this.error!;
    if (this.state !== 'streaming') return { done: true, value: undefined };
    try {
      if (this.canceled) throw canceledError();
      if (this.shuttingDown) throw shutdownError(this.init.engine);
      const p = this.inflight ?? this.fetch();
      let rows: RawRow[];
      try {
        rows = await p;
      } finally {
        if (this.inflight === p) this.inflight = null;
      }
      // close() may have run while we waited: it owns the ending then.
      if ((this.state as State) !== 'streaming') return { done: true, value: undefined };
      if (this.canceled) throw canceledError();
      if (rows.length === 0) {
        await this.end('done');
        return { done: true, value: undefined };
      }
      const exhausted = this.init.statement.cursor.phase === 'done';
      if (!exhausted) this.fetch();
      const batch = rowsToBatch(rows, this.columns, this.decoders);
      this.rowCount += batch.rowCount;
      // The last rows: give the session back now rather than at the next call.
      if (exhausted) await this.end('done');
      return { done: false, value: batch };
    } catch (e) {
      const now = this.state as State;
      if (now !== 'streaming') {
        if (now === 'failed') throw this.error!;
        return { done: true, value: undefined };
      }
      const err = this.canceled ? canceledError(e) : this.shuttingDown ? shutdownError(this.init.engine) : mapPgError(e, this.init.engine);
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
      logger.debug(
        { rows: this.rowCount, ms: Math.round(this.endedAt - this.init.startedAt), outcome: state, code: error?.code },
        'postgres statement ended',
      );
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
    this.init.statement.cancel();
    await this.end('closed');
  }
}
