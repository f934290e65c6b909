/**
 * A running Vertica statement as a ResultStream.
 *
 * Pull-based: each batch is up to `batchRows` rows taken from the statement's buffer (query.ts), which
 * pauses the socket when the reader falls behind, so a slow reader slows Vertica down through TCP flow
 * control and memory stays bounded. Rows arrive as Vertica's text; the statement decodes each DataRow
 * as it arrives, straight from the message bytes into column-major batches of canonical values
 * (types.ts' decoders; int8, float8 and text read by datarow-values.ts without an intermediate row).
 *
 * Cancellation: the AbortSignal sends a cancel request while Vertica still produces rows; either way
 * the stream then rejects with QUERY_CANCELED. Ending in any way (done, error, cancel, close) runs the
 * statement's finish(): rows drained, statement closed, session given back or closed.
 */
import type { ColumnInfo, ResultStream, ResultSummary, RowBatch } from '../contract.ts';
import { GatewayError } from '../../errors/index.ts';
import type { Logger } from '../../log/index.ts';
import type { ValueTextDecoder } from '../../pgtypes/index.ts';
import type { PgValue } from '../../pgtypes/values.ts';
import type { VerticaField } from './driver.ts';
import { canceledError, mapVerticaError, type PositionMap } from './errors.ts';
import type { RawRow } from './query.ts';
import type { RunningStatement } from './statement.ts';
import { decoderFor, servedType } from './types.ts';

export interface StreamInit {
  engine: string;
  statement: RunningStatement;
  fields: readonly VerticaField[];
  batchRows: number;
  signal: AbortSignal;
  /** performance.now() when execute() was called. */
  startedAt: number;
  positions: PositionMap;
  logger: Logger;
}

type State = 'streaming' | 'done' | 'failed' | 'closed';

/** The result columns of a RowDescription, as tollgate serves them. */
export function columnsOf(fields: readonly VerticaField[]): ColumnInfo[] {
  return fields.map((f) => ({ name: f.name, ...servedType(f.dataTypeID, f.dataTypeModifier) }));
}

/** A value of column `f` that cannot be read as its type. */
function undecodableError(f: VerticaField, e: unknown): GatewayError {
  return new GatewayError('ENGINE_ERROR', `cannot read the value of column "${f.name}" (Vertica type OID ${f.dataTypeID}) that Vertica sent`, {
    cause: e,
    detail: e instanceof Error ? e.message : String(e),
  });
}

/** Rows of Vertica text → one column-major batch of canonical values. */
export function rowsToBatch(rows: readonly RawRow[], fields: readonly VerticaField[], decoders: readonly ValueTextDecoder[]): RowBatch {
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
      throw undecodableError(fields[c]!, e);
    }
    out[c] = values;
  }
  return { rowCount, columns: out };
}

function shutdownError(engine: string): GatewayError {
  return new GatewayError('ENGINE_UNAVAILABLE', `the vertica connector "${engine}" was shut down while the statement ran`);
}

export class VerticaResultStream implements ResultStream {
  readonly columns: readonly ColumnInfo[];
  private readonly decoders: ValueTextDecoder[];
  private state: State = 'streaming';
  private error: GatewayError | undefined;
  private canceled = false;
  private iterated = false;
  private ended = false;
  private rowCount = 0;
  private endedAt: number | undefined;
  private readonly init: StreamInit;
  private readonly onAbort = (): void => {
    if (this.state !== 'streaming') return;
    this.canceled = true;
    this.init.statement.cancel();
  };

  constructor(init: StreamInit) {
    this.init = init;
    this.columns = columnsOf(init.fields);
    this.decoders = init.fields.map((f) => decoderFor(f.dataTypeID, f.dataTypeModifier));
    // Rows are decoded as they arrive, from the DataRow bytes into column-major batches (query.ts).
    init.statement.query.useColumns(this.decoders, init.batchRows, (c, e) => undecodableError(init.fields[c]!, e));
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
    try {
      if (this.canceled) throw canceledError();
      if (this.shuttingDown) throw shutdownError(this.init.engine);
      const batch = await this.init.statement.query.readBatch();
      // close() may have run while we waited: it owns the ending then.
      if ((this.state as State) !== 'streaming') return { done: true, value: undefined };
      if (this.canceled) throw canceledError();
      if (batch === null) {
        await this.end('done');
        return { done: true, value: undefined };
      }
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
        : this.shuttingDown
          ? shutdownError(this.init.engine)
          : mapVerticaError(e, this.init.engine, this.init.positions);
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
        'vertica statement ended',
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
    await this.end('closed');
  }
}
