import type { ColumnInfo, ResultStream, RowBatch } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import type { PgValue } from '../pgtypes/values.ts';

interface Cursor {
  columns: readonly ColumnInfo[];
  stream: ResultStream;
  iterator: AsyncIterator<RowBatch>;
  /** Rows of a batch not yet fetched. */
  pending: { batch: RowBatch; next: number } | null;
  hold: boolean;
  done: boolean;
  /** Rows fetched or moved over so far, and the error the engine raised, for onClose. */
  rows: number;
  error?: unknown;
  onClose?: CursorClosed;
}

/** Told once when a cursor goes away, with how many rows it gave and the engine's error, if any. */
export type CursorClosed = (outcome: { rowsSent: number; error?: unknown }) => void | Promise<void>;

function sliceBatch(batch: RowBatch, from: number, to: number): RowBatch {
  if (from === 0 && to === batch.rowCount) return batch;
  return { rowCount: to - from, columns: batch.columns.map((c) => Array.prototype.slice.call(c, from, to) as PgValue[]) };
}

/**
 * SQL-level cursors (DECLARE / FETCH / MOVE / CLOSE), as psycopg2's named cursors and SQLAlchemy's
 * stream_results use them. Forward-only: rows are pulled from the engine as they are fetched.
 */
export class Cursors {
  private readonly open = new Map<string, Cursor>();

  columns(name: string): readonly ColumnInfo[] | undefined {
    return this.open.get(name)?.columns;
  }

  async declare(name: string, columns: readonly ColumnInfo[], stream: ResultStream, hold: boolean, onClose?: CursorClosed): Promise<void> {
    if (this.open.has(name)) {
      await stream.close();
      throw new GatewayError('DUPLICATE_CURSOR', `cursor "${name}" already exists`);
    }
    this.open.set(name, { columns, stream, iterator: stream[Symbol.asyncIterator](), pending: null, hold, done: false, rows: 0, ...(onClose && { onClose }) });
  }

  has(name: string): boolean {
    return this.open.has(name);
  }

  /** Up to `count` rows (Infinity for ALL). With `move`, rows are skipped and not returned. */
  async fetch(name: string, count: number, move: boolean): Promise<{ columns: readonly ColumnInfo[]; batches: RowBatch[]; rowCount: number }> {
    const c = this.open.get(name);
    if (!c) throw new GatewayError('INVALID_CURSOR_NAME', `cursor "${name}" does not exist`);
    const batches: RowBatch[] = [];
    let rowCount = 0;
    while (rowCount < count && !c.done) {
      if (!c.pending) {
        let r: IteratorResult<RowBatch>;
        try {
          r = await c.iterator.next();
        } catch (e) {
          c.error ??= e;
          throw e;
        }
        if (r.done) {
          c.done = true;
          break;
        }
        c.pending = { batch: r.value, next: 0 };
      }
      const { batch, next } = c.pending;
      const to = Math.min(batch.rowCount, next + (count - rowCount));
      if (!move) batches.push(sliceBatch(batch, next, to));
      rowCount += to - next;
      c.rows += to - next;
      c.pending = to < batch.rowCount ? { batch, next: to } : null;
    }
    return { columns: c.columns, batches, rowCount };
  }

  async close(name: string): Promise<void> {
    const c = this.open.get(name);
    if (!c) throw new GatewayError('INVALID_CURSOR_NAME', `cursor "${name}" does not exist`);
    this.open.delete(name);
    try {
      await c.stream.close();
    } finally {
      await c.onClose?.({ rowsSent: c.rows, ...(c.error !== undefined && { error: c.error }) });
    }
  }

  async closeAll(): Promise<void> {
    for (const name of [...this.open.keys()]) await this.close(name);
  }

  /** At the end of a transaction block, cursors without HOLD go away. */
  async closeTransactionScoped(): Promise<void> {
    for (const [name, c] of [...this.open]) if (!c.hold) await this.close(name);
  }
}
